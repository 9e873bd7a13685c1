//! Figures for `bash bench/run.sh`, ignored by `cargo test`: the ordering
//! pipeline's end-to-end throughput against the sandbox with rate limits off,
//! beside the same DigiCert calls made directly (the baseline), and the queue's
//! claim overhead per job, beside one database round trip. Each figure is printed
//! with its ratio to its baseline, as one JSON line that bench.py reads.
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use digicert::{
    CertCentral, CertificateFormat, CommonNameIndicator, OrderRequest, OrganizationId, ProductId,
};
use digicert_sim::EmailValidationMode;
use futures_util::StreamExt;
use serde_json::json;
use sqlx::PgPool;
use time::Duration;
use tokio_util::sync::CancellationToken;

use crate::jobs::claim_overhead::claim_overhead;
use crate::world::{self, Drill, KEY};

const ORDERS: usize = 300;
const CONCURRENCY: usize = 8;
const CLAIM_JOBS: usize = 2_000;
const ROUND_TRIPS: u32 = 500;

#[sqlx::test]
#[ignore = "bench figures: run by bench/run.sh"]
async fn bench_pipeline_and_claim_figures(pool: PgPool) {
    let sandbox = world::sandbox(world::unlimited_sandbox(), EmailValidationMode::Automatic).await;
    let drill = Drill::new(pool.clone(), sandbox).await;
    let direct = direct_orders_per_second(&drill).await;

    // End to end: from the admin's POST to a stored, verified chain.
    let stop = CancellationToken::new();
    let pipeline = world::pipeline(&pool, &drill.sandbox);
    let running = tokio::spawn(
        world::worker(&pool, pipeline, CONCURRENCY, Duration::seconds(30)).run(stop.clone()),
    );
    let started = Instant::now();
    let orders = drill.place_orders(ORDERS).await;
    world::until_all_issued(&pool, &orders, StdDuration::from_secs(600)).await;
    let pipeline = per_second(ORDERS, started.elapsed());
    stop.cancel();
    running.await.unwrap();

    let round_trip_us = round_trip_micros(&pool).await;
    let claims = claim_overhead(&pool, CLAIM_JOBS, 2, CONCURRENCY)
        .await
        .unwrap();
    let figures = json!({
        "pipeline_orders_per_s": pipeline,
        "direct_orders_per_s": direct,
        "pipeline_vs_direct": pipeline / direct,
        "claim_us_per_job": claims.micros_per_job,
        "single_claim_us": claims.micros_per_single_claim,
        "round_trip_us": round_trip_us,
        "claim_per_job_vs_round_trip": claims.micros_per_job / round_trip_us,
        "single_claim_vs_round_trip": claims.micros_per_single_claim / round_trip_us,
    });
    println!("bench-json: {figures}");
}

/// The baseline: the three calls the pipeline makes per order (place, read back,
/// download the chain), made straight at the sandbox with the same concurrency,
/// with no queue, no database and no verification.
async fn direct_orders_per_second(drill: &Drill) -> f64 {
    let client = Arc::new(world::client(&drill.sandbox, KEY));
    let organization = OrganizationId(world::organization_id(&drill.sandbox).await);
    let started = Instant::now();
    futures_util::stream::iter(0..ORDERS)
        .map(|n| {
            let client = client.clone();
            async move {
                // Other recipients than the pipeline's orders, so nothing is shared.
                let (email, csr) = world::recipient(&format!("drill{}", ORDERS + n));
                let request = OrderRequest::builder(ProductId::ClientPremium, vec![email])
                    .organization(organization)
                    .validity_years(1)
                    .skip_approval(true)
                    .comments(format!("bench-direct-{n}"))
                    .common_name_indicator(CommonNameIndicator::GivenNameSurname)
                    .individual("Petar", "Petrovic")
                    .common_name("Petar Petrovic")
                    .csr(csr)
                    .build()
                    .unwrap();
                let created = client.place_order(&request).await.unwrap();
                client.order(created.id).await.unwrap();
                client
                    .download_order_certificate(created.id, CertificateFormat::PemAll)
                    .await
                    .unwrap();
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<()>>()
        .await;
    per_second(ORDERS, started.elapsed())
}

/// One `SELECT 1` on a pooled connection, median of many.
async fn round_trip_micros(pool: &PgPool) -> f64 {
    let mut times = Vec::new();
    for _ in 0..ROUND_TRIPS {
        let started = Instant::now();
        sqlx::query("SELECT 1").execute(pool).await.unwrap();
        times.push(started.elapsed().as_secs_f64() * 1e6);
    }
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

#[expect(clippy::cast_precision_loss, reason = "counts are small")]
fn per_second(count: usize, elapsed: StdDuration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}
