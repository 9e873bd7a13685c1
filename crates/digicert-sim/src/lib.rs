//! The DigiCert sandbox: a CertCentral Services API v2 simulator that issues real S/MIME
//! certificates from a simulated hierarchy. Run it as its own program (`digicert-sim`, built
//! by this crate, e.g. for institutions that train their admins), as `tcs-portal digicert-sim`
//! (both take the same [`cli`] options), or in-process with [`start_in_process`]; [`router`]
//! gives the bare axum router. It depends on nothing of the portal, and the portal's DigiCert
//! client is not used here either, so the two cannot share a mistake.
//!
//! Tour: [`api`] serves `/services/v2` (thin handlers), [`ordering`] holds DigiCert's rules for
//! accepting an order, [`lifecycle`] moves orders and requests through their states,
//! [`profile`] decides each leaf's subject and extensions, [`ca`] signs with rcgen,
//! [`crl`] decides when each CA re-issues its CRL and what it lists, [`docs`] is the guide at `/`
//! and in `--help`, [`pki_routes`] publishes CRLs and CA certificates, [`control`] is the `/sandbox` control API,
//! [`state`] is plain data that [`persist`] saves, [`seed`] pre-populates it, [`clock`],
//! [`faults`] and [`rate_limit`] are the injectable time, failures and limits.
//!
//! Time travel: the sandbox signs with its simulated time, so after moving the clock far ahead
//! an `openssl verify` at real time sees certificates and CRLs that are not yet valid
//! (use `-attime`).

pub mod api;
pub mod ca;
pub mod cli;
pub mod clock;
pub mod control;
pub mod crl;
pub mod docs;
pub mod error;
pub mod faults;
pub mod lifecycle;
pub mod ordering;
pub mod page;
pub mod persist;
pub mod pki_routes;
pub mod products;
pub mod profile;
pub mod rate_limit;
pub mod seed;
pub mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ::clock::{Clock, SystemClock};
use anyhow::Context;
use axum::Router;
use time::OffsetDateTime;
use tokio::sync::{Mutex, oneshot};

use self::ca::CertificateAuthority;
use self::clock::SimClock;
use self::error::ApiResult;
use self::faults::Faults;
use self::rate_limit::{RateLimiter, RateLimits};
pub use self::seed::{AccountSeed, DomainSeed, OrganizationSeed, ValidationSeed};
use self::state::SandboxState;
pub use self::state::{AccessRole, ApprovalMode, EmailValidationMode};

/// The default public-style host embedded in CRL and AIA URLs. pkilint flags internal names
/// (`localhost`, `.test`, IP literals) as `cabf.internal_domain_name`, so the certificates name
/// this host while the sandbox serves the paths itself.
pub const DEFAULT_PUBLIC_HOST: &str = "pki.sandbox.tcs.amres.ac.rs";

/// How to build a sandbox.
#[derive(Clone)]
pub struct SandboxOptions {
    /// One isolated account per seed (at least the API key).
    pub accounts: Vec<AccountSeed>,
    /// Key for the control API (`X-Sandbox-Key` header).
    pub control_key: String,
    pub public_host: String,
    pub rate_limits: RateLimits,
    /// With a directory, CA keys and state survive restarts; without, all is in memory.
    pub state_dir: Option<PathBuf>,
    /// The base clock; the control API moves the sandbox's time relative to it.
    pub clock: Arc<dyn Clock>,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            accounts: Vec::new(),
            control_key: hex::encode(rand::random::<[u8; 16]>()),
            public_host: DEFAULT_PUBLIC_HOST.to_string(),
            rate_limits: RateLimits::default(),
            state_dir: None,
            clock: Arc::new(SystemClock),
            max_body_bytes: 256 * 1024,
        }
    }
}

impl std::fmt::Debug for SandboxOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxOptions")
            .field("accounts", &self.accounts.len())
            .field("public_host", &self.public_host)
            .field("rate_limits", &self.rate_limits)
            .field("state_dir", &self.state_dir)
            .field("clock", &self.clock)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl SandboxOptions {
    pub fn with_account(mut self, seed: AccountSeed) -> Self {
        self.accounts.push(seed);
        self
    }
}

/// Shared state of a running sandbox.
pub struct Sandbox {
    state: Mutex<SandboxState>,
    ca: CertificateAuthority,
    clock: SimClock,
    control_key: String,
    state_dir: Option<PathBuf>,
    max_body_bytes: usize,
    limiter: RateLimiter,
    faults: Faults,
}

