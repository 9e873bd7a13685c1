//! The shared DigiCert rate limiter: several processes together stay under both windows.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use clock::{Clock, SystemClock};
use digicert::{CertCentral, Error as DigicertError, HttpCertCentral};
use secrecy::SecretString;
use sqlx::PgPool;
use tcs_portal::jobs::rate_limit::{
    self, Admission, BLOCK_WITHOUT_RETRY_AFTER, RateKey, RateLimits, SharedLimit, WaitError,
    Window, acquire, block_after_429, block_until, wait_for_permit,
};
use testkit::digicert_fake::{FakeDigicert, Reply, rate_limited, unavailable};
use testkit::recorded::body_text;
use time::{Duration, OffsetDateTime};

use super::{another_process, manual_clock};

/// DigiCert's shape shrunk: a short burst window and a longer sustained one.
fn small_limits() -> RateLimits {
    RateLimits::new(vec![
        Window {
            max_calls: 10,
            per: Duration::seconds(1),
        },
        Window {
            max_calls: 30,
            per: Duration::seconds(5),
        },
    ])
}

/// Fails when any `window.max_calls + 1` calls fall within one window.
fn assert_within(calls: &[OffsetDateTime], limits: &RateLimits) {
    let mut sorted = calls.to_vec();
    sorted.sort();
    for window in limits.windows() {
        let max = usize::try_from(window.max_calls).unwrap();
        for pair in sorted.windows(max + 1) {
            let span = pair[max] - pair[0];
            assert!(
                span >= window.per,
                "{} calls within {span} (limit {max} per {})",
                max + 1,
                window.per
            );
        }
    }
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn concurrent_acquirers_in_several_processes_never_exceed_either_window(pool: PgPool) {
    let clock = manual_clock();
    let limits = small_limits();
    let key = RateKey::named("digicert:test");
    let permits = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicBool::new(false));
    let mut acquirers = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let process = another_process(&pool).await;
        for _ in 0..3 {
            let (process, clock, limits, key) =
                (process.clone(), clock.clone(), limits.clone(), key.clone());
            let (permits, done) = (permits.clone(), done.clone());
            acquirers.spawn(async move {
                while !done.load(Ordering::SeqCst) {
                    match acquire(&process, &key, &limits, &clock).await.unwrap() {
                        Admission::Permit(permit) => permits.lock().unwrap().push(permit.at),
                        Admission::WaitFor(wait) => {
                            assert!(wait > Duration::ZERO);
                            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                        }
                    }
                }
            });
        }
    }
    // Eight simulated seconds in 10 ms steps, while the acquirers hammer away.
    for _ in 0..800 {
        clock.advance(Duration::milliseconds(10));
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    done.store(true, Ordering::SeqCst);
    while let Some(joined) = acquirers.join_next().await {
        joined.unwrap();
    }

    let permits = permits.lock().unwrap().clone();
    assert_within(&permits, &limits);
    // Not vacuous: the limiter admitted about as much as the windows allow
    // (30 in the first five seconds, then more as those age out).
    assert!(permits.len() >= 40, "only {} calls admitted", permits.len());
    // What every process counts is the shared log, and it agrees.
    let logged: Vec<OffsetDateTime> =
        sqlx::query_scalar("SELECT at FROM rate_limit_calls WHERE key = 'digicert:test'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_within(&logged, &limits);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_full_window_says_how_long_to_wait_and_admits_again_after(pool: PgPool) {
    let clock = manual_clock();
    let limits = RateLimits::new(vec![Window {
        max_calls: 3,
        per: Duration::seconds(5),
    }]);
    let key = RateKey::named("k");
    let start = clock.now();
    for _ in 0..3 {
        assert!(matches!(
            acquire(&pool, &key, &limits, &clock).await.unwrap(),
            Admission::Permit(_)
        ));
        clock.advance(Duration::seconds(1));
    }
    // Calls at 0, 1, 2 s; now 3 s: the call at 0 s leaves the window at 5 s.
    assert_eq!(
        acquire(&pool, &key, &limits, &clock).await.unwrap(),
        Admission::WaitFor(Duration::seconds(2))
    );
    clock.advance(Duration::seconds(2));
    assert_eq!(
        acquire(&pool, &key, &limits, &clock).await.unwrap(),
        Admission::Permit(rate_limit::Permit {
            at: start + Duration::seconds(5)
        })
    );
    // Another key has its own budget.
    assert!(matches!(
        acquire(&pool, &RateKey::named("other"), &limits, &clock)
            .await
            .unwrap(),
        Admission::Permit(_)
    ));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_429_blocks_the_key_for_every_process_until_its_end(pool: PgPool) {
    let clock = manual_clock();
    let limits = small_limits();
    let key = RateKey::named("digicert:test");
    let processes = [another_process(&pool).await, another_process(&pool).await];

    // One process got a 429 with Retry-After: 30.
    block_until(&processes[0], &key, clock.now() + Duration::seconds(30))
        .await
        .unwrap();
    // A shorter block reported later by another process does not shorten it.
    block_until(&processes[1], &key, clock.now() + Duration::seconds(5))
        .await
        .unwrap();
    clock.advance(Duration::seconds(10));
    for process in &processes {
        assert_eq!(
            acquire(process, &key, &limits, &clock).await.unwrap(),
            Admission::WaitFor(Duration::seconds(20))
        );
    }
    clock.advance(Duration::seconds(20));
    for process in &processes {
        assert!(matches!(
            acquire(process, &key, &limits, &clock).await.unwrap(),
            Admission::Permit(_)
        ));
    }
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_429_without_retry_after_blocks_for_the_short_window(pool: PgPool) {
    let clock = manual_clock();
    let key = RateKey::named("k");
    let until = block_after_429(&pool, &key, None, clock.now())
        .await
        .unwrap();
    assert_eq!(until, clock.now() + BLOCK_WITHOUT_RETRY_AFTER);
    assert_eq!(
        acquire(&pool, &key, &small_limits(), &clock).await.unwrap(),
        Admission::WaitFor(BLOCK_WITHOUT_RETRY_AFTER)
    );
    let longer = block_after_429(
        &pool,
        &key,
        Some(std::time::Duration::from_secs(60)),
        clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(longer, clock.now() + Duration::minutes(1));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn waiting_for_a_permit_sleeps_until_the_window_has_room(pool: PgPool) {
    let limits = RateLimits::new(vec![Window {
        max_calls: 3,
        per: Duration::milliseconds(300),
    }]);
    let key = RateKey::named("k");
    let started = std::time::Instant::now();
    let mut admitted = Vec::new();
    for _ in 0..7 {
        let permit = wait_for_permit(&pool, &key, &limits, &SystemClock, Duration::seconds(5))
            .await
            .unwrap();
        admitted.push(permit.at);
    }
    assert_within(&admitted, &limits);
    // Seven calls at three per 300 ms need at least two full windows.
    assert!(started.elapsed() >= std::time::Duration::from_millis(600));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_caller_gives_up_on_a_block_longer_than_it_may_wait(pool: PgPool) {
    let key = RateKey::named("k");
    block_until(&pool, &key, SystemClock.now() + Duration::minutes(5))
        .await
        .unwrap();
    let result = wait_for_permit(
        &pool,
        &key,
        &small_limits(),
        &SystemClock,
        Duration::seconds(10),
    )
    .await;
    assert!(matches!(result, Err(WaitError::TooLong(_))), "{result:?}");
}

#[test]
fn the_rate_key_of_an_api_key_does_not_contain_the_key() {
    let secret = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let key = RateKey::for_api_key(&SecretString::from(secret));
    assert!(key.as_str().starts_with("digicert:"));
    assert!(!key.as_str().contains(secret));
    assert!(!key.as_str().contains(&secret[..8]));
    assert_eq!(key, RateKey::for_api_key(&SecretString::from(secret)));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_long_window_holds_calls_back_even_when_the_short_one_has_room(pool: PgPool) {
    let clock = manual_clock();
    let limits = RateLimits::new(vec![
        Window {
            max_calls: 2,
            per: Duration::seconds(1),
        },
        Window {
            max_calls: 3,
            per: Duration::seconds(10),
        },
    ]);
    let key = RateKey::named("k");
    for _ in 0..3 {
        assert!(matches!(
            acquire(&pool, &key, &limits, &clock).await.unwrap(),
            Admission::Permit(_)
        ));
        clock.advance(Duration::seconds(2));
    }
    // Calls at 0, 2 and 4 s; at 6 s the short window is empty but the long one
    // is full until the call at 0 s leaves it at 10 s.
    assert_eq!(
        acquire(&pool, &key, &limits, &clock).await.unwrap(),
        Admission::WaitFor(Duration::seconds(4))
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_call_counts_for_the_latency_allowance_beyond_its_window(pool: PgPool) {
    let clock = manual_clock();
    let limits = RateLimits::new(vec![Window {
        max_calls: 3,
        per: Duration::seconds(5),
    }])
    .with_latency_allowance(Duration::seconds(1));
    let key = RateKey::named("k");
    for _ in 0..3 {
        assert!(matches!(
            acquire(&pool, &key, &limits, &clock).await.unwrap(),
            Admission::Permit(_)
        ));
        clock.advance(Duration::seconds(1));
    }
    // Calls at 0, 1, 2 s; at 5 s DigiCert's window has room, but the call at
    // 0 s may have reached DigiCert late, so it counts until 6 s.
    clock.advance(Duration::seconds(2));
    assert_eq!(
        acquire(&pool, &key, &limits, &clock).await.unwrap(),
        Admission::WaitFor(Duration::seconds(1))
    );
    clock.advance(Duration::seconds(1));
    assert!(matches!(
        acquire(&pool, &key, &limits, &clock).await.unwrap(),
        Admission::Permit(_)
    ));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_call_that_waited_for_another_process_is_logged_when_admitted(pool: PgPool) {
    let clock = manual_clock();
    let start = clock.now();
    let key = RateKey::named("k");
    let other = another_process(&pool).await;
    let mut holding = other.begin().await.unwrap();
    tcs_portal::db::rate_limits::lock_key(&mut holding, key.as_str())
        .await
        .unwrap();
    let asking = tokio::spawn({
        let (pool, key, clock) = (pool.clone(), key.clone(), clock.clone());
        async move { acquire(&pool, &key, &small_limits(), &clock).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    // The other process takes three seconds before it lets go of the key.
    clock.advance(Duration::seconds(3));
    holding.commit().await.unwrap();
    assert_eq!(
        asking.await.unwrap().unwrap(),
        Admission::Permit(rate_limit::Permit {
            at: start + Duration::seconds(3)
        })
    );
}

/// A client of `fake` whose requests pass the shared limiter on `pool`.
fn gated_client(fake: &FakeDigicert, pool: &PgPool, limits: RateLimits) -> HttpCertCentral {
    let gate = SharedLimit::new(
        pool.clone(),
        RateKey::named("k"),
        limits,
        Arc::new(SystemClock),
    );
    fake.client().with_gate(Arc::new(gate))
}

async fn logged_calls(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM rate_limit_calls WHERE key = 'k'")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn each_retry_of_the_client_waits_for_a_permit_of_its_own(pool: PgPool) {
    let limits = RateLimits::new(vec![Window {
        max_calls: 2,
        per: Duration::milliseconds(400),
    }]);
    let fake = FakeDigicert::start(vec![
        unavailable(),
        unavailable(),
        Reply::Json(200, body_text("get_account_200.json")),
    ])
    .await;
    let account = gated_client(&fake, &pool, limits).account().await.unwrap();
    assert_eq!(account.id, 1_696_530);
    let arrivals = fake.arrivals();
    assert_eq!(arrivals.len(), 3);
    // The client's back-off is at most 40 ms in all; the limiter held the third
    // request until the first had left the window (less the first one's
    // connection set-up, which delayed its arrival, not its permit).
    assert!(
        arrivals[2] - arrivals[0] >= std::time::Duration::from_millis(350),
        "{:?}",
        arrivals[2] - arrivals[0]
    );
    assert_eq!(logged_calls(&pool).await, 3, "every request was counted");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn after_a_429_the_retry_is_held_back_and_every_process_waits(pool: PgPool) {
    let fake = FakeDigicert::start(vec![
        rate_limited(),
        Reply::Json(200, body_text("get_account_200.json")),
    ])
    .await;
    let error = gated_client(&fake, &pool, small_limits())
        .account()
        .await
        .unwrap_err();
    // The block (5 s without Retry-After) is longer than a full short window,
    // so the client gives the wait back to its caller instead of sending.
    assert!(
        matches!(error, DigicertError::HeldBack { wait } if wait > std::time::Duration::from_secs(4)),
        "{error:?}"
    );
    assert_eq!(fake.calls(), 1, "nothing was sent after the 429");
    let elsewhere = another_process(&pool).await;
    assert!(matches!(
        acquire(&elsewhere, &RateKey::named("k"), &small_limits(), &SystemClock)
            .await
            .unwrap(),
        Admission::WaitFor(wait) if wait > Duration::seconds(4)
    ));
}
