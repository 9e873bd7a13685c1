//! What an admin does to one order: cancel it before it reaches DigiCert, or
//! revoke its certificate with a reason. Each answers on the order page.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::audit::RequestMeta;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::auth::{Admin, InstitutionScope};
use crate::domain::{InstitutionId, OrderId, Revocation, RevocationForm};
use crate::error::AppError;
use crate::services::ordering::{self, CancelOutcome, RevokeOutcome};
use crate::state::AppState;
use crate::web::institution::order_page::{self, Message, Refused};
use crate::web::page::{PageContext, WithPage};

fn back(scope: &InstitutionScope<Admin>, order_id: OrderId, done: &str) -> Response {
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
    Path((_, order_id)): Path<(InstitutionId, OrderId)>,
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

pub async fn revoke(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(scope, page): WithPage<InstitutionScope<Admin>>,
    Path((_, order_id)): Path<(InstitutionId, OrderId)>,
    CsrfForm(form): CsrfForm<RevocationForm>,
) -> Result<Response, AppError> {
    let revocation = match Revocation::try_from(&form) {
        Ok(revocation) => revocation,
        Err(invalid) => {
            if !ordering::refuse_revocation(&state, &meta, &scope, order_id, &invalid)
                .await
                .map_err(AppError::internal)?
            {
                return Err(AppError::NotFound);
            }
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let refused = Refused { form, invalid };
            return order_page::render(&state, &scope, &page, order_id, status, None, refused)
                .await;
        }
    };
    let outcome = ordering::revoke(&state, &meta, &scope, order_id, &revocation)
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
    order_id: OrderId,
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
        Refused::default(),
    )
    .await
}
