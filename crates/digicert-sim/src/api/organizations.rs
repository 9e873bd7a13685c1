//! Organizations: list, info, create, validation list and submission.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::views::{insert_list, list_response, organization_json, organization_validations};
use super::{ApiJson, ApiKey, Params, Shared, created, no_content, parse_id};
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::split;
use crate::seed::{self, OrganizationSeed, ValidationSeed};
use crate::state::{Validation, ValidationState};

pub(super) async fn list(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    params: Params,
) -> ApiResult<Json<Value>> {
    let (limit, offset) = params.page()?;
    let with_validations = params.flag("include_validation");
    let status = params.filter("status").map(str::to_string);
    let items = sandbox
        .read(|state, now| {
            state.account(&key).map(|a| {
                a.organizations
                    .iter()
                    .filter(|_| status.as_deref().is_none_or(|s| s == "active"))
                    .map(|o| organization_json(a, o, now, with_validations))
                    .collect::<Vec<_>>()
            })
        })
        .await
        .ok_or_else(ApiError::invalid_key)?;
    Ok(Json(list_response("organizations", items, limit, offset)))
}

pub(super) async fn info(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id = parse_id(&id, "organization")?;
    sandbox
        .read(|state, now| {
            let account = state.account(&key).ok_or_else(ApiError::invalid_key)?;
            let org = account
                .organization(id)
                .ok_or_else(|| ApiError::not_found("organization"))?;
            Ok(Json(organization_json(account, org, now, true)))
        })
        .await
}

pub(super) async fn validations(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id = parse_id(&id, "organization")?;
    sandbox
        .read(|state, now| {
            let account = state.account(&key).ok_or_else(ApiError::invalid_key)?;
            let org = account
                .organization(id)
                .ok_or_else(|| ApiError::not_found("organization"))?;
            let mut map = Map::new();
            insert_list(&mut map, "validations", organization_validations(org, now));
            Ok(Json(Value::Object(map)))
        })
        .await
}

#[derive(Debug, Deserialize)]
pub(super) struct SubmitBody {
    validations: Option<Vec<TypeRef>>,
}

#[derive(Debug, Deserialize)]
pub(super) struct TypeRef {
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// Submitting `smime` puts a never-validated or expired organization into `pending`; the
/// control API then plays the validation team.
pub(super) async fn submit_validation(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SubmitBody>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "organization")?;
    let types = body.validations.unwrap_or_default();
    if types.is_empty() {
        return Err(ApiError::required("validations"));
    }
    for t in &types {
        match t.kind.as_deref() {
            Some("smime" | "ov" | "ev" | "cs" | "ev_cs" | "ds") => {}
            Some(other) => {
                return Err(ApiError::bad_request(
                    "invalid_validation_type",
                    format!("{other} is not a validation type."),
                ));
            }
            None => return Err(ApiError::required("validations.type")),
        }
    }
    sandbox
        .write(|state, _, now| {
            let (account, _) = split(state, &key)?;
            let org = account
                .organization_mut(id)
                .ok_or_else(|| ApiError::not_found("organization"))?;
            if !org.smime.as_ref().is_some_and(|v| v.is_active(now)) {
                org.smime = Some(Validation {
                    date_created: now,
                    state: ValidationState::Pending,
                });
            }
            Ok(())
        })
        .await?;
    Ok(no_content())
}

#[derive(Debug, Deserialize)]
pub(super) struct CreateBody {
    name: Option<String>,
    assumed_name: Option<String>,
    city: Option<String>,
    country: Option<String>,
    registration_number: Option<String>,
}

/// `PUT /organization/{id}`: the fields an account may change on an organization it owns.
#[derive(Debug, Deserialize)]
pub(super) struct UpdateBody {
    registration_number: Option<String>,
}

/// A registration number as registers print them: digits, letters and the separators
/// `-`, `.` and `/`, at most 32 characters. It becomes part of a PrintableString.
fn registration_number(value: &str) -> ApiResult<String> {
    let value = value.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '/');
    if value.is_empty() || value.len() > 32 || !value.chars().all(allowed) {
        return Err(ApiError::invalid(
            "registration_number",
            "Use the organization's registration number: 1 to 32 letters, digits, '-', '.' or '/'.",
        ));
    }
    Ok(value.to_string())
}

pub(super) async fn update(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateBody>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "organization")?;
    let number = registration_number(
        body.registration_number
            .as_deref()
            .ok_or_else(|| ApiError::required("registration_number"))?,
    )?;
    sandbox
        .write(|state, _, _| {
            let (account, _) = split(state, &key)?;
            let org = account
                .organization_mut(id)
                .ok_or_else(|| ApiError::not_found("organization"))?;
            org.registration_number = Some(number);
            Ok(())
        })
        .await?;
    Ok(no_content())
}

pub(super) async fn create(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    ApiJson(body): ApiJson<CreateBody>,
) -> ApiResult<Response> {
    let missing: Vec<&str> = [
        ("name", body.name.is_none()),
        ("country", body.country.is_none()),
    ]
    .into_iter()
    .filter_map(|(field, absent)| absent.then_some(field))
    .collect();
    if !missing.is_empty() {
        return Err(ApiError::required_all(&missing));
    }
    let name = body.name.unwrap_or_default();
    let country = body.country.unwrap_or_default();
    let mut org_seed = OrganizationSeed::new(name).with_smime(ValidationSeed::None);
    org_seed.country = country;
    org_seed.assumed_name = body.assumed_name;
    org_seed.registration_number = body
        .registration_number
        .as_deref()
        .map(registration_number)
        .transpose()?;
    if let Some(city) = body.city {
        org_seed.city = city;
    }
    let id = sandbox
        .write(|state, _, now| {
            let (account, ids) = split(state, &key)?;
            seed::add_organization(account, ids, &org_seed, now)
        })
        .await?;
    Ok(created(json!({ "id": id })))
}