/// Keys stay out of logs: only the shape of the sandbox is printed.
impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("ca", &self.ca)
            .field("clock", &self.clock)
            .field("state_dir", &self.state_dir)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Loads or creates the CA and the state, then applies the seeds (a seed whose API key
    /// exists already, e.g. after a restart with `--state-dir`, is left as it is).
    pub fn new(options: SandboxOptions) -> anyhow::Result<Arc<Self>> {
        let saved_state = match &options.state_dir {
            Some(dir) => persist::load_state(dir)?,
            None => None,
        };
        let mut state = saved_state.unwrap_or_default();
        let clock = SimClock::new(options.clock.clone(), state.clock_offset_seconds);
        let now = clock.now();
        let ca = match &options.state_dir {
            Some(dir) => match persist::load_ca(dir)? {
                Some(material) => {
                    CertificateAuthority::from_material(&material, &options.public_host)?
                }
                None => {
                    let ca = CertificateAuthority::generate(&options.public_host, now)?;
                    persist::save_ca(dir, &ca.material())?;
                    ca
                }
            },
            None => CertificateAuthority::generate(&options.public_host, now)?,
        };
        for account in &options.accounts {
            if state.account(&account.api_key).is_none() {
                seed::add_account(&mut state, account, now)
                    .map_err(|e| anyhow::anyhow!("seeding account: {}", e.message))?;
            }
        }
        if let Some(dir) = &options.state_dir {
            persist::save_state(dir, &state)?;
        }
        Ok(Arc::new(Self {
            state: Mutex::new(state),
            ca,
            clock,
            control_key: options.control_key,
            state_dir: options.state_dir,
            max_body_bytes: options.max_body_bytes,
            limiter: RateLimiter::new(options.rate_limits),
            faults: Faults::default(),
        }))
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub fn ca(&self) -> &CertificateAuthority {
        &self.ca
    }

    /// The faults injected so far.
    pub fn injected_faults(&self) -> faults::InjectedCounts {
        self.faults.injected()
    }

    /// The Services API requests the rate limits admitted and refused so far.
    pub fn rate_limit_counts(&self) -> rate_limit::LimiterCounts {
        self.limiter.counts()
    }

    /// Reads the state.
    pub async fn read<R>(&self, f: impl FnOnce(&SandboxState, OffsetDateTime) -> R) -> R {
        let state = self.state.lock().await;
        f(&state, self.now())
    }

    /// Changes the state and, on success, saves it when persistence is on.
    pub async fn write<R>(
        &self,
        f: impl FnOnce(&mut SandboxState, &CertificateAuthority, OffsetDateTime) -> ApiResult<R>,
    ) -> ApiResult<R> {
        let mut state = self.state.lock().await;
        let result = f(&mut state, &self.ca, self.now())?;
        state.clock_offset_seconds = self.clock.offset().whole_seconds();
        if let Some(dir) = &self.state_dir {
            persist::save_state(dir, &state)?;
        }
        Ok(result)
    }
}

/// The whole sandbox as one router: `/` (the guide), `/services/v2`, `/sandbox` (control),
/// `/pki` (CRLs, CA certificates).
pub fn router(sandbox: Arc<Sandbox>) -> Router {
    Router::new()
        .route("/", axum::routing::get(index_page))
        .nest("/services/v2", api::router(sandbox.clone()))
        .nest("/sandbox", control::router(sandbox.clone()))
        .merge(pki_routes::router(sandbox))
}

/// `GET /`: the routes and the worked example, with the address the visitor used. Public: it
/// holds no key.
async fn index_page(
    headers: axum::http::HeaderMap,
) -> error::ApiResult<axum::response::Html<String>> {
    use askama::Template;
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| {
            host.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("127.0.0.1:8089");
    docs::IndexPage::new(&format!("http://{host}"))
        .render()
        .map(axum::response::Html)
        .map_err(|e| error::ApiError::internal(e.to_string()))
}

/// A sandbox serving on 127.0.0.1 in the current runtime; stops when dropped.
pub struct RunningSandbox {
    addr: SocketAddr,
    api_keys: Vec<String>,
    control_key: String,
    sandbox: Arc<Sandbox>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl std::fmt::Debug for RunningSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningSandbox")
            .field("addr", &self.addr)
            .field("accounts", &self.api_keys.len())
            .finish_non_exhaustive()
    }
}

impl RunningSandbox {
    /// `http://127.0.0.1:PORT`
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The Services API base, `http://127.0.0.1:PORT/services/v2`.
    pub fn base_url(&self) -> String {
        format!("{}/services/v2", self.origin())
    }

    /// The control API base, `http://127.0.0.1:PORT/sandbox`.
    pub fn control_url(&self) -> String {
        format!("{}/sandbox", self.origin())
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The seeded API keys, in seed order.
    pub fn api_keys(&self) -> &[String] {
        &self.api_keys
    }

    /// The first seeded API key, or an empty string when no account was seeded.
    pub fn api_key(&self) -> &str {
        self.api_keys.first().map_or("", String::as_str)
    }

    pub fn control_key(&self) -> &str {
        &self.control_key
    }

    /// The simulated root certificate, PEM (the trust anchor for verifying leaves).
    pub fn root_pem(&self) -> String {
        self.sandbox.ca().root_pem()
    }

    pub fn intermediate_pem(&self) -> String {
        self.sandbox.ca().intermediate_pem()
    }

    pub fn sandbox(&self) -> &Arc<Sandbox> {
        &self.sandbox
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            // The server may have stopped on its own already; nothing to do then.
            let _ = tx.send(());
        }
    }
}

/// Starts a sandbox on 127.0.0.1:0 in the current tokio runtime.
pub async fn start_in_process(options: SandboxOptions) -> anyhow::Result<RunningSandbox> {
    let api_keys = options.accounts.iter().map(|a| a.api_key.clone()).collect();
    let control_key = options.control_key.clone();
    let sandbox = tokio::task::spawn_blocking(move || Sandbox::new(options))
        .await
        .context("the sandbox setup task failed")??;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let app = router(sandbox.clone());
    tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = rx.await;
        });
        if let Err(err) = serve.await {
            tracing::error!(error = %err, "sandbox server stopped");
        }
    });
    Ok(RunningSandbox {
        addr,
        api_keys,
        control_key,
        sandbox,
        shutdown: Some(tx),
    })
}
