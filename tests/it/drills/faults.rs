//! Drill 1: three DigiCert calls in ten fail (5xx, hangs past the client's
//! timeout, connections dropped after the order was created), and still every
//! order is issued, each placed exactly once at DigiCert.
use std::time::Duration as StdDuration;

use digicert_sim::EmailValidationMode;
use serde_json::json;
use sqlx::PgPool;
use time::Duration;
use tokio_util::sync::CancellationToken;

use crate::world::{self, Drill};

const ORDERS: usize = 500;
/// Enough jobs in flight that hung calls do not starve the rest.
const CONCURRENCY: usize = 16;

#[sqlx::test]
async fn thirty_percent_of_digicert_calls_failing_still_issues_every_order_exactly_once(
    pool: PgPool,
) {
    let sandbox = world::sandbox(world::unlimited_sandbox(), EmailValidationMode::Automatic).await;
    let drill = Drill::new(pool.clone(), sandbox).await;
    let orders = drill.place_orders(ORDERS).await;
    // A hang fails one call in ten, a status one in five of the rest (0.1 +
    // 0.9 × 0.2 = 28 %), and dropped answers to created orders make up the 30 %.
    drill
        .set_faults(json!({
            "timeout_share": 0.1,
            "timeout_ms": 1500,
            "error_share": 0.2,
            "error_statuses": [500, 502, 503],
            "drop_after_order_created": ORDERS / 10,
        }))
        .await;
    let stop = CancellationToken::new();
    let pipeline = world::pipeline(&pool, &drill.sandbox);
    let worker = world::worker(&pool, pipeline, CONCURRENCY, Duration::seconds(30));
    let running = tokio::spawn(worker.run(stop.clone()));
    world::until_all_issued(&pool, &orders, StdDuration::from_secs(300)).await;
    stop.cancel();
    running.await.unwrap();

    let injected = drill.sandbox.sandbox().injected_faults();
    let admitted = drill.sandbox.sandbox().rate_limit_counts().admitted;
    let at_sandbox = drill.at_sandbox(&orders).await;
    let issued = world::count_in_status(&pool, &orders, "issued").await;
    world::report("faults", ORDERS, issued, at_sandbox, injected.total());
    println!(
        "drill faults: {} of {} DigiCert calls failed ({injected:?})",
        injected.total(),
        injected.total() + admitted
    );
    assert_eq!(issued, ORDERS);
    assert_eq!(at_sandbox.distinct, ORDERS);
    assert_eq!(at_sandbox.duplicates(), 0);
    assert!(
        injected.dropped_after_create > 0 && injected.timeouts > 0 && injected.errors > 0,
        "every kind of fault was injected: {injected:?}"
    );
}
