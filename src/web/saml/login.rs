//! Starting a federated login (anyone) or the linking of a federated identity (a fully
//! logged-in account): the browser goes to the IdP with an AuthnRequest and carries a
//! cookie that ties the answer to it.
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::CurrentAccount;
use crate::auth::cookies;
use crate::auth::csrf::CsrfForm;
use crate::db::saml::InstitutionIdp;
use crate::domain::InstitutionId;
use crate::error::AppError;
use crate::services::saml::login::{Purpose, Started};
use crate::state::AppState;
use crate::web::layers::FormTargets;
use crate::web::page::{self, Page, PageContext, WithPage};

#[derive(Template)]
#[template(path = "saml/login.html")]
struct ChoiceTemplate<'a> {
    page: &'a PageContext,
    choices: &'a [InstitutionIdp],
    action: &'static str,
    title_key: &'static str,
}

async fn trusted_choices(state: &AppState) -> Result<Vec<InstitutionIdp>, AppError> {
    let mut choices = crate::db::saml::institution_idps(&state.db).await?;
    choices.retain(|choice| choice.trusted);
    Ok(choices)
}

/// The choice page, allowed to lead its form on to the listed IdPs.
async fn choice_page(
    state: &AppState,
    page: &PageContext,
    action: &'static str,
    title_key: &'static str,
) -> Result<Response, AppError> {
    let choices = trusted_choices(state).await?;
    let entity_ids: Vec<String> = choices.iter().map(|c| c.entity_id.clone()).collect();
    let origins = crate::services::saml::login::sign_on_origins(state, &entity_ids).await?;
    let mut response = page::ok(&ChoiceTemplate {
        page,
        choices: &choices,
        action,
        title_key,
    })?;
    response.extensions_mut().insert(FormTargets(origins));
    Ok(response)
}

/// `GET /saml/login`: the institutions whose IdPs the portal trusts.
pub async fn show(State(state): State<AppState>, Page(page): Page) -> Result<Response, AppError> {
    choice_page(&state, &page, "/saml/login", "saml.login.title").await
}

/// `GET /account/federated`: the same choice, to link the account's federated identity.
pub async fn show_link(
    State(state): State<AppState>,
    WithPage(_current, page): WithPage<CurrentAccount>,
) -> Result<Response, AppError> {
    choice_page(&state, &page, "/account/federated", "saml.link.title").await
}

/// One choice of the list: `<institution id> <IdP entityID>`, as the option's value.
#[derive(Deserialize)]
pub struct ChoiceForm {
    #[serde(default)]
    choice: String,
}

impl ChoiceForm {
    pub(crate) fn parse(&self) -> Option<(InstitutionId, &str)> {
        let (institution, entity_id) = self.choice.split_once(' ')?;
        Some((institution.parse().ok()?, entity_id))
    }
}

/// Sends the browser to the chosen IdP with a request for `purpose`, and its cookie.
pub(crate) async fn go(
    state: &AppState,
    form: &ChoiceForm,
    purpose: Purpose,
) -> Result<Response, AppError> {
    let Some((institution_id, entity_id)) = form.parse() else {
        return Err(AppError::Unprocessable("saml.login.choose"));
    };
    let Some(Started {
        redirect_url,
        browser_secret,
    }) = crate::services::saml::login::start(state, institution_id, entity_id, purpose).await?
    else {
        return Err(AppError::Unprocessable("saml.login.choose"));
    };
    let mut response = Redirect::to(&redirect_url).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, cookies::saml_request(&browser_secret));
    Ok(response)
}

/// `POST /saml/login`.
pub async fn start(
    State(state): State<AppState>,
    CsrfForm(form): CsrfForm<ChoiceForm>,
) -> Result<Response, AppError> {
    go(&state, &form, Purpose::Login).await
}

/// `POST /account/federated`.
pub async fn start_link(
    State(state): State<AppState>,
    current: CurrentAccount,
    CsrfForm(form): CsrfForm<ChoiceForm>,
) -> Result<Response, AppError> {
    go(&state, &form, Purpose::Link(current.account.id)).await
}

/// The answer to a request ends its cookie, accepted or not.
pub(super) fn forget_request_cookie(response: &mut Response) {
    response
        .headers_mut()
        .append(header::SET_COOKIE, cookies::clear(cookies::SAML_REQUEST));
}
