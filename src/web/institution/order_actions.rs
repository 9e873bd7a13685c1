//! What an admin does to one order: cancel it before it reaches DigiCert, or
//! revoke its certificate with a reason. Each answers on the order page.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::audit::RequestMeta;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::auth::{Admin, InstitutionScope};
use crate::error::AppError;
use crate::services::ordering::{self, CancelOutcome, RevokeOutcome};
use crate::state::AppState;
use crate::web::institution::order_page::{self, Message, REVOCATION_REASONS};
use crate::web::page::{PageContext, WithPage};

fn back(scope: &InstitutionScope<Admin>, order_id: Uuid, done: &str) -> Response {
    Redirect::to(&format!(
        "/institutions/{}/orders/{order_id}?done={done}",
        scope.institution_id()
    ))
    .into_response()
}

pub async fn cancel(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(scope, page): WithPage<InstitutionScope<Admin>>,
    Path((_, order_id)): Path<(Uuid, Uuid)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    match ordering::cancel(&state, &meta, &scope, order_id)
        .await
        .map_err(AppError::internal)?
    {
        CancelOutcome::Canceled => Ok(back(&scope, order_id, "canceled")),
        CancelOutcome::NotFound => Err(AppError::NotFound),
        CancelOutcome::TooLate => {
            let key = "order.cancel_too_late";
            refuse(&state, &scope, &page, order_id, StatusCode::CONFLICT, key).await
        }
    }
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    comment: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(scope, page): WithPage<InstitutionScope<Admin>>,
    Path((_, order_id)): Path<(Uuid, Uuid)>,
    CsrfForm(form): CsrfForm<RevokeForm>,
) -> Result<Response, AppError> {
    let Some((reason, _)) = REVOCATION_REASONS
        .iter()
        .find(|(reason, _)| reason.as_str() == form.reason)
    else {
        let key = "order.revoke_reason_required";
        return refuse(
            &state,
            &scope,
            &page,
            order_id,
            StatusCode::UNPROCESSABLE_ENTITY,
            key,
        )
        .await;
    };
    let comment: String = form.comment.trim().chars().take(500).collect();
    let outcome = ordering::revoke(&state, &meta, &scope, order_id, reason.clone(), &comment)
        .await
        .map_err(AppError::internal)?;
    match outcome {
        RevokeOutcome::Revoked => Ok(back(&scope, order_id, "revoked")),
        RevokeOutcome::AwaitingApproval => Ok(back(&scope, order_id, "revoke_requested")),
        RevokeOutcome::NotFound => Err(AppError::NotFound),
        RevokeOutcome::NotIssued => {
            let key = "order.revoke_not_issued";
            refuse(&state, &scope, &page, order_id, StatusCode::CONFLICT, key).await
        }
        RevokeOutcome::NotConfigured => {
            let key = "order.digicert_not_configured";
            refuse(
                &state,
                &scope,
                &page,
                order_id,
                StatusCode::SERVICE_UNAVAILABLE,
                key,
            )
            .await
        }
        RevokeOutcome::Failed(error) => {
            tracing::warn!(order = %order_id, %error, "DigiCert refused a revocation");
            let key = "order.revoke_failed";
            refuse(
                &state,
                &scope,
                &page,
                order_id,
                StatusCode::BAD_GATEWAY,
                key,
            )
            .await
        }
    }
}

/// The order page again, saying why nothing happened.
async fn refuse(
    state: &AppState,
    scope: &InstitutionScope<Admin>,
    page: &PageContext,
    order_id: Uuid,
    status: StatusCode,
    key: &'static str,
) -> Result<Response, AppError> {
    order_page::render(
        state,
        scope,
        page,
        order_id,
        status,
        Some(Message::Alert(key)),
    )
    .await
}
