//! Domains and DCV: list, info, add, submit for validation, change DCV method, resend DCV
//! emails, new token, check token, activate/deactivate.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::views::{domain_json, iso, list_response};
use super::{ApiJson, ApiKey, OptionalJson, Params, Shared, created, no_content, parse_id};
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::{advance_all, split};
use crate::ordering::IdRef;
use crate::seed::{self, DOMAIN_VALIDATION_DAYS, ValidationSeed};
use crate::state::{Domain, Validation, ValidationState};

const DCV_METHODS: &[&str] = &["email", "dns-txt-token", "dns-cname-token", "http-token"];

pub(super) async fn list(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    params: Params,
) -> ApiResult<Json<Value>> {
    let (limit, offset) = params.page()?;
    let status = params.filter("status").map(str::to_string);
    let method = params.filter("dcv_method").map(str::to_string);
    let validation = params.filter("validation").map(str::to_string);
    let search = params
        .filter("search")
        .map(|s| s.trim_start_matches('%').to_ascii_lowercase());
    let items = sandbox
        .read(|state, now| {
            state.account(&key).map(|a| {
                a.domains
                    .iter()
                    .filter(|d| match status.as_deref() {
                        Some("active") => d.is_active,
                        Some("inactive") => !d.is_active,
                        _ => true,
                    })
                    .filter(|d| method.as_deref().is_none_or(|m| d.dcv_method == m))
                    .filter(|d| match validation.as_deref() {
                        Some("completed") => d.validation.is_active(now),
                        Some("pending") => d.validation.status(now) == "pending",
                        Some("expired") => d.validation.status(now) == "expired",
                        _ => true,
                    })
                    .filter(|d| search.as_deref().is_none_or(|s| d.name.contains(s)))
                    .map(|d| domain_json(a, d, now, false, false, false))
                    .collect::<Vec<_>>()
            })
        })
        .await
        .ok_or_else(ApiError::invalid_key)?;
    Ok(Json(list_response("domains", items, limit, offset)))
}

pub(super) async fn info(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let id = parse_id(&id, "domain")?;
    let include_dcv = params.flag("include_dcv");
    let include_validation = params.flag("include_validation");
    sandbox
        .read(|state, now| {
            let account = state.account(&key).ok_or_else(ApiError::invalid_key)?;
            let domain = account
                .domain(id)
                .ok_or_else(|| ApiError::not_found("domain"))?;
            Ok(Json(domain_json(
                account,
                domain,
                now,
                true,
                include_dcv,
                include_validation,
            )))
        })
        .await
}

#[derive(Debug, Deserialize)]
pub(super) struct CreateBody {
    name: Option<String>,
    organization: Option<IdRef>,
    validations: Option<Vec<TypeRef>>,
    dcv_method: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct TypeRef {
    #[serde(rename = "type")]
    kind: Option<String>,
}

fn validation_types(list: Option<Vec<TypeRef>>) -> ApiResult<Vec<String>> {
    let list = list.unwrap_or_default();
    if list.is_empty() {
        return Err(ApiError::required("validations"));
    }
    let mut types = Vec::new();
    for t in list {
        match t.kind.as_deref() {
            Some(kind @ ("ov" | "ev" | "smime")) => types.push(kind.to_string()),
            Some(other) => {
                return Err(ApiError::bad_request(
                    "invalid_validation_type",
                    format!("{other} is not a domain validation type."),
                ));
            }
            None => return Err(ApiError::required("validations.type")),
        }
    }
    Ok(types)
}

fn dcv_method(requested: Option<String>) -> ApiResult<String> {
    let method = requested.unwrap_or_else(|| "email".into());
    if DCV_METHODS.contains(&method.as_str()) {
        Ok(method)
    } else {
        Err(ApiError::bad_request(
            "invalid_dcv_method",
            format!("{method} is not a DCV method."),
        ))
    }
}

/// What the add/submit answers carry: the e-mail recipients or the random value.
fn dcv_answer(domain: &Domain) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), json!(domain.id));
    match (&domain.dcv_token, domain.dcv_method.as_str()) {
        (Some(token), method) => {
            let mut t = Map::new();
            t.insert("token".into(), json!(token.token));
            t.insert("status".into(), json!("pending"));
            t.insert("expiration_date".into(), json!(iso(token.expiration_date)));
            if method == "dns-cname-token" {
                t.insert("verification_value".into(), json!("dcv.digicert.com"));
            }
            if method == "http-token" {
                t.insert("http_token_url".into(), json!(http_token_url(domain)));
            }
            map.insert("dcv_token".into(), Value::Object(t));
        }
        (None, _) => {
            let base: Vec<String> = [
                "admin",
                "administrator",
                "hostmaster",
                "postmaster",
                "webmaster",
            ]
            .iter()
            .map(|local| format!("{local}@{}", domain.name))
            .collect();
            map.insert(
                "validation_emails".into(),
                json!({"name_scope": domain.name, "base_emails": base, "whois_emails": []}),
            );
        }
    }
    Value::Object(map)
}

