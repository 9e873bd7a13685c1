//! The client's error type, mapped from HTTP status and DigiCert's error codes.

use serde::Deserialize;
use std::time::Duration;

/// One entry of DigiCert's `{"errors":[{"code","message"}]}` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The part of `code` before the first `|`, e.g. `access_denied`.
    pub code: String,
    /// The part after the first `|`, e.g. `missing_permission`.
    pub sub_code: Option<String>,
    /// DigiCert's human-readable text.
    pub message: String,
}

impl ApiError {
    /// Splits DigiCert's pipe-joined code.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        let (code, sub_code) = match code.split_once('|') {
            Some((code, sub)) => (code.to_owned(), Some(sub.to_owned())),
            None => (code.to_owned(), None),
        };
        Self {
            code,
            sub_code,
            message: message.into(),
        }
    }

    fn is(&self, code: &str, sub_code: &str) -> bool {
        self.code == code && self.sub_code.as_deref() == Some(sub_code)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.sub_code {
            Some(sub) => write!(f, "{}|{}: {}", self.code, sub, self.message),
            None => write!(f, "{}: {}", self.code, self.message),
        }
    }
}

#[derive(Deserialize)]
struct RawErrorBody {
    #[serde(default)]
    errors: Vec<RawApiError>,
}

#[derive(Deserialize)]
struct RawApiError {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// Reads DigiCert's error body. A body that is not in that shape (an HTML page from a
/// proxy, an empty 503) yields no entries; the HTTP status still classifies the error.
fn parse_error_body(body: &[u8]) -> Vec<ApiError> {
    serde_json::from_slice::<RawErrorBody>(body)
        .map(|raw| {
            raw.errors
                .into_iter()
                .map(|e| ApiError::new(&e.code, e.message))
                .collect()
        })
        .unwrap_or_default()
}

fn joined(errors: &[ApiError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Everything a CertCentral call can fail with. `Clone` so a job can keep its last error.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// 403 `access_denied|access_denied_invalid_key` (or 401): the API key is wrong or
    /// revoked. Staff should see "DigiCert rejected our API key".
    #[error("DigiCert rejected the API key")]
    InvalidApiKey,
    /// 403 for another reason, e.g. `access_denied|missing_permission` or
    /// `access_denied|invalid_approver`: the key lacks a role for this call.
    #[error("DigiCert denied the call: {}", joined(.errors))]
    PermissionDenied {
        /// DigiCert's errors.
        errors: Vec<ApiError>,
    },
    /// 404 (`not_found`, `not_found|order`, …).
    #[error("DigiCert does not know this object: {}", joined(.errors))]
    NotFound {
        /// DigiCert's errors.
        errors: Vec<ApiError>,
    },
    /// 429 `request_limit_exceeded`; nothing was done.
    #[error("DigiCert rate limit exceeded")]
    RateLimited {
        /// The server's `Retry-After`, if it sent one.
        retry_after: Option<Duration>,
    },
    /// 5xx: DigiCert is down, in maintenance or failed.
    #[error("DigiCert unavailable (HTTP {status})")]
    Unavailable {
        /// HTTP status.
        status: u16,
        /// DigiCert's errors, if the body had any.
        errors: Vec<ApiError>,
    },
    /// No answer in time.
    #[error("DigiCert call timed out (may have reached DigiCert: {ambiguous})")]
    Timeout {
        /// True when the request may have reached DigiCert and taken effect.
        ambiguous: bool,
    },
    /// The connection failed or dropped before an answer arrived.
    #[error("connection to DigiCert failed (may have reached DigiCert: {ambiguous}): {detail}")]
    Connection {
        /// True when the request may have reached DigiCert and taken effect.
        ambiguous: bool,
        /// What went wrong, without URL query or headers.
        detail: String,
    },
    /// A success status with a body that is truncated or not the expected shape.
    #[error("malformed DigiCert response (HTTP {status}): {detail}")]
    MalformedResponse {
        /// HTTP status of the answer.
        status: u16,
        /// Parser message.
        detail: String,
    },
    /// Any other 4xx: validation failures such as `csr_invalid_cannot_parse`.
    #[error("DigiCert refused the call (HTTP {status}): {}", joined(.errors))]
    Api {
        /// HTTP status.
        status: u16,
        /// DigiCert's errors.
        errors: Vec<ApiError>,
    },
    /// The portal's own shared rate limit held the request back for longer than
    /// the caller may wait; nothing was sent.
    #[error("held back by our DigiCert rate limit for {} ms", .wait.as_millis())]
    HeldBack {
        /// How long until the limit has room.
        wait: Duration,
    },
    /// The shared rate limit could not be consulted (its database failed); nothing
    /// was sent.
    #[error("the DigiCert rate limit could not be checked: {0}")]
    LimiterUnavailable(String),
    /// The request could not be built: a base URL that cannot take a path, an API key
    /// with characters a header cannot carry, an HTTP client that failed to start.
    #[error("DigiCert request could not be built: {0}")]
    Client(String),
}

impl Error {
    /// Maps a non-success answer to an error.
    pub fn from_response(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Self {
        let errors = parse_error_body(body);
        let rate_limited = errors.iter().any(|e| e.code == "request_limit_exceeded");
        if status == 429 || rate_limited {
            return Self::RateLimited { retry_after };
        }
        let invalid_key = errors
            .iter()
            .any(|e| e.is("access_denied", "access_denied_invalid_key"));
        match status {
            401 => Self::InvalidApiKey,
            403 if invalid_key => Self::InvalidApiKey,
            403 => Self::PermissionDenied { errors },
            404 => Self::NotFound { errors },
            500..=599 => Self::Unavailable { status, errors },
            _ => Self::Api { status, errors },
        }
    }

    /// True when the failed call may nevertheless have taken effect at DigiCert, so a
    /// non-idempotent call (placing an order) must be reconciled before it is tried
    /// again: a timeout or dropped connection after the request was sent, a 5xx (a
    /// gateway may answer 502/504 after DigiCert acted), or a success status whose body
    /// could not be read.
    pub fn may_have_taken_effect(&self) -> bool {
        match self {
            Self::Timeout { ambiguous } | Self::Connection { ambiguous, .. } => *ambiguous,
            Self::Unavailable { .. } => true,
            Self::MalformedResponse { status, .. } => (200..300).contains(status),
            _ => false,
        }
    }

    /// True for failures a later identical attempt may not hit: rate limits, 5xx,
    /// timeouts and connection failures.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. }
                | Self::Unavailable { .. }
                | Self::Timeout { .. }
                | Self::Connection { .. }
        )
    }

    /// DigiCert's error entries, when the answer carried any.
    pub fn api_errors(&self) -> &[ApiError] {
        match self {
            Self::PermissionDenied { errors }
            | Self::NotFound { errors }
            | Self::Unavailable { errors, .. }
            | Self::Api { errors, .. } => errors,
            _ => &[],
        }
    }

    /// Classifies a reqwest failure. A failure to connect (or to build the request) means
    /// nothing reached DigiCert; anything later may have.
    pub(crate) fn from_transport(err: reqwest::Error) -> Self {
        let err = err.without_url();
        let ambiguous = !err.is_connect() && !err.is_builder();
        if err.is_timeout() {
            return Self::Timeout { ambiguous };
        }
        Self::Connection {
            ambiguous,
            detail: describe(&err),
        }
    }
}

/// The error chain as text; callers strip the URL first (its query may carry personal data).
fn describe(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}
