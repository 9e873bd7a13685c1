//! Orders: place, info, list (with the filters reconciliation needs), status changes, email
//! validation, cancel, revoke, reissue.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::views::{
    insert_list, list_response, order_created, order_info, order_list_item, revoke_request_created,
    ymd,
};
use super::{ApiJson, ApiKey, Params, Shared, created, dropped_connection, no_content, parse_id};
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::{self, split};
use crate::ordering::{self, NewOrderBody};
use crate::products;
use crate::state::{Account, Order};

/// `POST /order/certificate/{product}`.
pub(super) async fn create(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(product): Path<String>,
    ApiJson(body): ApiJson<NewOrderBody>,
) -> ApiResult<Response> {
    let product = products::find(&product).ok_or_else(|| ApiError::not_found("product"))?;
    let answer = sandbox
        .write(|state, ca, now| {
            let (account, ids) = split(state, &key)?;
            let accepted = ordering::accept(account, product, body, now)?;
            let id = lifecycle::place(account, ids, ca, now, accepted)?;
            let order = account
                .order(id)
                .ok_or_else(|| ApiError::not_found("order"))?;
            Ok(order_created(account, order, &order.request_ids, ca, true))
        })
        .await?;
    if sandbox.faults.take_drop_after_order() {
        return Ok(dropped_connection());
    }
    Ok(created(answer))
}

/// `GET /order/certificate/{id}`: by order id, or by the certificate's serial or thumbprint.
pub(super) async fn info(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    sandbox
        .read(|state, now| {
            let account = state.account(&key).ok_or_else(ApiError::invalid_key)?;
            let order = find_order(account, &id).ok_or_else(|| ApiError::not_found("order"))?;
            Ok(Json(order_info(account, order, now)))
        })
        .await
}

fn find_order<'a>(account: &'a Account, key: &str) -> Option<&'a Order> {
    if let Ok(id) = key.parse::<u64>()
        && let Some(order) = account.order(id)
    {
        return Some(order);
    }
    let cert = account.certificates.iter().find(|c| {
        c.serial_hex.eq_ignore_ascii_case(key) || c.thumbprint.eq_ignore_ascii_case(key)
    })?;
    account.order(cert.order_id)
}

pub(super) async fn list(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    params: Params,
) -> ApiResult<Json<Value>> {
    let (limit, offset) = params.page()?;
    sandbox
        .read(|state, now| {
            let account = state.account(&key).ok_or_else(ApiError::invalid_key)?;
            let mut orders: Vec<&Order> = account
                .orders
                .iter()
                .filter(|o| matches_filters(account, o, &params, now))
                .collect();
            sort_orders(&mut orders, params.get("sort"));
            let items = orders
                .iter()
                .map(|o| order_list_item(account, o, now))
                .collect();
            Ok(Json(list_response("orders", items, limit, offset)))
        })
        .await
}

/// `GET /order/certificate/status-changes?filters[status_last_updated]=A...B`: the orders whose
/// status changed between A and B (`YYYY-MM-DD HH:MM:SS`, UTC, whole seconds, both included).
pub(super) async fn status_changes(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    params: Params,
) -> ApiResult<Json<Value>> {
    let range = params
        .filter("status_last_updated")
        .ok_or_else(|| ApiError::required("filters[status_last_updated]"))?;
    let (from, to) = range
        .split_once("...")
        .and_then(|(from, to)| Some((filter_instant(from)?, filter_instant(to)?)))
        .ok_or_else(|| {
            ApiError::invalid(
                "filters[status_last_updated]",
                "Use YYYY-MM-DD HH:MM:SS...YYYY-MM-DD HH:MM:SS.",
            )
        })?;
    // B names a whole second: everything before the next one is in.
    let until = to + time::Duration::SECOND;
    sandbox
        .read(|state, now| {
            let account = state.account(&key).ok_or_else(ApiError::invalid_key)?;
            let changed = account
                .orders
                .iter()
                .filter(|o| (from..until).contains(&o.status_last_updated()))
                .map(|o| {
                    json!({
                        "order_id": o.id,
                        "certificate_id": o.certificate_id,
                        "status": lifecycle::effective_status(account, o, now),
                    })
                })
                .collect();
            let mut body = serde_json::Map::new();
            insert_list(&mut body, "orders", changed);
            Ok(Json(Value::Object(body)))
        })
        .await
}

