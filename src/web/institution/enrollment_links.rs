//! An admin re-sends the person's link from the order page; the old link dies.
use axum::extract::{Path, State};
use axum::response::Redirect;

use crate::audit::RequestMeta;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::auth::{Admin, InstitutionScope};
use crate::domain::{InstitutionId, OrderId};
use crate::error::AppError;
use crate::services::enrollment::link::{ResendOutcome, resend_link};
use crate::state::AppState;

pub async fn resend(
    State(state): State<AppState>,
    meta: RequestMeta,
    scope: InstitutionScope<Admin>,
    Path((_, order_id)): Path<(InstitutionId, OrderId)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Redirect, AppError> {
    match resend_link(&state, &meta, &scope, order_id)
        .await
        .map_err(AppError::internal)?
    {
        ResendOutcome::Sent => Ok(Redirect::to(&format!(
            "/institutions/{}/orders/{order_id}",
            scope.institution_id()
        ))),
        ResendOutcome::NotFound => Err(AppError::NotFound),
        ResendOutcome::NotResendable => Err(AppError::Conflict("person.not_resendable")),
    }
}
