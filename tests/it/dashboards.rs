//! The dashboards (issue 16 §1): the staff overview and the institution dashboard show the
//! figures of the orders that exist, in their tables, charts and CSV files alike; the counts
//! behind them follow every change of an order; one institution never sees another's
//! figures. That at scale they read indexes, not every order, is in `plans.rs`.
use clock::Clock;
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::i18n::Lang;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use tcs_portal::db::dashboard;

use crate::helpers::{SANDBOX_KEY, TestApp, TestClient, html_unescape};
use crate::orders::etf;
use crate::tenancy::{TwoInstitutions, two_institutions};

async fn insert_order(
    app: &TestApp,
    institution: Uuid,
    product: &str,
    status: &str,
    created_at: OffsetDateTime,
    not_after: Option<OffsetDateTime>,
) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO certificate_orders (institution_id, status, common_name, product, created_at,
                                         updated_at, not_after)
         VALUES ($1, $2, 'Osoba', $3, $4, $4, $5) RETURNING id",
    )
    .bind(institution)
    .bind(status)
    .bind(product)
    .bind(created_at)
    .bind(not_after)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// Known orders: in A, three Premium issued a minute ago (ending in 40 days), one Secure
/// Email failed a minute ago and two Premium canceled three weeks ago; in B, one Premium
/// issued a minute ago (ending in 400 days) and one placed 30 weeks ago, outside the chart.
async fn seeded(app: &TestApp) -> TwoInstitutions {
    let world = two_institutions(app).await;
    let now = app.clock.now();
    let recent = now - Duration::minutes(1);
    for _ in 0..3 {
        insert_order(
            app,
            world.a,
            "client_premium",
            "issued",
            recent,
            Some(now + Duration::days(40)),
        )
        .await;
    }
    insert_order(app, world.a, "secure_email_sponsor", "failed", recent, None).await;
    for _ in 0..2 {
        insert_order(
            app,
            world.a,
            "client_premium",
            "canceled",
            now - Duration::weeks(3),
            None,
        )
        .await;
    }
    insert_order(
        app,
        world.b,
        "client_premium",
        "issued",
        recent,
        Some(now + Duration::days(400)),
    )
    .await;
    insert_order(
        app,
        world.b,
        "client_premium",
        "queued",
        now - Duration::weeks(30),
        None,
    )
    .await;
    world
}

/// A CSV download as rows of cells (the figures' files hold no quoted cells).
async fn csv(client: &TestClient, path: &str) -> Vec<Vec<String>> {
    let response = client.get(path).await;
    response.assert_ok();
    assert!(
        response.header("content-type").starts_with("text/csv"),
        "{path}"
    );
    response
        .body
        .lines()
        .map(|line| line.split(',').map(str::to_owned).collect())
        .collect()
}

