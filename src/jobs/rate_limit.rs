//! The DigiCert rate limiter, shared by every portal process through Postgres.
//!
//! DigiCert counts requests per API key in two sliding windows (100 per 5 s and
//! 1000 per 3 min). Each process admitting calls on its own would exceed them as
//! soon as two run, so every admitted call is logged in the database: under a
//! transaction-scoped advisory lock on the key, a caller counts the calls in each
//! window and logs its own only when all have room; otherwise it learns how long
//! to wait. A 429 blocks the key for every process until the instant DigiCert gave.
//!
//! [`SharedLimit`] puts this in front of every request the DigiCert client sends,
//! its own retries included, so no request reaches DigiCert uncounted.
use std::sync::Arc;

use async_trait::async_trait;
use clock::Clock;
use digicert::{Answered, Error as DigicertError, RequestGate};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

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
    /// How much later than we admit it a request may reach DigiCert. DigiCert
    /// counts a request when it arrives, so we keep counting each call that much
    /// longer than its window: a request held up on its way (a busy machine, a
    /// slow network) cannot then leave our window while it is still in DigiCert's.
    latency_allowance: Duration,
}

impl RateLimits {
    /// Exactly `windows`, with no allowance for latency.
    pub fn new(windows: Vec<Window>) -> Self {
        Self {
            windows,
            latency_allowance: Duration::ZERO,
        }
    }

    /// Counts every call for `allowance` longer than its windows.
    #[must_use]
    pub fn with_latency_allowance(mut self, allowance: Duration) -> Self {
        self.latency_allowance = allowance;
        self
    }

