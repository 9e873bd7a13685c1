//! The server process's memory (issue 16 §2): what a password hash takes, it gives back.
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tcs_portal::crypto::MasterKey;
use tokio::process::Child;

use crate::helpers::{TestClient, free_port, serve_command};

/// Each wrong password costs an argon2id hash over 7 MiB of working memory. Before the
/// portal turned mimalloc's purge delay off, the blocking thread that ran the hash kept
/// those pages resident after freeing them until it next allocated, which an idle thread
/// never does: one wrong password left the server as much bigger for good (14 MiB with
/// the 12 MiB hashes of then).
#[sqlx::test]
async fn a_wrong_password_leaves_the_servers_memory_as_it_found_it(
    _: PgPoolOptions,
    connect: PgConnectOptions,
) {
    let port = free_port();
    let key = MasterKey::generate_base64();
    let mut server = serve_command(&connect, &format!("127.0.0.1:{port}"), key.expose_secret())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = TestClient::new(&base, Arc::new(MasterKey::from_base64(&key).unwrap()));
    until_ready(&base, &mut server).await;
    let pid = server.id().unwrap();

    // What any request grows once (connections, the login page's caches) is grown first.
    for _ in 0..3 {
        assert!(client.get("/login").await.status.is_success());
    }
    let before = resident_kib(pid);
    for _ in 0..2 {
        let answer = client
            .post_form(
                "/login",
                &[
                    ("email", "nobody@amres.ac.rs"),
                    ("password", "not the password at all"),
                ],
            )
            .await;
        assert_eq!(answer.status, reqwest::StatusCode::UNAUTHORIZED);
    }
    let grown = resident_kib(pid).saturating_sub(before);
    server.kill().await.unwrap();
    assert!(
        grown < 4 * 1024,
        "two wrong passwords left the server {grown} KiB bigger"
    );
}

async fn until_ready(base: &str, server: &mut Child) {
    for _ in 0..300 {
        assert!(
            server.try_wait().unwrap().is_none(),
            "tcs-portal serve exited"
        );
        if reqwest::get(format!("{base}/readyz"))
            .await
            .is_ok_and(|answer| answer.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("tcs-portal serve was not ready within 30 s");
}

/// The process's resident memory (`VmRSS`), in KiB.
fn resident_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}
