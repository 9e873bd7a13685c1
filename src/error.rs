//! The one error type of the portal's handlers.
//!
//! An `AppError` becomes a response carrying only a status and a catalogue key;
//! the `web::error_page` middleware renders it in the visitor's language with the
//! request id. Internal details (the whole cause chain) are logged once, here, and
//! never shown. Services answer with their own errors or `anyhow`; the conversions
//! into `AppError` are below.
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
    /// Anything unexpected, with its cause chain.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// Attached to error responses so the error-page middleware knows what to render.
#[derive(Debug, Clone, Copy)]
pub struct ErrorPage {
    pub message_key: &'static str,
}

impl AppError {
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(error.into())
    }

    /// An internal error that is a broken promise of the code itself.
    pub fn bug(what: &'static str) -> Self {
        Self::Internal(anyhow::anyhow!(what))
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
            Self::Internal(ref error) => {
                tracing::error!(error = %format_args!("{error:#}"), "request failed");
            }
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

/// A service's unexpected failure. An `AppError` that travelled inside it (a
/// service calling an extractor's helper) comes back as itself.
impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        error.downcast::<AppError>().unwrap_or_else(Self::Internal)
    }
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(anyhow::Error::new(error).context("database"))
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(error: tower_sessions::session::Error) -> Self {
        Self::Internal(anyhow::Error::new(error).context("session"))
    }
}

impl From<askama::Error> for AppError {
    fn from(error: askama::Error) -> Self {
        Self::Internal(anyhow::Error::new(error).context("template"))
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

#[cfg(test)]
mod tests {
    use anyhow::Context;

    use super::*;

    #[test]
    fn an_internal_error_keeps_its_whole_cause_chain() {
        let failed: anyhow::Result<()> = Err(anyhow::anyhow!("connection refused"));
        let error = AppError::from(failed.context("loading the order").unwrap_err());
        let AppError::Internal(source) = &error else {
            panic!("{error:?} is not internal");
        };
        assert_eq!(
            format!("{source:#}"),
            "loading the order: connection refused"
        );
        assert_eq!(error.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn an_app_error_that_travelled_inside_anyhow_comes_back_as_itself() {
        let travelled = anyhow::Error::new(AppError::NotFound);
        assert!(matches!(AppError::from(travelled), AppError::NotFound));
    }
}
