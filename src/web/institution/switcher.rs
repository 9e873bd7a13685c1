//! `/institutions`: the institutions a person belongs to, to pick one.
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::CurrentAccount;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::page::{self, PageContext, WithPage};

#[derive(Template)]
#[template(path = "institution/switcher.html")]
struct SwitcherTemplate<'a> {
    page: &'a PageContext,
    institutions: Vec<(String, String, &'static str)>,
}

pub async fn show(
    State(state): State<AppState>,
    WithPage(current, page): WithPage<CurrentAccount>,
) -> Result<Response, AppError> {
    if current.account.staff_role.is_some() {
        return Ok(Redirect::to("/staff/institutions").into_response());
    }
    let memberships =
        crate::db::institutions::memberships_of(&state.db, current.account.id).await?;
    let institutions = memberships
        .into_iter()
        .map(|(id, short_name, role)| {
            let role_key = crate::domain::InstitutionRole::from_db(&role)
                .map_or("role.auditor", |r| r.label_key());
            (id.to_string(), short_name, role_key)
        })
        .collect();
    page::ok(&SwitcherTemplate {
        page: &page,
        institutions,
    })
}
