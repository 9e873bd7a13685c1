//! Orders over the API (`/api/v1/institutions/{id}/orders…`): place, read, cancel,
//! revoke, re-send the person's link. Bodies are JSON objects of known fields only; they are read by the same
//! parsers as the pages' forms and go through the same services, so an order placed
//! here mails the person the same link. Refusals are problem details ([`super::problem`]).
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::bearer::{Bearer, OrdersRead, OrdersRevoke, OrdersWrite};
use super::body::JsonObject;
use super::openapi::{BodyRefusals, Refusals};
use super::problem::{ApiLang, Kind, Problem, not_found};
use crate::audit::RequestMeta;
use crate::db::orders::OrderRecord;
use crate::domain::{InstitutionId, NewOrder, OrderForm, OrderId, Revocation, RevocationForm};
use crate::error::AppError;
use crate::services::enrollment::link::{self, ResendOutcome};
use crate::services::ordering::{self, CancelOutcome, PlaceOutcome, RevokeOutcome};
use crate::state::AppState;

/// The header that makes placing an order safe to retry: required, since a client that
/// times out must be able to send the same order again without ordering twice.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// An order, as JSON.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderBody {
    /// `secure_email_sponsor`, `client_digital_signature_plus`, `client_email_security_plus`
    /// or `client_premium`.
    pub product: String,
    /// For Secure Email: `strict` or `multipurpose`.
    #[serde(default)]
    pub profile_type: Option<String>,
    /// The person's addresses, all in the institution's validated domains.
    pub emails: Vec<String>,
    pub given_name: String,
    pub surname: String,
    /// 1 or 2.
    pub validity_years: u8,
    /// A PEM CSR; without it the person brings or makes a key through their link.
    #[serde(default)]
    pub csr: Option<String>,
}

impl OrderBody {
    /// The form the parser reads; the addresses are joined as the form's field holds them.
    fn into_form(self, idempotency_key: String) -> OrderForm {
        OrderForm {
            product: self.product,
            profile_type: self.profile_type.unwrap_or_default(),
            emails: emails_field(&self.emails),
            given_name: self.given_name,
            surname: self.surname,
            validity_years: self.validity_years.to_string(),
            csr: self.csr.unwrap_or_default(),
            idempotency_key,
        }
    }
}

/// The request's `Idempotency-Key`, if it has one of 1 to 64 characters.
pub(super) fn idempotency_key(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|key| !key.is_empty() && key.len() <= 64)
}

/// A list of addresses as the order form's field (and the bulk CSV's cell) holds them, for
/// its parser to read.
pub(super) fn emails_field(emails: &[String]) -> String {
    emails.join(", ")
}

/// A revocation, as JSON.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevocationBody {
    /// `keyCompromise`, `affiliationChanged`, `superseded` or `cessationOfOperation`.
    pub reason: String,
    #[serde(default)]
    pub comment: Option<String>,
}

/// What placing an order did: `placed` (201) or `duplicate` (200, the same
/// `Idempotency-Key` again: the first order).
#[derive(Debug, Serialize, ToSchema)]
pub struct Placed {
    pub outcome: &'static str,
    #[schema(value_type = uuid::Uuid)]
    pub order_id: OrderId,
}

/// What an action did: `canceled`, `revoked`, `awaiting_approval`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Done {
    pub outcome: &'static str,
}

/// An order as a client sees it: no CSR, chain or internal error text. Times are Unix
/// seconds.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderView {
    #[schema(value_type = uuid::Uuid)]
    pub id: OrderId,
    #[schema(value_type = uuid::Uuid)]
    pub institution_id: InstitutionId,
    pub status: &'static str,
    pub product: &'static str,
    pub profile_type: Option<String>,
    pub given_name: String,
    pub surname: String,
    pub emails: Vec<String>,
    pub validity_years: i32,
    pub self_service: bool,
    pub serial_number: Option<String>,
    pub not_before: Option<i64>,
    pub not_after: Option<i64>,
}

