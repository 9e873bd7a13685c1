//! `GET /user/me`, `GET /user`, `GET /account`: the connection test endpoints.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::views::list_response;
use super::{ApiKey, Params, Shared};
use crate::error::{ApiError, ApiResult};
use crate::state::Account;

fn user_json(account: &Account) -> Value {
    let (role_id, role_name) = account.access_role.id_and_name();
    json!({
        "id": account.user.id,
        "username": account.user.email,
        "account_id": account.id,
        "first_name": account.user.first_name,
        "last_name": account.user.last_name,
        "email": account.user.email,
        "status": "active",
        "container": {
            "id": account.container.id,
            "public_id": format!("sandbox{:024}", account.container.id),
            "name": account.container.name,
            "parent_id": 0,
            "template_id": 5,
            "ekey": format!("sbx{:025}", account.id),
            "has_logo": false,
            "is_active": true
        },
        "access_roles": [{"id": role_id, "name": role_name}],
        "type": "standard",
        "has_container_assignments": false
    })
}

pub(super) async fn me(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
) -> ApiResult<Json<Value>> {
    sandbox
        .read(|state, _| state.account(&key).map(user_json))
        .await
        .map(Json)
        .ok_or_else(ApiError::invalid_key)
}

pub(super) async fn users(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    params: Params,
) -> ApiResult<Json<Value>> {
    let (limit, offset) = params.page()?;
    let users = sandbox
        .read(|state, _| state.account(&key).map(|a| vec![user_json(a)]))
        .await
        .ok_or_else(ApiError::invalid_key)?;
    Ok(Json(list_response("users", users, limit, offset)))
}

pub(super) async fn account(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
) -> ApiResult<Json<Value>> {
    sandbox
        .read(|state, _| {
            state.account(&key).map(|a| {
                let primary = a.organizations.first();
                json!({
                    "id": a.id,
                    "primary_organization_id": primary.map_or(0, |o| o.id),
                    "primary_organization_name": primary.map_or(a.name.clone(), |o| o.name.clone()),
                    "primary_organization_country": primary.map_or("rs".to_string(), |o| o.country.clone()),
                    "make_renewal_calls": true,
                    "express_install_enabled": false,
                    "display_rep": true,
                    "rep_photo_id": 0,
                    "balance_negative_limit": 0,
                    "root_container_id": a.container.id,
                    "cert_transparency": "embed",
                    "cert_central_type": "retail",
                    "billing_account_id": a.id,
                    "billing_account_name": a.name,
                    "language_id": 1,
                    "migrated": false,
                    "has_auth_key": false,
                    "client_mgr_photo_id": 0,
                    "ent_support_plan": "1",
                    "default_country": primary.map_or("rs".to_string(), |o| o.country.clone())
                })
            })
        })
        .await
        .map(Json)
        .ok_or_else(ApiError::invalid_key)
}
