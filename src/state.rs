//! What every handler, service and job shares: the pool, the settings, the keys, the clock,
//! the limiters and the DigiCert client. A plain record behind one `Arc`, low in the tree so
//! that every layer can name it without reaching up: [`crate::app`] builds it (the DigiCert
//! client with its gates, the hasher, the limiters) and nothing here knows how.
use std::sync::Arc;

use clock::Clock;
use digicert::CertCentral;
use sqlx::PgPool;

// The hasher and the limiter come from leaf files of `auth` that import nothing of the
// portal, so naming them here makes no cycle.
use crate::auth::password::PasswordHasher;
use crate::auth::rate_limit::{InFlightLimiter, IpRateLimiter, WindowLimiter};
use crate::auth::signed_in_cache::SignedInCache;
use crate::config::Settings;
use crate::crypto::MasterKey;
use crate::services::kept_figures::{InstitutionDashboards, StaffFigures};

/// A handle on what is shared, cheap to clone: every layer and extractor of a request
/// takes its own copy, and cloning the record itself cost an atomic count on each of its
/// dozen `Arc`s and the pool, then as many again on drop (2 % of the server's time on the
/// staff overview, measured with `perf`). Fields read through it as through the record.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

#[derive(Debug)]
pub struct Shared {
    pub db: PgPool,
    pub settings: Arc<Settings>,
    pub master_key: Arc<MasterKey>,
    pub hasher: PasswordHasher,
    pub clock: Arc<dyn Clock>,
    pub login_limiter: Arc<IpRateLimiter>,
    /// Each API token's budget of requests per minute.
    pub api_limiter: Arc<WindowLimiter<crate::domain::ApiTokenId>>,
    pub requests_in_flight: Arc<InFlightLimiter>,
    /// The CertCentral client, when DigiCert is configured.
    pub digicert: Option<Arc<dyn CertCentral>>,
    /// What authenticating each session read, used again while it holds.
    pub signed_in: Arc<SignedInCache>,
    /// The staff overview's figures, kept for a few seconds.
    pub staff_figures: Arc<StaffFigures>,
    /// Each institution's dashboard, kept for a few seconds.
    pub institution_dashboards: Arc<InstitutionDashboards>,
}
