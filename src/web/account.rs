//! The account page: change password, regenerate recovery codes.
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::audit::RequestMeta;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::auth::{CurrentAccount, session};
use crate::domain::{PasswordRejection, PersonalDetails};
use crate::error::AppError;
use crate::services::account::PasswordChange;
use crate::state::AppState;
use crate::web::forms::FieldErrors;
use crate::web::page::{self, PageContext, WithPage};
use crate::web::public::mfa::RecoveryCodesTemplate;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountTemplate<'a> {
    page: &'a PageContext,
    email: &'a str,
    display_name: &'a str,
    errors: FieldErrors,
    notice: Option<&'static str>,
    /// The IdPs whose identity opens this account (issue 15 §3).
    federated: Vec<String>,
}

async fn render(
    state: &AppState,
    current: &CurrentAccount,
    page: &PageContext,
    status: StatusCode,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> Result<Response, AppError> {
    page::render(
        status,
        &AccountTemplate {
            page,
            email: &current.account.email,
            display_name: &current.account.display_name,
            errors,
            notice,
            federated: crate::db::saml::identities_of(&state.db, current.account.id).await?,
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    WithPage(current, page): WithPage<CurrentAccount>,
) -> Result<Response, AppError> {
    let errors = FieldErrors::new(page.lang);
    render(&state, &current, &page, StatusCode::OK, errors, None).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    new_password_confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(current, mut page): WithPage<CurrentAccount>,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::new(page.lang);
    let personal = PersonalDetails::new(&current.account.email, &[&current.account.display_name]);
    let checked = crate::services::passwords::check_new(
        &state,
        &form.new_password,
        &form.new_password_confirm,
        personal,
    )
    .await?;
    let new = match checked {
        Ok(new) => new,
        Err(error) => {
            errors.add("new_password", error.message_key());
            return render(
                &state,
                &current,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
                None,
            )
            .await;
        }
    };
    match crate::services::account::change_password(
        &state,
        &meta,
        &current.account,
        &form.current_password,
        &new,
    )
    .await?
    {
        PasswordChange::Changed { session_epoch } => {
            session::follow_epoch(&current.session, current.auth.clone(), session_epoch).await?;
            page.follow_renewal(&current.session).await?;
            render(
                &state,
                &current,
                &page,
                StatusCode::OK,
                errors,
                Some("account.password_changed"),
            )
            .await
        }
        PasswordChange::WrongCurrentPassword => {
            errors.add("current_password", "account.wrong_password");
            render(
                &state,
                &current,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
                None,
            )
            .await
        }
        PasswordChange::SameAsCurrent => {
            errors.add(
                "new_password",
                PasswordRejection::SameAsCurrent.message_key(),
            );
            render(
                &state,
                &current,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
                None,
            )
            .await
        }
        PasswordChange::Throttled => {
            errors.add("current_password", "account.password_form_closed");
            render(
                &state,
                &current,
                &page,
                StatusCode::TOO_MANY_REQUESTS,
                errors,
                None,
            )
            .await
        }
    }
}

pub async fn regenerate_recovery_codes(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(current, page): WithPage<CurrentAccount>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let codes =
        crate::services::mfa::regenerate_recovery_codes(&state, &meta, current.account.id).await?;
    page::ok(&RecoveryCodesTemplate {
        page: &page,
        codes: &codes,
        continue_to: "/account",
    })
}
