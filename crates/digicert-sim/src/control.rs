//! The control API under `/sandbox/…`, protected by its own key (header `X-Sandbox-Key`).
//! It plays everything outside the Services API: DigiCert's validation team, the recipients
//! clicking their links, DNS, time, and a misbehaving network.
//!
//! The routes, with their bodies and effects, are listed once in [`crate::docs::CONTROL_ROUTES`]
//! (shown by `digicert-sim --help` and the page at `/`).

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::Sandbox;
use super::api::views::iso;
use super::api::{ApiJson, OptionalJson, created, no_content, parse_id};
use super::error::{ApiError, ApiResult};
use super::faults::FaultSettings;
use super::lifecycle::{self, split};
use super::ordering;
use super::page::StatePage;
use super::seed::{
    self, AccountSeed, DOMAIN_VALIDATION_DAYS, ORGANIZATION_VALIDATION_DAYS, OrganizationSeed,
    ValidationSeed,
};
use super::state::{AccessRole, ApprovalMode, EmailValidationMode, Validation, ValidationState};

type Shared = Arc<Sandbox>;

pub fn router(sandbox: Shared) -> Router {
    Router::new()
        .route("/", get(state_page))
        .route("/state", get(state_page))
        .route("/accounts", post(add_account))
        .route("/accounts/{key}/organizations", post(add_organization))
        .route(
            "/accounts/{key}/organizations/{id}/validation",
            put(set_organization_validation),
        )
        .route("/accounts/{key}/domains", post(add_domain))
        .route(
            "/accounts/{key}/domains/{id}/validation",
            put(set_domain_validation),
        )
        .route(
            "/accounts/{key}/domains/{id}/publish-token",
            post(publish_token),
        )
        .route("/accounts/{key}/settings", put(settings))
        .route(
            "/accounts/{key}/orders/{id}/validate-emails",
            post(validate_emails),
        )
        .route("/accounts/{key}/orders/{id}/pickup", post(pickup))
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance_clock))
        .route(
            "/faults",
            get(get_faults).put(set_faults).delete(clear_faults),
        )
        .fallback(|| async { ApiError::not_found("route") })
        .layer(middleware::from_fn_with_state(
            sandbox.clone(),
            require_control_key,
        ))
        .with_state(sandbox)
}

async fn require_control_key(
    State(sandbox): State<Shared>,
    request: Request,
    next: Next,
) -> Response {
    let from_header = request
        .headers()
        .get("x-sandbox-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    // Browsers cannot set headers on a plain link, so the state page also takes `?key=`.
    let from_query = (request.method() == axum::http::Method::GET
        && matches!(request.uri().path(), "" | "/" | "/state"))
    .then(|| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(
            request.uri().query().unwrap_or_default(),
        )
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "key").map(|(_, v)| v))
    })
    .flatten();
    let given = from_header.or(from_query).unwrap_or_default();
    if bool::from(given.as_bytes().ct_eq(sandbox.control_key.as_bytes())) && !given.is_empty() {
        next.run(request).await
    } else {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "access_denied|invalid_control_key",
            "A valid X-Sandbox-Key is required.",
        )
        .into_response()
    }
}

async fn state_page(State(sandbox): State<Shared>) -> ApiResult<Html<String>> {
    let offset = sandbox.clock.offset().whole_seconds();
    let page = sandbox
        .read(|state, now| StatePage::build(state, now, offset, sandbox.faults.settings()))
        .await;
    Ok(Html(
        page.render()
            .map_err(|e| ApiError::internal(e.to_string()))?,
    ))
}

async fn add_account(
    State(sandbox): State<Shared>,
    ApiJson(seed): ApiJson<AccountSeed>,
) -> ApiResult<Response> {
    let id = sandbox
        .write(|state, _, now| seed::add_account(state, &seed, now))
        .await?;
    Ok(created(json!({ "id": id })))
}

