//! The sandbox's movable time. Everything in the sandbox reads the time through a [`SimClock`]
//! over an injectable [`Clock`] (the wall clock in production), so the control API can move it and tests can pin it;
//! nothing else calls `OffsetDateTime::now_utc`.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use ::clock::Clock;
use time::{Duration, OffsetDateTime};

/// The sandbox's clock: a base clock plus an offset the control API can move forward or back.
#[derive(Debug)]
pub struct SimClock {
    base: Arc<dyn Clock>,
    offset_seconds: AtomicI64,
}

impl SimClock {
    pub fn new(base: Arc<dyn Clock>, offset_seconds: i64) -> Self {
        Self {
            base,
            offset_seconds: AtomicI64::new(offset_seconds),
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        self.base.now() + self.offset()
    }

    pub fn offset(&self) -> Duration {
        Duration::seconds(self.offset_seconds.load(Ordering::SeqCst))
    }

    /// Moves the clock by `by` (negative moves it back) and returns the new offset.
    pub fn advance(&self, by: Duration) -> Duration {
        let added = by.whole_seconds();
        let new = self.offset_seconds.fetch_add(added, Ordering::SeqCst) + added;
        Duration::seconds(new)
    }
}
