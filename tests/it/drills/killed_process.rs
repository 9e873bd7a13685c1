//! Drill 2: a real `tcs-portal serve` process is killed with SIGKILL while it
//! submits 200 orders; a second process started afterwards finishes the work.
//! No order is lost and none reaches DigiCert twice.
use std::time::Duration as StdDuration;

use digicert_sim::EmailValidationMode;
use secrecy::ExposeSecret;
use serde_json::json;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tcs_portal::crypto::MasterKey;
use tokio::process::Child;

use crate::helpers::serve_command;
use crate::world::{self, Drill, KEY};

const ORDERS: usize = 200;
/// Kill once this many are placed at DigiCert: mid-submission.
const KILL_AFTER: i64 = 30;

#[sqlx::test]
async fn a_serve_process_killed_mid_submission_loses_and_duplicates_no_order(
    pool_options: PgPoolOptions,
    connect: PgConnectOptions,
) {
    let pool = pool_options.connect_with(connect.clone()).await.unwrap();
    let sandbox = world::sandbox(world::unlimited_sandbox(), EmailValidationMode::Automatic).await;
    let drill = Drill::new(pool.clone(), sandbox).await;
    let orders = drill.place_orders(ORDERS).await;
    // Every call takes a while, so calls are in flight when the kill comes.
    drill.set_faults(json!({"latency_ms": 50})).await;

    let mut first = serve(&connect, &drill);
    let placed_at_kill = until_placed(&pool, KILL_AFTER).await;
    first.kill().await.unwrap();
    let mut second = serve(&connect, &drill);
    // The killed process's jobs come back when their 60-second leases run out.
    world::until_all_issued(&pool, &orders, StdDuration::from_secs(400)).await;
    second.kill().await.unwrap();

    let at_sandbox = drill.at_sandbox(&orders).await;
    let injected = drill.sandbox.sandbox().injected_faults().total();
    let issued = world::count_in_status(&pool, &orders, "issued").await;
    world::report("killed-process", ORDERS, issued, at_sandbox, injected);
    println!("drill killed-process: SIGKILL with {placed_at_kill} of {ORDERS} placed at DigiCert");
    assert!(
        usize::try_from(placed_at_kill).unwrap() < ORDERS,
        "the kill came mid-submission"
    );
    assert_eq!(at_sandbox.distinct, ORDERS);
    assert_eq!(at_sandbox.duplicates(), 0);
}

/// `tcs-portal serve` on the test's database and the sandbox, configured only
/// through the environment, as in production.
fn serve(connect: &PgConnectOptions, drill: &Drill) -> Child {
    serve_command(
        connect,
        "127.0.0.1:0",
        MasterKey::generate_base64().expose_secret(),
    )
    .env("TCS_DIGICERT_URL", drill.sandbox.base_url())
    .env("TCS_DIGICERT_API_KEY", KEY)
    .spawn()
    .unwrap()
}

/// Waits until at least `count` orders carry a DigiCert order id; returns how many do.
async fn until_placed(pool: &PgPool, count: i64) -> i64 {
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(120);
    loop {
        let placed: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM certificate_orders WHERE digicert_order_id IS NOT NULL",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if placed >= count {
            return placed;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the first process placed only {placed} orders"
        );
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
}
