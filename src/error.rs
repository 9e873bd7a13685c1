//! The one error type of the portal's handlers.
//!
//! An `AppError` becomes a response carrying only a status and a catalogue key;
//! the `web::error_page` middleware renders it in the visitor's language with the
//! request id. Internal details are logged once, here, and never shown.
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("the institution is suspended")]
    InstitutionSuspended,
    #[error("login required")]
    LoginRequired,
    #[error("second factor required")]
    MfaRequired { enrolled: bool },
    #[error("already logged in")]
    AlreadyAuthenticated,
    #[error("CSRF check failed")]
    CsrfFailed,
    #[error("malformed form")]
    BadForm,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("too many requests")]
    TooManyRequests,
    /// A well-formed request that cannot be done as asked; the key says why.
    #[error("unprocessable: {0}")]
    Unprocessable(&'static str),
    /// The request conflicts with the current state; the key says how.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Attached to error responses so the error-page middleware knows what to render.
#[derive(Debug, Clone, Copy)]
pub struct ErrorPage {
    pub message_key: &'static str,
}

impl AppError {
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Self::Internal(detail.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden | Self::CsrfFailed | Self::InstitutionSuspended => {
                StatusCode::FORBIDDEN
            }
            Self::LoginRequired | Self::MfaRequired { .. } | Self::AlreadyAuthenticated => {
                StatusCode::SEE_OTHER
            }
            Self::BadForm => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message_key(&self) -> &'static str {
        match self {
            Self::NotFound => "error.page.not_found",
            Self::Forbidden => "error.page.forbidden",
            Self::InstitutionSuspended => "error.page.institution_suspended",
            Self::CsrfFailed => "error.page.csrf",
            Self::BadForm => "error.page.bad_form",
            Self::UnsupportedMediaType => "error.page.media_type",
            Self::PayloadTooLarge => "error.page.too_large",
            Self::TooManyRequests => "error.page.too_many",
            Self::Unprocessable(key) | Self::Conflict(key) => key,
            Self::LoginRequired
            | Self::MfaRequired { .. }
            | Self::AlreadyAuthenticated
            | Self::Internal(_) => "error.page.internal",
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            Self::LoginRequired => return Redirect::to("/login").into_response(),
            Self::AlreadyAuthenticated => return Redirect::to("/").into_response(),
            Self::MfaRequired { enrolled: true } => return Redirect::to("/mfa").into_response(),
            Self::MfaRequired { enrolled: false } => {
                return Redirect::to("/mfa/enrol").into_response();
            }
            Self::Internal(ref detail) => tracing::error!(error = %detail, "request failed"),
            _ => {}
        }
        error_response(self.status(), self.message_key())
    }
}

/// A bare response that the error-page middleware fills in.
pub fn error_response(status: StatusCode, message_key: &'static str) -> Response {
    let mut response = status.into_response();
    response.extensions_mut().insert(ErrorPage { message_key });
    response
}

/// The answer when a handler panicked: logged, then the internal-error page
/// (the error-page layer renders it), never the panic's text.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %detail, "a handler panicked");
    error_response(StatusCode::INTERNAL_SERVER_ERROR, "error.page.internal")
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        Self::internal(format!("database: {error}"))
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(error: tower_sessions::session::Error) -> Self {
        Self::internal(format!("session: {error}"))
    }
}

impl From<askama::Error> for AppError {
    fn from(error: askama::Error) -> Self {
        Self::internal(format!("template: {error}"))
    }
}

impl From<crate::auth::password::HashError> for AppError {
    fn from(error: crate::auth::password::HashError) -> Self {
        Self::internal(error)
    }
}

impl From<crate::crypto::SealError> for AppError {
    fn from(error: crate::crypto::SealError) -> Self {
        Self::internal(error)
    }
}