impl From<&OrderRecord> for OrderView {
    fn from(order: &OrderRecord) -> Self {
        Self {
            id: order.id,
            institution_id: order.institution_id,
            status: order.status.as_str(),
            product: order.product.as_str(),
            profile_type: order.profile_type.clone(),
            given_name: order.given_name.clone(),
            surname: order.surname.clone(),
            emails: order.emails.clone(),
            validity_years: order.validity_years,
            self_service: order.self_service,
            serial_number: order.serial_number.clone(),
            not_before: order.not_before.map(|at| at.unix_timestamp()),
            not_after: order.not_after.map(|at| at.unix_timestamp()),
        }
    }
}

/// Places an order: the person is mailed their link, as from the form.
#[utoipa::path(
    post,
    path = "/api/v1/institutions/{institution_id}/orders",
    tag = "orders",
    params(
        ("institution_id" = uuid::Uuid, Path, description = "The token's institution"),
        ("Idempotency-Key" = String, Header, description = "Required, 1 to 64 characters; the same key again returns the first order"),
    ),
    request_body = OrderBody,
    responses(
        (status = 201, description = "Placed", body = Placed),
        (status = 200, description = "The same key again: the first order", body = Placed),
        (status = 422, description = "Invalid fields or unmet preconditions", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        BodyRefusals,
        Refusals,
    ),
    security(("bearer" = ["orders:write"]))
)]
pub async fn place(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiLang(lang): ApiLang,
    Bearer(scope, _): Bearer<OrdersWrite>,
    headers: HeaderMap,
    JsonObject(body): JsonObject<OrderBody>,
) -> Result<Response, AppError> {
    let Some(key) = idempotency_key(&headers) else {
        let errors = json!({ "Idempotency-Key": lang.t("api.idempotency_key") });
        return Ok(
            Problem::new(Kind::InvalidInput, lang, "problem.invalid_input_detail")
                .with("errors", errors)
                .into_response(),
        );
    };
    let form = body.into_form(key.to_owned());
    let order = match NewOrder::try_from(&form) {
        Ok(order) => order,
        Err(invalid) => return Ok(Problem::invalid(lang, &invalid).into_response()),
    };
    let outcome = ordering::place(&state, &meta, &scope, order)
        .await
        .map_err(AppError::internal)?;
    Ok(match outcome {
        PlaceOutcome::Placed(id) => (
            StatusCode::CREATED,
            Json(Placed {
                outcome: "placed",
                order_id: id,
            }),
        )
            .into_response(),
        PlaceOutcome::Duplicate(id) => Json(Placed {
            outcome: "duplicate",
            order_id: id,
        })
        .into_response(),
        PlaceOutcome::Refused(unmet) => Problem::unmet(lang, &unmet).into_response(),
        PlaceOutcome::Invalid(invalid) => Problem::invalid(lang, &invalid).into_response(),
    })
}

/// One order of the institution.
#[utoipa::path(
    get,
    path = "/api/v1/institutions/{institution_id}/orders/{order_id}",
    tag = "orders",
    params(
        ("institution_id" = uuid::Uuid, Path, description = "The token's institution"),
        ("order_id" = uuid::Uuid, Path, description = "The order"),
    ),
    responses(
        (status = 200, description = "The order", body = OrderView),
        Refusals,
    ),
    security(("bearer" = ["orders:read"]))
)]
pub async fn show(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    Bearer(scope, _): Bearer<OrdersRead>,
    Path((_, order_id)): Path<(InstitutionId, OrderId)>,
) -> Result<Response, AppError> {
    Ok(
        match crate::db::orders::get(&state.db, &scope, order_id).await? {
            Some(order) => Json(OrderView::from(&order)).into_response(),
            None => not_found(lang),
        },
    )
}

/// Cancels an order DigiCert has not received yet.
#[utoipa::path(
    post,
    path = "/api/v1/institutions/{institution_id}/orders/{order_id}/cancel",
    tag = "orders",
    params(
        ("institution_id" = uuid::Uuid, Path, description = "The token's institution"),
        ("order_id" = uuid::Uuid, Path, description = "The order"),
    ),
    responses(
        (status = 200, description = "Canceled", body = Done),
        (status = 409, description = "Sent to DigiCert already, or ended", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["orders:write"]))
)]
pub async fn cancel(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiLang(lang): ApiLang,
    Bearer(scope, _): Bearer<OrdersWrite>,
    Path((_, order_id)): Path<(InstitutionId, OrderId)>,
) -> Result<Response, AppError> {
    let outcome = ordering::cancel(&state, &meta, &scope, order_id)
        .await
        .map_err(AppError::internal)?;
    Ok(match outcome {
        CancelOutcome::Canceled => Json(Done {
            outcome: "canceled",
        })
        .into_response(),
        CancelOutcome::NotFound => not_found(lang),
        CancelOutcome::TooLate => {
            Problem::new(Kind::Conflict, lang, "api.cancel_too_late").into_response()
        }
    })
}

