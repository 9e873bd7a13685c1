//! The person revokes their own certificate (key compromise). From a session opened by
//! the reusable link of the "issued" mail, a fresh code mailed to the certificate's
//! address comes first; every refusal is a redirect with a note shown once.
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::BoundEnrollment;
use super::session;
use crate::audit::RequestMeta;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::AppError;
use crate::services::enrollment::revoke::{mail_revoke_code, revoke_own};
use crate::services::one_time_code::Attempt;
use crate::services::ordering::RevokeOutcome;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct RevokeForm {
    /// The mailed code, when the session needs one.
    #[serde(default)]
    code: Option<String>,
}

/// Back to the person's page, which shows `note` once.
async fn back_with_note(session: &Session, note: &'static str) -> Result<Response, AppError> {
    session::note_revocation(session, note).await?;
    Ok(Redirect::to("/enroll").into_response())
}

/// "Mail me a code": a fresh code replaces any earlier one.
pub async fn send_code(
    State(state): State<AppState>,
    meta: RequestMeta,
    session: Session,
    BoundEnrollment { view, .. }: BoundEnrollment,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    if !session::needs_revoke_code(&session).await? {
        return Ok(Redirect::to("/enroll").into_response());
    }
    let code = mail_revoke_code(&state, &meta, &view)
        .await
        .map_err(AppError::internal)?;
    session::keep_code(&session, &code).await?;
    back_with_note(&session, "person.revoke_code_sent").await
}

pub async fn revoke(
    State(state): State<AppState>,
    meta: RequestMeta,
    session: Session,
    BoundEnrollment { view, .. }: BoundEnrollment,
    CsrfForm(form): CsrfForm<RevokeForm>,
) -> Result<Response, AppError> {
    if session::needs_revoke_code(&session).await? {
        let Some(mut pending) = session::pending_code(&session).await? else {
            return back_with_note(&session, "person.revoke_code_needed").await;
        };
        let typed = form.code.as_deref().unwrap_or_default();
        match pending.attempt(typed, state.clock.now()) {
            Attempt::Accepted => {}
            Attempt::UsedUp => {
                session::forget_code(&session).await?;
                return back_with_note(&session, "person.revoke_code_used_up").await;
            }
            Attempt::Wrong => {
                session::keep_code(&session, &pending).await?;
                return back_with_note(&session, "person.revoke_code_wrong").await;
            }
        }
        session::forget_code(&session).await?;
    }
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
