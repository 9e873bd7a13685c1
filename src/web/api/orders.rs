//! The ordering engine over HTTP (`/api/v1/institutions/{id}/orders…`): place an
//! order, revoke one. The input is read by the same parsers as the pages' forms;
//! refusals are problem details ([`super::problem`]).
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::problem::{ApiLang, Kind, Problem};
use crate::audit::RequestMeta;
use crate::auth::csrf::CsrfForm;
use crate::auth::{Admin, InstitutionScope};
use crate::domain::{InstitutionId, NewOrder, OrderForm, OrderId, Revocation, RevocationForm};
use crate::error::AppError;
use crate::services::ordering::{self, PlaceOutcome, RevokeOutcome};
use crate::state::AppState;

pub async fn place(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiLang(lang): ApiLang,
    scope: InstitutionScope<Admin>,
    CsrfForm(form): CsrfForm<OrderForm>,
) -> Result<Response, AppError> {
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

pub async fn revoke(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiLang(lang): ApiLang,
    scope: InstitutionScope<Admin>,
    Path((_, order_id)): Path<(InstitutionId, OrderId)>,
    CsrfForm(form): CsrfForm<RevocationForm>,
) -> Result<Response, AppError> {
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
fn not_found(lang: crate::i18n::Lang) -> Response {
    Problem::new(Kind::NotFound, lang, "error.page.not_found").into_response()
}
