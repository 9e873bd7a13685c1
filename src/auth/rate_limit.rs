//! Per-IP rate limiting of the credential-checking endpoints (login, MFA, invitations).
//!
//! Per-account counters live in the database; this in-memory limiter is the
//! first line against one address spraying many accounts. Each portal process
//! counts on its own, so with N processes an address gets at most N times the
//! budget, which still bounds guessing.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

#[derive(Debug)]
pub struct IpRateLimiter {
    budget: u32,
    window: Duration,
    windows: Mutex<HashMap<IpAddr, (OffsetDateTime, u32)>>,
}

impl IpRateLimiter {
    pub fn new(budget: u32, window: Duration) -> Self {
        Self {
            budget,
            window,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt from `ip`; false when the address is over its budget.
    pub fn allow(&self, ip: IpAddr, now: OffsetDateTime) -> bool {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Forget finished windows now and then, so the map cannot grow without bound.
        if windows.len() > 10_000 {
            windows.retain(|_, (start, _)| now - *start < self.window);
        }
        let entry = windows.entry(ip).or_insert((now, 0));
        if now - entry.0 >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.budget
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_over_budget_waits_for_the_next_window() {
        let limiter = IpRateLimiter::new(3, Duration::minutes(1));
        let ip: IpAddr = [192, 0, 2, 1].into();
        let other: IpAddr = [192, 0, 2, 2].into();
        let t0 = OffsetDateTime::UNIX_EPOCH;
        assert!((0..3).all(|_| limiter.allow(ip, t0)));
        assert!(!limiter.allow(ip, t0));
        assert!(limiter.allow(other, t0));
        assert!(limiter.allow(ip, t0 + Duration::minutes(1)));
    }
}
