//! The institution's orders over the API (`GET /api/v1/institutions/{id}/orders`): the
//! list page's filters, read by the page's own parser ([`ListQuery::filter`]) and run by
//! the page's query ([`order_list::list`]), newest first, in pages of `limit` with an
//! opaque `cursor` to the next one. A keyset cursor, unlike an offset, neither repeats
//! nor skips an order when new ones arrive between pages: they sort before it.
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::bearer::{Bearer, OrdersRead};
use super::openapi::Refusals;
use super::problem::{ApiLang, Problem};
use crate::db::order_list::{self, Cursor, OrderLine};
use crate::domain::{InstitutionId, InvalidFields, OrderId};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::institution::orders_list::{
    ListQuery, PAGE_SIZE, cursor_text, parse_cursor, query_string,
};

/// The most orders one page may hold: a page costs one index walk of this length.
pub const MAX_LIMIT: i64 = 200;

/// The query string: the list page's filters, the cursor and the page size. Every value
/// is read as text here, so that a wrong one is reported with its field rather than as
/// an unreadable query.
#[derive(Debug, Default, Clone, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrdersQuery {
    /// `awaiting_person`, `queued`, `submitted`, `pending_validation`, `issued`,
    /// `rejected`, `canceled`, `revoked` or `failed`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[param(value_type = Option<String>)]
    status: String,
    /// `secure_email_sponsor`, `client_digital_signature_plus`, `client_email_security_plus`
    /// or `client_premium`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[param(value_type = Option<String>)]
    product: String,
    /// One person's address, exactly (any case).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[param(value_type = Option<String>)]
    person: String,
    /// `1`: issued certificates that end within 30 days.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[param(value_type = Option<String>, pattern = "^1$")]
    expiring: String,
    /// A piece of a name or an address, any case.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[param(value_type = Option<String>)]
    q: String,
    /// The `next_cursor` of the previous page; without it, the first page.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[param(value_type = Option<String>)]
    cursor: String,
    /// Orders per page, 1 to 200; 50 without it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    limit: String,
}

impl OrdersQuery {
    /// The page's filters, as the list page's query holds them.
    fn filters(&self) -> ListQuery {
        ListQuery {
            status: self.status.clone(),
            product: self.product.clone(),
            person: self.person.clone(),
            expiring: self.expiring.clone(),
            q: self.q.clone(),
            after: String::new(),
        }
    }

    fn limit(&self) -> Result<i64, &'static str> {
        match self.limit.trim() {
            "" => Ok(PAGE_SIZE),
            limit => limit
                .parse::<i64>()
                .ok()
                .filter(|limit| (1..=MAX_LIMIT).contains(limit))
                .ok_or("api_read.bad_limit"),
        }
    }

    fn cursor(&self) -> Result<Option<Cursor>, &'static str> {
        match self.cursor.trim() {
            "" => Ok(None),
            cursor => URL_SAFE_NO_PAD
                .decode(cursor)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .and_then(|text| parse_cursor(&text))
                .map(Some)
                .ok_or("api_read.bad_cursor"),
        }
    }

    /// This query moved on to the page after `cursor`.
    fn next(&self, cursor: &str) -> Self {
        Self {
            cursor: cursor.to_owned(),
            ..self.clone()
        }
    }
}

/// One order in the list. Times are Unix seconds.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLineView {
    #[schema(value_type = uuid::Uuid)]
    pub id: OrderId,
    pub created_at: i64,
    pub status: &'static str,
    pub product: &'static str,
    pub profile_type: Option<String>,
    pub given_name: String,
    pub surname: String,
    pub emails: Vec<String>,
    pub validity_years: i32,
    pub self_service: bool,
    pub serial_number: Option<String>,
    pub not_after: Option<i64>,
}

impl From<OrderLine> for OrderLineView {
    fn from(line: OrderLine) -> Self {
        Self {
            id: line.id,
            created_at: line.created_at.unix_timestamp(),
            status: line.status.as_str(),
            product: line.product.as_str(),
            profile_type: line.profile_type,
            given_name: line.given_name,
            surname: line.surname,
            emails: line.emails,
            validity_years: line.validity_years,
            self_service: line.self_service,
            serial_number: line.serial_number,
            not_after: line.not_after.map(|at| at.unix_timestamp()),
        }
    }
}

/// One page of orders.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPage {
    pub orders: Vec<OrderLineView>,
    /// The `cursor` of the next page; none on the last page.
    pub next_cursor: Option<String>,
    /// The next page's path and query (the same filters and limit); none on the last page.
    pub next: Option<String>,
}

/// The institution's orders, newest first, filtered as on the orders page.
#[utoipa::path(
    get,
    path = "/api/v1/institutions/{institution_id}/orders",
    operation_id = "list_orders",
    tag = "orders",
    params(
        ("institution_id" = uuid::Uuid, Path, description = "The token's institution"),
        OrdersQuery,
    ),
    responses(
        (status = 200, description = "A page of orders", body = OrderPage),
        (status = 422, description = "A filter, the cursor or the limit is wrong; `errors` says which", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["orders:read"]))
)]
pub async fn list(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    Bearer(scope, _): Bearer<OrdersRead>,
    query: Result<Query<OrdersQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Ok(Query(query)) = query else {
        let mut invalid = InvalidFields::default();
        invalid.add("query", "api_read.bad_query");
        return Ok(Problem::invalid(lang, &invalid).into_response());
    };
    let now = state.clock.now();
    let (filter, mut invalid) = match query.filters().filter(now) {
        Ok(filter) => (Some(filter), InvalidFields::default()),
        Err(invalid) => (None, invalid),
    };
    let after = invalid.check("cursor", query.cursor());
    let limit = invalid.check("limit", query.limit());
    let (Some(filter), Some(after), Some(limit)) = (filter, after, limit) else {
        return Ok(Problem::invalid(lang, &invalid).into_response());
    };
    let lines = order_list::list(&state.db, &scope, &filter, after, now, limit).await?;
    let order = filter.order();
    let next_cursor = (lines.len() as i64 == limit)
        .then(|| lines.last())
        .flatten()
        .map(|last| URL_SAFE_NO_PAD.encode(cursor_text(last.cursor(order))));
    let next = next_cursor.as_deref().map(|cursor| {
        format!(
            "{}?{}",
            path(scope.institution_id()),
            query_string(&query.next(cursor))
        )
    });
    Ok(Json(OrderPage {
        orders: lines.into_iter().map(OrderLineView::from).collect(),
        next_cursor,
        next,
    })
    .into_response())
}

fn path(institution_id: InstitutionId) -> String {
    format!("/api/v1/institutions/{institution_id}/orders")
}
