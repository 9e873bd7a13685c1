//! Logs (JSON or pretty, with request ids) and Prometheus metrics.
use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::MatchedPath;
use axum::http::{Request, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio_util::sync::CancellationToken;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::TraceLayer;
use tracing::Span;
use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, Settings};

/// The header that carries each request's id: set (or kept from a proxy) by the middleware,
/// echoed in the response, written in every log line and audit event, and shown on error
/// pages. It lives here, low in the tree, so `audit` and the logs read it without `web`.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The histogram buckets of a DigiCert call's duration, in seconds.
const DIGICERT_CALL_BUCKETS: [f64; 10] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

static METRICS: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// How often the recorder's histograms are drained without a scrape (see
/// [`install_metrics_recorder`]).
pub const METRICS_UPKEEP_INTERVAL: Duration = Duration::from_secs(1);

/// Installs the global logger and metrics recorder once per process.
pub fn init_tracing(settings: &Settings) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    // A second call (tests, demo) finds a subscriber already set; that is fine.
    let _ = match settings.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.pretty().try_init(),
    };
    install_metrics_recorder();
}

/// Installs the process-wide Prometheus recorder (once) and returns its handle.
///
/// It also starts the recorder's upkeep, a thread that drains the histograms every
/// [`METRICS_UPKEEP_INTERVAL`]. The recorder keeps each sample of a histogram (every
/// request's duration) until it is drained, and only a scrape or the upkeep drains them.
/// `install_recorder` starts no upkeep, so on a server nobody scraped, memory grew with
/// every request: 2.7 MiB per 5 s of `wrk` on `/healthz`, and the bench's whole run left
/// the server 18 MiB bigger than its pages needed (issue 16 §2, memory). A thread rather
/// than a task, because the recorder is process-wide and installed before any runtime.
pub fn install_metrics_recorder() -> Option<&'static PrometheusHandle> {
    METRICS
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                // DigiCert's answers take from tens of milliseconds to tens of seconds.
                .set_buckets_for_metric(
                    Matcher::Full("tcs_digicert_call_seconds".to_owned()),
                    &DIGICERT_CALL_BUCKETS,
                )
                .ok()?
                .install_recorder()
                .ok()?;
            // Series that exist before their first event, so dashboards and alerts
            // read 0 rather than "no data".
            metrics::counter!("tcs_digicert_rate_limited_total").increment(0);
            for outcome in ["answered", "rate_limited", "failed"] {
                let _registered =
                    metrics::histogram!("tcs_digicert_call_seconds", "outcome" => outcome);
            }
            let drained = handle.clone();
            std::thread::Builder::new()
                .name("metrics-upkeep".to_owned())
                .spawn(move || {
                    loop {
                        std::thread::sleep(METRICS_UPKEEP_INTERVAL);
                        drained.run_upkeep();
                    }
                })
                .ok()?;
            Some(handle)
        })
        .as_ref()
}

type HttpTrace = TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    fn(&Request<axum::body::Body>) -> Span,
    (),
    fn(&Response<axum::body::Body>, Duration, &Span),
>;

/// One span per request, named by the route pattern (never the raw path, which
/// may hold a token) and carrying the request id; plus request metrics.
pub fn trace_layer() -> HttpTrace {
    TraceLayer::new_for_http()
        .make_span_with(request_span as fn(&Request<axum::body::Body>) -> Span)
        .on_request(())
        .on_response(record_response as fn(&Response<axum::body::Body>, Duration, &Span))
}

fn request_span(request: &Request<axum::body::Body>) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", method = %request.method(), route, request_id, status = tracing::field::Empty)
}

fn record_response(response: &Response<axum::body::Body>, latency: Duration, span: &Span) {
    let status = response.status().as_u16();
    span.record("status", status);
    tracing::info!(
        status,
        latency_ms = latency.as_secs_f64() * 1000.0,
        "response"
    );
    let class = match status {
        200..=399 => "ok",
        400..=499 => "client_error",
        _ => "server_error",
    };
    metrics::counter!("tcs_http_responses_total", "class" => class).increment(1);
    metrics::histogram!("tcs_http_request_seconds").record(latency.as_secs_f64());
}

/// Serves `/metrics` on the operators' listener until `stop`.
pub async fn serve_metrics(listener: tokio::net::TcpListener, stop: CancellationToken) {
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(|| async {
            install_metrics_recorder()
                .map(PrometheusHandle::render)
                .unwrap_or_default()
        }),
    );
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await;
    if let Err(error) = result {
        tracing::error!(error = %error, "the metrics listener failed");
    }
}
