//! The exactly-once ordering engine: an accepted order is written with its submit
//! job in one transaction ([`place`]); the `digicert.submit_order` job places it at
//! DigiCert, reconciling by our reference after any ambiguous failure
//! ([`submit`]); the `digicert.follow_order` job follows it to issuance and stores
//! the verified chain ([`follow`]), woken at scale by the recurring
//! `digicert.sweep_status_changes` job. Revocation goes through DigiCert ([`revoke`]).
mod call;
mod cancel;
pub mod follow;
pub(crate) mod place;
mod preview;
pub mod request;
mod revoke;
pub mod submit;
mod verify;

use std::sync::Arc;

use clock::Clock;
use digicert::CertCentral;
use sqlx::PgPool;
use time::Duration;

use crate::jobs::{Recurring, Registry};
use crate::state::AppState;

pub use cancel::{CancelOutcome, Withdrawn, cancel, withdraw_for_departure};
pub use place::{PlaceOutcome, Refusal, place};
pub use preview::preview;
pub use revoke::{RevokeOutcome, Revoker, refuse_revocation, revoke, revoke_order};
pub use verify::{Verified, VerifyError, verify};

/// Places an order at DigiCert.
pub const SUBMIT_ORDER: &str = "digicert.submit_order";
/// Follows an order at DigiCert until it is issued, rejected or canceled.
pub const FOLLOW_ORDER: &str = "digicert.follow_order";
/// Asks DigiCert which orders changed and wakes their followers.
pub const SWEEP_STATUS_CHANGES: &str = "digicert.sweep_status_changes";

/// How often `serve` sweeps: a minute's delay on news of an issued certificate,
/// for one call a minute whatever the number of pending orders.
pub const DEFAULT_SWEEP_EVERY: Duration = Duration::minutes(1);

/// How patiently the jobs follow an order; tests shrink these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowTiming {
    /// First wait before looking at a pending order again…
    pub min_poll: Duration,
    /// …growing with the order's age up to this.
    pub max_poll: Duration,
}

impl Default for FollowTiming {
    /// Email validation takes minutes to days: start at half a minute, never
    /// wait longer than an hour.
    fn default() -> Self {
        Self {
            min_poll: Duration::seconds(30),
            max_poll: Duration::hours(1),
        }
    }
}

/// Everything the ordering jobs need; cheap to clone.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pool: PgPool,
    client: Arc<dyn CertCentral>,
    clock: Arc<dyn Clock>,
    timing: FollowTiming,
    /// With a sweep, pending orders are looked at when DigiCert reports them
    /// changed, and on their own only after `timing.max_poll`.
    sweep_every: Option<Duration>,
    /// For links in mails.
    public_url: String,
}

impl Pipeline {
    /// The pipeline over `client`, whose gate keeps its calls within DigiCert's
    /// rate limits.
    pub fn new(pool: PgPool, client: Arc<dyn CertCentral>, clock: Arc<dyn Clock>) -> Self {
        Self {
            pool,
            client,
            clock,
            timing: FollowTiming::default(),
            sweep_every: None,
            public_url: String::new(),
        }
    }

    /// `None` when DigiCert is not configured.
    pub fn from_state(state: &AppState) -> Option<Self> {
        let client = state.digicert.clone()?;
        Some(
            Self::new(state.db.clone(), client, state.clock.clone())
                .with_public_url(&state.settings.public_url)
                .with_sweep(DEFAULT_SWEEP_EVERY),
        )
    }

    #[must_use]
    pub fn with_timing(mut self, timing: FollowTiming) -> Self {
        self.timing = timing;
        self
    }

    #[must_use]
    pub fn with_public_url(mut self, url: &str) -> Self {
        self.public_url = url.trim_end_matches('/').to_owned();
        self
    }

    /// Runs the status-changes sweep every `every` (see [`Pipeline::recurring`]).
    #[must_use]
    pub fn with_sweep(mut self, every: Duration) -> Self {
        self.sweep_every = Some(every);
        self
    }

    /// The recurring job a worker running this pipeline must schedule.
    pub fn recurring(&self) -> Option<Recurring> {
        self.sweep_every
            .map(|every| Recurring::new(SWEEP_STATUS_CHANGES, every))
    }

    /// Adds the ordering job kinds to `registry`.
    pub fn register(self, registry: Registry) -> Registry {
        let registry = match self.sweep_every {
            Some(every) => registry.register(
                SWEEP_STATUS_CHANGES,
                follow::SweepStatusChanges {
                    pipeline: self.clone(),
                    every,
                },
            ),
            None => registry,
        };
        registry
            .register(
                SUBMIT_ORDER,
                submit::SubmitOrder {
                    pipeline: self.clone(),
                },
            )
            .register(FOLLOW_ORDER, follow::FollowOrder { pipeline: self })
    }
}

/// The payload of both ordering jobs.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct OrderJob {
    pub order_id: crate::domain::OrderId,
}
