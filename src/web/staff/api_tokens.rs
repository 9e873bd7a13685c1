//! Every institution's API tokens for AMRES staff (issue 14 §1), narrowed to one
//! institution or one state; full staff revoke any of them.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::audit::RequestMeta;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::auth::{StaffAdmin, StaffScope};
use crate::domain::api_token::TokenState;
use crate::domain::{ApiTokenId, InstitutionId};
use crate::error::AppError;
use crate::services::api_tokens::{self, Revoked};
use crate::state::AppState;
use crate::web::institution::api_tokens::TokenView;
use crate::web::page::{self, PageContext, WithPage};

#[derive(Debug, Default, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    institution: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/api_tokens.html")]
struct StaffTokensTemplate<'a> {
    page: &'a PageContext,
    tokens: Vec<TokenView>,
    institutions: Vec<(String, String)>,
    states: [TokenState; 3],
    institution: &'a str,
    state: &'a str,
    can_revoke: bool,
    notice: Option<&'static str>,
    error: Option<&'static str>,
}

impl StaffTokensTemplate<'_> {
    fn show_institution(&self) -> bool {
        true
    }

    fn revoke_action(&self, token: &TokenView) -> String {
        format!("/staff/api-tokens/{}/revoke", token.id)
    }

    fn revoke_purpose(&self) -> &'static str {
        "/staff/api-tokens/{token_id}/revoke"
    }
}

/// The filter the query names, or what is wrong with it.
fn filter(query: &TokenQuery) -> Result<(Option<InstitutionId>, Option<TokenState>), &'static str> {
    let institution = match query.institution.trim() {
        "" => None,
        text => Some(
            text.parse::<InstitutionId>()
                .map_err(|_| "api_tokens.staff.bad_institution")?,
        ),
    };
    let state = match query.state.trim() {
        "" => None,
        text => Some(TokenState::parse(text).ok_or("api_tokens.staff.bad_state")?),
    };
    Ok((institution, state))
}

pub async fn list(
    State(state): State<AppState>,
    WithPage(staff, page): WithPage<StaffScope>,
    Query(query): Query<TokenQuery>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let (status, tokens, error) = match filter(&query) {
        Ok((institution, token_state)) => {
            let lines =
                crate::db::api_tokens::staff_list(&state.db, &staff, institution, token_state, now)
                    .await?;
            let tokens = lines.iter().map(|line| TokenView::new(line, now)).collect();
            (StatusCode::OK, tokens, None)
        }
        Err(key) => (StatusCode::UNPROCESSABLE_ENTITY, Vec::new(), Some(key)),
    };
    let institutions = crate::db::api_tokens::staff_institutions_with_tokens(&state.db, &staff)
        .await?
        .into_iter()
        .map(|(id, short_name)| (id.to_string(), short_name))
        .collect();
    let notice = match query.notice.as_deref() {
        Some("revoked") => Some("api_tokens.revoked"),
        _ => None,
    };
    page::render(
        status,
        &StaffTokensTemplate {
            page: &page,
            tokens,
            institutions,
            states: TokenState::ALL,
            institution: query.institution.trim(),
            state: query.state.trim(),
            can_revoke: staff.role().can_write(),
            notice,
            error,
        },
    )
}

pub async fn revoke(
    State(state): State<AppState>,
    meta: RequestMeta,
    staff: StaffAdmin,
    Path(token_id): Path<ApiTokenId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    match api_tokens::staff_revoke(&state.db, &meta, &staff, token_id, state.clock.now())
        .await
        .map_err(AppError::internal)?
    {
        Revoked::Revoked => Ok(Redirect::to("/staff/api-tokens?notice=revoked").into_response()),
        Revoked::AlreadyRevoked => Err(AppError::Conflict("api_tokens.already_revoked")),
        Revoked::NotFound => Err(AppError::NotFound),
    }
}
