//! The orders list: filters, search, keyset pages, CSV.
use std::collections::BTreeSet;

use reqwest::StatusCode;
use sqlx::PgPool;
use uuid::Uuid;

use super::{DOMAIN, etf, order};
use crate::helpers::{TestApp, TestClient, html_unescape};

/// Seeds `count` orders into `institution` with the bench's seeding statement.
pub async fn seed(app: &TestApp, institution: Uuid, count: i32) {
    seed_in(app, institution, DOMAIN, count).await;
}

/// Seeds `count` orders for addresses in `domain_name`, which `institution` owns.
pub async fn seed_in(app: &TestApp, institution: Uuid, domain_name: &str, count: i32) {
    let domain: Uuid = sqlx::query_scalar("SELECT id FROM domains WHERE name = $1")
        .bind(domain_name)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    sqlx::query(include_str!("../../../bench/seed_orders.sql"))
        .bind(institution)
        .bind(domain)
        .bind(domain_name)
        .bind(count)
        .execute(&app.pool)
        .await
        .unwrap();
}

/// The order ids linked from a list page, in page order.
pub fn ids(body: &str, institution: Uuid) -> Vec<Uuid> {
    let marker = format!("href=\"/institutions/{institution}/orders/");
    body.split(&marker)
        .skip(1)
        .filter_map(|rest| Uuid::parse_str(rest.get(..36)?).ok())
        .collect()
}

pub async fn list(client: &TestClient, institution: Uuid, query: &str) -> (StatusCode, String) {
    let page = client
        .get(&format!("/institutions/{institution}/orders?{query}"))
        .await;
    (page.status, html_unescape(&page.body))
}

fn next_link(body: &str) -> Option<String> {
    let start = body.find("class=\"button secondary next-page\" href=\"?")? + 42;
    let end = start + body[start..].find('"')?;
    Some(body[start..end].to_owned())
}

/// The order ids of the list narrowed by `query`, page after page by the next-page links.
async fn every_page(client: &TestClient, institution: Uuid, query: &str) -> Vec<Uuid> {
    let mut seen = Vec::new();
    let mut query = query.to_owned();
    loop {
        let (status, body) = list(client, institution, &query).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        seen.extend(ids(&body, institution));
        match next_link(&body) {
            Some(next) => query = next,
            None => return seen,
        }
    }
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn pages_follow_each_other_newest_first_without_gaps_or_repeats(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    seed(&app, world.a, 120).await;
    let newest = order(&world.admin_a.client, world.a, "petar@etf.bg.ac.rs").await;
    let seen = every_page(&world.admin_a.client, world.a, "").await;
    assert_eq!(seen.len(), 121);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 121);
    assert_eq!(seen[0], newest, "the newest order comes first");
}

/// "Expiring soon" puts the certificate that ends first at the top, what an admin renews
/// next, and its pages follow each other by the end (ties by id) without gaps or repeats.
/// The seed gives many certificates the same end, so the ties cross pages.
#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_expiring_soon_list_shows_the_certificates_that_end_first_page_after_page(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    seed(&app, world.a, 2_000).await;
    let ending_first: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM certificate_orders
         WHERE status = 'issued' AND not_after > now() AND not_after <= now() + interval '30 days'
         ORDER BY not_after, id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(ending_first.len() > 50, "the seed fills more than a page");
    let seen = every_page(&world.admin_a.client, world.a, "expiring=1").await;
    assert_eq!(seen, ending_first);
}

