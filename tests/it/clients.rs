//! Who a request comes from and how much of the portal one client may take:
//! `X-Forwarded-For` believed from trusted proxies only, the per-address login
//! budget, requests in progress per address, and refusals that cost nothing.
use std::time::Duration;

use reqwest::StatusCode;
use sqlx::PgPool;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::helpers::{TestApp, TestClient, TestResponse};

/// A wrong login, as a client behind `forwarded_for` (if any) would send it.
async fn wrong_login(client: &TestClient, forwarded_for: Option<&str>) -> TestResponse {
    let token = client.csrf_token().await;
    let body = format!("csrf_token={token}&email=nobody%40amres.ac.rs&password=wrong+wrong+wrong");
    let headers: Vec<(&str, &str)> = forwarded_for
        .map(|value| ("x-forwarded-for", value))
        .into_iter()
        .collect();
    client
        .post_raw(
            "/login",
            "application/x-www-form-urlencoded",
            body,
            &headers,
        )
        .await
}

async fn audited_addresses(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT DISTINCT host(ip) FROM audit_events WHERE action = 'login.failed'")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_forwarded_for_from_an_untrusted_peer_buys_no_fresh_budget(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client();
    for i in 0..20 {
        let spoofed = format!("203.0.113.{i}");
        let answer = wrong_login(&client, Some(&spoofed)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let refused = wrong_login(&client, Some("198.51.100.77")).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(audited_addresses(&app).await, ["127.0.0.1"]);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn behind_a_trusted_proxy_each_client_has_its_own_budget(pool: PgPool) {
    let app = TestApp::spawn_configured(pool, |settings| {
        settings.clients.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
        settings.clients.login_attempts_per_minute = 3;
    })
    .await;
    let client = app.client();
    // The client wrote the first entry itself; the proxy appended what it saw.
    for spoofed in ["10.0.0.1", "10.0.0.2", "10.0.0.3"] {
        let chain = format!("{spoofed}, 203.0.113.5");
        assert_eq!(
            wrong_login(&client, Some(&chain)).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let over = wrong_login(&client, Some("10.0.0.4, 203.0.113.5")).await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy keeps its own budget.
    assert_eq!(
        wrong_login(&client, Some("203.0.113.6")).await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut addresses = audited_addresses(&app).await;
    addresses.sort();
    assert_eq!(addresses, ["203.0.113.5", "203.0.113.6"]);
}

/// A login post whose body never arrives: the request stays in progress.
async fn held_request(app: &TestApp) -> TcpStream {
    let address = app.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: {address}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail="
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn one_address_cannot_hold_more_requests_in_progress_than_its_budget(pool: PgPool) {
    let app = TestApp::spawn_configured(pool, |settings| {
        settings.clients.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        settings.clients.requests_in_flight_per_ip = 2;
    })
    .await;
    let client = app.client();
    client.get("/login").await.assert_ok();
    // With two requests in progress, a third waits its turn and is served once
    // one of them ends.
    let [first, second] = [held_request(&app).await, held_request(&app).await];
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (third, ()) = tokio::join!(client.get("/login"), async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        drop(first);
    });
    third.assert_ok();
    // A client behind the trusted proxy is not held up by that one.
    let other = client
        .get_with("/login", &[("x-forwarded-for", "203.0.113.9")])
        .await;
    other.assert_ok();
    // When no place frees up in time, the answer is a 429 that says why.
    let _held = [second, held_request(&app).await];
    tokio::time::sleep(Duration::from_millis(200)).await;
    let busy = client.get("/login").await;
    assert_eq!(busy.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(busy.header("retry-after"), "1");
    assert!(
        busy.body.contains("istovremenih zahteva") || busy.body.contains("at once"),
        "{}",
        busy.body
    );
    assert_eq!(busy.header("x-content-type-options"), "nosniff");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_login_over_budget_is_refused_without_the_database(pool: PgPool) {
    let app = TestApp::spawn_configured(pool, |settings| {
        settings.clients.login_attempts_per_minute = 1;
    })
    .await;
    let client = app.client();
    assert_eq!(
        wrong_login(&client, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let with_session = app.client();
    let token = with_session.csrf_token().await;
    with_session.set_session_cookie(&tower_sessions::session::Id::default().to_string());
    app.pool.close().await;
    // No session is loaded or written, no form read, no password hashed: the
    // refusal holds with the database gone.
    assert_eq!(
        wrong_login(&client, None).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let body = format!("csrf_token={token}&email=a%40b.rs&password=x");
    let refused = with_session
        .post_raw("/login", "application/x-www-form-urlencoded", body, &[])
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
}
