//! The ordering engine over HTTP (`/api/v1/institutions/{id}/orders…`, JSON): place an
//! order, revoke one. Refusals are 422 with the reasons.
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use digicert::{ProductId, ProfileType, RevocationReason};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::audit::RequestMeta;
use crate::auth::csrf::CsrfForm;
use crate::auth::{Admin, InstitutionScope};
use crate::domain::EmailAddress;
use crate::error::AppError;
use crate::services::ordering::{self, NewOrder, PlaceOutcome};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct PlaceForm {
    product: String,
    #[serde(default)]
    profile_type: String,
    /// One or more addresses, separated by commas or white space.
    emails: String,
    given_name: String,
    surname: String,
    #[serde(default)]
    common_name: String,
    validity_years: u32,
    /// Optional: without it the person brings or gets a key through their link.
    #[serde(default)]
    csr: String,
    idempotency_key: String,
}

pub async fn place(
    State(state): State<AppState>,
    meta: RequestMeta,
    scope: InstitutionScope<Admin>,
    CsrfForm(form): CsrfForm<PlaceForm>,
) -> Result<Response, AppError> {
    let mut emails = Vec::new();
    for text in form
        .emails
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|text| !text.is_empty())
    {
        match EmailAddress::parse(text) {
            Ok(email) => emails.push(email),
            Err(error) => return Ok(invalid(error.message_key())),
        }
    }
    let common_name = if form.common_name.trim().is_empty() {
        format!("{} {}", form.given_name.trim(), form.surname.trim())
    } else {
        form.common_name
    };
    let order = NewOrder {
        product: ProductId::from(form.product.as_str()),
        profile_type: (!form.profile_type.is_empty())
            .then(|| ProfileType::from(form.profile_type.as_str())),
        emails,
        given_name: form.given_name,
        surname: form.surname,
        common_name,
        validity_years: form.validity_years,
        csr_pem: (!form.csr.trim().is_empty()).then_some(form.csr),
        idempotency_key: form.idempotency_key,
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
        PlaceOutcome::Refused(unmet) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "outcome": "refused",
                "unmet": unmet
                    .iter()
                    .map(|u| json!({"message": u.message_key(), "subject": u.subject()}))
                    .collect::<Vec<_>>(),
            })),
        )
            .into_response(),
        PlaceOutcome::Invalid(reason) => invalid(&reason),
    })
}

fn invalid(reason: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({"outcome": "invalid", "reason": reason})),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct RevokeForm {
    reason: String,
    #[serde(default)]
    comment: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    meta: RequestMeta,
    scope: InstitutionScope<Admin>,
    Path((_, order_id)): Path<(Uuid, Uuid)>,
    CsrfForm(form): CsrfForm<RevokeForm>,
) -> Result<Response, AppError> {
    let reason = RevocationReason::from(form.reason.as_str());
    let outcome = ordering::revoke(&state, &meta, &scope, order_id, reason, &form.comment)
        .await
        .map_err(AppError::internal)?;
    if outcome == ordering::RevokeOutcome::NotFound {
        return Err(AppError::NotFound);
    }
    Ok(Json(json!({"outcome": format!("{outcome:?}")})).into_response())
}
