//! An institution's own audit events, for its admins and auditors (and staff).
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;

use crate::auth::{InstitutionScope, Read};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::audit_view::{AuditPage, AuditQuery, PAGE_SIZE, parse_filter};
use crate::web::institution::InstitutionNav;
use crate::web::page::{self, PageContext, WithPage};

#[derive(Template)]
#[template(path = "institution/audit.html")]
struct AuditTemplate<'a> {
    page: &'a PageContext,
    nav: InstitutionNav,
    query: &'a AuditQuery,
    audit: AuditPage,
}

pub async fn list(
    State(state): State<AppState>,
    WithPage(scope, page): WithPage<InstitutionScope<Read>>,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let mut query = query.map(|Query(query)| query).unwrap_or_default();
    // The institution comes from the path alone; a filter in the query is ignored.
    query.institution.clear();
    let (filter, filter_error) = parse_filter(&query);
    let rows = match filter_error {
        Some(_) => Vec::new(),
        None => {
            crate::db::audit::list_for_institution(&state.db, &scope, &filter, PAGE_SIZE).await?
        }
    };
    page::ok(&AuditTemplate {
        page: &page,
        nav: InstitutionNav::new(&scope, page.lang),
        query: &query,
        audit: AuditPage::new(rows, &query, filter_error),
    })
}