async fn add_organization(
    State(sandbox): State<Shared>,
    Path(key): Path<String>,
    ApiJson(seed): ApiJson<OrganizationSeed>,
) -> ApiResult<Response> {
    let id = sandbox
        .write(|state, ca, now| {
            let (account, ids) = split(state, &key).map_err(|_| ApiError::not_found("account"))?;
            let id = seed::add_organization(account, ids, &seed, now)?;
            lifecycle::advance_all(account, ca, now)?;
            Ok(id)
        })
        .await?;
    Ok(created(json!({ "id": id })))
}

#[derive(Debug, Deserialize)]
struct DomainBody {
    name: String,
    organization_id: u64,
    #[serde(default)]
    state: ValidationSeed,
    #[serde(default)]
    dcv_method: Option<String>,
}

async fn add_domain(
    State(sandbox): State<Shared>,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<DomainBody>,
) -> ApiResult<Response> {
    let id = sandbox
        .write(|state, ca, now| {
            let (account, ids) = split(state, &key).map_err(|_| ApiError::not_found("account"))?;
            let method = body.dcv_method.as_deref().unwrap_or("email");
            let id = seed::add_domain(
                account,
                ids,
                body.organization_id,
                &body.name,
                body.state,
                method,
                now,
            )?;
            lifecycle::advance_all(account, ca, now)?;
            Ok(id)
        })
        .await?;
    Ok(created(json!({ "id": id })))
}

async fn set_organization_validation(
    State(sandbox): State<Shared>,
    Path((key, id)): Path<(String, String)>,
    ApiJson(state_seed): ApiJson<ValidationSeed>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "organization")?;
    sandbox
        .write(|state, _, now| {
            let (account, _) = split(state, &key).map_err(|_| ApiError::not_found("account"))?;
            let org = account
                .organization_mut(id)
                .ok_or_else(|| ApiError::not_found("organization"))?;
            org.smime = seed::validation(state_seed, now, ORGANIZATION_VALIDATION_DAYS);
            Ok(())
        })
        .await?;
    Ok(no_content())
}

async fn set_domain_validation(
    State(sandbox): State<Shared>,
    Path((key, id)): Path<(String, String)>,
    ApiJson(state_seed): ApiJson<ValidationSeed>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "domain")?;
    sandbox
        .write(|state, ca, now| {
            let (account, _) = split(state, &key).map_err(|_| ApiError::not_found("account"))?;
            let domain = account
                .domain_mut(id)
                .ok_or_else(|| ApiError::not_found("domain"))?;
            domain.validation = seed::validation(state_seed, now, DOMAIN_VALIDATION_DAYS)
                .unwrap_or(Validation {
                    date_created: now,
                    state: ValidationState::Pending,
                });
            lifecycle::advance_all(account, ca, now)?;
            Ok(())
        })
        .await?;
    Ok(no_content())
}

/// Plays "the TXT record / HTTP file is now in place" so that `validate-token` succeeds.
async fn publish_token(
    State(sandbox): State<Shared>,
    Path((key, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "domain")?;
    sandbox
        .write(|state, _, _| {
            let (account, _) = split(state, &key).map_err(|_| ApiError::not_found("account"))?;
            let domain = account
                .domain_mut(id)
                .ok_or_else(|| ApiError::not_found("domain"))?;
            let token = domain.dcv_token.as_mut().ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_dcv_method",
                    "The domain has no DCV token (email DCV).",
                )
            })?;
            token.published = true;
            Ok(())
        })
        .await?;
    Ok(no_content())
}

#[derive(Debug, Deserialize)]
struct SettingsBody {
    email_validation: Option<EmailValidationMode>,
    request_approval: Option<ApprovalMode>,
    access_role: Option<AccessRole>,
    mis_issue_profiles: Option<u32>,
}

