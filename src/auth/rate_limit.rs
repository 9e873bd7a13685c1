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
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::auth::client::ClientIp;
use crate::error::AppError;
use crate::state::AppState;

/// A budget of events per fixed window, per key: a client address for credential checks
/// ([`IpRateLimiter`]), an API token for API requests.
#[derive(Debug)]
pub struct WindowLimiter<K> {
    budget: u32,
    window: Duration,
    windows: Mutex<Windows<K>>,
}

pub type IpRateLimiter = WindowLimiter<IpAddr>;

/// The most keys a limiter keeps, whatever their windows (a few MB of addresses). A flood
/// from more addresses than that within one window (IPv6 makes them cheap) would
/// otherwise grow the map until the window ends; past half of it, the windows that
/// started longest ago go. Their addresses start a new budget, which a client holding so
/// many addresses could have had from fresh ones anyway.
const MOST_KEYS: usize = 100_000;

/// Each key's window: when it started and how many events it counted.
#[derive(Debug)]
struct Windows<K> {
    by_key: HashMap<K, (OffsetDateTime, u32)>,
    /// The size at which the next count prunes: twice what the last pruning left, so
    /// that pruning, which reads every key, costs each count a constant on average
    /// (pruning whenever the map was past a size read 10,000 keys per count in a flood).
    prune_at: usize,
}

impl<K: std::hash::Hash + Eq> Windows<K> {
    const FIRST_PRUNE_AT: usize = 10_000;

    fn new() -> Self {
        Self {
            by_key: HashMap::new(),
            prune_at: Self::FIRST_PRUNE_AT,
        }
    }

    /// Forgets the finished windows, and past half of [`MOST_KEYS`] the older half of the
    /// rest, so the map stays under `MOST_KEYS` until the next pruning.
    fn prune(&mut self, now: OffsetDateTime, window: Duration) {
        self.by_key.retain(|_, (start, _)| now - *start < window);
        if self.by_key.len() > MOST_KEYS / 2 {
            let mut starts: Vec<OffsetDateTime> =
                self.by_key.values().map(|(start, _)| *start).collect();
            let middle = starts.len() / 2;
            let (_, &mut middle_start, _) = starts.select_nth_unstable(middle);
            self.by_key.retain(|_, (start, _)| *start > middle_start);
        }
        self.prune_at = (2 * self.by_key.len()).clamp(Self::FIRST_PRUNE_AT, MOST_KEYS);
    }
}

impl<K: std::hash::Hash + Eq> WindowLimiter<K> {
    pub fn new(budget: u32, window: Duration) -> Self {
        Self {
            budget,
            window,
            windows: Mutex::new(Windows::new()),
        }
    }

    /// Counts one attempt from `key`; false when it is over its budget.
    pub fn allow(&self, key: K, now: OffsetDateTime) -> bool {
        self.check(key, now).is_none()
    }

    /// Counts one attempt from `key`; over budget, how long until its window ends.
    pub fn check(&self, key: K, now: OffsetDateTime) -> Option<Duration> {
        let mut windows = lock(&self.windows);
        if windows.by_key.len() >= windows.prune_at {
            windows.prune(now, self.window);
        }
        let entry = windows.by_key.entry(key).or_insert((now, 0));
        if now - entry.0 >= self.window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        (entry.1 > self.budget).then(|| entry.0 + self.window - now)
    }
}

/// One credential check (a password, a second factor, an invitation) counted
/// against the client's budget. Handlers take it as their first argument, so a
/// request over budget is refused before the session, the form, the database or
/// the password hash is touched.
pub struct CredentialAttempt;

/// How long an attempt over budget waits for its refusal. A script posting back
/// to back then gets one answer a second per connection (and, with the limit on
/// requests in progress, a few dozen a second per address), and the wait costs
/// the server nothing; a person over budget does not notice a second.
const REFUSAL_PAUSE: std::time::Duration = std::time::Duration::from_secs(1);

impl FromRequestParts<AppState> for CredentialAttempt {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<ClientIp>() {
            Some(ClientIp(ip)) if !state.login_limiter.allow(*ip, state.clock.now()) => {
                tokio::time::sleep(REFUSAL_PAUSE).await;
                Err(AppError::TooManyRequests)
            }
            _ => Ok(Self),
        }
    }
}

