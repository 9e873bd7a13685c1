//! The "API access" page (issue 14 §1): admins make tokens, see each once, revoke them;
//! auditors only read; staff see and revoke every institution's; expiries are audited.
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use tcs_portal::domain::StaffRole;
use uuid::Uuid;

use super::{call, count, order_body, orders_path, place};
use crate::helpers::{TestApp, TestClient, TestResponse};
use crate::orders::etf;

/// A form's fields, as posted.
type Fields<'a> = &'a [(&'a str, &'a str)];

fn page_path(institution: Uuid) -> String {
    format!("/institutions/{institution}/api-tokens")
}

/// Posts the token form as `client` for `institution`.
async fn create(client: &TestClient, institution: Uuid, fields: &[(&str, &str)]) -> TestResponse {
    client
        .post_form_in("en", &page_path(institution), fields)
        .await
}

/// The token the answer shows once.
fn shown_token(answer: &TestResponse) -> String {
    answer.assert_ok();
    let shown = answer.all_between("value=\"tcs_", "\"");
    assert_eq!(shown.len(), 1, "one token shown: {}", answer.body);
    format!("tcs_{}", shown[0])
}

/// A token named `name` with one `scope`, made on the page by `client`: the token shown.
async fn made(client: &TestClient, institution: Uuid, name: &str, scope: &str) -> String {
    shown_token(&create(client, institution, &[("name", name), ("scope", scope)]).await)
}

fn revoke_path(institution: Uuid, token: Uuid) -> String {
    format!("{}/{token}/revoke", page_path(institution))
}

