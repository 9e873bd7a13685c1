//! Login with e-mail and password (the second factor follows on `/mfa`), and logout.
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::auth::rate_limit::CredentialAttempt;
use crate::auth::session;
use crate::error::AppError;
use crate::services::login::LoginOutcome;
use crate::state::AppState;
use crate::web::page::{self, Page, PageContext};

#[derive(Template)]
#[template(path = "public/login.html")]
struct LoginTemplate<'a> {
    page: &'a PageContext,
    email: &'a str,
    error: Option<&'static str>,
}

pub async fn show(Page(page): Page) -> Result<Response, AppError> {
    page::ok(&LoginTemplate {
        page: &page,
        email: "",
        error: None,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
}

pub async fn submit(
    _attempt: CredentialAttempt,
    State(state): State<AppState>,
    meta: RequestMeta,
    Page(page): Page,
    session: Session,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, AppError> {
    match crate::services::login::check_password(&state, &meta, &form.email, &form.password).await?
    {
        LoginOutcome::PasswordAccepted {
            account_id,
            session_epoch,
            mfa_enrolled,
        } => {
            session::begin_login(&session, account_id, session_epoch, state.clock.now()).await?;
            let next = if mfa_enrolled { "/mfa" } else { "/mfa/enrol" };
            Ok(Redirect::to(next).into_response())
        }
        LoginOutcome::Refused => {
            // Echo the e-mail back only if it is of a sane length; never the password.
            let email: String = if form.email.len() <= 254 {
                form.email.chars().filter(|c| !c.is_control()).collect()
            } else {
                String::new()
            };
            page::render(
                StatusCode::UNAUTHORIZED,
                &LoginTemplate {
                    page: &page,
                    email: &email,
                    error: Some("login.refused"),
                },
            )
        }
    }
}

pub async fn logout(
    State(state): State<AppState>,
    meta: RequestMeta,
    session: Session,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Redirect, AppError> {
    if let Some(auth) = session::auth_state(&session).await? {
        let mut tx = state.db.begin().await?;
        AuditEvent::new("logout")
            .actor(auth.account_id)
            .record(&mut tx, &meta)
            .await?;
        tx.commit().await?;
    }
    session::end(&session).await?;
    Ok(Redirect::to("/login"))
}
