//! "API access" (issue 14 §1): an institution's API tokens. Admins make one (shown once,
//! in the answer to the form that made it, never in a URL and never again) and revoke
//! them; auditors and staff auditors read the list; staff read and revoke.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::audit::RequestMeta;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::auth::scope::{Read, RequiredRole};
use crate::auth::{Admin, InstitutionScope};
use crate::db::api_tokens::TokenLine;
use crate::domain::api_token::{
    DEFAULT_DAYS, MAX_DAYS, MAX_NAME_CHARS, NewApiToken, TokenForm, TokenScope, TokenState,
};
use crate::domain::{ApiTokenId, InstitutionId, InvalidFields};
use crate::error::AppError;
use crate::i18n::format;
use crate::services::api_tokens::{self, Revoked};
use crate::state::AppState;
use crate::web::institution::InstitutionNav;
use crate::web::page::{self, PageContext, WithPage};

/// One token as a list shows it (this page and staff's).
pub struct TokenView {
    pub id: String,
    pub institution_id: String,
    pub institution_short_name: String,
    pub name: String,
    pub prefix: String,
    pub scopes: String,
    pub networks: String,
    pub created_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub last_used_from: Option<String>,
    pub state: TokenState,
}

impl TokenView {
    pub fn new(line: &TokenLine, now: time::OffsetDateTime) -> Self {
        Self {
            id: line.id.to_string(),
            institution_id: line.institution_id.to_string(),
            institution_short_name: line.institution_short_name.clone(),
            name: line.name.clone(),
            prefix: format!("tcs_{}_…", line.prefix),
            scopes: line.scopes.join(", "),
            networks: line
                .allowed_networks
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            created_by: line.created_by_name.clone(),
            created_at: format::datetime(line.created_at),
            expires_at: format::datetime(line.expires_at),
            last_used_at: line.last_used_at.map(format::datetime),
            last_used_from: line.last_used_from.map(|ip| ip.ip().to_string()),
            state: TokenState::of(line.revoked_at, line.expires_at, now),
        }
    }

    pub fn is_revocable(&self) -> bool {
        self.state != TokenState::Revoked
    }
}

/// A token just made, for the one answer that shows it.
struct Issued {
    token: String,
    name: String,
    expires_at: String,
}

#[derive(Template)]
#[template(path = "institution/api_tokens.html")]
struct ApiTokensTemplate<'a> {
    page: &'a PageContext,
    nav: InstitutionNav,
    tokens: Vec<TokenView>,
    /// Only the institution's own admins make tokens (see [`api_tokens::may_create`]).
    can_create: bool,
    can_revoke: bool,
    scopes: [TokenScope; 5],
    form: TokenForm,
    invalid: InvalidFields,
    issued: Option<Issued>,
    notice: Option<&'static str>,
    max_days: i64,
    max_name_chars: usize,
}

impl ApiTokensTemplate<'_> {
    fn error(&self, field: &str) -> Option<&'static str> {
        self.invalid.get(field).map(|key| self.page.t(key))
    }

    fn show_institution(&self) -> bool {
        false
    }

    fn revoke_action(&self, token: &TokenView) -> String {
        format!(
            "/institutions/{}/api-tokens/{}/revoke",
            self.nav.id, token.id
        )
    }

    fn revoke_purpose(&self) -> &'static str {
        "/institutions/{institution_id}/api-tokens/{token_id}/revoke"
    }

    fn days_value(&self) -> String {
        if self.form.expires_in_days.is_empty() {
            DEFAULT_DAYS.to_string()
        } else {
            self.form.expires_in_days.clone()
        }
    }
}

/// What differs between the answers of this page.
#[derive(Default)]
struct Shown {
    form: TokenForm,
    invalid: InvalidFields,
    issued: Option<Issued>,
    notice: Option<&'static str>,
}

async fn render<R: RequiredRole>(
    state: &AppState,
    scope: &InstitutionScope<R>,
    page: &PageContext,
    status: StatusCode,
    shown: Shown,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let tokens = crate::db::api_tokens::list(&state.db, scope)
        .await?
        .iter()
        .map(|line| TokenView::new(line, now))
        .collect();
    page::render(
        status,
        &ApiTokensTemplate {
            page,
            nav: InstitutionNav::new(scope, page.lang),
            tokens,
            can_create: api_tokens::may_create(scope).is_ok(),
            can_revoke: scope.can_write(),
            scopes: TokenScope::ALL,
            form: shown.form,
            invalid: shown.invalid,
            issued: shown.issued,
            notice: shown.notice,
            max_days: MAX_DAYS,
            max_name_chars: MAX_NAME_CHARS,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    WithPage(scope, page): WithPage<InstitutionScope<Read>>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let notice = match query.notice.as_deref() {
        Some("revoked") => Some("api_tokens.revoked"),
        _ => None,
    };
    let shown = Shown {
        notice,
        ..Shown::default()
    };
    render(&state, &scope, &page, StatusCode::OK, shown).await
}

/// `POST …/api-tokens`: the form's fields in order, as `scope` comes once per ticked box.
pub async fn create(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(scope, page): WithPage<InstitutionScope<Admin>>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    api_tokens::may_create(&scope).map_err(|_| AppError::Forbidden)?;
    let form = TokenForm::from_pairs(&pairs);
    let token = match NewApiToken::try_from(&form) {
        Ok(token) => token,
        Err(invalid) => {
            let shown = Shown {
                form,
                invalid,
                ..Shown::default()
            };
            return render(
                &state,
                &scope,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                shown,
            )
            .await;
        }
    };
    let issued = api_tokens::create(&state.db, &meta, &scope, &token, state.clock.now())
        .await
        .map_err(AppError::internal)?
        .map_err(|_| AppError::Forbidden)?;
    let shown = Shown {
        issued: Some(Issued {
            token: issued.token.expose_secret().to_owned(),
            name: token.name.as_str().to_owned(),
            expires_at: format::datetime(issued.expires_at),
        }),
        ..Shown::default()
    };
    render(&state, &scope, &page, StatusCode::OK, shown).await
}

pub async fn revoke(
    State(state): State<AppState>,
    meta: RequestMeta,
    scope: InstitutionScope<Admin>,
    Path((_, token_id)): Path<(InstitutionId, ApiTokenId)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    match api_tokens::revoke(&state.db, &meta, &scope, token_id, state.clock.now())
        .await
        .map_err(AppError::internal)?
    {
        Revoked::Revoked => Ok(Redirect::to(&format!(
            "/institutions/{}/api-tokens?notice=revoked",
            scope.institution_id()
        ))
        .into_response()),
        Revoked::AlreadyRevoked => Err(AppError::Conflict("api_tokens.already_revoked")),
        // Unknown, or another institution's.
        Revoked::NotFound => Err(AppError::NotFound),
    }
}