/// The cell of `column` (by header) in the last row, the current week or month.
fn cell(rows: &[Vec<String>], row: usize, column: &str) -> u64 {
    let index = rows[0].iter().position(|name| name == column).unwrap();
    rows[row][index].parse().unwrap()
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn staff_see_orders_per_week_by_product_and_outcome_as_seeded(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = seeded(&app).await;
    let staff = &world.staff.client;

    let by_product = csv(staff, "/staff/dashboard/orders-by-product.csv").await;
    // A header and 26 weeks, the current one last.
    assert_eq!(by_product.len(), 27);
    let this_week = by_product.len() - 1;
    assert_eq!(cell(&by_product, this_week, "client_premium"), 4);
    assert_eq!(cell(&by_product, this_week, "secure_email_sponsor"), 1);
    assert_eq!(cell(&by_product, this_week, "total"), 5);
    assert_eq!(cell(&by_product, this_week - 3, "client_premium"), 2);
    let all: u64 = (1..by_product.len())
        .map(|row| cell(&by_product, row, "total"))
        .sum();
    assert_eq!(all, 7, "the order of 30 weeks ago is outside the chart");

    let by_outcome = csv(staff, "/staff/dashboard/orders-by-outcome.csv").await;
    assert_eq!(cell(&by_outcome, this_week, "issued"), 4);
    assert_eq!(cell(&by_outcome, this_week, "stopped"), 1);
    assert_eq!(cell(&by_outcome, this_week - 3, "stopped"), 2);

    // The page's table has the same numbers as the CSV.
    let page = staff.get("/staff").await;
    page.assert_ok();
    let current = &by_product[this_week];
    let row: String = current[1..]
        .iter()
        .map(|n| format!("<td>{n}</td>"))
        .collect();
    let row = format!("<th scope=\"row\">{}</th>{row}</tr>", current[0]);
    assert!(page.body.contains(&row), "{row} in {}", page.body);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn staff_see_live_certificates_by_the_month_they_end_and_each_institution(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = seeded(&app).await;
    let staff = &world.staff.client;
    let page = staff.get("/staff").await;
    page.assert_ok();
    assert!(
        page.body.contains("<span id=\"live\">4</span>"),
        "{}",
        page.body
    );

    let months = csv(staff, "/staff/dashboard/certificates-ending.csv").await;
    assert_eq!(months.len(), 13);
    let ending = app.clock.now() + Duration::days(40);
    let month = format!("{}-{:02}-01", ending.year(), u8::from(ending.month()));
    let row = months.iter().position(|row| row[0] == month).unwrap();
    assert_eq!(cell(&months, row, "certificates"), 3);
    let in_year: u64 = (1..months.len())
        .map(|row| cell(&months, row, "certificates"))
        .sum();
    assert_eq!(in_year, 3, "B's certificate ends after the 12 months");

    // The table of institutions: live certificates and orders this month, sortable.
    let by_live = html_unescape(&staff.get("/staff?sort=live").await.body);
    let a_row = format!("<a href=\"/institutions/{}\"", world.a);
    let b_row = format!("<a href=\"/institutions/{}\"", world.b);
    let a_at = by_live.find(&a_row).unwrap();
    let b_at = by_live.find(&b_row).unwrap();
    assert!(
        a_at < b_at,
        "A has more live certificates, so it comes first"
    );
    assert!(by_live[a_at..].contains("etf-bg</a></th><td>3</td><td>4</td><td>0 %</td>"));
    let by_name = html_unescape(&staff.get("/staff?sort=name").await.body);
    assert!(by_name.find(&a_row).unwrap() < by_name.find(&b_row).unwrap());
    // An unknown sort is the default one, not an error.
    staff.get("/staff?sort=%3Cscript%3E").await.assert_ok();
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn validations_ending_within_90_days_link_to_their_institution(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let now = app.clock.now();
    sqlx::query("UPDATE institutions SET org_validated_until = $1 WHERE id = $2")
        .bind(now + Duration::days(20))
        .bind(world.a)
        .execute(&app.pool)
        .await
        .unwrap();
    let page = world.staff.client.get("/staff").await;
    page.assert_ok();
    let body = html_unescape(&page.body);
    // In the timeline (SVG) and in the table, each linking to ETF.
    let link = format!("<a href=\"/institutions/{}\">", world.a);
    assert!(body.matches(&link).count() >= 2, "{body}");
    let rows = csv(
        &world.staff.client,
        "/staff/dashboard/validations-ending.csv",
    )
    .await;
    // ETF's organization ends in 20 days; its domain's validation (300 days) is not listed.
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][2], "organization");
    let days: u64 = rows[1][5].parse().unwrap();
    assert!((19..=20).contains(&days), "{days} whole days left");
    let own = csv(
        &world.admin_a.client,
        &format!("/institutions/{}/dashboard/validations-ending.csv", world.a),
    )
    .await;
    assert_eq!(own, rows);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_institution_sees_its_own_figures_and_never_anothers(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = seeded(&app).await;
    let own = world
        .admin_a
        .client
        .get(&format!("/institutions/{}", world.a))
        .await;
    own.assert_ok();
    assert!(own.body.contains("<span id=\"live\">3</span>"));
    assert!(own.body.contains("<span id=\"failed-total\">1</span>"));
    let by_product = csv(
        &world.admin_a.client,
        &format!("/institutions/{}/dashboard/orders-by-product.csv", world.a),
    )
    .await;
    let this_week = by_product.len() - 1;
    assert_eq!(cell(&by_product, this_week, "client_premium"), 3);
    assert_eq!(cell(&by_product, this_week, "total"), 4);

    let theirs = world
        .admin_b
        .client
        .get(&format!("/institutions/{}", world.b))
        .await;
    assert!(theirs.body.contains("<span id=\"live\">1</span>"));
    for file in [
        "orders-by-product.csv",
        "orders-by-outcome.csv",
        "certificates-ending.csv",
        "validations-ending.csv",
    ] {
        let other = world
            .admin_b
            .client
            .get(&format!("/institutions/{}/dashboard/{file}", world.a))
            .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{file}");
        assert!(!other.body.contains("client_premium"));
    }
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn every_chart_is_well_formed_svg_with_a_title_and_a_description(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = seeded(&app).await;
    sqlx::query(
        "UPDATE institutions SET org_validation_status = 'validated', org_validated_until = $1",
    )
    .bind(app.clock.now() + Duration::days(10))
    .execute(&app.pool)
    .await
    .unwrap();
    for (client, path) in [
        (&world.staff.client, "/staff".to_owned()),
        (&world.admin_a.client, format!("/institutions/{}", world.a)),
    ] {
        let page = client.get(&path).await;
        page.assert_ok();
        let charts = page.all_between("<svg", "</svg>");
        assert_eq!(
            charts.len(),
            4,
            "{path}: two weekly charts, endings, validations"
        );
        for chart in charts {
            let svg = format!("<svg{chart}</svg>");
            let document =
                roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
            let root = document.root_element();
            assert_eq!(root.attribute("role"), Some("img"));
            for tag in ["title", "desc"] {
                let text = root
                    .children()
                    .find(|node| node.has_tag_name(tag))
                    .and_then(|node| node.text())
                    .unwrap_or_default();
                assert!(!text.trim().is_empty(), "{path}: no {tag} in {svg}");
            }
        }
    }
}

/// The number the page shows in `<span id="{id}">`.
fn figure(body: &str, id: &str) -> i64 {
    let start = format!("<span id=\"{id}\">");
    let at = body
        .find(&start)
        .unwrap_or_else(|| panic!("no #{id} in {body}"))
        + start.len();
    body[at..].split('<').next().unwrap().parse().unwrap()
}

/// The text of a dashboard's "Figures as of …" line.
fn figures_as_of(body: &str) -> &str {
    let at = body.find("id=\"figures-as-of\">").unwrap();
    body[at..].split('<').next().unwrap()
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_certificate_counts_as_live_until_the_minute_it_ends_whichever_day_that_is(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = two_institutions(&app).await;
    let now = app.clock.now();
    let midnight = |date: time::Date| date.midnight().assume_utc();
    let today = now.date();
    let first_of_next_month = dashboard::month_bounds(now).1;
    // Endings on either side of now, of midnight and of the month's end: counts by month
    // and by day meet the index's count of today at each of these.
    let ends = [
        now - Duration::days(2),
        now - Duration::minutes(1),
        now + Duration::minutes(1),
        now + Duration::minutes(90),
        midnight(today) + Duration::days(1) - Duration::seconds(1),
        midnight(today) + Duration::days(1),
        now + Duration::days(1),
        now + Duration::days(3),
        midnight(first_of_next_month) - Duration::seconds(1),
        midnight(first_of_next_month),
        now + Duration::days(200),
    ];
    for end in ends {
        insert_order(
            &app,
            world.a,
            "client_premium",
            "issued",
            now - Duration::days(365),
            Some(end),
        )
        .await;
    }
    let dashboard = format!("/institutions/{}", world.a);
    let ending_csv = format!(
        "/institutions/{}/dashboard/certificates-ending.csv",
        world.a
    );
    // Steps under the session's idle timeout, so the same logins see it all, past the
    // ending 90 minutes ahead.
    let step = Duration::minutes(29);
    for later in [Duration::ZERO, Duration::minutes(2), step, step, step, step] {
        app.clock.advance(later);
        let at = app.clock.now();
        let live = ends.iter().filter(|end| **end > at).count() as i64;
        let this_month = ends
            .iter()
            .filter(|end| **end > at && **end < midnight(dashboard::month_bounds(at).1))
            .count() as u64;
        let staff = world.staff.client.get("/staff").await;
        staff.assert_ok();
        assert_eq!(figure(&staff.body, "live"), live, "staff, at {at}");
        let own = world.admin_a.client.get(&dashboard).await;
        own.assert_ok();
        assert_eq!(figure(&own.body, "live"), live, "institution, at {at}");
        let months = csv(&world.admin_a.client, &ending_csv).await;
        assert_eq!(
            cell(&months, 1, "certificates"),
            this_month,
            "this month, at {at}"
        );
    }
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_order_shows_on_the_next_view_of_the_staff_overview_though_its_figures_are_kept(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = seeded(&app).await;
    let staff = &world.staff.client;
    let first = staff.get("/staff").await;
    assert_eq!(figure(&first.body, "live"), 4);
    let read_at = figures_as_of(&first.body).to_owned();

    // Nothing changed: a second later the same figures are shown, read at the same time.
    app.clock.advance(Duration::seconds(1));
    let kept = staff.get("/staff").await;
    assert_eq!(figures_as_of(&kept.body), read_at);

    // An order is issued: the very next view counts it, read afresh.
    let now = app.clock.now();
    insert_order(
        &app,
        world.b,
        "client_premium",
        "issued",
        now,
        Some(now + Duration::days(30)),
    )
    .await;
    let next = staff.get("/staff").await;
    assert_eq!(figure(&next.body, "live"), 5);
    assert_ne!(figures_as_of(&next.body), read_at);
    let body = html_unescape(&next.body);
    let b_row = &body[body.find(&format!("/institutions/{}\"", world.b)).unwrap()..];
    let b_row = &b_row[..b_row.find("</tr>").unwrap()];
    assert!(
        b_row.ends_with(&format!(
            "<td>{}</td>",
            tcs_portal::i18n::format::datetime(now)
        )),
        "B's last activity is the new order: {b_row}"
    );

    // So does an institution that stops being able to order.
    app.clock.advance(Duration::seconds(1));
    sqlx::query("UPDATE institutions SET tcs_status = 'suspended' WHERE id = $1")
        .bind(world.b)
        .execute(&app.pool)
        .await
        .unwrap();
    let suspended = staff.get("/staff").await;
    assert_ne!(
        figures_as_of(&suspended.body),
        figures_as_of(&next.body),
        "{}",
        suspended.body
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_order_an_event_and_a_renamed_member_show_on_the_next_view_of_an_institutions_kept_dashboard(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = seeded(&app).await;
    let admin = &world.admin_a.client;
    let dashboard = format!("/institutions/{}", world.a);
    let first = admin.get(&dashboard).await;
    first.assert_ok();
    let live = figure(&first.body, "live");
    let read_at = figures_as_of(&first.body).to_owned();

    // Nothing on the page changed: a second later it is the same, read at the same time.
    app.clock.advance(Duration::seconds(1));
    let kept = admin.get(&dashboard).await;
    assert_eq!(figures_as_of(&kept.body), read_at);
    // The kept charts are drawn in each reader's language: switched to the other one, the
    // same charts (read at the same time) are titled in it.
    let title = |lang: Lang| {
        format!(
            "<title id=\"orders-product-title\">{}",
            lang.t("dashboard.by_product_title")
        )
    };
    assert!(kept.body.contains(&title(Lang::Serbian)), "{}", kept.body);
    admin.post_form("/lang", &[("lang", "en")]).await;
    let english = admin.get(&dashboard).await;
    let read_at_time = &read_at[read_at.len() - "2026-12-07 01:06:18 UTC".len()..];
    assert!(figures_as_of(&english.body).ends_with(read_at_time));
    assert!(
        english.body.contains(&title(Lang::English)),
        "{}",
        english.body
    );
    admin.post_form("/lang", &[("lang", "sr")]).await;
    // Another institution's dashboard has charts of its own, never these.
    let other = world
        .admin_b
        .client
        .get(&format!("/institutions/{}", world.b))
        .await;
    other.assert_ok();
    assert_eq!((live, figure(&other.body, "live")), (3, 1));

    // An event of a moment ago and a member's new name are on the very next view.
    sqlx::query(
        "INSERT INTO audit_events (institution_id, action, actor_label)
         VALUES ($1, 'domain.added', 'a moment ago')",
    )
    .bind(world.a)
    .execute(&app.pool)
    .await
    .unwrap();
    let evented = admin.get(&dashboard).await;
    assert!(evented.body.contains("a moment ago"), "{}", evented.body);
    sqlx::query("UPDATE accounts SET display_name = 'Novo Ime Člana' WHERE id = $1")
        .bind(world.admin_a.account_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let renamed = admin.get(&dashboard).await;
    let listed = format!("Novo Ime Člana &lt;{}&gt;", world.admin_a.email);
    assert!(renamed.body.contains(&listed), "{}", renamed.body);

    // An order is issued: the very next view counts it, read afresh.
    let now = app.clock.now();
    insert_order(
        &app,
        world.a,
        "client_premium",
        "issued",
        now,
        Some(now + Duration::days(30)),
    )
    .await;
    let next = admin.get(&dashboard).await;
    assert_eq!(figure(&next.body, "live"), live + 1);
    assert_ne!(figures_as_of(&next.body), read_at);

    // Five seconds on by the portal's clock, they are read again though nothing changed.
    let read_at = figures_as_of(&next.body).to_owned();
    app.clock
        .advance(tcs_portal::services::kept_figures::KEPT_FOR);
    let later = admin.get(&dashboard).await;
    assert_ne!(figures_as_of(&later.body), read_at);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn digicerts_latency_on_the_staff_overview_is_at_most_seconds_old(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let staff = app.english_staff().await;
    let before = staff.client.get("/staff").await;
    assert!(before.body.contains("(0 calls)"), "{}", before.body);
    sqlx::query("INSERT INTO digicert_calls (at, seconds, outcome) VALUES ($1, 0.2, 'answered')")
        .bind(app.clock.now())
        .execute(&app.pool)
        .await
        .unwrap();
    // A call moves no count the overview keeps: it shows after at most five seconds.
    app.clock
        .advance(tcs_portal::services::kept_figures::KEPT_FOR);
    let after = staff.client.get("/staff").await;
    assert!(after.body.contains("(1 calls)"), "{}", after.body);
}

/// Every (institution, week, product, status) count, from the orders themselves and
/// from the table the trigger keeps.
async fn counts(app: &TestApp) -> (Vec<(Uuid, i64)>, Vec<(Uuid, i64)>) {
    let truth = sqlx::query_as(
        "SELECT institution_id, count(*) FROM certificate_orders
         GROUP BY institution_id, date_trunc('week', created_at AT TIME ZONE 'UTC'), product, status
         ORDER BY 1, 2",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let kept = sqlx::query_as(
        "SELECT institution_id, n::bigint FROM order_week_counts WHERE n > 0 ORDER BY 1, 2",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    (truth, kept)
}

/// Issued certificates by the day they end, and each institution's newest order: from
/// the orders themselves and from the tables the triggers keep.
async fn end_days_and_activity(app: &TestApp) -> (Vec<String>, Vec<String>) {
    let truth = sqlx::query_scalar(
        "SELECT format('%s %s %s', institution_id, (not_after AT TIME ZONE 'UTC')::date, count(*))
         FROM certificate_orders WHERE status = 'issued' AND not_after IS NOT NULL
         GROUP BY institution_id, (not_after AT TIME ZONE 'UTC')::date
         UNION ALL
         SELECT format('%s last %s', institution_id, max(created_at))
         FROM certificate_orders GROUP BY institution_id
         ORDER BY 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let kept = sqlx::query_scalar(
        "SELECT format('%s %s %s', institution_id, day, n) FROM certificate_end_day_counts
         WHERE n > 0
         UNION ALL
         SELECT format('%s last %s', institution_id, last_order_at) FROM institution_activity
         ORDER BY 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    (truth, kept)
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_counts_follow_every_change_of_an_order(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = seeded(&app).await;
    let (truth, kept) = counts(&app).await;
    assert_eq!(truth, kept);

    // An order moves on, one is revoked, one ends sooner, one goes away.
    sqlx::query("UPDATE certificate_orders SET status = 'submitted' WHERE status = 'queued'")
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE certificate_orders SET status = 'revoked'
         WHERE id = (SELECT id FROM certificate_orders WHERE institution_id = $1 AND status = 'issued' LIMIT 1)",
    )
    .bind(world.a)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query("DELETE FROM certificate_orders WHERE status = 'failed'")
        .execute(&app.pool)
        .await
        .unwrap();
    let (truth, kept) = counts(&app).await;
    assert_eq!(truth, kept);
    let (truth, kept) = end_days_and_activity(&app).await;
    assert_eq!(truth, kept);
    let page = world.staff.client.get("/staff").await;
    assert!(
        page.body.contains("<span id=\"live\">3</span>"),
        "one of four revoked"
    );
    let month_total: i64 = sqlx::query_scalar("SELECT sum(n)::bigint FROM order_month_counts")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(month_total, 7, "eight orders, one deleted");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn staff_see_how_long_digicert_took_in_the_last_hour(pool: PgPool) {
    let (_sandbox, app) = TestApp::spawn_with_sandbox(pool, SANDBOX_KEY).await;
    let staff = app.english_staff().await;
    staff
        .client
        .post_form("/staff/operations/digicert-check", &[])
        .await
        .assert_ok();
    let calls: i64 =
        sqlx::query_scalar("SELECT count(*) FROM digicert_calls WHERE outcome = 'answered'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(calls >= 1);
    let page = staff.client.get("/staff").await;
    page.assert_ok();
    assert!(
        page.body.contains(&format!("({calls} calls)")),
        "{}",
        page.body
    );
    assert!(page.body.contains("p50 ") && !page.body.contains("p50 —"));
    // A call of two hours ago is outside the last hour.
    sqlx::query("INSERT INTO digicert_calls (at, seconds, outcome) VALUES ($1, 9, 'rate_limited')")
        .bind(app.clock.now() - Duration::hours(2))
        .execute(&app.pool)
        .await
        .unwrap();
    let later = staff.client.get("/staff").await;
    assert!(later.body.contains(&format!("({calls} calls)")));
}
