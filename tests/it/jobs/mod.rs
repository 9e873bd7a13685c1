//! The job queue, its workers and the shared DigiCert rate limiter.
mod bench;
pub mod claim_overhead;
mod queue;
mod rate_limit;
mod worker;

use clock::ManualClock;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tcs_portal::jobs::NewJob;

pub const KIND: &str = "test.echo";

/// A fixed starting instant, so back-off arithmetic is easy to read.
pub fn manual_clock() -> ManualClock {
    ManualClock::new(time::macros::datetime!(2026-11-25 09:00 UTC))
}

/// Another connection pool on the test's database: one per simulated portal process.
pub async fn another_process(pool: &PgPool) -> PgPool {
    PgPoolOptions::new()
        .max_connections(4)
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap()
}

pub fn job(n: i64) -> NewJob {
    NewJob::new(KIND, &serde_json::json!({ "n": n })).unwrap()
}

pub async fn state_of(pool: &PgPool, id: i64) -> String {
    sqlx::query_scalar("SELECT state FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}
