//! Every error of the JSON API, in one shape: RFC 9457 problem details
//! (`application/problem+json`) with a stable `type` per kind of error, a `title` and
//! a `detail` in the caller's language (`Accept-Language`), the HTTP `status`, and,
//! where the input was wrong, the field errors keyed by field. Nothing in a problem
//! quotes the input or an internal error.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use crate::domain::InvalidFields;
use crate::i18n::Lang;
use crate::services::preconditions::Unmet;
use crate::web::page;

pub const CONTENT_TYPE: &str = "application/problem+json";

/// Where the `type` URIs live: a tag URI (RFC 4151), which names a kind without
/// promising a page behind it (RFC 9457 §3.1.1).
const TYPE_PREFIX: &str = "tag:tcs.amres.ac.rs,2026:problem:";

/// The kinds of error the API answers with; each has its own `type` and title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The request could not be read (malformed, or a NUL byte or invalid UTF-8).
    BadRequest,
    /// No bearer token, or one that is unknown, expired or revoked.
    Unauthorized,
    /// Not allowed, or the CSRF check failed.
    Forbidden,
    /// The token lacks the scope the operation needs.
    InsufficientScope,
    /// The token may not be used from the caller's address.
    NetworkNotAllowed,
    /// The institution is suspended.
    InstitutionSuspended,
    /// Nothing here, or not this caller's to see.
    NotFound,
    MethodNotAllowed,
    /// The request conflicts with the state of what it names.
    Conflict,
    TooLarge,
    UnsupportedMediaType,
    /// Fields were wrong; `errors` says which and why.
    InvalidInput,
    /// The TCS preconditions of an order are not met; `unmet` lists them.
    PreconditionsUnmet,
    TooManyRequests,
    /// DigiCert refused or failed; nothing changed here.
    DigicertFailed,
    /// DigiCert is not configured on this portal.
    DigicertNotConfigured,
    Internal,
}

impl Kind {
    /// Every kind, as the reference page lists them.
    pub const ALL: [Self; 17] = [
        Self::BadRequest,
        Self::Unauthorized,
        Self::Forbidden,
        Self::InsufficientScope,
        Self::NetworkNotAllowed,
        Self::InstitutionSuspended,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::Conflict,
        Self::TooLarge,
        Self::UnsupportedMediaType,
        Self::InvalidInput,
        Self::PreconditionsUnmet,
        Self::TooManyRequests,
        Self::DigicertFailed,
        Self::DigicertNotConfigured,
        Self::Internal,
    ];

    /// The problem's `type`.
    pub fn type_uri(self) -> String {
        format!("{TYPE_PREFIX}{}", self.slug())
    }

    /// The last part of the `type` URI.
    pub fn slug(self) -> &'static str {
        match self {
            Self::BadRequest => "bad-request",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::InsufficientScope => "insufficient-scope",
            Self::NetworkNotAllowed => "network-not-allowed",
            Self::InstitutionSuspended => "institution-suspended",
            Self::NotFound => "not-found",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::Conflict => "conflict",
            Self::TooLarge => "too-large",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::InvalidInput => "invalid-input",
            Self::PreconditionsUnmet => "preconditions-unmet",
            Self::TooManyRequests => "too-many-requests",
            Self::DigicertFailed => "digicert-failed",
            Self::DigicertNotConfigured => "digicert-not-configured",
            Self::Internal => "internal",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden
            | Self::InsufficientScope
            | Self::NetworkNotAllowed
            | Self::InstitutionSuspended => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict => StatusCode::CONFLICT,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::InvalidInput | Self::PreconditionsUnmet => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::DigicertFailed => StatusCode::BAD_GATEWAY,
            Self::DigicertNotConfigured => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The kind of a bare error status, for the answers no handler wrote (a
    /// rejection, a layer, an `AppError`).
    pub fn of_status(status: StatusCode) -> Self {
        match status {
            StatusCode::UNAUTHORIZED => Self::Unauthorized,
            StatusCode::FORBIDDEN => Self::Forbidden,
            StatusCode::NOT_FOUND => Self::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed,
            StatusCode::CONFLICT => Self::Conflict,
            StatusCode::PAYLOAD_TOO_LARGE => Self::TooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::UnsupportedMediaType,
            StatusCode::UNPROCESSABLE_ENTITY => Self::InvalidInput,
            StatusCode::TOO_MANY_REQUESTS => Self::TooManyRequests,
            StatusCode::BAD_GATEWAY => Self::DigicertFailed,
            StatusCode::SERVICE_UNAVAILABLE => Self::DigicertNotConfigured,
            status if status.is_client_error() => Self::BadRequest,
            _ => Self::Internal,
        }
    }

    pub fn title_key(self) -> &'static str {
        match self {
            Self::BadRequest => "problem.bad_request",
            Self::Unauthorized => "problem.unauthorized",
            Self::Forbidden => "problem.forbidden",
            Self::InsufficientScope => "problem.insufficient_scope",
            Self::NetworkNotAllowed => "problem.network_not_allowed",
            Self::InstitutionSuspended => "problem.institution_suspended",
            Self::NotFound => "problem.not_found",
            Self::MethodNotAllowed => "problem.method_not_allowed",
            Self::Conflict => "problem.conflict",
            Self::TooLarge => "problem.too_large",
            Self::UnsupportedMediaType => "problem.unsupported_media_type",
            Self::InvalidInput => "problem.invalid_input",
            Self::PreconditionsUnmet => "problem.preconditions_unmet",
            Self::TooManyRequests => "problem.too_many_requests",
            Self::DigicertFailed => "problem.digicert_failed",
            Self::DigicertNotConfigured => "problem.digicert_not_configured",
            Self::Internal => "problem.internal",
        }
    }
}

/// One unmet TCS precondition: its stable code (`message`), the address or domain it is
/// about (`subject`) and what to do (`detail`, in the caller's language). Problems and
/// the institution's own resource show them alike.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnmetView {
    /// A stable code, such as `precondition.org_not_validated`.
    pub message: &'static str,
    pub subject: Option<String>,
    pub detail: &'static str,
}