/// The list reads each order's own sorted copy of its addresses (migration
/// 20261211010000); whatever writes `order_emails`, the row shows what it holds.
#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_row_shows_the_orders_addresses_sorted_after_any_change_to_them(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let petar = order(&world.admin_a.client, world.a, "petar@etf.bg.ac.rs").await;
    let row = |addresses: &'static str| format!("<td>{addresses}</td>");
    let shown = || async { list(&world.admin_a.client, world.a, "").await.1 };
    assert!(shown().await.contains(&row("petar@etf.bg.ac.rs")));

    for (change, addresses) in [
        (
            "INSERT INTO order_emails (institution_id, order_id, email, domain_id)
             SELECT institution_id, order_id, 'ana@etf.bg.ac.rs', domain_id
             FROM order_emails WHERE order_id = $1",
            "ana@etf.bg.ac.rs, petar@etf.bg.ac.rs",
        ),
        (
            "UPDATE order_emails SET email = 'zoran@etf.bg.ac.rs'
             WHERE order_id = $1 AND email = 'ana@etf.bg.ac.rs'",
            "petar@etf.bg.ac.rs, zoran@etf.bg.ac.rs",
        ),
        (
            "DELETE FROM order_emails WHERE order_id = $1 AND email = 'petar@etf.bg.ac.rs'",
            "zoran@etf.bg.ac.rs",
        ),
    ] {
        sqlx::query(change)
            .bind(petar)
            .execute(&app.pool)
            .await
            .unwrap();
        assert!(shown().await.contains(&row(addresses)), "{change}");
    }
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn filters_and_search_narrow_the_list(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    seed(&app, world.a, 100).await;
    let petar = order(
        &world.admin_a.client,
        world.a,
        "petar.petrovic@etf.bg.ac.rs",
    )
    .await;
    let client = &world.admin_a.client;
    let count = |sql: &'static str| {
        let pool = app.pool.clone();
        async move {
            let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
            usize::try_from(n).unwrap()
        }
    };
    // Search: any case, names (Cyrillic too, or their ASCII spelling) or addresses.
    for query in [
        "q=%D0%9F%D0%95%D0%A2%D0%A0%D0%9E%D0%92",
        "q=Petar+Petrovic",
        "q=petrovic%40ETF",
        "person=PETAR.PETROVIC%40etf.bg.ac.rs",
    ] {
        let (status, body) = list(client, world.a, query).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert_eq!(ids(&body, world.a), vec![petar], "{query}");
    }
    let (_, body) = list(client, world.a, "q=OSOBA7%40").await;
    assert_eq!(ids(&body, world.a).len(), 1, "exactly osoba7@");
    let (_, body) = list(client, world.a, "q=%25").await;
    assert!(
        ids(&body, world.a).is_empty(),
        "a % is a character, not a wildcard"
    );
    let (_, body) = list(client, world.a, "status=issued").await;
    assert_eq!(
        ids(&body, world.a).len(),
        count("SELECT count(*) FROM certificate_orders WHERE status = 'issued'").await
    );
    let (_, body) = list(client, world.a, "expiring=1").await;
    assert_eq!(
        ids(&body, world.a).len(),
        count(
            "SELECT count(*) FROM certificate_orders WHERE status = 'issued'
             AND not_after > now() AND not_after <= now() + interval '30 days'"
        )
        .await
    );
    let (_, body) = list(client, world.a, "product=client_premium&status=revoked").await;
    assert_eq!(
        ids(&body, world.a).len(),
        count(
            "SELECT count(*) FROM certificate_orders
             WHERE product = 'client_premium' AND status = 'revoked'"
        )
        .await
    );
    let (status, body) = list(client, world.a, "status=lost").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("Unknown status"));
    // Another institution's admin sees none of it in their own list.
    let (_, body) = list(&world.admin_b.client, world.b, "").await;
    assert!(ids(&body, world.b).is_empty());
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_piece_of_an_address_around_its_at_sign_finds_exactly_the_orders_whose_addresses_hold_it(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    seed(&app, world.a, 100).await;
    order(
        &world.admin_a.client,
        world.a,
        "petar.petrovic@etf.bg.ac.rs",
    )
    .await;
    let client = &world.admin_a.client;
    // Searched through the addresses' reversed local parts, these find what a plain
    // substring of the names and addresses finds, in any case, wildcards literal.
    for term in [
        "osoba7@",
        "A7@etf",
        "7@",
        "OSOBA9@ETF",
        "c@etf.bg.ac.rs",
        "osoba1@etf.bg.ac.r",
        "osoba10@x",
        "a_@",
        "_@etf",
        "%@",
    ] {
        let mut expected: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM certificate_orders
             WHERE institution_id = $1 AND strpos(search_text, lower($2)) > 0",
        )
        .bind(world.a)
        .bind(term)
        .fetch_all(&app.pool)
        .await
        .unwrap();
        assert!(expected.len() < 50, "{term} fits on one page");
        let query = format!("q={}", term.replace('%', "%25").replace('@', "%40"));
        let (status, body) = list(client, world.a, &query).await;
        assert_eq!(status, StatusCode::OK, "{term}");
        let mut found = ids(&body, world.a);
        found.sort();
        expected.sort();
        assert_eq!(found, expected, "{term}");
    }
    assert_eq!(
        ids(&list(client, world.a, "q=osoba7%40").await.1, world.a).len(),
        1
    );
    // A domain every address shares finds every order, newest first, a page at a time.
    let (_, everything) = list(client, world.a, "").await;
    let (_, domain) = list(client, world.a, "q=%40ETF.bg").await;
    assert_eq!(ids(&domain, world.a), ids(&everything, world.a));
    assert!(next_link(&domain).is_some());
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_csv_export_keeps_the_filters_quotes_cells_and_defuses_formulas(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    seed(&app, world.a, 30).await;
    let petar = order(&world.admin_a.client, world.a, "petar@etf.bg.ac.rs").await;
    // DigiCert's raw status is shown as sent; here it is hostile.
    sqlx::query("UPDATE certificate_orders SET digicert_status = $1 WHERE id = $2")
        .bind("=HYPERLINK(\"http://evil.example\",\"click\")")
        .bind(petar)
        .execute(&app.pool)
        .await
        .unwrap();
    let csv = world
        .admin_a
        .client
        .get(&format!("/institutions/{}/orders.csv?q=petar", world.a))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(csv.header("content-disposition").starts_with("attachment"));
    let lines: Vec<&str> = csv.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "{}", csv.body);
    assert!(lines[0].starts_with("order_id,created_at,status,digicert_status"));
    assert!(lines[1].starts_with(&petar.to_string()));
    assert!(
        lines[1].contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\","),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains(",Петар,Петровић,petar@etf.bg.ac.rs,"));
    let all = world
        .admin_a
        .client
        .get(&format!(
            "/institutions/{}/orders.csv?status=issued",
            world.a
        ))
        .await;
    let issued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM certificate_orders WHERE status = 'issued'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        all.body.split("\r\n").filter(|l| !l.is_empty()).count(),
        usize::try_from(issued).unwrap() + 1
    );
}
