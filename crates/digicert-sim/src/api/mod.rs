//! `/services/v2`: the CertCentral endpoints the portal uses, behind DigiCert's key check,
//! rate limits and the injected faults.

mod account;
mod certificates;
mod domains;
mod orders;
mod organizations;
mod products;
mod requests;
pub mod views;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use serde::de::DeserializeOwned;

use super::Sandbox;
use super::error::{ApiError, ApiResult};
use super::faults::Injected;
use super::state::AccessRole;

pub type Shared = Arc<Sandbox>;

pub fn router(sandbox: Shared) -> Router {
    let limit = sandbox.max_body_bytes;
    Router::new()
        .route("/product", get(products::list))
        .route("/product/{name_id}", get(products::info))
        .route(
            "/organization",
            get(organizations::list).post(organizations::create),
        )
        .route(
            "/organization/{id}",
            get(organizations::info).put(organizations::update),
        )
        .route(
            "/organization/{id}/validation",
            get(organizations::validations).post(organizations::submit_validation),
        )
        .route("/domain", get(domains::list).post(domains::create))
        .route("/domain/{id}", get(domains::info))
        .route(
            "/domain/{id}/validation",
            axum::routing::post(domains::submit_validation),
        )
        .route(
            "/domain/{id}/dcv/token",
            axum::routing::post(domains::new_token),
        )
        .route("/domain/{id}/dcv/method", put(domains::change_method))
        .route("/domain/{id}/dcv/emails", put(domains::resend_emails))
        .route("/domain/{id}/activate", put(domains::activate))
        .route("/domain/{id}/deactivate", put(domains::deactivate))
        .route(
            "/domain/{id}/dcv/validate-token",
            put(domains::validate_token),
        )
        .route("/order/certificate", get(orders::list))
        .route(
            "/order/certificate/status-changes",
            get(orders::status_changes),
        )
        .route(
            "/order/certificate/{id}",
            get(orders::info).post(orders::create),
        )
        .route(
            "/order/certificate/{id}/email-validation",
            get(orders::email_validation),
        )
        .route("/order/certificate/{id}/status", put(orders::update_status))
        .route("/order/certificate/{id}/revoke", put(orders::revoke))
        .route(
            "/order/certificate/{id}/reissue",
            axum::routing::post(orders::reissue),
        )
        .route("/request", get(requests::list))
        .route("/request/{id}", get(requests::info))
        .route("/request/{id}/status", put(requests::update_status))
        .route(
            "/certificate/{id}/download/format/{format}",
            get(certificates::download),
        )
        .route(
            "/certificate/{id}/download/platform",
            get(certificates::download_platform),
        )
        .route(
            "/certificate/{id}/download/platform/{platform_id}",
            get(certificates::download_platform),
        )
        .route(
            "/certificate/download/order/{id}",
            get(certificates::download_by_order_default),
        )
        .route(
            "/certificate/download/order/{id}/format/{format}",
            get(certificates::download_by_order),
        )
        .route("/certificate/{id}/chain", get(certificates::chain))
        .route("/certificate/{id}/revoke", put(certificates::revoke))
        .route("/user", get(account::users))
        .route("/user/me", get(account::me))
        .route("/account", get(account::account))
        .fallback(not_found_route)
        .method_not_allowed_fallback(not_found_route)
        .layer(middleware::from_fn_with_state(
            sandbox.clone(),
            authenticate,
        ))
        .layer(middleware::from_fn_with_state(
            sandbox.clone(),
            inject_faults,
        ))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(sandbox)
}

async fn not_found_route() -> ApiError {
    ApiError::not_found("route")
}

/// The caller's API key, put into the request by the key check (`authenticate`).
#[derive(Debug, Clone)]
pub struct ApiKey(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ApiKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<ApiKey>()
            .cloned()
            .ok_or_else(ApiError::invalid_key)
    }
}

