//! Accepting an invitation: choose a name and password, then enrol the second factor.
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::audit::RequestMeta;
use crate::auth::cookies::INVITATION;
use crate::auth::csrf::CsrfForm;
use crate::auth::rate_limit::CredentialAttempt;
use crate::auth::session;
use crate::domain::{DisplayName, PersonalDetails};
use crate::error::AppError;
use crate::services::onboarding::{self, AcceptOutcome};
use crate::state::AppState;
use crate::web::forms::FieldErrors;
use crate::web::page::{self, Page, PageContext};

/// The link from the mail. The token moves into a short-lived cookie and the
/// browser is sent to a URL without it, so it does not linger in history or logs.
pub async fn open_link(Path(token): Path<String>) -> impl IntoResponse {
    (
        [(header::SET_COOKIE, INVITATION.remember(&token))],
        Redirect::to("/invite"),
    )
}

#[derive(Template)]
#[template(path = "public/invite.html")]
struct InviteTemplate<'a> {
    page: &'a PageContext,
    email: &'a str,
    display_name: &'a str,
    errors: FieldErrors,
}

/// For an address that has an account: log in and answer the invitation there.
#[derive(Template)]
#[template(path = "public/invite_existing.html")]
struct ExistingAccountTemplate<'a> {
    page: &'a PageContext,
    email: &'a str,
}

#[derive(Template)]
#[template(path = "public/invite_unusable.html")]
struct UnusableTemplate<'a> {
    page: &'a PageContext,
}

fn unusable(page: &PageContext) -> Result<Response, AppError> {
    page::render(StatusCode::GONE, &UnusableTemplate { page })
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Page(page): Page,
) -> Result<Response, AppError> {
    let Some(token) = INVITATION.read(&headers) else {
        return unusable(&page);
    };
    let Some(invitation) = onboarding::find_usable(&state, &token).await? else {
        return unusable(&page);
    };
    if onboarding::addressee_has_account(&state, &invitation).await? {
        return page::ok(&ExistingAccountTemplate {
            page: &page,
            email: &invitation.email,
        });
    }
    page::ok(&InviteTemplate {
        page: &page,
        email: &invitation.email,
        display_name: &invitation.display_name,
        errors: FieldErrors::new(page.lang),
    })
}

#[derive(Deserialize)]
pub struct AcceptForm {
    display_name: String,
    password: String,
    password_confirm: String,
}

pub async fn accept(
    _attempt: CredentialAttempt,
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    session: Session,
    Page(page): Page,
    CsrfForm(form): CsrfForm<AcceptForm>,
) -> Result<Response, AppError> {
    let Some(token) = INVITATION.read(&headers) else {
        return unusable(&page);
    };
    let Some(invitation) = onboarding::find_usable(&state, &token).await? else {
        return unusable(&page);
    };
    let mut errors = FieldErrors::new(page.lang);
    let name = DisplayName::parse(&form.display_name)
        .map_err(|error| errors.add("display_name", error.message_key()))
        .ok();
    // The name as typed counts even when it is refused: it is still the person's name.
    let typed_name: String = form.display_name.chars().take(200).collect();
    let personal =
        PersonalDetails::new(&invitation.email, &[&typed_name, &invitation.display_name]);
    let password = crate::services::passwords::check_new(
        &state,
        &form.password,
        &form.password_confirm,
        personal,
    )
    .await?
    .map_err(|error| errors.add("password", error.message_key()))
    .ok();
    let (Some(name), Some(password)) = (name, password) else {
        return page::render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &InviteTemplate {
                page: &page,
                email: &invitation.email,
                display_name: &typed_name,
                errors,
            },
        );
    };
    match onboarding::accept(&state, &meta, &token, &name, &password).await? {
        AcceptOutcome::Accepted {
            account_id,
            session_epoch,
        } => {
            session::begin_login(&session, account_id, session_epoch, state.clock.now()).await?;
            Ok((
                [(header::SET_COOKIE, INVITATION.forget())],
                Redirect::to("/mfa/enrol"),
            )
                .into_response())
        }
        AcceptOutcome::InvitationUnusable => unusable(&page),
        AcceptOutcome::EmailTaken => {
            errors.add("email", "invite.email_taken");
            page::render(
                StatusCode::CONFLICT,
                &InviteTemplate {
                    page: &page,
                    email: &invitation.email,
                    display_name: name.as_str(),
                    errors,
                },
            )
        }
    }
}
