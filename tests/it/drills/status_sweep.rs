//! Following at scale: pending orders are not polled one by one. The
//! status-changes sweep asks DigiCert once which orders changed, and only those
//! are looked at.
use std::time::Duration as StdDuration;

use digicert_sim::EmailValidationMode;
use digicert_sim::lifecycle;
use sqlx::PgPool;
use tcs_portal::services::ordering::FollowTiming;
use time::Duration;
use tokio_util::sync::CancellationToken;

use crate::world::{self, Drill, KEY};

const ORDERS: usize = 40;

#[sqlx::test]
async fn pending_orders_are_issued_through_the_status_changes_sweep_without_a_poll_each(
    pool: PgPool,
) {
    let sandbox = world::sandbox(world::unlimited_sandbox(), EmailValidationMode::Manual).await;
    let drill = Drill::new(pool.clone(), sandbox).await;
    let orders = drill.place_orders(ORDERS).await;
    // Each order's own next look is an hour away: only the sweep can bring news.
    let pipeline = world::pipeline(&pool, &drill.sandbox)
        .with_timing(FollowTiming {
            min_poll: Duration::hours(1),
            max_poll: Duration::hours(1),
        })
        .with_sweep(Duration::seconds(1));
    let sweep = pipeline.recurring().unwrap();
    let worker = world::worker(&pool, pipeline, 8, Duration::seconds(30)).with_recurring(sweep);
    let stop = CancellationToken::new();
    let running = tokio::spawn(worker.run(stop.clone()));
    world::until_in_status(
        &pool,
        &orders,
        "pending_validation",
        ORDERS,
        StdDuration::from_secs(60),
    )
    .await;

    let calls_before = drill.sandbox.sandbox().rate_limit_counts().admitted;
    let started = std::time::Instant::now();
    // Every recipient clicks DigiCert's link.
    drill
        .sandbox
        .sandbox()
        .write(|state, ca, now| {
            let account = state
                .accounts
                .iter_mut()
                .find(|a| a.api_key == KEY)
                .unwrap();
            let ids: Vec<u64> = account.orders.iter().map(|order| order.id).collect();
            for id in ids {
                lifecycle::validate_emails(account, id, None)?;
                lifecycle::advance(account, ca, now, id)?;
            }
            Ok(())
        })
        .await
        .unwrap();
    world::until_all_issued(&pool, &orders, StdDuration::from_secs(60)).await;
    let calls = drill.sandbox.sandbox().rate_limit_counts().admitted - calls_before;
    stop.cancel();
    running.await.unwrap();

    // Per order, its status and its certificate; one sweep a second; and a little
    // slack. Polling each pending order even once more would cost ORDERS calls.
    let sweeps = started.elapsed().as_secs() + 2;
    let most = 2 * u64::try_from(ORDERS).unwrap() + sweeps + 10;
    println!("status sweep: {ORDERS} orders issued with {calls} DigiCert calls (at most {most})");
    assert!(
        calls <= most,
        "{calls} calls: orders were polled one by one"
    );
}
