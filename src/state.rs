//! What every handler, service and job shares: the pool, the settings, the keys, the clock,
//! the limiters and the DigiCert client. A plain record, low in the tree so that every layer
//! can name it without reaching up: [`crate::app`] builds it (the DigiCert client with its
//! gates, the hasher, the limiters) and nothing here knows how.
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

#[derive(Clone, Debug)]
pub struct AppState {
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
