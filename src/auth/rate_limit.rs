//! Per-client limits, in memory: the per-minute budget of credential checks
//! (login, MFA, invitations) and the number of requests in progress at once.
//!
//! Per-account counters live in the database; these limiters are the first line
//! against one address spraying many accounts or flooding the server, and cost
//! no database work. Each portal process counts on its own, so with N processes
//! an address gets at most N times the budget, which still bounds guessing.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use time::{Duration, OffsetDateTime};

use crate::app::AppState;
use crate::error::AppError;
use crate::web::client::ClientIp;

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
        let mut windows = lock(&self.windows);
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

/// One credential check (a password, a second factor, an invitation) counted
/// against the client's budget. Handlers take it as their first argument, so a
/// request over budget is refused before the session, the form, the database or
/// the password hash is touched.
pub struct CredentialAttempt;

impl FromRequestParts<AppState> for CredentialAttempt {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<ClientIp>() {
            Some(ClientIp(ip)) if !state.login_limiter.allow(*ip, state.clock.now()) => {
                Err(AppError::TooManyRequests)
            }
            _ => Ok(Self),
        }
    }
}

/// Requests in progress per client address, so that one client cannot occupy
/// the server however many connections it opens.
#[derive(Debug)]
pub struct InFlightLimiter {
    budget: u32,
    counts: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

/// One admitted request; dropping it (the answer is ready) frees its place.
#[derive(Debug)]
pub struct InFlightPermit {
    ip: IpAddr,
    counts: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

impl InFlightLimiter {
    pub fn new(budget: u32) -> Self {
        Self {
            budget,
            counts: Arc::default(),
        }
    }

    /// A place for one more request from `ip`; `None` while it has its budget in progress.
    pub fn try_acquire(&self, ip: IpAddr) -> Option<InFlightPermit> {
        let mut counts = lock(&self.counts);
        let count = counts.entry(ip).or_insert(0);
        if *count >= self.budget {
            return None;
        }
        *count += 1;
        Some(InFlightPermit {
            ip,
            counts: self.counts.clone(),
        })
    }
}

impl Drop for InFlightPermit {
    fn drop(&mut self) {
        let mut counts = lock(&self.counts);
        // Addresses with nothing in progress are forgotten, so the map stays small.
        if let Some(count) = counts.get_mut(&self.ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

/// A poisoned lock only means another request panicked mid-count; the counts stay usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_has_at_most_its_budget_in_progress() {
        let limiter = InFlightLimiter::new(2);
        let ip: IpAddr = [192, 0, 2, 1].into();
        let other: IpAddr = [192, 0, 2, 2].into();
        let first = limiter.try_acquire(ip);
        let second = limiter.try_acquire(ip);
        assert!(first.is_some() && second.is_some());
        assert!(limiter.try_acquire(ip).is_none());
        assert!(limiter.try_acquire(other).is_some());
        drop(first);
        assert!(limiter.try_acquire(ip).is_some());
        drop(second);
        assert!(lock(&limiter.counts).is_empty());
    }

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
