//! Probes and metrics as operators use them.
use clock::Clock;
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

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn metrics_are_served_in_prometheus_format_on_the_admin_listener(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    tcs_portal::telemetry::install_metrics_recorder();
    // Some traffic, so the request counters exist.
    app.client().get("/healthz").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    let server = tokio::spawn(tcs_portal::telemetry::serve_metrics(listener, stop.clone()));
    let metrics = reqwest::get(format!("http://{address}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("tcs_http_responses_total"), "{metrics}");
    stop.cancel();
    server.await.unwrap();
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn audit_verify_on_the_command_line_names_a_tampered_row(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.invite_staff("a@amres.ac.rs", tcs_portal::domain::StaffRole::Staff)
        .await;
    app.invite_staff("b@amres.ac.rs", tcs_portal::domain::StaffRole::Staff)
        .await;
    let database = app
        .pool
        .connect_options()
        .get_database()
        .unwrap()
        .to_owned();
    let base = std::env::var("DATABASE_URL").unwrap();
    let url = format!("{}/{database}", base.rsplit_once('/').unwrap().0);
    let verify = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_tcs-portal"))
            .args(["audit", "verify"])
            .env("DATABASE_URL", &url)
            .env("TCS_LOG_FORMAT", "json")
            .output()
            .unwrap()
    };
    let intact = verify();
    assert!(intact.status.success());
    assert!(String::from_utf8_lossy(&intact.stdout).contains("intact: 2 events"));
    sqlx::query("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete")
        .execute(&app.pool)
        .await
        .unwrap();
    let first: i64 = sqlx::query_scalar("SELECT min(id) FROM audit_events")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE audit_events SET details = '{\"email\":\"mallory@evil.example\"}' WHERE id = $1",
    )
    .bind(first)
    .execute(&app.pool)
    .await
    .unwrap();
    let broken = verify();
    assert!(!broken.status.success());
    assert!(
        String::from_utf8_lossy(&broken.stdout).contains(&format!("BROKEN at event id {first}"))
    );
}

/// The sandbox is a crate of its own with its own program, and the portal's binary still runs
/// it as a subcommand, with the same options.
#[tokio::test]
async fn tcs_portal_digicert_sim_serves_the_sandbox_until_sigterm() {
    testkit::sandbox_program::serves_until_sigterm(
        env!("CARGO_BIN_EXE_tcs-portal"),
        &["digicert-sim"],
    )
    .await;
}

/// The metric names a PromQL expression reads (every portal metric starts with `tcs_`).
fn metric_names(expr: &str) -> Vec<String> {
    expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| word.starts_with("tcs_"))
        .map(str::to_owned)
        .collect()
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_grafana_dashboard_reads_only_metrics_the_portal_exports(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    tcs_portal::telemetry::install_metrics_recorder();
    let staff = app
        .enrolled_staff("staff@amres.ac.rs", tcs_portal::domain::StaffRole::Staff)
        .await;
    let institution = app
        .create_institution(&staff.client, "etf-bg", "ETF", true)
        .await;
    sqlx::query(
        "INSERT INTO certificate_orders (institution_id, status, common_name) VALUES ($1, 'queued', 'X')",
    )
    .bind(institution)
    .execute(&app.pool)
    .await
    .unwrap();
    // What the scheduled job does every minute.
    tcs_portal::services::digicert_calls::refresh_metrics(&app.pool, app.clock.now())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    let server = tokio::spawn(tcs_portal::telemetry::serve_metrics(listener, stop.clone()));
    let metrics = reqwest::get(format!("http://{address}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    stop.cancel();
    server.await.unwrap();
    let exported: std::collections::BTreeSet<&str> = metrics
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split(['{', ' ']).next())
        .collect();

    let dashboard: serde_json::Value =
        serde_json::from_str(include_str!("../../ops/grafana/tcs-portal.json")).unwrap();
    let mut used = std::collections::BTreeSet::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            used.extend(metric_names(target["expr"].as_str().unwrap()));
        }
    }
    assert!(used.len() >= 8, "{used:?}");
    let missing: Vec<_> = used
        .iter()
        .filter(|name| !exported.contains(name.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "not in /metrics: {missing:?}\n{metrics}"
    );
}
