//! The institution's orders: filters, search, keyset pages, and the same
//! selection as CSV.
use std::future::Future;
use std::sync::Arc;

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt, stream};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::auth::{InstitutionScope, Read};
use crate::db::order_list::{self, Cursor, ListOrder, OrderFilter, OrderLine};
use crate::domain::{InstitutionId, InvalidFields, OrderSearch, OrderStatus, Product};
use crate::error::AppError;
use crate::i18n::format;
use crate::services::products::{self, ProductText};
use crate::state::AppState;
use crate::web::institution::InstitutionNav;
use crate::web::institution::orders_csv;
use crate::web::page::{self, PageContext, WithPage};

pub const PAGE_SIZE: i64 = 50;
/// The CSV is read in slices of this many rows, each as cheap as a page.
pub const CSV_BATCH: i64 = 1000;
/// "Expiring soon": the certificate ends within this many days.
const EXPIRING_DAYS: i64 = 30;

/// A stored order status in words.
pub fn status_key(status: &str) -> &'static str {
    OrderStatus::parse(status).map_or("order.status.unknown", OrderStatus::message_key)
}

/// The query string as typed; bad values get a message, not an error page. So status and
/// product stay text here (the form shows them back as typed) and become `OrderStatus` and
/// `Product` in [`ListQuery::parse`].
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
    /// The filters, each wrong one keyed by its parameter: the one reading of the list's
    /// filters, for the list pages and the API alike.
    pub fn filter(&self, now: OffsetDateTime) -> Result<OrderFilter, InvalidFields> {
        let mut invalid = InvalidFields::default();
        let status = invalid
            .check(
                "status",
                text(&self.status)
                    .map(|status| OrderStatus::parse(&status).ok_or("orders.bad_status"))
                    .transpose(),
            )
            .flatten();
        let product = invalid
            .check(
                "product",
                text(&self.product)
                    .map(|product| Product::parse(&product).map_err(|_| "orders.bad_product"))
                    .transpose(),
            )
            .flatten();
        let expiring_before = invalid
            .check(
                "expiring",
                match self.expiring.as_str() {
                    "" => Ok(None),
                    "1" => Ok(Some(now + Duration::days(EXPIRING_DAYS))),
                    _ => Err("orders.bad_expiring"),
                },
            )
            .flatten();
        if !invalid.is_empty() {
            return Err(invalid);
        }
        Ok(OrderFilter {
            status,
            product,
            person: text(&self.person),
            expiring_before,
            search: OrderSearch::parse(&self.q),
        })
    }

    /// The filter and the cursor, or the catalogue key of what is wrong (a page shows
    /// one message).
    pub fn parse(
        &self,
        now: OffsetDateTime,
    ) -> Result<(OrderFilter, Option<Cursor>), &'static str> {
        let filter = self.filter(now).map_err(|invalid| {
            invalid
                .iter()
                .next()
                .map_or("orders.bad_status", |(_, key)| key)
        })?;
        let after = match text(&self.after) {
            None => None,
            Some(after) => Some(parse_cursor(&after).ok_or("orders.bad_cursor")?),
        };
        Ok((filter, after))
    }

    /// This query with the cursor moved to `cursor`.
    #[must_use]
    pub fn at(&self, cursor: Cursor) -> Self {
        Self {
            after: cursor_text(cursor),
            ..self.clone()
        }
    }

    /// The filters without the cursor, for the CSV link.
    #[must_use]
    pub fn filters_only(&self) -> Self {
        Self {
            after: String::new(),
            ..self.clone()
        }
    }
}

/// `query` as a query string.
pub fn query_string(query: &impl Serialize) -> String {
    serde_urlencoded::to_string(query).unwrap_or_default()
}

/// The next page's query string when `lines` filled a page.
pub fn next_page<T>(lines: &[T], page_size: i64, at: impl Fn(&T) -> String) -> Option<String> {
    (lines.len() as i64 == page_size)
        .then(|| lines.last().map(at))
        .flatten()
}

/// A filter value as typed, trimmed and cut to a sane length; `None` when empty.
fn text(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.chars().take(200).collect())
}

/// Where a page ended, as the next page's link carries it: `<unix nanoseconds>.<order id>`.
pub fn cursor_text(cursor: Cursor) -> String {
    format!("{}.{}", cursor.at.unix_timestamp_nanos(), cursor.id)
}

/// The cursor [`cursor_text`] wrote, or `None` for anything else.
pub fn parse_cursor(text: &str) -> Option<Cursor> {
    let (nanos, id) = text.split_once('.')?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(nanos.parse().ok()?).ok()?;
    Some(Cursor {
        at,
        id: id.parse().ok()?,
    })
}

/// One row as a list page shows it.
pub struct Row {
    pub line: OrderLine,
    /// The order's page.
    pub href: String,
    /// The institution's short name, in lists that span institutions.
    pub institution: Option<String>,
    pub created: String,
    pub not_after: String,
    pub product: ProductText,
    pub status_key: &'static str,
}

