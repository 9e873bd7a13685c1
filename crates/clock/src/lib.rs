//! The one source of "now", injected so expiry and TOTP logic can be tested at any instant.
//!
//! The portal and its DigiCert sandbox read the time only through a [`Clock`]: production
//! passes [`SystemClock`], tests a [`ManualClock`] they move by hand. `clippy.toml` forbids
//! `OffsetDateTime::now_utc` everywhere else, so nothing can bypass it unnoticed.
use std::sync::Arc;
use std::sync::Mutex;

use time::OffsetDateTime;

/// Where "now" comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> OffsetDateTime;
}

/// The wall clock, for production.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(
        clippy::disallowed_methods,
        reason = "the wall clock itself: the one place that reads the system time"
    )]
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that tests move by hand.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<OffsetDateTime>>,
}

impl ManualClock {
    /// A clock standing at `start` until it is moved.
    pub fn new(start: OffsetDateTime) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// Moves the clock forward by `by` (backward when negative).
    pub fn advance(&self, by: time::Duration) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
