//! DigiCert's error body `{"errors":[{"code","message"}]}` with the status codes of
//! digicert-api.md §2. Codes the documentation does not name are chosen in the same
//! `kind|detail` style and listed in one place here.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pki::csr::CsrError;
use serde_json::json;

/// One error answer: its first error, and any further ones DigiCert lists beside it in
/// `errors[]` (every missing required field at once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub more: Vec<(String, String)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            more: Vec::new(),
        }
    }

    pub fn bad_request(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn invalid_key() -> Self {
        // Exactly the recorded body (fixtures/digicert/recorded/get_account_403.json).
        Self::new(
            StatusCode::FORBIDDEN,
            "access_denied|access_denied_invalid_key",
            "Access denied due to access_denied_invalid_key.",
        )
    }

    pub fn bad_request_format() -> Self {
        Self::bad_request(
            "bad_request_format",
            "The request body is malformed. Make sure the request body uses valid JSON or XML.",
        )
    }

    pub fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request_entity_too_large",
            "The request body is too large.",
        )
    }

    pub fn required(field: &str) -> Self {
        Self::bad_request(
            format!("required_param|{field}"),
            format!("{field} is required."),
        )
    }

    /// Every field of `fields` is missing; one `errors[]` entry each. `fields` must not be empty.
    pub fn required_all(fields: &[&str]) -> Self {
        let mut entries = fields.iter().map(|field| Self::required(field));
        let mut first = entries
            .next()
            .unwrap_or_else(|| Self::internal("no missing field to report"));
        first.more = entries.map(|e| (e.code, e.message)).collect();
        first
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::bad_request(format!("invalid_param|{field}"), message)
    }

    pub fn not_found(what: &str) -> Self {
        let message = match what {
            "order" => "The specified order was not found.".to_string(),
            "product" => "The specified product was not found.".to_string(),
            "route" => "The endpoint does not exist.".to_string(),
            other => format!("The specified {other} was not found."),
        };
        Self::new(StatusCode::NOT_FOUND, format!("not_found|{what}"), message)
    }

    pub fn rate_limited() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "request_limit_exceeded",
            "Service unavailable, please limit request volume",
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", message)
    }

    /// A refused CSR: the code tells the kind of problem, the message the exact reason.
    pub fn csr(err: &CsrError) -> Self {
        let code = match err {
            CsrError::Empty
            | CsrError::WrongPemLabel(_)
            | CsrError::PrivateKeyIncluded
            | CsrError::Malformed(_)
            | CsrError::TrailingData(_) => "csr_invalid_cannot_parse",
            CsrError::RsaKeyTooSmall { .. }
            | CsrError::RsaModulusNotByteAligned { .. }
            | CsrError::RsaBadExponent => "csr_invalid_key_size",
            CsrError::KeyAlgorithmNotAllowed(_) | CsrError::CurveNotAllowed(_) => {
                "csr_invalid_key_type"
            }
            CsrError::UnsupportedSignatureAlgorithm(_) | CsrError::BadSignature => {
                "csr_invalid_signature"
            }
        };
        Self::bad_request(code, format!("The CSR is invalid: {err}."))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let errors: Vec<_> = std::iter::once((self.code, self.message))
            .chain(self.more)
            .map(|(code, message)| json!({"code": code, "message": message}))
            .collect();
        let body = json!({ "errors": errors });
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        tracing::error!(error = ?err, "sandbox internal error");
        Self::internal("An internal error occurred.")
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
