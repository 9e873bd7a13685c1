//! The bulk figures of issue 14 §4, run by `bench/run.sh` (ignored in the suite for its
//! length): the preview of a 10,000-row CSV (ms and rows/s) and placing it (ms), in one run.
use std::time::Instant;

use reqwest::StatusCode;
use sqlx::PgPool;

use super::{confirm, orders_of, uploaded};
use crate::helpers::TestApp;
use crate::orders::{DOMAIN, etf};

#[sqlx::test]
#[ignore = "a benchmark: bench/run.sh runs it"]
async fn bench_a_10000_row_file_is_previewed_and_placed(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let world = etf(&app).await;
    let admin = &world.admin_a.client;
    let mut file = String::from("email,given name,surname,product,profile,validity\n");
    for n in 0..10_000 {
        file.push_str(&format!(
            "osoba{n}@{DOMAIN},Petar,Petrović,secure_email_sponsor,strict,1\n"
        ));
    }
    let started = Instant::now();
    let id = uploaded(admin, world.a, &file).await;
    let preview = admin
        .get(&format!("/institutions/{}/bulk/{id}", world.a))
        .await;
    let preview_ms = started.elapsed().as_secs_f64() * 1000.0;
    assert!(
        preview
            .body
            .contains(r#"<strong class="ready-count">10000</strong>"#)
    );
    let started = Instant::now();
    let placed = confirm(admin, world.a, id, false).await;
    let place_ms = started.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    assert_eq!(orders_of(&pool, id).await.len(), 10_000);
    {
        println!(
            "BENCH bulk preview of 10000 rows (upload + preview page): {preview_ms:.0} ms, {:.0} rows/s",
            10_000.0 / (preview_ms / 1000.0)
        );
        println!("BENCH bulk placing of 10000 rows (one transaction): {place_ms:.0} ms");
    }
}