/// The key's rate limits, then `X-DC-DEVKEY` must name an account (else 403, as DigiCert).
async fn authenticate(State(sandbox): State<Shared>, mut request: Request, next: Next) -> Response {
    let key = request
        .headers()
        .get("x-dc-devkey")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let Some(key) = key else {
        return ApiError::invalid_key().into_response();
    };
    // Counted on arrival, before waiting for the state lock (held while certificates are
    // signed), so how long the sandbox is busy does not shift requests between windows.
    // A wrong key only fills a budget of its own.
    if !sandbox.limiter.allow(&key) {
        return ApiError::rate_limited().into_response();
    }
    let role = sandbox
        .read(|state, _| state.account(&key).map(|a| a.access_role))
        .await;
    let Some(role) = role else {
        return ApiError::invalid_key().into_response();
    };
    if let Err(denied) = permitted(role, request.method(), request.uri().path()) {
        return denied.into_response();
    }
    request.extensions_mut().insert(ApiKey(key));
    next.run(request).await
}

/// What a restricted API key may do (approving is checked where requests are decided).
fn permitted(role: AccessRole, method: &Method, path: &str) -> ApiResult<()> {
    let writes = method != Method::GET && method != Method::HEAD;
    let account_setup = path.starts_with("/domain") || path.starts_with("/organization");
    let allowed = match role {
        AccessRole::Administrator => true,
        AccessRole::Orders => !(writes && account_setup),
        AccessRole::ViewOnly => !writes,
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "access_denied|missing_permission",
            "The API key does not have permission to carry out the request.",
        ))
    }
}

async fn inject_faults(State(sandbox): State<Shared>, request: Request, next: Next) -> Response {
    let (latency, fault) = sandbox.faults.next_request();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Injected::Nothing => next.run(request).await,
        Injected::RateLimited => ApiError::rate_limited().into_response(),
        Injected::Hang(for_how_long) => {
            tokio::time::sleep(for_how_long).await;
            (StatusCode::GATEWAY_TIMEOUT, "Gateway Timeout").into_response()
        }
        Injected::Status(code) => injected_status(code),
    }
}

/// 502 comes from a proxy in real life, so it has an HTML body; the others are the API's own.
fn injected_status(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::BAD_GATEWAY {
        return (
            status,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        )
            .into_response();
    }
    let code = if status == StatusCode::SERVICE_UNAVAILABLE {
        "service_unavailable"
    } else {
        "internal_error"
    };
    ApiError::new(status, code, "Injected by the sandbox fault settings.").into_response()
}

/// A response that makes hyper drop the connection before any byte reaches the client.
pub fn dropped_connection() -> Response {
    let body = Body::from_stream(futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped by sandbox fault"))
    }));
    Response::new(body)
}

/// A JSON body; anything unparsable is DigiCert's `bad_request_format`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::too_large()
                } else {
                    ApiError::bad_request_format()
                }
            })?;
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|_| ApiError::bad_request_format())
    }
}

/// Like [`ApiJson`] but an empty body is allowed and means "no fields".
pub struct OptionalJson<T>(pub Option<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::too_large()
                } else {
                    ApiError::bad_request_format()
                }
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(None));
        }
        serde_json::from_slice(&bytes)
            .map(|v| OptionalJson(Some(v)))
            .map_err(|_| ApiError::bad_request_format())
    }
}

/// Query parameters (`filters[status]=…`, `limit`, `offset`…) as a flat map.
pub struct Params(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(|_| {
            ApiError::bad_request("bad_request_format", "The query string is malformed.")
        })?;
        Ok(Params(pairs.into_iter().collect()))
    }
}

impl Params {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn filter(&self, name: &str) -> Option<&str> {
        self.get(&format!("filters[{name}]"))
            .filter(|v| !v.is_empty())
    }

    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("true" | "1"))
    }

    /// `limit` (default and maximum 1000) and `offset`.
    pub fn page(&self) -> ApiResult<(usize, usize)> {
        let parse = |key: &str, default: usize| -> ApiResult<usize> {
            match self.get(key) {
                None | Some("") => Ok(default),
                Some(v) => v
                    .parse()
                    .map_err(|_| ApiError::invalid(key, format!("{key} must be a number."))),
            }
        };
        let limit = parse("limit", 1000)?;
        let limit = if limit == 0 || limit > 1000 {
            1000
        } else {
            limit
        };
        Ok((limit, parse("offset", 0)?))
    }
}

/// Path ids: anything that is not a number cannot exist.
pub fn parse_id(raw: &str, what: &str) -> ApiResult<u64> {
    raw.parse().map_err(|_| ApiError::not_found(what))
}

/// 204 with an empty body.
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// 201 with a JSON body.
pub fn created(body: serde_json::Value) -> Response {
    (StatusCode::CREATED, axum::Json(body)).into_response()
}
