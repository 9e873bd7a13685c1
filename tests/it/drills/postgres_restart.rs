//! Drill 3: Postgres restarts while orders are being placed at DigiCert and
//! followed. The pipeline notices nothing but failed queries, recovers by
//! itself, and every order ends issued, each exactly once at DigiCert.
use std::time::Duration as StdDuration;

use digicert_sim::EmailValidationMode;
use serde_json::json;
use sqlx::postgres::PgPoolOptions;
use time::Duration;
use tokio_util::sync::CancellationToken;

use super::cluster::PrivateCluster;
use crate::world::{self, Drill};

const ORDERS: usize = 200;
/// Restart once this many are issued: mid-run, with calls in flight.
const RESTART_AFTER: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarting_mid_run_loses_and_duplicates_no_order() {
    let Some(cluster) = PrivateCluster::start().await else {
        println!(
            "drill postgres-restart SKIPPED: no PostgreSQL 15 server binaries in /usr/lib/postgresql/15/bin"
        );
        return;
    };
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(&cluster.url("postgres"))
        .await
        .unwrap();
    sqlx::query("CREATE DATABASE tcs_drill")
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let pool = PgPoolOptions::new()
        .max_connections(20)
        .connect(&cluster.url("tcs_drill"))
        .await
        .unwrap();
    tcs_portal::db::MIGRATOR.run(&pool).await.unwrap();

    let sandbox = world::sandbox(world::unlimited_sandbox(), EmailValidationMode::Automatic).await;
    let drill = Drill::new(pool.clone(), sandbox).await;
    let orders = drill.place_orders(ORDERS).await;
    // Slow DigiCert down so the run is still going when Postgres goes away.
    drill.set_faults(json!({"latency_ms": 100})).await;
    let stop = CancellationToken::new();
    let pipeline = world::pipeline(&pool, &drill.sandbox);
    // A short lease: outcomes lost in the restart are taken over soon.
    let worker = world::worker(&pool, pipeline, 8, Duration::seconds(3));
    let running = tokio::spawn(worker.run(stop.clone()));
    world::until_in_status(
        &pool,
        &orders,
        "issued",
        RESTART_AFTER,
        StdDuration::from_secs(120),
    )
    .await;
    cluster.restart().await;
    let issued_at_restart = world::count_in_status(&pool, &orders, "issued").await;
    world::until_all_issued(&pool, &orders, StdDuration::from_secs(300)).await;
    stop.cancel();
    running.await.unwrap();

    let at_sandbox = drill.at_sandbox(&orders).await;
    let issued = world::count_in_status(&pool, &orders, "issued").await;
    let injected = drill.sandbox.sandbox().injected_faults().total();
    world::report("postgres-restart", ORDERS, issued, at_sandbox, injected);
    println!("drill postgres-restart: restarted with {issued_at_restart} of {ORDERS} issued");
    assert!(issued_at_restart < ORDERS, "the restart came mid-run");
    assert_eq!(at_sandbox.distinct, ORDERS);
    assert_eq!(at_sandbox.duplicates(), 0);
    drop(drill);
    pool.close().await;
}
