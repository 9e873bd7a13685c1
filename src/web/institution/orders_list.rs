//! The institution's orders: filters, search, keyset pages, and the same
//! selection as CSV.
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::{InstitutionScope, Read};
use crate::db::order_list::{self, Cursor, OrderFilter, OrderLine};
use crate::error::AppError;
use crate::services::ordering::status;
use crate::web::format;
use crate::web::institution::InstitutionNav;
use crate::web::institution::orders_csv;
use crate::web::institution::products::{self, ProductText};
use crate::web::page::{self, PageContext};

const PAGE_SIZE: i64 = 50;
/// The CSV is read in slices of this many rows, each as cheap as a page.
const CSV_BATCH: i64 = 1000;
/// "Expiring soon": the certificate ends within this many days.
const EXPIRING_DAYS: i64 = 30;

/// Every status an order can have, in lifecycle order, for the filter.
pub const STATUSES: [&str; 9] = [
    status::AWAITING_PERSON,
    status::QUEUED,
    status::SUBMITTED,
    status::PENDING_VALIDATION,
    status::ISSUED,
    status::REJECTED,
    status::CANCELED,
    status::FAILED,
    status::REVOKED,
];

/// An order status in words.
pub fn status_key(status: &str) -> &'static str {
    match status {
        "awaiting_person" => "order.status.awaiting_person",
        "queued" => "order.status.queued",
        "submitted" => "order.status.submitted",
        "pending_validation" => "order.status.pending_validation",
        "issued" => "order.status.issued",
        "rejected" => "order.status.rejected",
        "canceled" => "order.status.canceled",
        "failed" => "order.status.failed",
        "revoked" => "order.status.revoked",
        _ => "order.status.unknown",
    }
}

/// The query string as typed; bad values get a message, not an error page.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct ListQuery {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub product: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub person: String,
    /// `1` for certificates that end within 30 days.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub expiring: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub q: String,
    /// Where the previous page ended: `<unix nanoseconds>.<order id>`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub after: String,
}

impl ListQuery {
    /// The filter and the cursor, or the catalogue key of what is wrong.
    fn parse(&self, now: OffsetDateTime) -> Result<(OrderFilter, Option<Cursor>), &'static str> {
        let text = |value: &str| {
            let value = value.trim();
            (!value.is_empty()).then(|| value.chars().take(200).collect::<String>())
        };
        let status = text(&self.status);
        if status.as_deref().is_some_and(|s| !STATUSES.contains(&s)) {
            return Err("orders.bad_status");
        }
        let product = text(&self.product);
        if product
            .as_deref()
            .is_some_and(|p| !products::orderable().iter().any(|known| known.id == p))
        {
            return Err("orders.bad_product");
        }
        let expiring_before = match self.expiring.as_str() {
            "" => None,
            "1" => Some(now + Duration::days(EXPIRING_DAYS)),
            _ => return Err("orders.bad_expiring"),
        };
        let after = match text(&self.after) {
            None => None,
            Some(after) => Some(parse_cursor(&after).ok_or("orders.bad_cursor")?),
        };
        Ok((
            OrderFilter {
                status,
                product,
                person: text(&self.person),
                expiring_before,
                search: text(&self.q),
            },
            after,
        ))
    }

    /// This query with the cursor moved to `cursor`, as a query string.
    fn next(&self, cursor: Cursor) -> String {
        let next = Self {
            after: format!("{}.{}", cursor.created_at.unix_timestamp_nanos(), cursor.id),
            ..self.clone()
        };
        serde_urlencoded::to_string(&next).unwrap_or_default()
    }

    /// The filters without the cursor, for the CSV link.
    fn filters_only(&self) -> String {
        let filters = Self {
            after: String::new(),
            ..self.clone()
        };
        serde_urlencoded::to_string(&filters).unwrap_or_default()
    }
}

fn parse_cursor(text: &str) -> Option<Cursor> {
    let (nanos, id) = text.split_once('.')?;
    let created_at = OffsetDateTime::from_unix_timestamp_nanos(nanos.parse().ok()?).ok()?;
    Some(Cursor {
        created_at,
        id: Uuid::parse_str(id).ok()?,
    })
}

/// One row as the page shows it.
pub struct Row {
    pub line: OrderLine,
    pub created: String,
    pub not_after: String,
    pub product_key: &'static str,
    pub status_key: &'static str,
}

impl From<OrderLine> for Row {
    fn from(line: OrderLine) -> Self {
        Self {
            created: format::datetime(line.created_at),
            not_after: format::optional_date(line.not_after),
            product_key: products::title_key(&line.product),
            status_key: status_key(&line.status),
            line,
        }
    }
}

#[derive(Template)]
#[template(path = "institution/orders.html")]
struct ListTemplate<'a> {
    page: &'a PageContext,
    nav: InstitutionNav,
    query: &'a ListQuery,
    statuses: [&'static str; 9],
    products: Vec<ProductText>,
    rows: Vec<Row>,
    filter_error: Option<&'static str>,
    next_page: Option<String>,
    csv_query: String,
}

impl ListTemplate<'_> {
    fn status_label(&self, status: &str) -> &'static str {
        self.page.t(status_key(status))
    }
}

pub async fn list(
    State(state): State<AppState>,
    scope: InstitutionScope<Read>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let now = state.clock.now();
    let (lines, filter_error) = match query.parse(now) {
        Ok((filter, after)) => (
            order_list::list(&state.db, &scope, &filter, after, now, PAGE_SIZE).await?,
            None,
        ),
        Err(key) => (Vec::new(), Some(key)),
    };
    let next_page = (lines.len() as i64 == PAGE_SIZE)
        .then(|| lines.last().map(|line| query.next(line.cursor())))
        .flatten();
    let page = &scope.current.page;
    page::render(
        if filter_error.is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        },
        &ListTemplate {
            page,
            nav: InstitutionNav::new(&scope, page.lang),
            query: &query,
            statuses: STATUSES,
            products: products::orderable(),
            rows: lines.into_iter().map(Row::from).collect(),
            filter_error,
            next_page,
            csv_query: query.filters_only(),
        },
    )
}

/// Every order the filters select, as CSV, newest first.
pub async fn csv(
    State(state): State<AppState>,
    scope: InstitutionScope<Read>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let now = state.clock.now();
    let Ok((filter, _)) = query.parse(now) else {
        return Err(AppError::BadForm);
    };
    let mut out = orders_csv::header();
    let mut after = None;
    loop {
        let lines = order_list::list(&state.db, &scope, &filter, after, now, CSV_BATCH).await?;
        for line in &lines {
            orders_csv::push_line(&mut out, line);
        }
        match lines.last() {
            Some(last) if lines.len() as i64 == CSV_BATCH => after = Some(last.cursor()),
            _ => break,
        }
    }
    let filename = format!(
        "attachment; filename=\"orders-{}.csv\"",
        scope.institution_id()
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, filename),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        out,
    )
        .into_response())
}
