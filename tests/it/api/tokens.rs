//! API tokens: made at the command line, used, and stopped by everything that should
//! stop them, at once.
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use time::Duration;

use super::{ALL_SCOPES, call, count, order_body, orders_path, place, placed, token, token_create};
use crate::helpers::TestApp;
use crate::orders::etf;

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_token_from_the_command_line_places_an_order_the_person_is_mailed_about_and_retrying_orders_nothing_twice(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token = token(&app, "etf-bg", ALL_SCOPES);
    let body = order_body("mila@etf.bg.ac.rs");
    let first = place(&app, &token, world.a, "idm-42", &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let id = first.json()["order_id"].clone();
    let again = place(&app, &token, world.a, "idm-42", &body).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.json()["outcome"], "duplicate");
    assert_eq!(again.json()["order_id"], id);
    assert_eq!(
        count(&app, "SELECT count(*) FROM certificate_orders").await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE recipient = 'mila@etf.bg.ac.rs'"
        )
        .await,
        1,
        "the person gets their link, as from the form"
    );
    let shown = call(
        &app,
        "GET",
        &format!("{}/{}", orders_path(world.a), id.as_str().unwrap()),
        Some(&token),
        &[],
        None,
    )
    .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert_eq!(shown.json()["emails"][0], "mila@etf.bg.ac.rs");
    // The order is the token's creator's, as if they had placed it; the token is named.
    let requested_by: Option<uuid::Uuid> =
        sqlx::query_scalar("SELECT requested_by FROM certificate_orders")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(requested_by, Some(world.admin_a.account_id));
    let created: (Option<String>, Value) = sqlx::query_as(
        "SELECT actor_label, details FROM audit_events WHERE action = 'api_token.created'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(created.0.as_deref(), Some("command line"));
    assert_eq!(created.1["name"], "IDM");
    let stored: (Option<time::OffsetDateTime>, Vec<u8>) =
        sqlx::query_as("SELECT last_used_at, secret_hash FROM api_tokens")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(stored.0.is_some(), "the use is noted");
    assert!(
        !String::from_utf8_lossy(&stored.1).contains(token.rsplit('_').next().unwrap()),
        "only a hash is kept"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM audit_events WHERE action = 'api_token.used_from_new_source'"
        )
        .await,
        1,
        "the first use from an address is audited, not every use"
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_command_line_refuses_an_unknown_scope_an_unknown_institution_and_a_year_and_a_day(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    etf(&app).await;
    for (args, says) in [
        (
            vec![
                "--institution",
                "etf-bg",
                "--name",
                "x",
                "--scopes",
                "orders:delete",
            ],
            "unknown scope",
        ),
        (
            vec![
                "--institution",
                "nowhere",
                "--name",
                "x",
                "--scopes",
                "orders:read",
            ],
            "no institution",
        ),
        (
            vec![
                "--institution",
                "etf-bg",
                "--name",
                "x",
                "--scopes",
                "orders:read",
                "--expires-in",
                "366",
            ],
            "1 to 365 days",
        ),
    ] {
        let refused = token_create(&app, &args);
        assert!(!refused.status.success());
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains(says), "{stderr}");
    }
    assert_eq!(count(&app, "SELECT count(*) FROM api_tokens").await, 0);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_browser_session_sent_to_the_api_is_refused_as_unauthenticated(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let admin = &world.admin_a.client;
    let answer = admin
        .post_raw(
            &orders_path(world.a),
            "application/json",
            order_body("mila@etf.bg.ac.rs").to_string(),
            &[("idempotency-key", "k")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.body);
    assert!(answer.header("www-authenticate").starts_with("Bearer"));
    assert_eq!(
        count(&app, "SELECT count(*) FROM certificate_orders").await,
        0
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_token_stops_at_once_when_revoked_expired_its_institution_suspended_or_its_creator_removed(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let list = |token: String| {
        let app = &app;
        let path = format!("{}/{}", orders_path(world.a), uuid::Uuid::new_v4());
        async move { call(app, "GET", &path, Some(&token), &[], None).await }
    };
    // Each token works (404: no such order) until the thing that stops it happens.
    let revoked = token(&app, "etf-bg", "orders:read");
    assert_eq!(list(revoked.clone()).await.status, StatusCode::NOT_FOUND);
    let id: tcs_portal::domain::ApiTokenId =
        sqlx::query_scalar::<_, uuid::Uuid>("SELECT id FROM api_tokens")
            .fetch_one(&app.pool)
            .await
            .unwrap()
            .into();
    let done = tcs_portal::auth::api_token::revoke(
        &app.pool,
        &tcs_portal::audit::RequestMeta::default(),
        world.a.into(),
        id,
        tcs_portal::audit::AuditEvent::new("api_token.revoked")
            .actor(world.admin_a.account_id.into()),
        clock::Clock::now(&app.clock),
    )
    .await
    .unwrap();
    assert!(done);
    list(revoked)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthorized");

    let suspended = token(&app, "etf-bg", "orders:read");
    sqlx::query("UPDATE institutions SET tcs_status = 'suspended' WHERE slug = 'etf-bg'")
        .execute(&app.pool)
        .await
        .unwrap();
    list(suspended.clone())
        .await
        .problem(StatusCode::FORBIDDEN, "institution-suspended");
    sqlx::query("UPDATE institutions SET tcs_status = 'registered' WHERE slug = 'etf-bg'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(list(suspended.clone()).await.status, StatusCode::NOT_FOUND);

    sqlx::query("UPDATE memberships SET status = 'removed' WHERE account_id = $1")
        .bind(world.admin_a.account_id)
        .execute(&app.pool)
        .await
        .unwrap();
    list(suspended)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthorized");
    sqlx::query("UPDATE memberships SET status = 'active' WHERE account_id = $1")
        .bind(world.admin_a.account_id)
        .execute(&app.pool)
        .await
        .unwrap();

    let expiring = token(&app, "etf-bg", "orders:read");
    app.clock.advance(Duration::days(91));
    list(expiring)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthorized");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_token_limited_to_other_networks_is_refused_from_here(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let made = token_create(
        &app,
        &[
            "--institution",
            "etf-bg",
            "--name",
            "IDM",
            "--scopes",
            ALL_SCOPES,
            "--networks",
            "10.20.0.0/16,2001:db8::/32",
        ],
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let token = String::from_utf8(made.stdout).unwrap().trim().to_owned();
    let refused = place(&app, &token, world.a, "k", &order_body("mila@etf.bg.ac.rs")).await;
    refused.problem(StatusCode::FORBIDDEN, "network-not-allowed");
    assert_eq!(
        count(&app, "SELECT count(*) FROM certificate_orders").await,
        0
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn another_institutions_order_is_not_found_with_a_token_and_the_refusal_speaks_serbian(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let ours = token(&app, "etf-bg", ALL_SCOPES);
    let theirs = token(&app, "pmf-ns", ALL_SCOPES);
    let id = placed(&app, &ours, world.a, "mila@etf.bg.ac.rs").await;
    // B's token on B's path, naming A's order.
    let answer = call(
        &app,
        "GET",
        &format!("{}/{id}", orders_path(world.b)),
        Some(&theirs),
        &[("accept-language", "sr")],
        None,
    )
    .await;
    let body = answer.problem(StatusCode::NOT_FOUND, "not-found");
    assert!(
        body["detail"].as_str().unwrap().contains("ne postoji"),
        "{body}"
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_token_over_its_budget_gets_429_with_retry_after_and_another_token_does_not(
    pool: PgPool,
) {
    let app = TestApp::spawn_configured(pool, |settings| {
        settings.clients.api_requests_per_minute = 2;
    })
    .await;
    let world = etf(&app).await;
    let busy = token(&app, "etf-bg", "orders:read");
    let calm = token(&app, "etf-bg", "orders:read");
    let path = format!("{}/{}", orders_path(world.a), uuid::Uuid::new_v4());
    for _ in 0..2 {
        let answer = call(&app, "GET", &path, Some(&busy), &[], None).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);
    }
    let refused = call(&app, "GET", &path, Some(&busy), &[], None).await;
    refused.problem(StatusCode::TOO_MANY_REQUESTS, "too-many-requests");
    let wait: i64 = refused.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let other = call(&app, "GET", &path, Some(&calm), &[], None).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "{}", other.body);
}
