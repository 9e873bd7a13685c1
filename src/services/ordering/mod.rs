//! The exactly-once ordering engine: an accepted order is written with its submit
//! job in one transaction ([`place`]); the `digicert.submit_order` job places it at
//! DigiCert, reconciling by our reference after any ambiguous failure
//! ([`submit`]); the `digicert.follow_order` job follows it to issuance and stores
//! the verified chain ([`follow`]). Revocation goes through DigiCert ([`revoke`]).
mod call;
mod cancel;
pub mod follow;
mod place;
mod preview;
pub mod request;
mod revoke;
pub mod submit;
mod verify;

use std::sync::Arc;

use sqlx::PgPool;
use time::Duration;

use crate::app::AppState;
use crate::clock::Clock;
use crate::digicert::CertCentral;
use crate::jobs::Registry;
use crate::jobs::rate_limit::{RateKey, RateLimits};

pub use cancel::{CancelOutcome, cancel};
pub use place::{MAX_VALIDITY_DAYS, NewOrder, ORDERABLE, PlaceOutcome, Refusal, place};
pub use preview::preview;
pub use revoke::{RevokeOutcome, Revoker, revoke, revoke_order};
pub use verify::VerifyError;

/// Places an order at DigiCert.
pub const SUBMIT_ORDER: &str = "digicert.submit_order";
/// Follows an order at DigiCert until it is issued, rejected or canceled.
pub const FOLLOW_ORDER: &str = "digicert.follow_order";

/// Our order states; DigiCert's raw status is kept beside them.
pub mod status {
    /// Placed without a key: waiting for the person to prove the mailbox.
    pub const AWAITING_PERSON: &str = "awaiting_person";
    pub const QUEUED: &str = "queued";
    pub const SUBMITTED: &str = "submitted";
    pub const PENDING_VALIDATION: &str = "pending_validation";
    pub const ISSUED: &str = "issued";
    pub const REJECTED: &str = "rejected";
    pub const CANCELED: &str = "canceled";
    pub const FAILED: &str = "failed";
    pub const REVOKED: &str = "revoked";
}

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
    rate_key: RateKey,
    limits: RateLimits,
    timing: FollowTiming,
    /// For links in mails.
    public_url: String,
}

impl Pipeline {
    pub fn new(
        pool: PgPool,
        client: Arc<dyn CertCentral>,
        clock: Arc<dyn Clock>,
        rate_key: RateKey,
    ) -> Self {
        Self {
            pool,
            client,
            clock,
            rate_key,
            limits: RateLimits::digicert(),
            timing: FollowTiming::default(),
            public_url: String::new(),
        }
    }

    /// `None` when DigiCert is not configured.
    pub fn from_state(state: &AppState) -> Option<Self> {
        let client = state.digicert.clone()?;
        let settings = state.settings.digicert.as_ref()?;
        Some(
            Self::new(
                state.db.clone(),
                client,
                state.clock.clone(),
                RateKey::for_api_key(&settings.api_key),
            )
            .with_public_url(&state.settings.public_url),
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

    #[must_use]
    pub fn with_limits(mut self, limits: RateLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Adds the ordering job kinds to `registry`.
    pub fn register(self, registry: Registry) -> Registry {
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
    pub order_id: uuid::Uuid,
}