async fn settings(
    State(sandbox): State<Shared>,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<SettingsBody>,
) -> ApiResult<Response> {
    sandbox
        .write(|state, ca, now| {
            let (account, _) = split(state, &key).map_err(|_| ApiError::not_found("account"))?;
            if let Some(mode) = body.email_validation {
                account.email_validation = mode;
            }
            if let Some(mode) = body.request_approval {
                account.request_approval = mode;
            }
            if let Some(role) = body.access_role {
                account.access_role = role;
            }
            if let Some(count) = body.mis_issue_profiles {
                account.mis_issue_profiles = count;
            }
            lifecycle::advance_all(account, ca, now)?;
            Ok(())
        })
        .await?;
    Ok(no_content())
}

#[derive(Debug, Deserialize)]
struct EmailsBody {
    emails: Option<Vec<String>>,
}

/// Marks the given (or all) addresses of an order validated, as if the recipients clicked.
async fn validate_emails(
    State(sandbox): State<Shared>,
    Path((key, id)): Path<(String, String)>,
    OptionalJson(body): OptionalJson<EmailsBody>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "order")?;
    let which = body.and_then(|b| b.emails);
    sandbox
        .write(|state, ca, now| {
            let (account, _) = split(state, &key).map_err(|_| ApiError::not_found("account"))?;
            lifecycle::validate_emails(account, id, which.as_deref())?;
            lifecycle::advance(account, ca, now, id)?;
            Ok(())
        })
        .await?;
    Ok(no_content())
}

#[derive(Debug, Deserialize)]
struct PickupBody {
    csr: String,
}

/// The recipient's key generation for an order placed without a CSR.
async fn pickup(
    State(sandbox): State<Shared>,
    Path((key, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<PickupBody>,
) -> ApiResult<Json<Value>> {
    let id = parse_id(&id, "order")?;
    let csr = ordering::smime_csr(&body.csr)?;
    sandbox
        .write(|state, ca, now| {
            let (account, _) = split(state, &key).map_err(|_| ApiError::not_found("account"))?;
            lifecycle::pick_up(account, ca, now, id, &csr)?;
            let order = account
                .order(id)
                .ok_or_else(|| ApiError::not_found("order"))?;
            Ok(Json(
                json!({"status": order.status.as_str(), "certificate_id": order.certificate_id}),
            ))
        })
        .await
}

async fn clock(State(sandbox): State<Shared>) -> Json<Value> {
    Json(
        json!({"now": iso(sandbox.now()), "offset_seconds": sandbox.clock.offset().whole_seconds()}),
    )
}

#[derive(Debug, Deserialize)]
struct AdvanceBody {
    #[serde(default)]
    days: i64,
    #[serde(default)]
    hours: i64,
    #[serde(default)]
    seconds: i64,
}

/// Moves the simulated time (negative values move it back); validations and certificates
/// expire accordingly.
async fn advance_clock(
    State(sandbox): State<Shared>,
    ApiJson(body): ApiJson<AdvanceBody>,
) -> ApiResult<Json<Value>> {
    let by = time::Duration::days(body.days)
        + time::Duration::hours(body.hours)
        + time::Duration::seconds(body.seconds);
    sandbox.clock.advance(by);
    // Saves the new offset when persistence is on.
    sandbox.write(|_, _, _| Ok(())).await?;
    Ok(clock(State(sandbox)).await)
}

async fn get_faults(State(sandbox): State<Shared>) -> Json<FaultSettings> {
    Json(sandbox.faults.settings())
}

async fn set_faults(
    State(sandbox): State<Shared>,
    ApiJson(settings): ApiJson<FaultSettings>,
) -> ApiResult<Response> {
    let shares = [settings.error_share, settings.timeout_share];
    if shares.iter().any(|s| !(0.0..=1.0).contains(s)) {
        return Err(ApiError::invalid(
            "error_share",
            "Shares are between 0.0 and 1.0.",
        ));
    }
    if settings
        .error_statuses
        .iter()
        .any(|s| !(500..=599).contains(s))
    {
        return Err(ApiError::invalid(
            "error_statuses",
            "Only 5xx statuses can be injected.",
        ));
    }
    sandbox.faults.set(settings);
    Ok(no_content())
}

async fn clear_faults(State(sandbox): State<Shared>) -> Response {
    sandbox.faults.set(FaultSettings::default());
    no_content()
}
