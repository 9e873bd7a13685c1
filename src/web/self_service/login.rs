//! `GET /self-service`: the institutions whose self-service is on, searchable by name in
//! either language, the last choice (a cookie) first; `POST /self-service/login` sends the
//! person to the chosen IdP. The ACS hands an admitted answer to [`admitted`].
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::audit::RequestMeta;
use crate::auth::cookies;
use crate::auth::csrf::CsrfForm;
use crate::auth::person;
use crate::db::saml::InstitutionIdp;
use crate::error::{AppError, error_response};
use crate::i18n::Lang;
use crate::services::saml::AcceptedIdentity;
use crate::services::saml::login::Purpose;
use crate::services::self_service::admission;
use crate::state::AppState;
use crate::web::layers::FormTargets;
use crate::web::page::{self, Page, PageContext};
use crate::web::saml::login::{ChoiceForm, go};

/// Remembers the institution last chosen, for a year: only its id, nothing about the person.
const LAST_CHOICE: &str = "__Host-tcs_self_service";
const LAST_CHOICE_LIFETIME: time::Duration = time::Duration::days(365);

#[derive(Template)]
#[template(path = "self_service/login.html")]
struct ChoiceTemplate<'a> {
    page: &'a PageContext,
    choices: Vec<Choice>,
    query: &'a str,
}

struct Choice {
    value: String,
    label: String,
    remembered: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// Lower case, and in ASCII where the name has a spelling, so "Elektrotehnicki" and
/// "електро" both find "Elektrotehnički fakultet" / "Електротехнички факултет".
fn fold(text: &str) -> String {
    crate::domain::transliterate::to_ascii(text)
        .unwrap_or_else(|| text.to_owned())
        .to_lowercase()
}

fn matches(choice: &InstitutionIdp, query: &str) -> bool {
    let query = fold(query.trim());
    query.is_empty()
        || fold(&choice.name_sr).contains(&query)
        || fold(&choice.name_en).contains(&query)
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Page(page): Page,
    Query(search): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let open = crate::db::self_service::open_institutions(&state.db).await?;
    let mut listed: Vec<InstitutionIdp> = crate::db::saml::institution_idps(&state.db)
        .await?
        .into_iter()
        .filter(|choice| choice.trusted && open.contains(&choice.institution_id))
        .filter(|choice| matches(choice, &search.q))
        .collect();
    let remembered = cookies::read(&headers, LAST_CHOICE);
    let is_remembered =
        |choice: &InstitutionIdp| remembered.as_deref() == Some(&choice.institution_id.to_string());
    // The remembered institution first; the rest keep their order by name.
    listed.sort_by_key(|choice| !is_remembered(choice));
    let entity_ids: Vec<String> = listed.iter().map(|c| c.entity_id.clone()).collect();
    let origins = crate::services::saml::login::sign_on_origins(&state, &entity_ids).await?;
    let choices = listed
        .iter()
        .map(|choice| Choice {
            value: format!("{} {}", choice.institution_id, choice.entity_id),
            label: match (page.lang, &choice.idp_name) {
                (Lang::English, Some(idp)) => format!("{} ({idp})", choice.name_en),
                (Lang::English, None) => choice.name_en.clone(),
                (Lang::Serbian, Some(idp)) => format!("{} ({idp})", choice.name_sr),
                (Lang::Serbian, None) => choice.name_sr.clone(),
            },
            remembered: is_remembered(choice),
        })
        .collect();
    let mut response = page::ok(&ChoiceTemplate {
        page: &page,
        choices,
        query: search.q.trim(),
    })?;
    response.extensions_mut().insert(FormTargets(origins));
    Ok(response)
}

/// `POST /self-service/login`: only institutions with self-service on may be chosen.
pub async fn start(
    State(state): State<AppState>,
    CsrfForm(form): CsrfForm<ChoiceForm>,
) -> Result<Response, AppError> {
    let Some((institution_id, _)) = form.parse() else {
        return Err(AppError::Unprocessable("saml.login.choose"));
    };
    let open = crate::db::self_service::open_institutions(&state.db).await?;
    if !open.contains(&institution_id) {
        return Err(AppError::Unprocessable("self_service.refused.off"));
    }
    let mut response = go(&state, &form, Purpose::SelfService).await?;
    response.headers_mut().append(
        header::SET_COOKIE,
        cookies::set(
            LAST_CHOICE,
            &institution_id.to_string(),
            Some(LAST_CHOICE_LIFETIME),
        ),
    );
    Ok(response)
}

/// The ACS accepted a self-service answer: the policy decides, and an admitted person
/// lands on "My certificates" with a session of their own; a refused one reads why.
pub async fn admitted(
    state: &AppState,
    meta: &RequestMeta,
    session: &Session,
    identity: &AcceptedIdentity,
) -> Result<Response, AppError> {
    match admission::admit(state, meta, identity).await? {
        Ok(login) => {
            person::begin(session, login).await?;
            Ok(Redirect::to(super::certificates::PATH).into_response())
        }
        Err(refusal) => Ok(error_response(StatusCode::FORBIDDEN, refusal.message_key())),
    }
}
