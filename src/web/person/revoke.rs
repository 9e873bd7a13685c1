//! The person revokes their own certificate (key compromise).
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::BoundEnrollment;
use crate::audit::RequestMeta;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::AppError;
use crate::services::enrollment::revoke::revoke_own;
use crate::services::ordering::RevokeOutcome;
use crate::state::AppState;

pub async fn revoke(
    State(state): State<AppState>,
    meta: RequestMeta,
    BoundEnrollment { view, .. }: BoundEnrollment,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    match revoke_own(&state, &meta, &view)
        .await
        .map_err(AppError::internal)?
    {
        RevokeOutcome::Revoked | RevokeOutcome::AwaitingApproval => {
            Ok(Redirect::to("/enroll").into_response())
        }
        RevokeOutcome::NotIssued | RevokeOutcome::NotFound => {
            Err(AppError::Conflict("person.not_revocable"))
        }
        RevokeOutcome::NotConfigured | RevokeOutcome::Failed(_) => {
            Err(AppError::Conflict("person.revoke_failed"))
        }
    }
}
