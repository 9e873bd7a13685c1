//! Orders over the API (`/api/v1/institutions/{id}/orders…`): place, read, cancel,
//! revoke. Bodies are JSON objects of known fields only; they are read by the same
//! parsers as the pages' forms and go through the same services, so an order placed
//! here mails the person the same link. Refusals are problem details ([`super::problem`]).
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::bearer::{Bearer, OrdersRead, OrdersRevoke, OrdersWrite};
use super::problem::{ApiLang, Kind, Problem};
use crate::audit::RequestMeta;
use crate::db::orders::OrderRecord;
use crate::domain::{InstitutionId, NewOrder, OrderForm, OrderId, Revocation, RevocationForm};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::ordering::{self, CancelOutcome, PlaceOutcome, RevokeOutcome};
use crate::state::AppState;

/// The header that makes placing an order safe to retry: required, since a client that
/// times out must be able to send the same order again without ordering twice.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// An order, as JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderBody {
    pub product: String,
    #[serde(default)]
    pub profile_type: Option<String>,
    pub emails: Vec<String>,
    pub given_name: String,
    pub surname: String,
    pub validity_years: u8,
    #[serde(default)]
    pub csr: Option<String>,
}

impl OrderBody {
    /// The form the parser reads; the addresses are joined as the form's field holds them.
    fn into_form(self, idempotency_key: String) -> OrderForm {
        OrderForm {
            product: self.product,
            profile_type: self.profile_type.unwrap_or_default(),
            emails: self.emails.join(", "),
            given_name: self.given_name,
            surname: self.surname,
            validity_years: self.validity_years.to_string(),
            csr: self.csr.unwrap_or_default(),
            idempotency_key,
        }
    }
}

/// A revocation, as JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationBody {
    pub reason: String,
    #[serde(default)]
    pub comment: Option<String>,
}

pub async fn place(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiLang(lang): ApiLang,
    Bearer(scope, _): Bearer<OrdersWrite>,
    headers: HeaderMap,
    Json(body): Json<OrderBody>,
) -> Result<Response, AppError> {
    let Some(key) = headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|key| !key.is_empty() && key.len() <= 64)
    else {
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
            Json(json!({"outcome": "placed", "order_id": id})),
        )
            .into_response(),
        PlaceOutcome::Duplicate(id) => {
            Json(json!({"outcome": "duplicate", "order_id": id})).into_response()
        }
        PlaceOutcome::Refused(unmet) => Problem::unmet(lang, &unmet).into_response(),
        PlaceOutcome::Invalid(invalid) => Problem::invalid(lang, &invalid).into_response(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    Bearer(scope, _): Bearer<OrdersRead>,
    Path((_, order_id)): Path<(InstitutionId, OrderId)>,
) -> Result<Response, AppError> {
    Ok(
        match crate::db::orders::get(&state.db, &scope, order_id).await? {
            Some(order) => Json(order_json(&order)).into_response(),
            None => not_found(lang),
        },
    )
}

/// What a client sees of an order: no CSR, chain or internal error text.
fn order_json(order: &OrderRecord) -> Value {
    json!({
        "id": order.id,
        "institution_id": order.institution_id,
        "status": order.status.as_str(),
        "product": order.product.as_str(),
        "profile_type": order.profile_type,
        "given_name": order.given_name,
        "surname": order.surname,
        "emails": order.emails,
        "validity_years": order.validity_years,
        "self_service": order.self_service,
        "serial_number": order.serial_number,
        "not_before": order.not_before.map(|at| at.unix_timestamp()),
        "not_after": order.not_after.map(|at| at.unix_timestamp()),
    })
}

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
        CancelOutcome::Canceled => Json(json!({"outcome": "canceled"})).into_response(),
        CancelOutcome::NotFound => not_found(lang),
        CancelOutcome::TooLate => {
            Problem::new(Kind::Conflict, lang, "api.cancel_too_late").into_response()
        }
    })
}

pub async fn revoke(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiLang(lang): ApiLang,
    Bearer(scope, _): Bearer<OrdersRevoke>,
    Path((_, order_id)): Path<(InstitutionId, OrderId)>,
    Json(body): Json<RevocationBody>,
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
        RevokeOutcome::Revoked => Json(json!({"outcome": outcome.as_str()})).into_response(),
        RevokeOutcome::AwaitingApproval => (
            StatusCode::ACCEPTED,
            Json(json!({"outcome": outcome.as_str()})),
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

/// Another institution's order, or none: the same answer.
fn not_found(lang: Lang) -> Response {
    Problem::new(Kind::NotFound, lang, "error.page.not_found").into_response()
}
