//! The DigiCert rate limiter, shared by every portal process through Postgres.
//!
//! DigiCert counts requests per API key in two sliding windows (100 per 5 s and
//! 1000 per 3 min). Each process admitting calls on its own would exceed them as
//! soon as two run, so every admitted call is logged in the database: under a
//! transaction-scoped advisory lock on the key, a caller counts the calls in each
//! window and logs its own only when all have room; otherwise it learns how long
//! to wait. A 429 blocks the key for every process until the instant DigiCert gave.
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::db::rate_limits as db;

/// At most `max_calls` in any period of length `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub max_calls: u32,
    pub per: Duration,
}

/// Every window must have room for a call to be admitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    windows: Vec<Window>,
}

impl RateLimits {
    pub fn new(windows: Vec<Window>) -> Self {
        Self { windows }
    }

    /// DigiCert's published limits less 5 %: our clock and DigiCert's see a call
    /// at slightly different instants (network latency varies), so running at the
    /// exact limit would now and then collect a 429. 95 % keeps throughput well
    /// above the 90 % the pipeline promises.
    pub fn digicert() -> Self {
        Self::new(vec![
            Window {
                max_calls: 95,
                per: Duration::seconds(5),
            },
            Window {
                max_calls: 950,
                per: Duration::minutes(3),
            },
        ])
    }

    pub fn windows(&self) -> &[Window] {
        &self.windows
    }

    /// The shortest window, zero without any.
    pub fn shortest(&self) -> Duration {
        self.windows
            .iter()
            .map(|window| window.per)
            .min()
            .unwrap_or(Duration::ZERO)
    }

    fn longest(&self) -> Duration {
        self.windows
            .iter()
            .map(|window| window.per)
            .max()
            .unwrap_or(Duration::ZERO)
    }
}

/// Which budget a call counts against: one per DigiCert API key. Built from the
/// key's hash, so the secret itself never reaches the database.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RateKey(String);

impl RateKey {
    /// A key named directly (tests, or budgets that are not API keys).
    pub fn named(name: &str) -> Self {
        Self(name.to_owned())
    }

    pub fn for_api_key(api_key: &SecretString) -> Self {
        let digest = Sha256::digest(api_key.expose_secret().as_bytes());
        Self(format!("digicert:{}", hex::encode(&digest[..8])))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An admitted call, logged at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permit {
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Make the call now.
    Permit(Permit),
    /// No room: ask again after this long.
    WaitFor(Duration),
}

/// Admits one call on `key` at `now` if every window has room and no 429 block
/// holds, logging it so every other process counts it too.
pub async fn acquire(
    pool: &PgPool,
    key: &RateKey,
    limits: &RateLimits,
    now: OffsetDateTime,
) -> sqlx::Result<Admission> {
    let key = key.as_str();
    let mut tx = pool.begin().await?;
    db::lock_key(&mut tx, key).await?;
    if let Some(until) = db::blocked_until(&mut tx, key, now).await? {
        return Ok(Admission::WaitFor(until - now));
    }
    let mut wait = Duration::ZERO;
    for window in limits.windows() {
        let nth = db::nth_newest_call_in_window(
            &mut tx,
            key,
            now,
            window.per,
            i64::from(window.max_calls.max(1)),
        )
        .await?;
        if let Some(oldest_counted) = nth {
            wait = wait.max(oldest_counted + window.per - now);
        }
    }
    if wait > Duration::ZERO {
        return Ok(Admission::WaitFor(wait));
    }
    // Calls are kept for twice the longest window, not once: a caller whose `now`
    // lags another's (read before it waited for the lock, or a process whose
    // clock is a little behind) must still find every call its windows cover.
    db::prune_calls(&mut tx, key, now - limits.longest() * 2_i32).await?;
    db::record_call(&mut tx, key, now).await?;
    tx.commit().await?;
    Ok(Admission::Permit(Permit { at: now }))
}

/// After a 429: no process makes calls on `key` before `until`. A later block
/// already in place is kept.
pub async fn block_until(pool: &PgPool, key: &RateKey, until: OffsetDateTime) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?;
    db::block_until(&mut conn, key.as_str(), until).await
}

/// How long a 429 without `Retry-After` blocks the key: DigiCert's short window,
/// after which at least that window has emptied.
pub const BLOCK_WITHOUT_RETRY_AFTER: Duration = Duration::seconds(5);

/// After a 429 from DigiCert: blocks `key` for the `Retry-After` it sent, or for
/// [`BLOCK_WITHOUT_RETRY_AFTER`]. Returns the instant the block ends.
pub async fn block_after_429(
    pool: &PgPool,
    key: &RateKey,
    retry_after: Option<std::time::Duration>,
    now: OffsetDateTime,
) -> sqlx::Result<OffsetDateTime> {
    let wait = retry_after
        .and_then(|wait| Duration::try_from(wait).ok())
        .unwrap_or(BLOCK_WITHOUT_RETRY_AFTER);
    let until = now + wait;
    block_until(pool, key, until).await?;
    Ok(until)
}

#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    #[error("stopped while waiting for the DigiCert rate limit")]
    Stopped,
    #[error("the DigiCert rate limit asks to wait {0}, longer than this caller may")]
    TooLong(Duration),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Waits until a call on `key` is admitted, sleeping as long as the limiter says.
/// Gives up when a single wait exceeds `max_wait` (a long 429 block: a job would
/// rather snooze than hold a task) or when `stop` fires.
pub async fn wait_for_permit(
    pool: &PgPool,
    key: &RateKey,
    limits: &RateLimits,
    clock: &dyn Clock,
    max_wait: Duration,
    stop: &CancellationToken,
) -> Result<Permit, WaitError> {
    loop {
        match acquire(pool, key, limits, clock.now()).await? {
            Admission::Permit(permit) => return Ok(permit),
            Admission::WaitFor(wait) if wait > max_wait => return Err(WaitError::TooLong(wait)),
            Admission::WaitFor(wait) => {
                // A millisecond more so the call that frees the slot has left
                // the window when we ask again.
                let sleep = (wait + Duration::milliseconds(1)).unsigned_abs();
                tokio::select! {
                    () = stop.cancelled() => return Err(WaitError::Stopped),
                    () = tokio::time::sleep(sleep) => {}
                }
            }
        }
    }
}
