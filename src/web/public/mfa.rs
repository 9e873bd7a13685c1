//! The second factor: TOTP enrolment at first login, then a code at every login.
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::audit::RequestMeta;
use crate::auth::csrf::CsrfForm;
use crate::auth::rate_limit::CredentialAttempt;
use crate::auth::{PendingLogin, session};
use crate::error::AppError;
use crate::services::mfa::{EnrolmentOutcome, VerifyOutcome};
use crate::state::AppState;
use crate::web::page::{self, PageContext, WithPage};

#[derive(Template)]
#[template(path = "public/mfa.html")]
struct MfaTemplate<'a> {
    page: &'a PageContext,
    error: Option<&'static str>,
}

pub async fn show(WithPage(pending, page): WithPage<PendingLogin>) -> Result<Response, AppError> {
    if !pending.account.mfa_enrolled() {
        return Ok(Redirect::to("/mfa/enrol").into_response());
    }
    page::ok(&MfaTemplate {
        page: &page,
        error: None,
    })
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

pub async fn submit(
    _attempt: CredentialAttempt,
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(pending, page): WithPage<PendingLogin>,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, AppError> {
    let outcome =
        crate::services::mfa::verify_second_factor(&state, &meta, pending.account.id, &form.code)
            .await?;
    let error = match outcome {
        VerifyOutcome::Accepted { .. } => {
            session::complete_mfa(&pending.session, pending.auth, state.clock.now()).await?;
            return Ok(Redirect::to("/").into_response());
        }
        VerifyOutcome::Replayed => "mfa.replayed",
        VerifyOutcome::Refused => "mfa.refused",
        VerifyOutcome::AccountGone => return Err(AppError::LoginRequired),
        VerifyOutcome::NotEnrolled => return Err(AppError::MfaRequired { enrolled: false }),
    };
    page::render(
        StatusCode::UNAUTHORIZED,
        &MfaTemplate {
            page: &page,
            error: Some(error),
        },
    )
}

#[derive(Template)]
#[template(path = "public/mfa_enrol.html")]
struct EnrolTemplate<'a> {
    page: &'a PageContext,
    qr_svg: &'a str,
    secret: &'a str,
    error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "public/recovery_codes.html")]
pub struct RecoveryCodesTemplate<'a> {
    pub page: &'a PageContext,
    pub codes: &'a [String],
    pub continue_to: &'a str,
}

pub async fn show_enrolment(
    State(state): State<AppState>,
    WithPage(pending, page): WithPage<PendingLogin>,
) -> Result<Response, AppError> {
    if pending.account.mfa_enrolled() {
        return Ok(Redirect::to("/mfa").into_response());
    }
    render_enrolment(&state, &pending, &page, StatusCode::OK, None).await
}

pub async fn confirm_enrolment(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(pending, mut page): WithPage<PendingLogin>,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, AppError> {
    if pending.account.mfa_enrolled() {
        return Ok(Redirect::to("/mfa").into_response());
    }
    match crate::services::mfa::confirm_enrolment(&state, &meta, pending.account.id, &form.code)
        .await?
    {
        EnrolmentOutcome::Enrolled { recovery_codes } => {
            session::complete_mfa(&pending.session, pending.auth.clone(), state.clock.now())
                .await?;
            page.follow_renewal(&pending.session).await?;
            page::ok(&RecoveryCodesTemplate {
                page: &page,
                codes: &recovery_codes,
                continue_to: "/",
            })
        }
        EnrolmentOutcome::AccountGone => Err(AppError::LoginRequired),
        EnrolmentOutcome::NothingPending => Err(AppError::AlreadyAuthenticated),
        EnrolmentOutcome::WrongCode => {
            render_enrolment(
                &state,
                &pending,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("mfa.enrol_refused"),
            )
            .await
        }
    }
}

async fn render_enrolment(
    state: &AppState,
    pending: &PendingLogin,
    page: &PageContext,
    status: StatusCode,
    error: Option<&'static str>,
) -> Result<Response, AppError> {
    let enrolment = crate::services::mfa::start_enrolment(state, &pending.account).await?;
    let qr_svg = crate::web::qr::svg(&enrolment.uri)?;
    page::render(
        status,
        &EnrolTemplate {
            page,
            qr_svg: &qr_svg,
            secret: &enrolment.secret_text,
            error,
        },
    )
}
