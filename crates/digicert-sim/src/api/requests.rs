//! The approval queue: `GET /request`, `GET /request/{id}`, `PUT /request/{id}/status`.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;

use super::views::{list_response, request_json};
use super::{ApiJson, ApiKey, Params, Shared, no_content, parse_id};
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::{self, split};

pub(super) async fn list(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    params: Params,
) -> ApiResult<Json<Value>> {
    let (limit, offset) = params.page()?;
    let status = params.filter("status").map(str::to_string);
    let kind = params.filter("type").map(str::to_string);
    let search = params
        .filter("search")
        .map(|s| s.trim_start_matches('%').to_ascii_lowercase());
    sandbox
        .read(|state, _| {
            let account = state.account(&key).ok_or_else(ApiError::invalid_key)?;
            let items = account
                .requests
                .iter()
                .rev()
                .filter(|r| status.as_deref().is_none_or(|s| s == r.status.as_str()))
                .filter(|r| kind.as_deref().is_none_or(|k| k == r.kind.as_str()))
                .filter(|r| {
                    search.as_deref().is_none_or(|s| {
                        account
                            .order(r.order_id)
                            .is_some_and(|o| o.common_name.to_ascii_lowercase().contains(s))
                    })
                })
                .map(|r| request_json(account, r, false))
                .collect();
            Ok(Json(list_response("requests", items, limit, offset)))
        })
        .await
}

pub(super) async fn info(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id = parse_id(&id, "request")?;
    sandbox
        .read(|state, _| {
            let account = state.account(&key).ok_or_else(ApiError::invalid_key)?;
            let request = account
                .request(id)
                .ok_or_else(|| ApiError::not_found("request"))?;
            Ok(Json(request_json(account, request, true)))
        })
        .await
}

#[derive(Debug, Deserialize)]
pub(super) struct StatusBody {
    status: Option<String>,
    processor_comment: Option<String>,
}

pub(super) async fn update_status(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StatusBody>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "request")?;
    let approve = match body.status.as_deref() {
        Some("approved") => true,
        Some("rejected") => false,
        Some(other) => {
            return Err(ApiError::invalid(
                "status",
                format!("{other} is not one of approved, rejected."),
            ));
        }
        None => return Err(ApiError::required("status")),
    };
    sandbox
        .write(|state, ca, now| {
            let (account, ids) = split(state, &key)?;
            lifecycle::decide_request(account, ids, ca, now, id, approve, body.processor_comment)
        })
        .await?;
    Ok(no_content())
}