fn http_token_url(domain: &Domain) -> String {
    format!(
        "http://{}/.well-known/pki-validation/fileauth.txt",
        domain.name
    )
}

pub(super) async fn create(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    ApiJson(body): ApiJson<CreateBody>,
) -> ApiResult<Response> {
    let name = body.name.ok_or_else(|| ApiError::required("name"))?;
    let org_id = body
        .organization
        .map(|o| o.id)
        .ok_or_else(|| ApiError::required("organization.id"))?;
    let types = validation_types(body.validations)?;
    let method = dcv_method(body.dcv_method)?;
    let answer = sandbox
        .write(|state, _, now| {
            let (account, ids) = split(state, &key)?;
            let id = seed::add_domain(
                account,
                ids,
                org_id,
                &name,
                ValidationSeed::Pending,
                &method,
                now,
            )?;
            let domain = account
                .domain_mut(id)
                .ok_or_else(|| ApiError::not_found("domain"))?;
            domain.validation_types = types;
            Ok(dcv_answer(domain))
        })
        .await?;
    Ok(created(answer))
}

#[derive(Debug, Deserialize)]
pub(super) struct SubmitBody {
    validations: Option<Vec<TypeRef>>,
    dcv_method: Option<String>,
}

pub(super) async fn submit_validation(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SubmitBody>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "domain")?;
    let types = validation_types(body.validations)?;
    let method = body.dcv_method.map(|m| dcv_method(Some(m))).transpose()?;
    let answer = sandbox
        .write(|state, _, now| {
            let (account, _) = split(state, &key)?;
            let domain = account
                .domain_mut(id)
                .ok_or_else(|| ApiError::not_found("domain"))?;
            for t in types {
                if !domain.validation_types.contains(&t) {
                    domain.validation_types.push(t);
                }
            }
            if let Some(method) = method {
                domain.dcv_token = (method != "email").then(|| seed::new_token(now));
                domain.dcv_method = method;
            }
            if !domain.validation.is_active(now) {
                domain.validation = Validation {
                    date_created: now,
                    state: ValidationState::Pending,
                };
            }
            Ok(dcv_answer(domain))
        })
        .await?;
    Ok(created(answer))
}

pub(super) async fn new_token(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "domain")?;
    let answer = sandbox
        .write(|state, _, now| {
            let (account, _) = split(state, &key)?;
            let domain = account
                .domain_mut(id)
                .ok_or_else(|| ApiError::not_found("domain"))?;
            if domain.dcv_method == "email" {
                return Err(ApiError::bad_request(
                    "invalid_dcv_method",
                    "The domain uses email DCV; change the DCV method to a token method first.",
                ));
            }
            let token = seed::new_token(now);
            let mut map = Map::new();
            map.insert("token".into(), json!(token.token));
            map.insert("expiration_date".into(), json!(iso(token.expiration_date)));
            if domain.dcv_method == "http-token" {
                map.insert("http_token_url".into(), json!(http_token_url(domain)));
            }
            domain.dcv_token = Some(token);
            Ok(Value::Object(map))
        })
        .await?;
    Ok(created(answer))
}

