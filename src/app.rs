//! The top of the portal: builds the shared [`AppState`], assembles the router from the route
//! table and wraps it in the middleware stack, starts the background workers, and runs the
//! server loop until shutdown. Nothing below `cli`, `demo` and the tests imports this module.
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderName;
use axum::middleware::{from_fn, from_fn_with_state};
use clock::{Clock, SystemClock};
use digicert::{CertCentral, ClientConfig, HttpCertCentral};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::auth::PasswordHasher;
use crate::auth::rate_limit::{InFlightLimiter, IpRateLimiter, QUEUE_PATIENCE, WindowLimiter};
use crate::auth::session_store::PortalStore;
use crate::config::Settings;
use crate::crypto::MasterKey;
use crate::error::error_response;
use crate::jobs::rate_limit::{RateKey, RateLimits, SharedLimit};
use crate::mail::transport::Outgoing;
use crate::services::digicert_calls::CallTimes;
use crate::services::digicert_connection::KeyWatch;
use crate::state::{AppState, Shared};
use crate::telemetry::REQUEST_ID_HEADER;
use crate::web::layers;

/// The shared state for a migrated database. Fails without a master key: nothing may be
/// sealed or unsealed without one.
pub fn build_state(
    db: PgPool,
    settings: Settings,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<AppState> {
    let encoded = settings.master_key.as_ref().context(
        "no master key: set TCS_MASTER_KEY (base64 of 32 random bytes, e.g. `openssl rand -base64 32`) \
         or TCS_MASTER_KEY_FILE",
    )?;
    let master_key = MasterKey::from_base64(encoded).context("TCS_MASTER_KEY")?;
    let digicert = match &settings.digicert {
        Some(digicert) => {
            let config = ClientConfig::new(digicert.base_url.clone(), digicert.api_key.clone());
            // One budget per API key, shared with every other process using it.
            let gate = SharedLimit::new(
                db.clone(),
                RateKey::for_api_key(&digicert.api_key),
                RateLimits::digicert(),
                clock.clone(),
            );
            let client: Arc<dyn CertCentral> = Arc::new(
                HttpCertCentral::new(config)
                    .context("the DigiCert client")?
                    .with_gate(Arc::new(gate))
                    .with_gate(Arc::new(KeyWatch::new(db.clone(), clock.clone())))
                    .with_gate(Arc::new(CallTimes::new(db.clone(), clock.clone()))),
            );
            Some(client)
        }
        None => None,
    };
    let clients = &settings.clients;
    let login_limiter = Arc::new(IpRateLimiter::new(
        clients.login_attempts_per_minute,
        time::Duration::minutes(1),
    ));
    let api_limiter = Arc::new(WindowLimiter::new(
        clients.api_requests_per_minute,
        time::Duration::minutes(1),
    ));
    let requests_in_flight = Arc::new(InFlightLimiter::new(
        clients.requests_in_flight_per_ip,
        QUEUE_PATIENCE,
    ));
    Ok(AppState::new(Shared {
        digicert,
        db,
        hasher: PasswordHasher::new(settings.hashing_concurrency),
        settings: Arc::new(settings),
        master_key: Arc::new(master_key),
        clock,
        login_limiter,
        api_limiter,
        requests_in_flight,
        signed_in: Arc::default(),
        staff_figures: Arc::default(),
        institution_dashboards: Arc::default(),
    }))
}

/// The portal as one service: every route of [`crate::web::routes`] behind the middleware
/// stack. `serve` runs it, and so do the tests.
pub fn router(state: AppState) -> Router {
    with_layers(crate::web::routes().into_router(), state)
}

/// Wraps the portal's routes in the middleware every request goes through.
/// Layers listed later run earlier: the request id is set first, then tracing,
/// security headers (so every answer has them, error pages too), error pages,
/// the client's admission (cheap refusals come before any session or database
/// work), the text check, the session, CSRF, and finally the handler.
fn with_layers(routes: Router<AppState>, state: AppState) -> Router {
    let session_layer = SessionManagerLayer::new(PortalStore::new(state.db.clone()))
        .with_name(crate::auth::session::COOKIE_NAME)
        .with_secure(true)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(crate::auth::session::IDLE_TIMEOUT));
    let csrf = CsrfLayer::new()
        .add_trusted_origin(&state.settings.public_url)
        // Settings guarantee an origin-only public URL, which always parses.
        .unwrap_or_else(|_| CsrfLayer::new())
        // The IdP's answer is a cross-site POST by design; the response's signature and the
        // single-use request bound to the browser's cookie protect it instead.
        .with_insecure_bypass(|method, uri| {
            method == axum::http::Method::POST && uri.path() == crate::services::saml::ACS_PATH
        })
        .with_rejection_response(|_| {
            error_response(axum::http::StatusCode::FORBIDDEN, "error.page.csrf")
        });
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    routes
        .fallback(|| async { crate::error::AppError::NotFound })
        .layer(csrf)
        .layer(from_fn_with_state(
            state.clone(),
            crate::auth::csrf::anonymous_nonce,
        ))
        .layer(session_layer)
        .layer(from_fn(crate::auth::cookies::host_prefix_rules))
        .layer(from_fn(crate::web::input::refuse_bad_text))
        .layer(DefaultBodyLimit::max(crate::web::input::BODY_LIMIT))
        .layer(from_fn_with_state(
            state.clone(),
            crate::auth::client::admit,
        ))
        .layer(CatchPanicLayer::custom(crate::error::panic_response))
        .layer(from_fn(layers::error_pages))
        .layer(from_fn_with_state(state.clone(), layers::security_headers))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(crate::telemetry::trace_layer())
                .layer(PropagateRequestIdLayer::new(request_id)),
        )
        .with_state(state)
}

