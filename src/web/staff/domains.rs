//! Staff assigning a domain name to an institution although another institution owns a
//! name above or below it: never by accident (admins and the ordinary form are refused),
//! only here, with a reason that goes to the audit log with the names it overrides.
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::audit::RequestMeta;
use crate::auth::StaffAdmin;
use crate::auth::csrf::CsrfForm;
use crate::db::domains::AddDomain;
use crate::db::institutions::InstitutionDetail;
use crate::domain::{DomainName, InstitutionId};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::forms::{FieldErrors, REASON_MAX_CHARS, audit_reason};
use crate::web::page::{self, PageContext, WithPage};

#[derive(Template)]
#[template(path = "staff/domain_assign.html")]
struct AssignTemplate<'a> {
    page: &'a PageContext,
    institution: &'a InstitutionDetail,
    form: &'a AssignForm,
    errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    reason: String,
}

fn render(
    page: &PageContext,
    status: StatusCode,
    institution: &InstitutionDetail,
    form: &AssignForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    page::render(
        status,
        &AssignTemplate {
            page,
            institution,
            form,
            errors,
        },
    )
}

async fn institution(
    state: &AppState,
    staff: &StaffAdmin,
    id: InstitutionId,
) -> Result<InstitutionDetail, AppError> {
    crate::db::institutions::staff_detail(&state.db, staff, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn show(
    State(state): State<AppState>,
    WithPage(staff, page): WithPage<StaffAdmin>,
    Path(institution_id): Path<InstitutionId>,
) -> Result<Response, AppError> {
    let institution = institution(&state, &staff, institution_id).await?;
    let errors = FieldErrors::new(page.lang);
    render(
        &page,
        StatusCode::OK,
        &institution,
        &AssignForm::default(),
        errors,
    )
}

pub async fn assign(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(staff, page): WithPage<StaffAdmin>,
    Path(institution_id): Path<InstitutionId>,
    CsrfForm(form): CsrfForm<AssignForm>,
) -> Result<Response, AppError> {
    let institution = institution(&state, &staff, institution_id).await?;
    let mut errors = FieldErrors::new(page.lang);
    let name = DomainName::parse(&form.name)
        .map_err(|error| errors.add("name", error.message_key()))
        .ok();
    let reason = audit_reason(&form.reason);
    if reason.is_none() {
        errors.add("reason", "error.reason_required");
    }
    let echo = AssignForm {
        name: form.name.chars().take(300).collect(),
        reason: form.reason.chars().take(REASON_MAX_CHARS).collect(),
    };
    let (Some(name), Some(reason)) = (name, reason) else {
        return render(
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            &institution,
            &echo,
            errors,
        );
    };
    let outcome = crate::services::domains::staff_assign(
        &state,
        &meta,
        &staff,
        institution_id,
        &name,
        &reason,
    )
    .await?;
    let refusal = match outcome {
        AddDomain::Added(_) => {
            return Ok(
                Redirect::to(&format!("/institutions/{institution_id}/domains")).into_response(),
            );
        }
        AddDomain::AlreadyOurs => "error.domain.already_ours",
        // The staff path never meets the hierarchy check; the same name elsewhere
        // is the one thing it cannot override.
        AddDomain::TakenElsewhere | AddDomain::OverlapsElsewhere => "error.domain.taken",
    };
    errors.add("name", refusal);
    render(&page, StatusCode::CONFLICT, &institution, &echo, errors)
}