impl UnmetView {
    pub fn all(lang: Lang, unmet: &[Unmet]) -> Vec<Self> {
        unmet
            .iter()
            .map(|unmet| Self {
                message: unmet.message_key(),
                subject: unmet.subject().map(str::to_owned),
                detail: lang.t(unmet.message_key()),
            })
            .collect()
    }
}

/// One problem, built up and then answered.
#[derive(Debug, Clone)]
pub struct Problem {
    kind: Kind,
    status: StatusCode,
    lang: Lang,
    detail_key: &'static str,
    members: Map<String, Value>,
}

impl Problem {
    /// A problem of `kind` whose `detail` is the catalogue's `detail_key`.
    pub fn new(kind: Kind, lang: Lang, detail_key: &'static str) -> Self {
        Self {
            kind,
            status: kind.status(),
            lang,
            detail_key,
            members: Map::new(),
        }
    }

    /// Wrong fields: `errors` maps each to its message.
    pub fn invalid(lang: Lang, invalid: &InvalidFields) -> Self {
        let errors: Map<String, Value> = invalid
            .iter()
            .map(|(field, key)| (field.to_owned(), json!(lang.t(key))))
            .collect();
        Self::new(Kind::InvalidInput, lang, "problem.invalid_input_detail")
            .with("outcome", json!("invalid"))
            .with("errors", Value::Object(errors))
    }

    /// Unmet preconditions: `unmet` lists each with its stable code (`message`), the
    /// address or domain it is about (`subject`) and what to do (`detail`).
    pub fn unmet(lang: Lang, unmet: &[Unmet]) -> Self {
        let unmet = json!(UnmetView::all(lang, unmet));
        Self::new(Kind::PreconditionsUnmet, lang, "order.blocked")
            .with("outcome", json!("refused"))
            .with("unmet", unmet)
    }

    /// The status of an answer that was already decided, when it is not the kind's own.
    #[must_use]
    pub fn at(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// An extension member (RFC 9457 §3.2).
    #[must_use]
    pub fn with(mut self, name: &str, value: Value) -> Self {
        self.members.insert(name.to_owned(), value);
        self
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut body = self.members;
        let status = self.status;
        body.insert("type".to_owned(), json!(self.kind.type_uri()));
        body.insert(
            "title".to_owned(),
            json!(self.lang.t(self.kind.title_key())),
        );
        body.insert("status".to_owned(), json!(status.as_u16()));
        body.insert("detail".to_owned(), json!(self.lang.t(self.detail_key)));
        let mut response = (status, Value::Object(body).to_string()).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        if self.kind == Kind::Unauthorized {
            // RFC 6750 §3: a 401 names the scheme it wants.
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"tcs-portal\""),
            );
        }
        response
    }
}

/// Another institution's object, or none: the same answer.
pub fn not_found(lang: Lang) -> Response {
    Problem::new(Kind::NotFound, lang, "error.page.not_found").into_response()
}

/// The caller's language for problems: `Accept-Language` first, since an API client
/// says what it reads there; else as pages choose it (the language cookie).
pub fn lang_of(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(Lang::from_accept_language)
        .unwrap_or_else(|| page::lang_from_headers(headers))
}

/// [`lang_of`] the request, for a handler.
#[derive(Debug, Clone, Copy)]
pub struct ApiLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for ApiLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(lang_of(&parts.headers)))
    }
}
