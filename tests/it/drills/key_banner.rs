//! A wrong or revoked API key: the ordering jobs meet DigiCert's refusal, staff
//! see "DigiCert rejected our API key" on their pages while it lasts, the order
//! waits instead of failing, and the banner goes with the first call DigiCert
//! accepts again.
use std::sync::Arc;
use std::time::Duration as StdDuration;

use clock::SystemClock;
use digicert::HttpCertCentral;
use digicert_sim::EmailValidationMode;
use sqlx::PgPool;
use tcs_portal::jobs::Worker;
use tcs_portal::services::digicert_connection::KeyWatch;
use time::Duration;
use tokio_util::sync::CancellationToken;

use crate::world::{self, Drill};

const BANNER: &str = "DigiCert rejected our API key";

#[sqlx::test]
async fn staff_see_a_rejected_api_key_until_a_call_succeeds_again(pool: PgPool) {
    let sandbox = world::sandbox(world::unlimited_sandbox(), EmailValidationMode::Automatic).await;
    let drill = Drill::new(pool.clone(), sandbox).await;
    assert!(!drill.staff_page("/staff").await.contains(BANNER));
    let orders = drill.place_orders(1).await;

    let revoked = watched(&pool, world::client(&drill.sandbox, "revoked-key"));
    let stop = CancellationToken::new();
    let with_revoked_key = worker(&pool, world::pipeline_with(&pool, revoked));
    let running = tokio::spawn(with_revoked_key.run(stop.clone()));
    let home = until_page_shows(&drill, "/staff", BANNER).await;
    stop.cancel();
    running.await.unwrap();
    assert!(home.contains("id=\"digicert-key-rejected\""), "{home}");
    assert!(drill.staff_page("/staff/operations").await.contains(BANNER));
    assert_eq!(
        world::count_in_status(&pool, &orders, "queued").await,
        1,
        "the order waits for a working key"
    );

    // Staff put the right key in place.
    let stop = CancellationToken::new();
    let right = watched(&pool, world::client(&drill.sandbox, world::KEY));
    let fixed = worker(&pool, world::pipeline_with(&pool, right));
    let running = tokio::spawn(fixed.run(stop.clone()));
    world::until_all_issued(&pool, &orders, StdDuration::from_secs(60)).await;
    stop.cancel();
    running.await.unwrap();
    assert!(!drill.staff_page("/staff").await.contains(BANNER));
    assert!(!drill.staff_page("/staff/operations").await.contains(BANNER));
}

/// `client` with the portal's API-key watch, as `serve` builds it.
fn watched(pool: &PgPool, client: HttpCertCentral) -> Arc<HttpCertCentral> {
    Arc::new(client.with_gate(Arc::new(KeyWatch::new(pool.clone(), Arc::new(SystemClock)))))
}

fn worker(pool: &PgPool, pipeline: tcs_portal::services::ordering::Pipeline) -> Worker {
    world::worker(pool, pipeline, 2, Duration::seconds(30))
}

/// Waits until the staff page at `path` contains `text`; returns the page.
async fn until_page_shows(drill: &Drill, path: &str, text: &str) -> String {
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(30);
    loop {
        let page = drill.staff_page(path).await;
        if page.contains(text) {
            return page;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{path} never showed {text:?}"
        );
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
}
