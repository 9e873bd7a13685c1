//! Probes and metrics as operators use them.
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::TestApp;

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn health_and_readiness_answer(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client();
    assert_eq!(client.get("/healthz").await.body, "ok");
    client.get("/readyz").await.assert_ok();
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn readiness_fails_when_migrations_are_missing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    sqlx::query("DELETE FROM _sqlx_migrations")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        app.client().get("/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(app.client().get("/healthz").await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn metrics_are_not_served_on_the_public_address(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    assert_eq!(
        app.client().get("/metrics").await.status,
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn static_assets_are_served_and_unknown_ones_are_404(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let css = app.client().get("/static/style.css").await;
    css.assert_ok();
    assert!(css.header("content-type").starts_with("text/css"));
    assert_eq!(
        app.client().get("/static/../Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.client().get("/static/secret.key").await.status,
        StatusCode::NOT_FOUND
    );
}
