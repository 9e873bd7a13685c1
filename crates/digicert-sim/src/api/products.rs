//! `GET /product`, `GET /product/{name_id}`.

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::{ApiKey, Shared};
use crate::error::{ApiError, ApiResult};
use crate::products::{self, PRODUCTS};

pub(super) async fn list(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
) -> ApiResult<Json<Value>> {
    let container = container_of(&sandbox, &key).await?;
    let list: Vec<Value> = PRODUCTS.iter().map(|p| p.summary_json(container)).collect();
    Ok(Json(json!({ "products": list })))
}

pub(super) async fn info(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(name_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let product = products::find(&name_id).ok_or_else(|| ApiError::not_found("product"))?;
    let container = container_of(&sandbox, &key).await?;
    Ok(Json(product.detail_json(container)))
}

async fn container_of(sandbox: &Shared, key: &str) -> ApiResult<u64> {
    sandbox
        .read(|state, _| state.account(key).map(|a| a.container.id))
        .await
        .ok_or_else(ApiError::invalid_key)
}
