//! The staff home page.
use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::key_banner::{self, KeyBanner};
use crate::auth::StaffScope;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::page::{self, PageContext, WithPage};

#[derive(Template)]
#[template(path = "staff/home.html")]
struct HomeTemplate<'a> {
    page: &'a PageContext,
    display_name: &'a str,
    is_auditor: bool,
    key_banner: Option<KeyBanner>,
}

pub async fn show(
    State(state): State<AppState>,
    WithPage(staff, page): WithPage<StaffScope>,
) -> Result<Response, AppError> {
    page::ok(&HomeTemplate {
        key_banner: key_banner::load(&state.db).await?,
        page: &page,
        display_name: &staff.current().account.display_name,
        is_auditor: !staff.role().can_write(),
    })
}
