//! Certificate downloads (`pem_all`, `pem_noroot`, `p7b`; by platform; by order with or
//! without a format), the chain, and revoking one certificate.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use pki::{pem, pkcs7};
use serde_json::{Value, json};

use super::orders::{RevokeBody, RevokeTarget, revoke_common};
use super::{ApiJson, ApiKey, Shared, parse_id};
use crate::ca::{CertificateAuthority, INTERMEDIATE_CN, ROOT_CN};
use crate::error::{ApiError, ApiResult};
use crate::state::{Account, IssuedCertificate};

pub(super) async fn download(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path((id, format)): Path<(String, String)>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "order")?;
    let cert = sandbox
        .read(|state, _| {
            let account = state.account(&key).ok_or_else(ApiError::invalid_key)?;
            issued_certificate(account, id).cloned()
        })
        .await?;
    render(sandbox.ca(), &cert, &format)
}

/// `GET /certificate/{id}/download/platform[/{platform_id}]`: the certificate as the order's
/// server platform wants it. A client certificate has no server platform, so every platform
/// gets DigiCert's default, one PEM file with the leaf, the intermediate and the root (what
/// Lemur's DigiCert plugin reads from this route).
pub(super) async fn download_platform(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(params): Path<HashMap<String, String>>,
) -> ApiResult<Response> {
    let id = params.get("id").map(String::as_str).unwrap_or_default();
    if let Some(platform) = params.get("platform_id") {
        platform_id(platform)?;
    }
    download(
        State(sandbox),
        ApiKey(key),
        Path((id.to_string(), DEFAULT_FORMAT.to_string())),
    )
    .await
}

/// `GET /certificate/download/order/{id}` without `/format/`: the platform's default.
pub(super) async fn download_by_order_default(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    download_by_order(
        State(sandbox),
        ApiKey(key),
        Path((id, DEFAULT_FORMAT.to_string())),
    )
    .await
}

/// What a download without a format gets: the default platform's PEM bundle.
const DEFAULT_FORMAT: &str = "pem_all";

/// Platform ids are short words (`apache`, `nginx`, `other`…).
fn platform_id(platform: &str) -> ApiResult<()> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if platform.is_empty() || platform.len() > 64 || !platform.chars().all(word) {
        return Err(ApiError::not_found("platform"));
    }
    Ok(())
}

pub(super) async fn download_by_order(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path((id, format)): Path<(String, String)>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "order")?;
    let cert = sandbox
        .read(|state, _| {
            let account = state.account(&key).ok_or_else(ApiError::invalid_key)?;
            let order = account
                .order(id)
                .ok_or_else(|| ApiError::not_found("order"))?;
            order
                .certificate_id
                .and_then(|c| account.certificate(c))
                .cloned()
                .ok_or_else(not_issued)
        })
        .await?;
    render(sandbox.ca(), &cert, &format)
}

/// The issued certificate `id`. An id the account has given to an order that is not issued
/// yet is `not_found|certificate`; an unknown id answers like an unknown order (issue 4's list
/// of bad input).
fn issued_certificate(account: &Account, id: u64) -> ApiResult<&IssuedCertificate> {
    if let Some(cert) = account.certificate(id) {
        return Ok(cert);
    }
    if account.orders.iter().any(|o| o.certificate_id == Some(id)) {
        return Err(not_issued());
    }
    Err(ApiError::not_found("order"))
}

fn not_issued() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "not_found|certificate",
        "The order has no issued certificate yet.",
    )
}

fn render(
    ca: &CertificateAuthority,
    cert: &IssuedCertificate,
    format: &str,
) -> ApiResult<Response> {
    let leaf_der = pem::decode_all(&cert.pem)
        .into_iter()
        .next()
        .map(|b| b.der)
        .ok_or_else(|| ApiError::internal("a stored certificate does not decode"))?;
    let (content_type, body) = match format {
        "pem_all" => (
            "application/x-pem-file",
            format!("{}{}{}", cert.pem, ca.intermediate_pem(), ca.root_pem()),
        ),
        "pem_noroot" => (
            "application/x-pem-file",
            format!("{}{}", cert.pem, ca.intermediate_pem()),
        ),
        "pem_nointermediate" => (
            "application/x-pem-file",
            format!("{}{}", cert.pem, ca.root_pem()),
        ),
        // "All returned certificates use PEM encoding" (DigiCert glossary), so p7b is PEM too.
        "p7b" => {
            let p7 = pkcs7::certs_only(&[
                leaf_der,
                ca.intermediate_der().to_vec(),
                ca.root_der().to_vec(),
            ]);
            (
                "application/x-pkcs7-certificates",
                pem::encode("PKCS7", &p7),
            )
        }
        _ => {
            return Err(ApiError::bad_request(
                "invalid_format",
                format!(
                    "{format} is not a supported format; use pem_all, pem_noroot, pem_nointermediate or p7b."
                ),
            ));
        }
    };
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

pub(super) async fn chain(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id = parse_id(&id, "order")?;
    sandbox
        .read(|state, _| {
            let account = state.account(&key).ok_or_else(ApiError::invalid_key)?;
            issued_certificate(account, id).map(|_| ())
        })
        .await?;
    let ca = sandbox.ca();
    Ok(Json(json!({
        "intermediates": [
            {"subject_common_name": INTERMEDIATE_CN, "pem": ca.intermediate_pem()},
            {"subject_common_name": ROOT_CN, "pem": ca.root_pem()}
        ]
    })))
}

/// `PUT /certificate/{id or serial}/revoke`.
pub(super) async fn revoke(
    State(sandbox): State<Shared>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RevokeBody>,
) -> ApiResult<Response> {
    revoke_common(&sandbox, &key, RevokeTarget::Certificate(id), body).await
}
