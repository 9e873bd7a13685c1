//! DigiCert's per-key rolling-window rate limits (100 requests / 5 s and 1000 / 3 min by
//! default). Measured on the monotonic clock: moving the simulated date does not refill them.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateWindow {
    pub max_requests: usize,
    pub per: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    pub windows: Vec<RateWindow>,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            windows: vec![
                RateWindow {
                    max_requests: 100,
                    per: Duration::from_secs(5),
                },
                RateWindow {
                    max_requests: 1000,
                    per: Duration::from_secs(180),
                },
            ],
        }
    }
}

/// What the limiter decided since the sandbox started, over every key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimiterCounts {
    /// Requests within the limits, which DigiCert would have handled.
    pub admitted: u64,
    /// Requests answered 429 `request_limit_exceeded`.
    pub refused: u64,
}

#[derive(Debug, Default)]
pub struct RateLimiter {
    limits: RateLimits,
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
    admitted: AtomicU64,
    refused: AtomicU64,
}

impl RateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            hits: Mutex::new(HashMap::new()),
            admitted: AtomicU64::new(0),
            refused: AtomicU64::new(0),
        }
    }

    pub fn counts(&self) -> LimiterCounts {
        LimiterCounts {
            admitted: self.admitted.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
        }
    }

    /// Records a request for `key` and says whether it is within every window. Refused
    /// requests are not counted, so a client that backs off recovers when the window rolls.
    pub fn allow(&self, key: &str) -> bool {
        let now = Instant::now();
        let longest = self
            .limits
            .windows
            .iter()
            .map(|w| w.per)
            .max()
            .unwrap_or_default();
        let mut hits = match self.hits.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let queue = hits.entry(key.to_string()).or_default();
        while queue
            .front()
            .is_some_and(|t| now.duration_since(*t) >= longest)
        {
            queue.pop_front();
        }
        let over = self.limits.windows.iter().any(|w| {
            queue
                .iter()
                .rev()
                .take_while(|t| now.duration_since(**t) < w.per)
                .count()
                >= w.max_requests
        });
        if over {
            self.refused.fetch_add(1, Ordering::Relaxed);
        } else {
            queue.push_back(now);
            self.admitted.fetch_add(1, Ordering::Relaxed);
        }
        !over
    }
}
