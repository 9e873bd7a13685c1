//! `POST /saml/acs`: the IdP's answer, posted by the browser from the IdP's site (so
//! without the session cookie, and exempt from the cross-site check: the response's
//! signature and the request cookie stand in for it). An accepted identity either links to
//! the account that asked, or logs in to the account it is linked to: straight in when the
//! IdP asserted REFEDS MFA, else on to the portal's second factor; or, for a self-service
//! request, goes to the institution's self-service policy (`web::self_service`).
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::audit::RequestMeta;
use crate::auth::rate_limit::CredentialAttempt;
use crate::auth::{cookies, session};
use crate::error::{AppError, error_response};
use crate::services::saml::AcceptedIdentity;
use crate::services::saml::acs::Accepted;
use crate::services::saml::linking::{self, LinkOutcome};
use crate::services::saml::login::Purpose;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct AcsForm {
    #[serde(rename = "SAMLResponse", default)]
    saml_response: String,
}

pub async fn consume(
    _attempt: CredentialAttempt,
    State(state): State<AppState>,
    meta: RequestMeta,
    session: Session,
    headers: HeaderMap,
    Form(form): Form<AcsForm>,
) -> Result<Response, AppError> {
    let browser_secret = cookies::read(&headers, cookies::SAML_REQUEST);
    let outcome =
        crate::services::saml::acs::accept(&state, browser_secret.as_deref(), &form.saml_response)
            .await?;
    let mut response = match outcome.result {
        Ok(accepted) => answer(&state, &meta, &session, accepted).await?,
        Err(refusal) => {
            linking::record_refusal(
                &state,
                &meta,
                outcome.idp_entity_id.as_deref(),
                outcome.institution_id,
                refusal,
            )
            .await?;
            error_response(StatusCode::FORBIDDEN, refusal.message_key())
        }
    };
    super::login::forget_request_cookie(&mut response);
    Ok(response)
}

async fn answer(
    state: &AppState,
    meta: &RequestMeta,
    session: &Session,
    accepted: Accepted,
) -> Result<Response, AppError> {
    match accepted.purpose {
        Purpose::Link(account_id) => link(state, meta, account_id, &accepted.identity).await,
        Purpose::Login => log_in(state, meta, session, &accepted.identity).await,
        Purpose::SelfService => {
            crate::web::self_service::login::admitted(state, meta, session, &accepted.identity)
                .await
        }
    }
}

async fn link(
    state: &AppState,
    meta: &RequestMeta,
    account_id: crate::domain::AccountId,
    identity: &AcceptedIdentity,
) -> Result<Response, AppError> {
    match linking::link(state, meta, account_id, identity).await? {
        LinkOutcome::Linked => Ok(Redirect::to("/account").into_response()),
        LinkOutcome::TakenByAnother => Ok(error_response(
            StatusCode::CONFLICT,
            "saml.refused.linked_elsewhere",
        )),
    }
}

async fn log_in(
    state: &AppState,
    meta: &RequestMeta,
    session: &Session,
    identity: &AcceptedIdentity,
) -> Result<Response, AppError> {
    let Some(login) = linking::login(state, meta, identity).await? else {
        return Ok(error_response(
            StatusCode::FORBIDDEN,
            "saml.refused.not_linked",
        ));
    };
    let now = state.clock.now();
    session::begin_login(session, login.account_id, login.session_epoch, now).await?;
    if !login.mfa_done {
        return Ok(Redirect::to("/mfa").into_response());
    }
    if let Some(auth) = session::auth_state(session).await? {
        session::complete_mfa(session, auth, now).await?;
    }
    Ok(Redirect::to("/").into_response())
}