/// Requests in progress per client address. An address has at most its budget
/// in progress at once; more wait their turn, doing no work meanwhile, for at
/// most [`QUEUE_PATIENCE`], and are then refused. However many connections a
/// client opens, it gets no more of the server than that.
#[derive(Debug)]
pub struct InFlightLimiter {
    budget: u32,
    patience: std::time::Duration,
    slots: Arc<Mutex<Slots>>,
}

type Slots = HashMap<IpAddr, Arc<Semaphore>>;

/// How long a request may wait for its address to have a place free: a browser
/// never waits, a flood's extra connections wait instead of being served.
pub const QUEUE_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

/// One admitted request; dropping it (the answer is ready) frees its place.
#[derive(Debug)]
pub struct InFlightPermit {
    ip: IpAddr,
    permit: Option<OwnedSemaphorePermit>,
    slots: Arc<Mutex<Slots>>,
}

impl InFlightLimiter {
    pub fn new(budget: u32, patience: std::time::Duration) -> Self {
        Self {
            budget,
            patience,
            slots: Arc::default(),
        }
    }

    /// A place for one more request from `ip`, once one is free; `None` if none
    /// freed up within the patience.
    pub async fn admit(&self, ip: IpAddr) -> Option<InFlightPermit> {
        let semaphore = lock(&self.slots)
            .entry(ip)
            .or_insert_with(|| Arc::new(Semaphore::new(self.budget as usize)))
            .clone();
        let waited = tokio::time::timeout(self.patience, semaphore.acquire_owned()).await;
        match waited {
            Ok(Ok(permit)) => Some(InFlightPermit {
                ip,
                permit: Some(permit),
                slots: self.slots.clone(),
            }),
            _ => {
                forget_if_idle(&mut lock(&self.slots), ip);
                None
            }
        }
    }
}

impl Drop for InFlightPermit {
    fn drop(&mut self) {
        let mut slots = lock(&self.slots);
        drop(self.permit.take());
        forget_if_idle(&mut slots, self.ip);
    }
}

/// Forgets an address nobody holds a place of or waits for (only the map holds
/// its semaphore), so the map stays as small as the traffic in progress.
fn forget_if_idle(slots: &mut Slots, ip: IpAddr) {
    if slots
        .get(&ip)
        .is_some_and(|semaphore| Arc::strong_count(semaphore) == 1)
    {
        slots.remove(&ip);
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

    #[tokio::test]
    async fn an_address_has_at_most_its_budget_in_progress_and_the_rest_wait() {
        let limiter = InFlightLimiter::new(2, std::time::Duration::from_millis(50));
        let ip: IpAddr = [192, 0, 2, 1].into();
        let other: IpAddr = [192, 0, 2, 2].into();
        let first = limiter.admit(ip).await;
        let second = limiter.admit(ip).await;
        assert!(first.is_some() && second.is_some());
        assert!(limiter.admit(ip).await.is_none(), "no place freed in time");
        assert!(limiter.admit(other).await.is_some());
        let (waited, ()) = tokio::join!(limiter.admit(ip), async move {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            drop(first);
        });
        assert!(waited.is_some(), "the freed place goes to the one waiting");
        drop((second, waited));
        assert!(lock(&limiter.slots).is_empty());
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

    /// A flood from a quarter of a million addresses within one window keeps at most
    /// `MOST_KEYS` of them, and the address counted last keeps its count.
    #[test]
    fn a_flood_from_more_addresses_than_kept_does_not_grow_the_limiter_without_bound() {
        let limiter = IpRateLimiter::new(1, Duration::minutes(15));
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let address =
            |n: u32| IpAddr::from([0x2001, 0xdb8, 0, 0, 0, 0, (n >> 16) as u16, n as u16]);
        for n in 0..250_000 {
            let now = t0 + Duration::milliseconds(i64::from(n));
            assert!(limiter.allow(address(n), now));
            assert!(lock(&limiter.windows).by_key.len() <= MOST_KEYS);
        }
        let last = address(249_999);
        assert!(
            !limiter.allow(last, t0 + Duration::minutes(5)),
            "its budget is spent"
        );
    }
}
