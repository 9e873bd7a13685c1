//! Fault injection for client resilience tests: latency, a share of 5xx answers, a share of
//! requests that hang past any sane client timeout, forced 429s, and connections dropped right
//! after an order was created (the order exists but the client never hears about it).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};

/// What the control API sets with `PUT /sandbox/faults`. Missing fields mean "off".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultSettings {
    /// Added to every Services API request.
    pub latency_ms: u64,
    /// Share (0.0–1.0) of requests answered with one of `error_statuses` without being handled.
    pub error_share: f64,
    pub error_statuses: Vec<u16>,
    /// Share of requests that hang for `timeout_ms`, then get 504.
    pub timeout_share: f64,
    pub timeout_ms: u64,
    /// The next this-many order creations are carried out, then the connection is dropped
    /// before any response byte is sent.
    pub drop_after_order_created: u32,
    /// The next this-many requests get 429 `request_limit_exceeded`.
    pub force_429: u32,
}

impl Default for FaultSettings {
    fn default() -> Self {
        Self {
            latency_ms: 0,
            error_share: 0.0,
            error_statuses: vec![500, 502, 503],
            timeout_share: 0.0,
            timeout_ms: 120_000,
            drop_after_order_created: 0,
            force_429: 0,
        }
    }
}

/// The decision for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    Nothing,
    RateLimited,
    Status(u16),
    Hang(Duration),
}

/// How many faults were injected since the sandbox started, so a drill can report what its
/// client survived.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct InjectedCounts {
    pub errors: u64,
    pub timeouts: u64,
    pub dropped_after_create: u64,
    pub forced_429: u64,
}

impl InjectedCounts {
    pub fn total(&self) -> u64 {
        self.errors + self.timeouts + self.dropped_after_create + self.forced_429
    }
}

#[derive(Debug, Default)]
pub struct Faults {
    settings: Mutex<FaultSettings>,
    errors: AtomicU64,
    timeouts: AtomicU64,
    dropped_after_create: AtomicU64,
    forced_429: AtomicU64,
}

impl Faults {
    pub fn settings(&self) -> FaultSettings {
        self.lock().clone()
    }

    pub fn set(&self, settings: FaultSettings) {
        *self.lock() = settings;
    }

    pub fn injected(&self) -> InjectedCounts {
        InjectedCounts {
            errors: self.errors.load(Ordering::Relaxed),
            timeouts: self.timeouts.load(Ordering::Relaxed),
            dropped_after_create: self.dropped_after_create.load(Ordering::Relaxed),
            forced_429: self.forced_429.load(Ordering::Relaxed),
        }
    }

    /// Latency to add and the fault (if any) for the next request.
    pub fn next_request(&self) -> (Duration, Injected) {
        let (latency, injected) = self.decide();
        let counter = match injected {
            Injected::Nothing => return (latency, injected),
            Injected::RateLimited => &self.forced_429,
            Injected::Status(_) => &self.errors,
            Injected::Hang(_) => &self.timeouts,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        (latency, injected)
    }

    fn decide(&self) -> (Duration, Injected) {
        let mut settings = self.lock();
        let latency = Duration::from_millis(settings.latency_ms);
        if settings.force_429 > 0 {
            settings.force_429 -= 1;
            return (latency, Injected::RateLimited);
        }
        let mut rng = rand::thread_rng();
        if settings.timeout_share > 0.0 && rng.gen_bool(settings.timeout_share.clamp(0.0, 1.0)) {
            return (
                latency,
                Injected::Hang(Duration::from_millis(settings.timeout_ms)),
            );
        }
        if settings.error_share > 0.0
            && !settings.error_statuses.is_empty()
            && rng.gen_bool(settings.error_share.clamp(0.0, 1.0))
        {
            let pick = rng.gen_range(0..settings.error_statuses.len());
            return (latency, Injected::Status(settings.error_statuses[pick]));
        }
        (latency, Injected::Nothing)
    }

    /// Whether the order just created must lose its response (consumes one).
    pub fn take_drop_after_order(&self) -> bool {
        let mut settings = self.lock();
        if settings.drop_after_order_created > 0 {
            settings.drop_after_order_created -= 1;
            self.dropped_after_create.fetch_add(1, Ordering::Relaxed);
            true
        } else {
            false
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultSettings> {
        match self.settings.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}