async fn token_id(app: &TestApp) -> Uuid {
    sqlx::query_scalar("SELECT id FROM api_tokens ORDER BY created_at DESC LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_admin_creates_a_token_sees_it_once_and_afterwards_only_its_prefix(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let answer = create(
        &world.admin_a.client,
        world.a,
        &[
            ("name", "IDM"),
            ("scope", "orders:read"),
            ("expires_in_days", "30"),
            ("networks", "192.0.2.0/24"),
        ],
    )
    .await;
    let token = shown_token(&answer);
    assert!(
        answer.body.contains("shown only this once"),
        "{}",
        answer.body
    );
    let prefix = token.split('_').nth(1).unwrap().to_owned();
    let list = world.admin_a.client.get(&page_path(world.a)).await;
    list.assert_ok();
    assert!(
        !list.body.contains(&token),
        "the token is never shown again"
    );
    assert!(
        list.body.contains(&format!("tcs_{prefix}_…")),
        "{}",
        list.body
    );
    assert!(list.body.contains("IDM") && list.body.contains("orders:read"));
    assert!(
        list.body.contains("192.0.2.0/24"),
        "the source networks are listed"
    );
    let created: (Option<Uuid>, Value) = sqlx::query_as(
        "SELECT actor_account_id, details FROM audit_events WHERE action = 'api_token.created'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(created.0, Some(world.admin_a.account_id));
    assert_eq!(created.1["scopes"], serde_json::json!(["orders:read"]));
    let days: f64 = sqlx::query_scalar(
        "SELECT (extract(epoch FROM expires_at - created_at) / 86400)::float8 FROM api_tokens",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!((days - 30.0).abs() < 1e-6, "{days}");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_token_from_the_page_works_with_exactly_its_scopes_and_stops_at_once_when_revoked(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token = made(&world.admin_a.client, world.a, "IDM", "orders:write").await;
    let placed = place(
        &app,
        &token,
        world.a,
        "k1",
        &order_body("mila@etf.bg.ac.rs"),
    )
    .await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let order_id = placed.json()["order_id"].as_str().unwrap().to_owned();
    let read = call(
        &app,
        "GET",
        &format!("{}/{order_id}", orders_path(world.a)),
        Some(&token),
        &[],
        None,
    )
    .await;
    read.problem(StatusCode::FORBIDDEN, "insufficient-scope");

    let id = token_id(&app).await;
    let revoked = world
        .admin_a
        .client
        .post_form(&revoke_path(world.a, id), &[])
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
    let after = place(
        &app,
        &token,
        world.a,
        "k2",
        &order_body("mila@etf.bg.ac.rs"),
    )
    .await;
    after.problem(StatusCode::UNAUTHORIZED, "unauthorized");
    let list = world.admin_a.client.get(&page_path(world.a)).await;
    assert!(list.body.contains("Revoked"), "{}", list.body);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM audit_events WHERE action = 'api_token.revoked'"
        )
        .await,
        1
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_auditor_sees_the_tokens_but_can_neither_create_nor_revoke_one(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    made(&world.admin_a.client, world.a, "IDM", "orders:read").await;
    let auditor = app
        .enrolled_member(
            &world.staff.client,
            world.a,
            "revizor@etf.bg.ac.rs",
            "auditor",
        )
        .await;
    let list = auditor.client.get(&page_path(world.a)).await;
    list.assert_ok();
    assert!(list.body.contains("IDM"), "{}", list.body);
    assert!(!list.body.contains("name=\"expires_in_days\""), "no form");
    assert!(!list.body.contains("/revoke\""), "no revoke button");
    let refused = create(
        &auditor.client,
        world.a,
        &[("name", "Mine"), ("scope", "orders:read")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let id = token_id(&app).await;
    let refused = auditor
        .client
        .post_form(&revoke_path(world.a, id), &[])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "SELECT count(*) FROM api_tokens").await, 1);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL"
        )
        .await,
        1
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn another_institutions_admin_finds_nothing_of_institution_a_tokens(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    made(&world.admin_a.client, world.a, "IDM", "orders:read").await;
    let id = token_id(&app).await;
    // Through B's own page, and through A's.
    for path in [revoke_path(world.b, id), revoke_path(world.a, id)] {
        let refused = world.admin_b.client.post_form(&path, &[]).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{path}");
    }
    let page = world.admin_b.client.get(&page_path(world.a)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("IDM"));
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL"
        )
        .await,
        1
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_bad_token_form_answers_with_a_clear_message_and_creates_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let long_name = "x".repeat(101);
    let cases: &[(Fields<'_>, StatusCode, &str)] = &[
        (
            &[("name", "  "), ("scope", "orders:read")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "Give the token a name",
        ),
        (
            &[("name", &long_name), ("scope", "orders:read")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "at most 100 characters",
        ),
        (
            &[
                ("name", "IDM"),
                ("scope", "orders:read"),
                ("expires_in_days", "0"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
            "from 1 to 365",
        ),
        (
            &[
                ("name", "IDM"),
                ("scope", "orders:read"),
                ("expires_in_days", "366"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
            "from 1 to 365",
        ),
        (
            &[
                ("name", "IDM"),
                ("scope", "orders:read"),
                ("expires_in_days", "abc"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
            "from 1 to 365",
        ),
        (
            &[("name", "IDM"), ("scope", "orders:everything")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "not one the portal offers",
        ),
        (
            &[("name", "IDM")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "at least one scope",
        ),
        (
            &[
                ("name", "IDM"),
                ("scope", "orders:read"),
                ("networks", "10.0.0.0/33"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
            "CIDR block",
        ),
        (
            &[
                ("name", "IDM"),
                ("scope", "orders:read"),
                ("networks", "intranet"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
            "CIDR block",
        ),
        (
            &[("name", "ID\u{200B}M"), ("scope", "orders:read")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "invisible",
        ),
        (
            &[("name", "ID\0M"), ("scope", "orders:read")],
            StatusCode::BAD_REQUEST,
            "NUL byte",
        ),
    ];
    for (fields, status, message) in cases {
        let refused = create(&world.admin_a.client, world.a, fields).await;
        assert_eq!(refused.status, *status, "{fields:?}: {}", refused.body);
        assert!(
            refused.body.contains(message),
            "{fields:?}: {}",
            refused.body
        );
        assert!(!refused.body.contains("value=\"tcs_"), "{fields:?}");
    }
    assert_eq!(count(&app, "SELECT count(*) FROM api_tokens").await, 0);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM audit_events WHERE action LIKE 'api_token.%'"
        )
        .await,
        0
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn staff_see_every_institutions_tokens_and_revoke_any_but_staff_auditors_only_read(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token = made(&world.admin_a.client, world.a, "IDM", "orders:write").await;
    made(&world.admin_b.client, world.b, "PMF sync", "orders:read").await;
    let id_a: Uuid = sqlx::query_scalar("SELECT id FROM api_tokens WHERE name = 'IDM'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let all = world.staff.client.get("/staff/api-tokens").await;
    all.assert_ok();
    assert!(
        all.body.contains("IDM") && all.body.contains("PMF sync"),
        "{}",
        all.body
    );
    let only_b = world
        .staff
        .client
        .get(&format!(
            "/staff/api-tokens?institution={}&state=active",
            world.b
        ))
        .await;
    assert!(only_b.body.contains("PMF sync") && !only_b.body.contains("IDM"));
    // On A's own page staff see and may revoke its tokens, but make none: a token acts
    // for one of A's admins.
    let on_a = world.staff.client.get(&page_path(world.a)).await;
    assert!(on_a.body.contains("IDM") && on_a.body.contains("/revoke\""));
    assert!(!on_a.body.contains("name=\"expires_in_days\""), "no form");
    let refused = create(
        &world.staff.client,
        world.a,
        &[("name", "Staff's"), ("scope", "orders:read")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let bad = world
        .staff
        .client
        .get("/staff/api-tokens?state=sleeping")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let auditor = app
        .enrolled_staff("revizor@amres.ac.rs", StaffRole::StaffAuditor)
        .await;
    let read = auditor.client.get("/staff/api-tokens").await;
    assert!(read.body.contains("IDM") && !read.body.contains("/revoke\""));
    let refused = auditor
        .client
        .post_form(&format!("/staff/api-tokens/{id_a}/revoke"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let revoked = world
        .staff
        .client
        .post_form(&format!("/staff/api-tokens/{id_a}/revoke"), &[])
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
    place(&app, &token, world.a, "k", &order_body("mila@etf.bg.ac.rs"))
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthorized");
    let again = world
        .staff
        .client
        .post_form(&format!("/staff/api-tokens/{id_a}/revoke"), &[])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let audited: (Option<Uuid>, Option<Uuid>) = sqlx::query_as(
        "SELECT actor_account_id, institution_id FROM audit_events WHERE action = 'api_token.revoked'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audited, (Some(world.staff.account_id), Some(world.a)));
    let seen_by_a = world.admin_a.client.get(&page_path(world.a)).await;
    assert!(seen_by_a.body.contains("Revoked"));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_tokens_expiry_is_audited_once_however_often_the_audit_runs_and_never_for_a_live_or_revoked_token(
    pool: PgPool,
) {
    use clock::Clock;
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    for (name, days) in [("short", "1"), ("long", "365"), ("revoked", "1")] {
        shown_token(
            &create(
                &world.admin_a.client,
                world.a,
                &[
                    ("name", name),
                    ("scope", "orders:read"),
                    ("expires_in_days", days),
                ],
            )
            .await,
        );
    }
    sqlx::query("UPDATE api_tokens SET revoked_at = now() WHERE name = 'revoked'")
        .execute(&app.pool)
        .await
        .unwrap();
    let audit = tcs_portal::services::api_tokens::audit_expired;
    assert_eq!(
        audit(&app.pool, app.clock.now()).await.unwrap(),
        0,
        "nothing expired yet"
    );
    app.clock.advance(time::Duration::days(2));
    // Two runs (as two processes would), then a later one: one entry in all.
    assert_eq!(audit(&app.pool, app.clock.now()).await.unwrap(), 1);
    assert_eq!(audit(&app.pool, app.clock.now()).await.unwrap(), 0);
    app.clock.advance(time::Duration::days(1));
    assert_eq!(audit(&app.pool, app.clock.now()).await.unwrap(), 0);
    let expired: (Option<String>, Option<Uuid>, Value) = sqlx::query_as(
        "SELECT actor_label, institution_id, details FROM audit_events
         WHERE action = 'api_token.expired'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(expired.0.as_deref(), Some("schedule"));
    assert_eq!(expired.1, Some(world.a));
    assert_eq!(expired.2["name"], "short");
    // Three days on, the session has ended too: the admin logs in again.
    let admin = app.log_in(&world.admin_a).await;
    let list = admin
        .get_with(&page_path(world.a), &[("accept-language", "en")])
        .await;
    assert!(list.body.contains("Expired"), "{}", list.body);
}

/// Polls `sql` (a count) until it is `want`, for up to 20 seconds.
async fn eventually(app: &TestApp, sql: &str, want: i64) {
    for _ in 0..200 {
        if count(app, sql).await == want {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("never {want}: {sql}");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_portals_schedule_audits_a_tokens_expiry_once_it_passes(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    shown_token(
        &create(
            &world.admin_a.client,
            world.a,
            &[
                ("name", "IDM"),
                ("scope", "orders:read"),
                ("expires_in_days", "1"),
            ],
        )
        .await,
    );
    let stop = tokio_util::sync::CancellationToken::new();
    let worker =
        tokio::spawn(tcs_portal::services::background::portal_worker(&app.state).run(stop.clone()));
    let kind = tcs_portal::services::api_tokens::AUDIT_EXPIRED;
    eventually(
        &app,
        &format!("SELECT count(*) FROM jobs WHERE kind = '{kind}' AND state = 'queued'"),
        1,
    )
    .await;
    app.clock.advance(time::Duration::days(2));
    eventually(
        &app,
        "SELECT count(*) FROM audit_events WHERE action = 'api_token.expired'",
        1,
    )
    .await;
    stop.cancel();
    worker.await.unwrap();
}
