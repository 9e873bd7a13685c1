//! Every institution's orders for AMRES staff: the admins' filters and search,
//! narrowed to one institution or not, as pages and as CSV.
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::StaffScope;
use crate::db::order_list::{self, Cursor, InstitutionOrderLine, OrderFilter};
use crate::error::AppError;
use crate::web::institution::orders_csv;
use crate::web::institution::orders_list::{
    CSV_BATCH, ListQuery, ListView, PAGE_SIZE, Row, csv_response, list_status, next_page,
    query_string,
};
use crate::web::page::{self, PageContext};

/// The admins' query, plus the institution to narrow to.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct StaffListQuery {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    institution: String,
    #[serde(flatten)]
    list: ListQuery,
}

impl StaffListQuery {
    /// The institution, the filter and the cursor, or what is wrong.
    fn parse(
        &self,
        now: time::OffsetDateTime,
    ) -> Result<(Option<Uuid>, OrderFilter, Option<Cursor>), &'static str> {
        let institution = match self.institution.trim() {
            "" => None,
            text => Some(Uuid::parse_str(text).map_err(|_| "orders.bad_institution")?),
        };
        let (filter, after) = self.list.parse(now)?;
        Ok((institution, filter, after))
    }

    fn with_list(&self, list: ListQuery) -> Self {
        Self {
            institution: self.institution.clone(),
            list,
        }
    }
}

/// One institution in the choice above the list.
struct InstitutionChoice {
    id: Uuid,
    short_name: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "staff/orders.html")]
struct StaffOrdersTemplate<'a> {
    page: &'a PageContext,
    institutions: Vec<InstitutionChoice>,
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
    staff: StaffScope,
    query: Result<Query<StaffListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let now = state.clock.now();
    let (lines, filter_error) = match query.parse(now) {
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
            None,
        ),
        Err(key) => (Vec::new(), Some(key)),
    };
    let next_page = next_page(&lines, PAGE_SIZE, |line| {
        query_string(&query.with_list(query.list.at(line.line.cursor())))
    });
    let institutions = crate::db::institutions::staff_short_names(&state.db, &staff)
        .await?
        .into_iter()
        .map(|(id, short_name)| InstitutionChoice {
            selected: query.institution.trim() == id.to_string(),
            id,
            short_name,
        })
        .collect();
    page::render(
        list_status(filter_error),
        &StaffOrdersTemplate {
            page: staff.page(),
            institutions,
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
    let Ok((institution, filter, _)) = query.parse(now) else {
        return Err(AppError::BadForm);
    };
    let mut out = orders_csv::header(true);
    let mut after = None;
    loop {
        let lines = order_list::list_all_institutions(
            &state.db,
            &staff,
            institution,
            &filter,
            after,
            now,
            CSV_BATCH,
        )
        .await?;
        for line in &lines {
            orders_csv::push_line(&mut out, &line.line, Some(&line.institution));
        }
        match lines.last() {
            Some(last) if lines.len() as i64 == CSV_BATCH => after = Some(last.line.cursor()),
            _ => break,
        }
    }
    Ok(csv_response("orders-all-institutions.csv", out))
}