/// Revokes an issued certificate at DigiCert.
#[utoipa::path(
    post,
    path = "/api/v1/institutions/{institution_id}/orders/{order_id}/revoke",
    tag = "orders",
    params(
        ("institution_id" = uuid::Uuid, Path, description = "The token's institution"),
        ("order_id" = uuid::Uuid, Path, description = "The order"),
    ),
    request_body = RevocationBody,
    responses(
        (status = 200, description = "Revoked", body = Done),
        (status = 202, description = "Waiting for DigiCert's approval", body = Done),
        (status = 409, description = "Not issued", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 502, description = "DigiCert refused", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "DigiCert not configured", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        BodyRefusals,
        Refusals,
    ),
    security(("bearer" = ["orders:revoke"]))
)]
pub async fn revoke(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiLang(lang): ApiLang,
    Bearer(scope, _): Bearer<OrdersRevoke>,
    Path((_, order_id)): Path<(InstitutionId, OrderId)>,
    JsonObject(body): JsonObject<RevocationBody>,
) -> Result<Response, AppError> {
    let form = RevocationForm {
        reason: body.reason,
        comment: body.comment.unwrap_or_default(),
    };
    let revocation = match Revocation::try_from(&form) {
        Ok(revocation) => revocation,
        Err(invalid) => {
            let found = ordering::refuse_revocation(&state, &meta, &scope, order_id, &invalid)
                .await
                .map_err(AppError::internal)?;
            return Ok(if found {
                Problem::invalid(lang, &invalid).into_response()
            } else {
                not_found(lang)
            });
        }
    };
    let outcome = ordering::revoke(&state, &meta, &scope, order_id, &revocation)
        .await
        .map_err(AppError::internal)?;
    let problem = |kind, detail_key| Problem::new(kind, lang, detail_key).into_response();
    Ok(match outcome {
        RevokeOutcome::Revoked => Json(Done {
            outcome: outcome.as_str(),
        })
        .into_response(),
        RevokeOutcome::AwaitingApproval => (
            StatusCode::ACCEPTED,
            Json(Done {
                outcome: outcome.as_str(),
            }),
        )
            .into_response(),
        RevokeOutcome::NotFound => not_found(lang),
        RevokeOutcome::NotIssued => problem(Kind::Conflict, "order.revoke_not_issued"),
        RevokeOutcome::NotConfigured => {
            problem(Kind::DigicertNotConfigured, "order.digicert_not_configured")
        }
        RevokeOutcome::Failed(error) => {
            tracing::warn!(order = %order_id, %error, "DigiCert refused a revocation");
            problem(Kind::DigicertFailed, "order.revoke_failed")
        }
    })
}

/// Mails the person a new link to their enrollment; the old one stops working.
#[utoipa::path(
    post,
    path = "/api/v1/institutions/{institution_id}/orders/{order_id}/resend-link",
    tag = "orders",
    params(
        ("institution_id" = uuid::Uuid, Path, description = "The token's institution"),
        ("order_id" = uuid::Uuid, Path, description = "The order"),
    ),
    responses(
        (status = 200, description = "Sent", body = Done),
        (status = 409, description = "The person's enrollment is past the link", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["orders:write"]))
)]
pub async fn resend_link(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiLang(lang): ApiLang,
    Bearer(scope, _): Bearer<OrdersWrite>,
    Path((_, order_id)): Path<(InstitutionId, OrderId)>,
) -> Result<Response, AppError> {
    let outcome = link::resend_link(&state, &meta, &scope, order_id)
        .await
        .map_err(AppError::internal)?;
    Ok(match outcome {
        ResendOutcome::Sent => Json(Done { outcome: "sent" }).into_response(),
        ResendOutcome::NotFound => not_found(lang),
        ResendOutcome::NotResendable => {
            Problem::new(Kind::Conflict, lang, "person.not_resendable").into_response()
        }
    })
}
