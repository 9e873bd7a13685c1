//! Every institution's orders for AMRES staff: the admins' filters and search,
//! narrowed to one institution or not, as pages and as CSV.
use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::auth::StaffScope;
use crate::db::order_list::{self, Cursor, InstitutionOrderLine, ListOrder, OrderFilter};
use crate::domain::InstitutionId;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::institution::orders_csv;
use crate::web::institution::orders_list::{
    CSV_BATCH, ListQuery, ListView, PAGE_SIZE, Row, csv_stream, list_status, next_page, next_slice,
    query_string,
};
use crate::web::page::{self, PageContext, WithPage};

/// The admins' query, plus the institution to narrow to.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct StaffListQuery {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    institution: String,
    #[serde(flatten)]
    list: ListQuery,
}

impl StaffListQuery {
    fn with_list(&self, list: ListQuery) -> Self {
        Self {
            institution: self.institution.clone(),
            list,
        }
    }
}

/// The institution the query names (by id, slug or short name), or what is
/// wrong with the name. Staff type it: a choice of every institution would be
/// a page of thousands of options.
async fn institution_named(
    state: &AppState,
    staff: &StaffScope,
    text: &str,
) -> Result<Result<Option<InstitutionId>, &'static str>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Ok(None));
    }
    let found = crate::db::institutions::staff_find(&state.db, staff, text).await?;
    Ok(match found.as_slice() {
        [one] => Ok(Some(*one)),
        [] => Err("orders.bad_institution"),
        _ => Err("orders.several_institutions"),
    })
}

/// The institution, the filter and the cursor, or what is wrong. The filters
/// are checked first: a query they refuse costs no lookup.
async fn selection(
    state: &AppState,
    staff: &StaffScope,
    query: &StaffListQuery,
    now: time::OffsetDateTime,
) -> Result<Result<(Option<InstitutionId>, OrderFilter, Option<Cursor>), &'static str>, AppError> {
    let (filter, after) = match query.list.parse(now) {
        Ok(parsed) => parsed,
        Err(key) => return Ok(Err(key)),
    };
    Ok(institution_named(state, staff, &query.institution)
        .await?
        .map(|institution| (institution, filter, after)))
}

#[derive(Template)]
#[template(path = "staff/orders.html")]
struct StaffOrdersTemplate<'a> {
    page: &'a PageContext,
    institution: &'a str,
    view: ListView<'a>,
    filter_error: Option<&'static str>,
    next_page: Option<String>,
    csv_query: String,
}

fn row(line: InstitutionOrderLine) -> Row {
    Row::new(line.line, line.institution_id, Some(line.institution))
}

pub async fn list(
    State(state): State<AppState>,
    WithPage(staff, page): WithPage<StaffScope>,
    query: Result<Query<StaffListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let now = state.clock.now();
    let (lines, order, filter_error) = match selection(&state, &staff, &query, now).await? {
        Ok((institution, filter, after)) => (
            order_list::list_all_institutions(
                &state.db,
                &staff,
                institution,
                &filter,
                after,
                now,
                PAGE_SIZE,
            )
            .await?,
            filter.order(),
            None,
        ),
        Err(key) => (Vec::new(), ListOrder::Newest, Some(key)),
    };
    let next_page = next_page(&lines, PAGE_SIZE, |line| {
        query_string(&query.with_list(query.list.at(line.line.cursor(order))))
    });
    page::render(
        list_status(filter_error),
        &StaffOrdersTemplate {
            page: &page,
            institution: &query.institution,
            view: ListView::new(&query.list, lines.into_iter().map(row).collect(), true),
            filter_error,
            next_page,
            csv_query: query_string(&query.with_list(query.list.filters_only())),
        },
    )
}

/// Every order the filters select, with its institution, as CSV.
pub async fn csv(
    State(state): State<AppState>,
    staff: StaffScope,
    query: Result<Query<StaffListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let now = state.clock.now();
    let Ok((institution, filter, _)) = selection(&state, &staff, &query, now).await? else {
        return Err(AppError::BadForm);
    };
    let order = filter.order();
    let staff = Arc::new(staff);
    Ok(csv_stream(
        "orders-all-institutions.csv",
        orders_csv::header(true),
        move |after| {
            let (pool, staff, filter) = (state.db.clone(), staff.clone(), filter.clone());
            async move {
                let lines = order_list::list_all_institutions(
                    &pool,
                    &staff,
                    institution,
                    &filter,
                    after,
                    now,
                    CSV_BATCH,
                )
                .await?;
                let mut out = String::new();
                for line in &lines {
                    orders_csv::push_line(&mut out, &line.line, Some(&line.institution));
                }
                Ok((out, next_slice(&lines, |line| line.line.cursor(order))))
            }
        },
    ))
}