    /// DigiCert's published limits less 5 %, each call counted one second longer
    /// than DigiCert counts it. The two margins cover different things: the
    /// second covers a request arriving late, the 5 % covers DigiCert counting
    /// something we cannot see (a call made with the same key by hand). Together
    /// they keep 94 % of DigiCert's sustained rate, above the 90 % the pipeline
    /// promises.
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
        .with_latency_allowance(Duration::seconds(1))
    }

    pub fn windows(&self) -> &[Window] {
        &self.windows
    }

    pub fn latency_allowance(&self) -> Duration {
        self.latency_allowance
    }

    /// How long a call counts in `window`.
    fn counted_for(&self, window: &Window) -> Duration {
        window.per + self.latency_allowance
    }

    /// The longest any single wait for room can be when no 429 block holds: the
    /// shortest window, as counted.
    pub fn shortest_wait(&self) -> Duration {
        self.windows
            .iter()
            .map(|window| self.counted_for(window))
            .min()
            .unwrap_or(Duration::ZERO)
    }

    fn longest(&self) -> Duration {
        self.windows
            .iter()
            .map(|window| self.counted_for(window))
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

/// Admits one call on `key` if every window has room and no 429 block holds,
/// logging it so every other process counts it too. "Now" is read once the
/// key's lock is held: a time read before waiting for the lock would log the
/// call as older than it is, and it would leave the window too early.
pub async fn acquire(
    pool: &PgPool,
    key: &RateKey,
    limits: &RateLimits,
    clock: &dyn Clock,
) -> sqlx::Result<Admission> {
    let key = key.as_str();
    let mut tx = pool.begin().await?;
    db::lock_key(&mut tx, key).await?;
    let now = clock.now();
    if let Some(until) = db::blocked_until(&mut tx, key, now).await? {
        return Ok(Admission::WaitFor(until - now));
    }
    let mut wait = Duration::ZERO;
    for window in limits.windows() {
        let counted_for = limits.counted_for(window);
        let nth = db::nth_newest_call_in_window(
            &mut tx,
            key,
            now,
            counted_for,
            i64::from(window.max_calls.max(1)),
        )
        .await?;
        if let Some(oldest_counted) = nth {
            wait = wait.max(oldest_counted + counted_for - now);
        }
    }
    if wait > Duration::ZERO {
        return Ok(Admission::WaitFor(wait));
    }
    // Calls are kept for twice the longest window, not once: a process whose
    // clock is a little behind another's must still find every call its windows
    // cover.
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

/// How long a 429 with this `Retry-After` (or none) blocks the key.
pub fn block_after_429_lasts(retry_after: Option<std::time::Duration>) -> Duration {
    retry_after
        .and_then(|wait| Duration::try_from(wait).ok())
        .unwrap_or(BLOCK_WITHOUT_RETRY_AFTER)
}

/// After a 429 from DigiCert: blocks `key` for the `Retry-After` it sent, or for
/// [`BLOCK_WITHOUT_RETRY_AFTER`]. Returns the instant the block ends.
pub async fn block_after_429(
    pool: &PgPool,
    key: &RateKey,
    retry_after: Option<std::time::Duration>,
    now: OffsetDateTime,
) -> sqlx::Result<OffsetDateTime> {
    let until = now + block_after_429_lasts(retry_after);
    block_until(pool, key, until).await?;
    Ok(until)
}

#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    #[error("the DigiCert rate limit asks to wait {0}, longer than this caller may")]
    TooLong(Duration),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Waits until a call on `key` is admitted, sleeping as long as the limiter says.
/// Gives up when a single wait exceeds `max_wait` (a long 429 block: a job would
/// rather snooze than hold a task).
pub async fn wait_for_permit(
    pool: &PgPool,
    key: &RateKey,
    limits: &RateLimits,
    clock: &dyn Clock,
    max_wait: Duration,
) -> Result<Permit, WaitError> {
    loop {
        match acquire(pool, key, limits, clock).await? {
            Admission::Permit(permit) => return Ok(permit),
            Admission::WaitFor(wait) if wait > max_wait => return Err(WaitError::TooLong(wait)),
            Admission::WaitFor(wait) => {
                // A millisecond more so the call that frees the slot has left
                // the window when we ask again.
                tokio::time::sleep((wait + Duration::milliseconds(1)).unsigned_abs()).await;
            }
        }
    }
}

/// The gate of a DigiCert client: every request it sends, retries included,
/// waits for a permit from the shared limiter, and a 429 blocks the key for
/// every process.
#[derive(Debug, Clone)]
pub struct SharedLimit {
    pool: PgPool,
    key: RateKey,
    limits: RateLimits,
    clock: Arc<dyn Clock>,
    max_wait: Duration,
}

impl SharedLimit {
    /// Requests wait at most as long as the shortest window takes to empty, so
    /// a full window is sat out while a long 429 block is not: the caller gets
    /// [`DigicertError::HeldBack`] and comes back later (a job snoozes).
    pub fn new(pool: PgPool, key: RateKey, limits: RateLimits, clock: Arc<dyn Clock>) -> Self {
        Self {
            max_wait: limits.shortest_wait(),
            pool,
            key,
            limits,
            clock,
        }
    }
}

#[async_trait]
impl RequestGate for SharedLimit {
    async fn admit(&self) -> Result<(), DigicertError> {
        let permit = wait_for_permit(
            &self.pool,
            &self.key,
            &self.limits,
            self.clock.as_ref(),
            self.max_wait,
        )
        .await;
        match permit {
            Ok(_) => Ok(()),
            Err(WaitError::TooLong(wait)) => Err(DigicertError::HeldBack {
                wait: wait.unsigned_abs(),
            }),
            Err(WaitError::Database(error)) => {
                Err(DigicertError::LimiterUnavailable(error.to_string()))
            }
        }
    }

    async fn answered(&self, answer: Answered) {
        let Answered::RateLimited { retry_after } = answer else {
            return;
        };
        // Best effort: the caller already has the 429 and backs off itself; the
        // block only spares the other processes a 429 of their own.
        if let Err(error) =
            block_after_429(&self.pool, &self.key, retry_after, self.clock.now()).await
        {
            tracing::warn!(error = %error, "could not record DigiCert's 429 for the other processes");
        }
    }
}
