//! An institution's people: admins and auditors, invitations, role changes.
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::audit::RequestMeta;
use crate::auth::csrf::CsrfForm;
use crate::auth::scope::RequiredRole;
use crate::auth::{Admin, InstitutionScope, Read};
use crate::db::invitations::{PendingInvitation, Withdrawal};
use crate::db::memberships::{Member, MembershipChange};
use crate::domain::{
    AccountId, DisplayName, EmailAddress, InstitutionId, InstitutionRole, InvitationId,
};
use crate::error::AppError;
use crate::i18n::format;
use crate::services::people::InviteOutcome;
use crate::state::AppState;
use crate::web::forms::FieldErrors;
use crate::web::institution::InstitutionNav;
use crate::web::page::{self, PageContext, WithPage};

#[derive(Template)]
#[template(path = "institution/people.html")]
struct PeopleTemplate<'a> {
    page: &'a PageContext,
    nav: InstitutionNav,
    members: Vec<Member>,
    pending: Vec<PendingInvitation>,
    form: &'a InviteForm,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

impl PeopleTemplate<'_> {
    fn when(&self, at: &time::OffsetDateTime) -> String {
        format::datetime(*at)
    }
}

async fn render<R: RequiredRole>(
    state: &AppState,
    scope: &InstitutionScope<R>,
    page: &PageContext,
    status: StatusCode,
    form: &InviteForm,
    errors: Option<FieldErrors>,
    notice: Option<&'static str>,
) -> Result<Response, AppError> {
    let members = crate::db::memberships::list(&state.db, scope).await?;
    let pending = crate::db::invitations::pending(&state.db, scope, state.clock.now()).await?;
    page::render(
        status,
        &PeopleTemplate {
            page,
            nav: InstitutionNav::new(scope, page.lang),
            members,
            pending,
            form,
            errors: errors.unwrap_or_else(|| FieldErrors::new(page.lang)),
            notice,
        },
    )
}

pub async fn list(
    State(state): State<AppState>,
    WithPage(scope, page): WithPage<InstitutionScope<Read>>,
) -> Result<Response, AppError> {
    render(
        &state,
        &scope,
        &page,
        StatusCode::OK,
        &InviteForm::default(),
        None,
        None,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
}

fn parse_role(value: &str) -> Option<InstitutionRole> {
    InstitutionRole::from_db(value.trim())
}

pub async fn invite(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(scope, page): WithPage<InstitutionScope<Admin>>,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::new(page.lang);
    let email = EmailAddress::parse(&form.email)
        .map_err(|error| errors.add("email", error.message_key()))
        .ok();
    let name = DisplayName::parse(&form.display_name)
        .map_err(|error| errors.add("display_name", error.message_key()))
        .ok();
    let role = parse_role(&form.role);
    if role.is_none() {
        errors.add("role", "error.role.invalid");
    }
    let echo = InviteForm {
        email: form.email.chars().take(254).collect(),
        display_name: form.display_name.chars().take(200).collect(),
        role: form.role.chars().take(20).collect(),
    };
    let (Some(email), Some(name), Some(role)) = (email, name, role) else {
        return render(
            &state,
            &scope,
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            &echo,
            Some(errors),
            None,
        )
        .await;
    };
    match crate::services::people::invite(&state, &meta, &scope, &email, &name, role).await? {
        InviteOutcome::Invited => {
            render(
                &state,
                &scope,
                &page,
                StatusCode::OK,
                &InviteForm::default(),
                None,
                Some("people.invited"),
            )
            .await
        }
        InviteOutcome::AlreadyMember => {
            errors.add("email", "error.people.already_member");
            render(
                &state,
                &scope,
                &page,
                StatusCode::CONFLICT,
                &echo,
                Some(errors),
                None,
            )
            .await
        }
    }
}

/// Withdraws an open invitation. One already answered, withdrawn or expired is simply
/// gone from the list; one of another institution is not found.
pub async fn withdraw(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(scope, page): WithPage<InstitutionScope<Admin>>,
    Path((_, invitation_id)): Path<(InstitutionId, InvitationId)>,
    CsrfForm(_): CsrfForm<crate::auth::csrf::NoFields>,
) -> Result<Response, AppError> {
    let notice =
        match crate::services::people::withdraw(&state, &meta, &scope, invitation_id).await? {
            Withdrawal::NotFound => return Err(AppError::NotFound),
            Withdrawal::Withdrawn => Some("people.withdrawn"),
            Withdrawal::AlreadyClosed => None,
        };
    render(
        &state,
        &scope,
        &page,
        StatusCode::OK,
        &InviteForm::default(),
        None,
        notice,
    )
    .await
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

pub async fn change_role(
    State(state): State<AppState>,
    meta: RequestMeta,
    scope: InstitutionScope<Admin>,
    Path((_, account_id)): Path<(InstitutionId, AccountId)>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> Result<Response, AppError> {
    let role = parse_role(&form.role).ok_or(AppError::Unprocessable("error.role.invalid"))?;
    let outcome =
        crate::services::people::change_role(&state, &meta, &scope, account_id, role).await?;
    after_change(&scope, outcome)
}

pub async fn remove(
    State(state): State<AppState>,
    meta: RequestMeta,
    scope: InstitutionScope<Admin>,
    Path((_, account_id)): Path<(InstitutionId, AccountId)>,
    CsrfForm(_): CsrfForm<crate::auth::csrf::NoFields>,
) -> Result<Response, AppError> {
    let outcome = crate::services::people::remove(&state, &meta, &scope, account_id).await?;
    after_change(&scope, outcome)
}

fn after_change(
    scope: &InstitutionScope<Admin>,
    outcome: MembershipChange,
) -> Result<Response, AppError> {
    match outcome {
        // Someone who demoted or removed themselves lands where their new rights
        // allow: an auditor still reads the people page; someone removed gets a 404
        // there, as from any institution that is not theirs.
        MembershipChange::Done | MembershipChange::Unchanged => Ok(Redirect::to(&format!(
            "/institutions/{}/people",
            scope.institution_id()
        ))
        .into_response()),
        MembershipChange::NotAMember => Err(AppError::NotFound),
        MembershipChange::LastAdmin => Err(AppError::Conflict("error.people.last_admin")),
    }
}