/// `tcs-portal serve`: migrate, then serve until SIGTERM or Ctrl-C.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .with_context(|| format!("cannot listen on {}", settings.bind))?;
    run(settings, listener, CancellationToken::new(), |_| {}).await
}

/// Runs the portal on `listener` until `stop` fires or a shutdown signal arrives.
/// `on_ready` is called once the portal is accepting requests.
pub async fn run(
    settings: Settings,
    listener: tokio::net::TcpListener,
    stop: CancellationToken,
    on_ready: impl FnOnce(&AppState),
) -> anyhow::Result<()> {
    // Check the key before touching the database, so a misconfiguration fails fast.
    if settings.master_key.is_none() {
        anyhow::bail!(
            "refusing to start without a master key: set TCS_MASTER_KEY (base64 of 32 random bytes) or TCS_MASTER_KEY_FILE"
        );
    }
    let pool = crate::db::connect_and_migrate(&settings).await?;
    let admin_bind = settings.admin_bind;
    let outgoing = Arc::new(Outgoing::from_settings(&settings.mail)?);
    let state = build_state(pool.clone(), settings, Arc::new(SystemClock))?;

    let mut workers = tokio::task::JoinSet::new();
    workers.spawn(crate::mail::worker::run(
        pool.clone(),
        outgoing,
        state.clock.clone(),
        stop.clone(),
    ));
    workers.spawn(crate::mail::worker::run_retention(
        pool.clone(),
        state.clock.clone(),
        stop.clone(),
    ));
    workers.spawn(delete_expired_sessions(pool.clone(), stop.clone()));
    workers.spawn(crate::services::background::portal_worker(&state).run(stop.clone()));
    if let Some(worker) = crate::services::background::digicert_worker(&state) {
        workers.spawn(worker.run(stop.clone()));
    }
    if let Some(admin_bind) = admin_bind {
        let admin = tokio::net::TcpListener::bind(admin_bind)
            .await
            .with_context(|| format!("cannot listen on the admin address {admin_bind}"))?;
        workers.spawn(crate::telemetry::serve_metrics(admin, stop.clone()));
    }

    let address = listener.local_addr()?;
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tracing::info!(%address, public_url = %state.settings.public_url, "serving the portal");
    on_ready(&state);
    let shutdown = stop.clone();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            tokio::select! {
                () = shutdown_signal() => {}
                () = shutdown.cancelled() => {}
            }
            tracing::info!("shutting down: finishing requests in flight");
        })
        .await
        .context("the HTTP server failed")?;
    stop.cancel();
    while workers.join_next().await.is_some() {}
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// Expired sessions are never loaded, but their rows would pile up; sweep them.
async fn delete_expired_sessions(pool: PgPool, stop: CancellationToken) {
    use tower_sessions::ExpiredDeletion;
    let store = PortalStore::new(pool);
    loop {
        if let Err(error) = store.delete_expired().await {
            tracing::warn!(error = %error, "could not delete expired sessions");
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(Duration::from_secs(300)) => {}
        }
    }
}
