//! Drill 4: 3,000 orders queued at once against the sandbox's real rate-limit
//! logic. Not one 429 comes back, every request that reaches the sandbox was
//! admitted by the portal's shared limiter, and the pipeline uses at least 90 %
//! of what DigiCert allows. DigiCert's windows (100 per 5 s, 1000 per 3 min) are
//! shortened so the drill takes a minute and a half, not hours: the long one by
//! `TIME_SCALE`, the short one (and the portal's latency allowance) by only
//! `SHORT_TIME_SCALE`, so the short window still allows more per second than the
//! long one, which sets the pace.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration as StdDuration, Instant};

use async_trait::async_trait;
use clock::SystemClock;
use digicert::{Answered, Error as DigicertError, RequestGate};
use digicert_sim::rate_limit::{RateLimits as SandboxLimits, RateWindow};
use digicert_sim::{EmailValidationMode, RunningSandbox};
use sqlx::PgPool;
use tcs_portal::jobs::rate_limit::{RateKey, RateLimits, SharedLimit, Window};
use time::Duration;
use tokio_util::sync::CancellationToken;

use crate::world::{self, Drill};

const ORDERS: usize = 3_000;
/// DigiCert's long window divided by this: 1000 per 36 seconds (27.8/s).
const TIME_SCALE: u32 = 5;
/// DigiCert's short window divided by this: 100 per 2.5 seconds (40/s).
const SHORT_TIME_SCALE: u32 = 2;
/// Windows up to this long are DigiCert's short one.
const SHORT_WINDOW: StdDuration = StdDuration::from_secs(5);
/// Throughput is measured over this many long windows from the first call, so
/// the first window's burst counts no more than any later one.
const MEASURED_WINDOWS: u32 = 2;
const CONCURRENCY: usize = 16;

/// How much a window of this length is shortened.
fn scale(per: StdDuration) -> u32 {
    if per <= SHORT_WINDOW {
        SHORT_TIME_SCALE
    } else {
        TIME_SCALE
    }
}

/// DigiCert's real limits, windows shortened.
fn sandbox_limits() -> SandboxLimits {
    SandboxLimits {
        windows: SandboxLimits::default()
            .windows
            .into_iter()
            .map(|window| RateWindow {
                per: window.per / scale(window.per),
                ..window
            })
            .collect(),
    }
}

/// The portal's own limits (DigiCert's less a margin), windows and latency
/// allowance shortened alike.
fn portal_limits() -> RateLimits {
    let digicert = RateLimits::digicert();
    RateLimits::new(
        digicert
            .windows()
            .iter()
            .map(|window| Window {
                per: window.per / scale(window.per.unsigned_abs()),
                ..*window
            })
            .collect(),
    )
    .with_latency_allowance(digicert.latency_allowance() / SHORT_TIME_SCALE)
}

/// Counts the requests that the gates before it (the portal's shared limiter)
/// let through.
#[derive(Debug, Default)]
struct Counter {
    admitted: AtomicU64,
}

