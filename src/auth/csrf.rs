//! The per-session CSRF token carried by every form, on top of tower-http's
//! Fetch-Metadata/Origin check. Forms are read only through [`CsrfForm`], so a
//! handler cannot forget the check.
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::error::AppError;

const CSRF_KEY: &str = "csrf";
pub const FIELD_NAME: &str = "csrf_token";

/// The session's token, created on first use.
pub async fn token(session: &Session) -> Result<String, AppError> {
    if let Some(token) = session.get::<String>(CSRF_KEY).await? {
        return Ok(token);
    }
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let token = URL_SAFE_NO_PAD.encode(raw);
    session.insert(CSRF_KEY, &token).await?;
    Ok(token)
}

#[derive(Deserialize)]
struct TokenField {
    csrf_token: Option<String>,
}

/// A URL-encoded form whose `csrf_token` matched the session's token.
pub struct CsrfForm<T>(pub T);

impl<S, T> FromRequest<S> for CsrfForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(AppError::UnsupportedMediaType);
        }
        let session = request
            .extensions()
            .get::<Session>()
            .cloned()
            .ok_or_else(|| AppError::internal("session layer missing"))?;
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::PayloadTooLarge
                } else {
                    AppError::BadForm
                }
            })?;
        let presented = serde_urlencoded::from_bytes::<TokenField>(&body)
            .map_err(|_| AppError::BadForm)?
            .csrf_token;
        let expected = session.get::<String>(CSRF_KEY).await?;
        let valid = match (presented, expected) {
            (Some(presented), Some(expected)) => {
                bool::from(presented.as_bytes().ct_eq(expected.as_bytes()))
            }
            _ => false,
        };
        if !valid {
            return Err(AppError::CsrfFailed);
        }
        serde_urlencoded::from_bytes(&body)
            .map(Self)
            .map_err(|_| AppError::BadForm)
    }
}

/// The body of a form that carries nothing but its CSRF token (logout…).
#[derive(Deserialize)]
pub struct NoFields {}
