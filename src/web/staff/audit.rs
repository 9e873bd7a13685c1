//! The whole audit log, for staff: filter by actor, action, institution and date.
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;

use crate::auth::StaffScope;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::audit_view::{AuditPage, AuditQuery, PAGE_SIZE, parse_filter};
use crate::web::page::{self, PageContext, WithPage};

#[derive(Template)]
#[template(path = "staff/audit.html")]
struct AuditTemplate<'a> {
    page: &'a PageContext,
    query: &'a AuditQuery,
    audit: AuditPage,
}

pub async fn list(
    State(state): State<AppState>,
    WithPage(staff, page): WithPage<StaffScope>,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let (filter, filter_error) = parse_filter(&query);
    let rows = match filter_error {
        Some(_) => Vec::new(),
        None => crate::db::audit::staff_list(&state.db, &staff, &filter, PAGE_SIZE).await?,
    };
    page::ok(&AuditTemplate {
        page: &page,
        query: &query,
        audit: AuditPage::new(rows, &query, filter_error),
    })
}
