//! The staff home page.
use askama::Template;
use axum::response::Response;

use crate::auth::StaffScope;
use crate::error::AppError;
use crate::web::page::{self, PageContext};

#[derive(Template)]
#[template(path = "staff/home.html")]
struct HomeTemplate<'a> {
    page: &'a PageContext,
    display_name: &'a str,
    is_auditor: bool,
}

pub async fn show(staff: StaffScope) -> Result<Response, AppError> {
    page::ok(&HomeTemplate {
        page: staff.page(),
        display_name: &staff.current().account.display_name,
        is_auditor: !staff.role().can_write(),
    })
}