impl Row {
    pub fn new(
        line: OrderLine,
        institution_id: InstitutionId,
        institution: Option<String>,
    ) -> Self {
        Self {
            href: format!("/institutions/{institution_id}/orders/{}", line.id),
            institution,
            created: format::datetime(line.created_at),
            not_after: format::optional_date(line.not_after),
            product: products::of_order(line.product, line.profile_type.as_deref()),
            status_key: line.status.message_key(),
            line,
        }
    }
}

/// The filter form's choices and the rows: what both list pages show alike.
pub struct ListView<'a> {
    pub query: &'a ListQuery,
    pub statuses: [&'static str; 9],
    pub products: Vec<ProductText>,
    pub rows: Vec<Row>,
    pub show_institution: bool,
}

impl<'a> ListView<'a> {
    pub fn new(query: &'a ListQuery, rows: Vec<Row>, show_institution: bool) -> Self {
        Self {
            query,
            statuses: OrderStatus::ALL.map(OrderStatus::as_str),
            products: products::orderable(),
            rows,
            show_institution,
        }
    }

    pub fn status_label(&self, page: &PageContext, status: &str) -> &'static str {
        page.t(status_key(status))
    }
}

/// 400 for filters that do not parse (the page says which), 200 otherwise.
pub fn list_status(filter_error: Option<&'static str>) -> StatusCode {
    if filter_error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

/// A CSV download that no cache keeps.
pub fn csv_response(filename: &str, body: impl Into<Body>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body.into(),
    )
        .into_response()
}

/// A CSV of orders sent while it is read: `header`, then each slice of [`CSV_BATCH`]
/// rows that `batch` reads after the cursor (returning the slice's text and, when the
/// slice was full, where the next one starts). Only one slice is ever in memory, so a
/// national export of a million orders costs what one slice does.
pub fn csv_stream<F, Fut>(filename: &str, header: String, batch: F) -> Response
where
    F: Fn(Option<Cursor>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = sqlx::Result<(String, Option<Cursor>)>> + Send + 'static,
{
    let batch = Arc::new(batch);
    // The state: `Some(after)` while slices remain (`after` is `None` before the first).
    let slices = stream::unfold(Some(None), move |state: Option<Option<Cursor>>| {
        let batch = batch.clone();
        async move {
            let after = state?;
            Some(match batch(after).await {
                Ok((text, next)) => (Ok(Bytes::from(text)), next.map(Some)),
                Err(error) => {
                    // The answer has begun; all that is left is to cut it short.
                    tracing::error!(error = %error, "the CSV export stopped");
                    (Err(error), None)
                }
            })
        }
    });
    let body = stream::once(async move { Ok(Bytes::from(header)) }).chain(slices);
    csv_response(filename, Body::from_stream(body))
}

/// Where the slice after `lines` starts, if `lines` was a full slice.
pub fn next_slice<T>(lines: &[T], cursor: impl Fn(&T) -> Cursor) -> Option<Cursor> {
    match lines.last() {
        Some(last) if lines.len() as i64 == CSV_BATCH => Some(cursor(last)),
        _ => None,
    }
}

#[derive(Template)]
#[template(path = "institution/orders.html")]
struct ListTemplate<'a> {
    page: &'a PageContext,
    nav: InstitutionNav,
    view: ListView<'a>,
    filter_error: Option<&'static str>,
    next_page: Option<String>,
    csv_query: String,
}

pub async fn list(
    State(state): State<AppState>,
    WithPage(scope, page): WithPage<InstitutionScope<Read>>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let now = state.clock.now();
    let (lines, order, filter_error) = match query.parse(now) {
        Ok((filter, after)) => (
            order_list::list(&state.db, &scope, &filter, after, now, PAGE_SIZE).await?,
            filter.order(),
            None,
        ),
        Err(key) => (Vec::new(), ListOrder::Newest, Some(key)),
    };
    let next_page = next_page(&lines, PAGE_SIZE, |line| {
        query_string(&query.at(line.cursor(order)))
    });
    let institution_id = scope.institution_id();
    let rows = lines
        .into_iter()
        .map(|line| Row::new(line, institution_id, None))
        .collect();
    page::render(
        list_status(filter_error),
        &ListTemplate {
            page: &page,
            nav: InstitutionNav::new(&scope, page.lang),
            view: ListView::new(&query, rows, false),
            filter_error,
            next_page,
            csv_query: query_string(&query.filters_only()),
        },
    )
}

/// Every order the filters select, as CSV, in the list's order, streamed.
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
    let filename = format!("orders-{}.csv", scope.institution_id());
    let order = filter.order();
    let scope = Arc::new(scope);
    Ok(csv_stream(
        &filename,
        orders_csv::header(false),
        move |after| {
            let (pool, scope, filter) = (state.db.clone(), scope.clone(), filter.clone());
            async move {
                let lines = order_list::list(&pool, &scope, &filter, after, now, CSV_BATCH).await?;
                let mut out = String::new();
                for line in &lines {
                    orders_csv::push_line(&mut out, line, None);
                }
                Ok((out, next_slice(&lines, |line| line.cursor(order))))
            }
        },
    ))
}
