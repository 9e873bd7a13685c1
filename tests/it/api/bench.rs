//! The API figure of issue 14 §4, run by `bench/run.sh` (ignored in the suite for its
//! length): `GET` of one page of the orders list (50 orders of 10,000) with a token, as
//! a ratio of requests per second to `/healthz` in the same run, both from 8 concurrent
//! keep-alive clients for the same number of requests.
use std::time::Instant;

use sqlx::PgPool;

use super::{orders_path, token};
use crate::helpers::TestApp;
use crate::orders::etf;
use crate::orders::list::seed;

const CLIENTS: usize = 8;
const REQUESTS_PER_CLIENT: usize = 250;

/// Requests per second for `path`, with `token` if any.
async fn rate(app: &TestApp, path: &str, token: Option<&str>) -> f64 {
    let started = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let url = format!("{}{path}", app.base);
        let token = token.map(str::to_owned);
        clients.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            for _ in 0..REQUESTS_PER_CLIENT {
                let mut request = http.get(&url);
                if let Some(token) = &token {
                    request = request.bearer_auth(token);
                }
                let answer = request.send().await.unwrap();
                assert!(answer.status().is_success(), "{}", answer.status());
                answer.bytes().await.unwrap();
            }
        }));
    }
    for client in clients {
        client.await.unwrap();
    }
    (CLIENTS * REQUESTS_PER_CLIENT) as f64 / started.elapsed().as_secs_f64()
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
#[ignore = "a benchmark: bench/run.sh runs it"]
async fn bench_an_api_order_list_page_against_healthz(pool: PgPool) {
    // The per-token budget would cut the run short: lifted for the measurement.
    let app = TestApp::spawn_configured(pool, |settings| {
        settings.clients.api_requests_per_minute = u32::MAX;
    })
    .await;
    let world = etf(&app).await;
    seed(&app, world.a, 10_000).await;
    let token = token(&app, "etf-bg", "orders:read");
    let page = format!("{}?limit=50", orders_path(world.a));
    // Warm both paths (connections, statement caches) before measuring.
    rate(&app, "/healthz", None).await;
    rate(&app, &page, Some(&token)).await;
    let healthz = rate(&app, "/healthz", None).await;
    let list = rate(&app, &page, Some(&token)).await;
    println!(
        "BENCH api GET order list page (50 of 10000, token): {list:.0} req/s; /healthz {healthz:.0} req/s; ratio {:.3}",
        list / healthz
    );
}
