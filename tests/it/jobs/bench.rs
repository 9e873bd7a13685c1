//! The claim-overhead benchmark hook runs end to end (figures printed, not judged).
use super::claim_overhead::{ClaimFigures, claim_overhead};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_claim_benchmark_drains_every_job_it_enqueued(pool: PgPool) {
    let figures = claim_overhead(&pool, 1_000, 4, 8).await.unwrap();
    println!("{figures}");
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state <> 'succeeded'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    assert!(figures.drained_per_second > 0.0);
}

/// The full-size run for the report, on a multi-threaded runtime as `serve` has:
/// `cargo test --test it -- --ignored --nocapture jobs::bench`.
#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
#[ignore = "takes a while; run by hand for figures"]
async fn claim_overhead_with_ten_thousand_jobs(pool: PgPool) {
    let options = (*pool.connect_options()).clone();
    // sqlx::test runs on a single thread; the bench gets a runtime of its own.
    let figures = std::thread::spawn(move || -> ClaimFigures {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let pool = PgPoolOptions::new()
                .max_connections(40)
                .connect_with(options)
                .await
                .unwrap();
            claim_overhead(&pool, 10_000, 4, 8).await.unwrap()
        })
    })
    .join()
    .unwrap();
    println!("{figures}");
}
