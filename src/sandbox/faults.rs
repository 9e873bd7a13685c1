//! Fault injection for client resilience tests: latency, a share of 5xx answers, a share of
//! requests that hang past any sane client timeout, forced 429s, and connections dropped right
//! after an order was created (the order exists but the client never hears about it).

use std::sync::Mutex;
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

#[derive(Debug, Default)]
pub struct Faults {
    settings: Mutex<FaultSettings>,
}

impl Faults {
    pub fn settings(&self) -> FaultSettings {
        self.lock().clone()
    }

    pub fn set(&self, settings: FaultSettings) {
        *self.lock() = settings;
    }

    /// Latency to add and the fault (if any) for the next request.
    pub fn next_request(&self) -> (Duration, Injected) {
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