#[async_trait]
impl RequestGate for Counter {
    async fn admit(&self) -> Result<(), DigicertError> {
        self.admitted.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn answered(&self, _answer: Answered) {}
}

/// What a drain of queued orders at DigiCert's (shortened) limits measured over its
/// first long windows.
pub(crate) struct Drained {
    pub(crate) calls: u64,
    pub(crate) span: StdDuration,
    pub(crate) achieved: f64,
    pub(crate) allowed_rate: f64,
    /// Requests the sandbox answered with 429.
    pub(crate) refused: u64,
    pub(crate) reached_sandbox: u64,
    pub(crate) admitted_by_portal: u64,
}

/// The sandbox with DigiCert's limits, its windows shortened.
pub(crate) async fn limited_sandbox() -> RunningSandbox {
    world::sandbox(sandbox_limits(), EmailValidationMode::Automatic).await
}

/// Runs the job worker, behind the portal's shared limiter, over what the drill queued,
/// for [`MEASURED_WINDOWS`] long windows from its first DigiCert call.
pub(crate) async fn drain(pool: &PgPool, drill: &Drill) -> Drained {
    let long = *sandbox_limits()
        .windows
        .iter()
        .max_by_key(|window| window.per)
        .unwrap();
    let before = drill.sandbox.sandbox().rate_limit_counts();
    let limiter = SharedLimit::new(
        pool.clone(),
        RateKey::named("drill"),
        portal_limits(),
        Arc::new(SystemClock),
    );
    let counter = Arc::new(Counter::default());
    let client = world::client(&drill.sandbox, world::KEY)
        .with_gate(Arc::new(limiter))
        .with_gate(counter.clone());
    let stop = CancellationToken::new();
    let pipeline = world::pipeline_with(pool, Arc::new(client));
    let worker = world::worker(pool, pipeline, CONCURRENCY, Duration::seconds(30));
    let running = tokio::spawn(worker.run(stop.clone()));
    let span = long.per * MEASURED_WINDOWS;
    let calls = calls_in_first_windows(drill, before.admitted, span).await;
    stop.cancel();
    running.await.unwrap();

    let allowed = u64::try_from(long.max_requests).unwrap() * u64::from(MEASURED_WINDOWS);
    let counts = drill.sandbox.sandbox().rate_limit_counts();
    let refused = counts.refused - before.refused;
    #[expect(clippy::cast_precision_loss, reason = "call counts are small")]
    let (achieved, allowed_rate) = (
        calls as f64 / span.as_secs_f64(),
        allowed as f64 / span.as_secs_f64(),
    );
    Drained {
        calls,
        span,
        achieved,
        allowed_rate,
        refused,
        reached_sandbox: counts.admitted + refused - before.admitted,
        admitted_by_portal: counter.admitted.load(Ordering::SeqCst),
    }
}

#[sqlx::test]
async fn a_burst_of_three_thousand_orders_gets_no_429_and_uses_the_allowed_rate(pool: PgPool) {
    let drill = Drill::new(pool.clone(), limited_sandbox().await).await;
    let orders = drill.place_orders(ORDERS).await;
    let drained = drain(&pool, &drill).await;
    let Drained {
        calls,
        span,
        achieved,
        allowed_rate,
        refused,
        reached_sandbox,
        admitted_by_portal,
    } = drained;
    let at_sandbox = drill.at_sandbox(&orders).await;
    let injected = drill.sandbox.sandbox().injected_faults().total();
    let issued = world::count_in_status(&pool, &orders, "issued").await;
    world::report("burst", ORDERS, issued, at_sandbox, injected);
    println!(
        "drill burst: {calls} calls in {span:?}: {achieved:.1}/s achieved \
         vs {allowed_rate:.1}/s allowed ({:.1} %), {refused} answered 429",
        100.0 * achieved / allowed_rate,
    );
    println!(
        "drill burst: {reached_sandbox} requests reached the sandbox, {admitted_by_portal} admitted by the portal's limiter"
    );
    assert_eq!(refused, 0, "the sandbox answered 429");
    // A request aborted at shutdown may be admitted and never sent, not the
    // other way round.
    assert!(
        reached_sandbox <= admitted_by_portal,
        "{reached_sandbox} requests reached the sandbox, only {admitted_by_portal} were admitted"
    );
    assert_eq!(at_sandbox.duplicates(), 0);
    assert!(
        achieved >= 0.9 * allowed_rate,
        "{achieved:.1}/s is under 90 % of {allowed_rate:.1}/s"
    );
}

/// The calls the sandbox admitted during `span` from the first one.
async fn calls_in_first_windows(drill: &Drill, before: u64, span: StdDuration) -> u64 {
    let admitted = || drill.sandbox.sandbox().rate_limit_counts().admitted - before;
    // Placing the orders made no DigiCert call, so the first one comes from the
    // worker; wait for it with a generous bound.
    let waiting_since = Instant::now();
    while admitted() == 0 {
        assert!(
            waiting_since.elapsed() < StdDuration::from_secs(60),
            "no DigiCert call"
        );
        tokio::time::sleep(StdDuration::from_millis(5)).await;
    }
    tokio::time::sleep(span).await;
    admitted()
}