fn filter_instant(text: &str) -> Option<time::OffsetDateTime> {
    let layout = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(text.trim(), layout)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

fn contains(haystack: &str, needle: &str) -> bool {
    haystack
        .to_ascii_lowercase()
        .contains(&needle.to_ascii_lowercase())
}

/// A `filters[name]` and the test an order must pass when the filter is given.
type FilterCheck<'a> = (&'a str, &'a dyn Fn(&str) -> bool);

fn matches_filters(
    account: &Account,
    order: &Order,
    params: &Params,
    now: time::OffsetDateTime,
) -> bool {
    let status = lifecycle::effective_status(account, order, now);
    let cert = order.certificate_id.and_then(|id| account.certificate(id));
    let checks: [FilterCheck<'_>; 11] = [
        ("id", &|v| v == order.id.to_string()),
        // DigiCert: `issued` also matches expired orders.
        ("status", &|v| {
            v == status || (v == "issued" && status == "expired")
        }),
        ("product_name_id", &|v| v == order.product),
        ("organization_id", &|v| {
            order.organization_id.is_some_and(|id| v == id.to_string())
        }),
        ("container_id", &|v| v == order.container_id.to_string()),
        ("common_name", &|v| {
            contains(&order.common_name, v.trim_start_matches('%'))
        }),
        ("email", &|v| {
            order
                .emails
                .iter()
                .any(|e| contains(&e.email, v.trim_start_matches('%')))
        }),
        ("certificate_id", &|v| {
            order.certificate_id.is_some_and(|id| v == id.to_string())
        }),
        ("serial_number", &|v| {
            cert.is_some_and(|c| c.serial_hex.eq_ignore_ascii_case(v))
        }),
        ("valid_till", &|v| {
            cert.is_some_and(|c| date_filter(v, &ymd(c.not_after.date())))
        }),
        ("search", &|v| {
            // `%` (sent as %25) means "contains"; we treat every search as contains.
            let needle = v.trim_start_matches('%');
            order.id.to_string() == needle
                || contains(&order.common_name, needle)
                || order
                    .comments
                    .as_deref()
                    .is_some_and(|c| contains(c, needle))
                || order.emails.iter().any(|e| contains(&e.email, needle))
        }),
    ];
    checks
        .iter()
        .all(|(name, check)| params.filter(name).is_none_or(check))
}

/// `>YYYY-MM-DD`, `<YYYY-MM-DD`, `A...B` or an exact date (ISO dates compare as strings).
fn date_filter(filter: &str, date: &str) -> bool {
    if let Some(after) = filter.strip_prefix('>') {
        date > after
    } else if let Some(before) = filter.strip_prefix('<') {
        date < before
    } else if let Some((from, to)) = filter.split_once("...") {
        date >= from && date <= to
    } else {
        date == filter
    }
}

fn sort_orders(orders: &mut [&Order], sort: Option<&str>) {
    match sort.unwrap_or("-date_created") {
        "id" | "date_created" => orders.sort_by_key(|o| (o.date_created, o.id)),
        _ => orders.sort_by_key(|o| std::cmp::Reverse((o.date_created, o.id))),
    }
}

pub(super) async fn email_validation(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id = parse_id(&id, "order")?;
    sandbox
        .read(|state, _| {
            let account = state.account(&key).ok_or_else(ApiError::invalid_key)?;
            let order = account
                .order(id)
                .ok_or_else(|| ApiError::not_found("order"))?;
            let emails: Vec<Value> = order
                .emails
                .iter()
                .map(|e| {
                    json!({
                        "email": e.email,
                        "status": if e.validated { "validated" } else { "unvalidated" },
                        "date_emailed": ymd(e.date_emailed)
                    })
                })
                .collect();
            Ok(Json(
                json!({"delivery_options": ["api", "browser"], "emails": emails}),
            ))
        })
        .await
}

#[derive(Debug, Deserialize)]
pub(super) struct StatusBody {
    status: Option<String>,
    note: Option<String>,
}

/// `PUT /order/certificate/{id}/status`: only cancellation is supported for client orders.
pub(super) async fn update_status(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StatusBody>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "order")?;
    let status = body.status.ok_or_else(|| ApiError::required("status"))?;
    // Current docs use `canceled`; older clients send `CANCELED`.
    if !status.eq_ignore_ascii_case("canceled") {
        return Err(ApiError::invalid(
            "status",
            format!("{status} is not a status you can set; use canceled."),
        ));
    }
    let note = body
        .note
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::required("note"))?;
    sandbox
        .write(|state, _, now| {
            let (account, _) = split(state, &key)?;
            lifecycle::cancel(account, id, note, now)
        })
        .await?;
    Ok(no_content())
}