#[derive(Debug, Deserialize)]
pub(super) struct ValidateBody {}

/// Succeeds once the control API has "published" the token (the simulated DNS/HTTP check).
pub(super) async fn validate_token(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
    OptionalJson(_body): OptionalJson<ValidateBody>,
) -> ApiResult<Json<Value>> {
    let id = parse_id(&id, "domain")?;
    sandbox
        .write(|state, ca, now| {
            let (account, _) = split(state, &key)?;
            let domain = account
                .domain_mut(id)
                .ok_or_else(|| ApiError::not_found("domain"))?;
            let method = domain.dcv_method.clone();
            let ok = domain
                .dcv_token
                .as_ref()
                .is_some_and(|t| t.published && t.expiration_date > now);
            if !ok {
                let code = match method.as_str() {
                    "dns-txt-token" => "invalid_dns_txt",
                    "dns-cname-token" => "invalid_dns_cname",
                    "http-token" => "invalid_http_token",
                    _ => "invalid_dcv_method",
                };
                return Err(ApiError::bad_request(code, "The DCV token was not found."));
            }
            validate_domain(domain, now);
            advance_all(account, ca, now)?;
            Ok(Json(json!({"status": "active"})))
        })
        .await
}

pub(super) fn validate_domain(domain: &mut Domain, now: OffsetDateTime) {
    domain.validation = Validation {
        date_created: domain.validation.date_created,
        state: ValidationState::Validated {
            validated_at: now,
            validated_until: now + time::Duration::days(DOMAIN_VALIDATION_DAYS),
        },
    };
}

#[derive(Debug, Deserialize)]
pub(super) struct MethodBody {
    dcv_method: Option<String>,
}

/// `PUT /domain/{id}/dcv/method`: 200 with the new method's e-mail recipients or token.
pub(super) async fn change_method(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MethodBody>,
) -> ApiResult<Json<Value>> {
    let id = parse_id(&id, "domain")?;
    let method = dcv_method(Some(
        body.dcv_method
            .ok_or_else(|| ApiError::required("dcv_method"))?,
    ))?;
    sandbox
        .write(|state, _, now| {
            let (account, _) = split(state, &key)?;
            let domain = account
                .domain_mut(id)
                .ok_or_else(|| ApiError::not_found("domain"))?;
            domain.dcv_token = (method != "email").then(|| seed::new_token(now));
            domain.dcv_method = method;
            Ok(Json(dcv_answer(domain)))
        })
        .await
}

/// `PUT /domain/{id}/dcv/emails`: 204; only e-mail DCV has e-mails to resend.
pub(super) async fn resend_emails(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
    OptionalJson(_body): OptionalJson<Value>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "domain")?;
    sandbox
        .read(|state, _| {
            let account = state.account(&key).ok_or_else(ApiError::invalid_key)?;
            let domain = account
                .domain(id)
                .ok_or_else(|| ApiError::not_found("domain"))?;
            if domain.dcv_method == "email" {
                Ok(no_content())
            } else {
                Err(ApiError::bad_request(
                    "invalid_dcv_method",
                    "The domain does not use email DCV.",
                ))
            }
        })
        .await
}

pub(super) async fn activate(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    set_active(&sandbox, &key, &id, true).await
}

/// An inactive domain no longer covers any address (see `Domain::validated`).
pub(super) async fn deactivate(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    set_active(&sandbox, &key, &id, false).await
}

async fn set_active(sandbox: &Shared, key: &str, id: &str, active: bool) -> ApiResult<Response> {
    let id = parse_id(id, "domain")?;
    sandbox
        .write(|state, _, _| {
            let (account, _) = split(state, key)?;
            let domain = account
                .domain_mut(id)
                .ok_or_else(|| ApiError::not_found("domain"))?;
            domain.is_active = active;
            Ok(())
        })
        .await?;
    Ok(no_content())
}
