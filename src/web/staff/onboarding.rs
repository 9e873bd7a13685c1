//! Staff submit an institution's DigiCert organization for S/MIME validation,
//! then return to its dashboard with a notice saying how it went.
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::audit::RequestMeta;
use crate::auth::StaffAdmin;
use crate::auth::csrf::CsrfForm;
use crate::domain::InstitutionId;
use crate::error::AppError;
use crate::services::dcv::organization;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct SubmitForm {}

pub async fn submit_validation(
    State(state): State<AppState>,
    meta: RequestMeta,
    staff: StaffAdmin,
    Path(institution_id): Path<InstitutionId>,
    CsrfForm(_): CsrfForm<SubmitForm>,
) -> Result<Response, AppError> {
    let notice = organization::submit_validation(&state, &meta, &staff, institution_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let to = format!("/institutions/{institution_id}?dcv={}", notice.code());
    Ok(Redirect::to(&to).into_response())
}