#[derive(Debug, Deserialize)]
pub(super) struct RevokeBody {
    comments: Option<String>,
    comment: Option<String>,
    revocation_reason: Option<String>,
    skip_approval: Option<bool>,
}

impl RevokeBody {
    pub(super) fn comments(&self) -> String {
        self.comments
            .clone()
            .or_else(|| self.comment.clone())
            .unwrap_or_default()
    }
}

/// Revokes every certificate of the order: 204 with `skip_approval`, else 201 with the request.
pub(super) async fn revoke(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RevokeBody>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "order")?;
    revoke_common(&sandbox, &key, RevokeTarget::Order(id), body).await
}

pub(super) enum RevokeTarget {
    Order(u64),
    Certificate(String),
}

pub(super) async fn revoke_common(
    sandbox: &Shared,
    key: &str,
    target: RevokeTarget,
    body: RevokeBody,
) -> ApiResult<Response> {
    let reason = lifecycle::parse_reason(body.revocation_reason.as_deref());
    let comments = body.comments();
    let skip = body.skip_approval.unwrap_or(false);
    let answer = sandbox
        .write(|state, _, now| {
            let (account, ids) = split(state, key)?;
            let (order_id, certificate_id) = match &target {
                RevokeTarget::Order(id) => (*id, None),
                RevokeTarget::Certificate(raw) => lifecycle::order_of_certificate(account, raw)?,
            };
            let ask = lifecycle::RevocationAsk {
                order_id,
                certificate_id,
                reason,
                comments,
                skip_approval: skip,
            };
            let request = lifecycle::request_revocation(account, ids, now, ask)?;
            Ok(request.map(|r| revoke_request_created(account, &r)))
        })
        .await?;
    Ok(match answer {
        Some(body) => created(body),
        None => no_content(),
    })
}

#[derive(Debug, Deserialize)]
pub(super) struct ReissueBody {
    certificate: Option<ReissueCertificate>,
    skip_approval: Option<bool>,
    comments: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ReissueCertificate {
    csr: Option<String>,
}

/// `POST /order/certificate/{id}/reissue`: 201 with the new request, and the new certificate
/// when it was issued at once.
pub(super) async fn reissue(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReissueBody>,
) -> ApiResult<Response> {
    let order_id = parse_id(&id, "order")?;
    let csr = body
        .certificate
        .and_then(|c| c.csr)
        .filter(|c| !c.trim().is_empty())
        .map(|c| ordering::smime_csr(&c))
        .transpose()?;
    let answer = sandbox
        .write(|state, ca, now| {
            let (account, ids) = split(state, &key)?;
            let order = account
                .order(order_id)
                .ok_or_else(|| ApiError::not_found("order"))?;
            if csr.is_none() && lifecycle::product_of(order)?.csr_required {
                return Err(ApiError::required("certificate.csr"));
            }
            let ask = lifecycle::ReissueAsk {
                order_id,
                csr,
                comments: body.comments.unwrap_or_default(),
                skip_approval: body.skip_approval.unwrap_or(false),
            };
            let before = account.order(order_id).and_then(|o| o.certificate_id);
            let request = lifecycle::request_reissue(account, ids, ca, now, ask)?;
            let order = account
                .order(order_id)
                .ok_or_else(|| ApiError::not_found("order"))?;
            let reissued = order.certificate_id != before;
            Ok(order_created(account, order, &[request], ca, reissued))
        })
        .await?;
    Ok(created(answer))
}
