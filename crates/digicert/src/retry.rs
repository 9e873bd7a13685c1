//! Back-off for calls that are safe to repeat.
//!
//! Only idempotent calls (GETs and the PUTs whose repetition cannot create anything) go
//! through here; order placement and other creating calls are sent once and their
//! failures are returned for the caller to reconcile.

use rand::Rng;
use std::time::Duration;

use super::error::Error;

/// How often and how patiently idempotent calls are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included; 1 disables retries.
    pub max_attempts: u32,
    /// Delay before the first retry, doubled for each further one.
    pub base_delay: Duration,
    /// Upper bound of any single delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Four attempts over roughly 1 + 2 + 4 seconds: long enough for DigiCert's 5-second
    /// rate window to roll, short enough that a page waiting on the call gives up soon.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait before retry number `retry` (0-based) after `error`, or `None` when the
    /// error is not worth retrying or the attempts are used up. Public so that callers
    /// which reschedule work themselves (the job queue) back off the same way.
    pub fn delay_before_retry(&self, retry: u32, error: &Error) -> Option<Duration> {
        if retry + 1 >= self.max_attempts || !error.is_transient() {
            return None;
        }
        let ceiling = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry))
            .min(self.max_delay);
        // Jitter in [ceiling/2, ceiling] spreads the retries of several portal processes
        // that hit the same limit at the same moment.
        let half = ceiling / 2;
        let jitter = rand::thread_rng().gen_range(Duration::ZERO..=half);
        let delay = half + jitter;
        match error {
            // A server-requested wait longer than we are willing to block is left to the
            // caller (the job queue reschedules) rather than held in a task.
            Error::RateLimited {
                retry_after: Some(wait),
            } if *wait > self.max_delay => None,
            Error::RateLimited {
                retry_after: Some(wait),
            } => Some(delay.max(*wait)),
            _ => Some(delay),
        }
    }
}
