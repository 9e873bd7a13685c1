//! How long a failed job waits before its next attempt.
use rand::Rng;
use time::Duration;

/// Exponential back-off with jitter: the n-th failure waits between half and all
/// of `base * 2^(n-1)`, capped at `max`. The jitter spreads the retries of jobs
/// that failed together (DigiCert down for a minute) so they do not return as a herd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    /// 10 s, 20 s, 40 s … up to an hour: ten attempts span about three hours,
    /// long enough to ride out a DigiCert maintenance window.
    fn default() -> Self {
        Self {
            base: Duration::seconds(10),
            max: Duration::hours(1),
        }
    }
}

impl Backoff {
    /// The wait after failed attempt number `attempt` (1 for the first).
    pub fn delay(&self, attempt: i32) -> Duration {
        let doublings = u32::try_from(attempt.saturating_sub(1))
            .unwrap_or(0)
            .min(30);
        let ceiling = self
            .base
            .saturating_mul(2_i32.saturating_pow(doublings))
            .min(self.max);
        let half = ceiling / 2_i32;
        let jitter_ms = rand::thread_rng().gen_range(0..=half.whole_milliseconds().max(0));
        half + Duration::milliseconds(i64::try_from(jitter_ms).unwrap_or(0))
    }
}
