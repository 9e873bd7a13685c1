//! The CSRF token carried by every form, on top of tower-http's Fetch-Metadata/
//! Origin check. Forms are read only through [`CsrfForm`], so a handler cannot
//! forget the check.
//!
//! Two kinds of token, so that a visitor who is not logged in costs no
//! server-side state:
//! - with a session (logged in, or a person's redeemed link): a random secret kept
//!   in the session and replaced whenever the session id is (login, second factor,
//!   password change, link redemption), so a token seen before does not outlive
//!   the privilege change;
//! - without one (login, invitation, the person's link, the language switch): a
//!   signed double-submit token, HMAC-SHA256 under a key derived from the master
//!   key over a random nonce kept in a `__Host-` cookie and the form's purpose (the
//!   route it posts to). Only this browser holds the nonce, only the portal can
//!   sign, and a token fits one form.
use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use axum::extract::{FromRequest, MatchedPath, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::auth::cookies;
use crate::crypto::MasterKey;
use crate::error::AppError;
use crate::state::AppState;

const SESSION_KEY: &str = "csrf";
pub const FIELD_NAME: &str = "csrf_token";
/// Holds the nonce of a browser without a session.
pub const NONCE_COOKIE: &str = "__Host-tcs_csrf";

/// What the CSRF check of this request needs, put there by [`anonymous_nonce`].
#[derive(Clone)]
struct CsrfContext {
    key: Arc<MasterKey>,
    /// The nonce the browser sent, if it sent a well-formed one.
    sent: Option<String>,
    /// A nonce made for this answer if a page needed one; the layer then sets it.
    fresh: Arc<OnceLock<String>>,
}

impl CsrfContext {
    fn nonce_for_page(&self) -> &str {
        match &self.sent {
            Some(nonce) => nonce,
            None => self.fresh.get_or_init(random_secret),
        }
    }
}

/// Reads the browser's nonce cookie for the forms of this request, and sets a
/// new one only if a page issued anonymous tokens without it.
pub async fn anonymous_nonce(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let context = CsrfContext {
        key: state.master_key.clone(),
        // Made like our tokens (32 random bytes, base64url), so checked like them.
        sent: cookies::read(request.headers(), NONCE_COOKIE)
            .filter(|nonce| crate::crypto::tokens::looks_valid(nonce)),
        fresh: Arc::default(),
    };
    request.extensions_mut().insert(context.clone());
    let mut response = next.run(request).await;
    if let Some(nonce) = context.fresh.get() {
        response
            .headers_mut()
            .append(header::SET_COOKIE, cookies::set(NONCE_COOKIE, nonce, None));
    }
    response
}

/// The tokens of one page: the session's, or anonymous ones bound to the browser.
#[derive(Clone)]
pub enum FormTokens {
    Session(String),
    Anonymous { key: Arc<MasterKey>, nonce: String },
}

impl std::fmt::Debug for FormTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The tokens' secrets stay out of logs.
        let kind = match self {
            Self::Session(_) => "Session",
            Self::Anonymous { .. } => "Anonymous",
        };
        write!(f, "FormTokens::{kind}(..)")
    }
}

impl FormTokens {
    /// The session's tokens if it has a secret, else anonymous ones; reading a
    /// session never creates one.
    pub async fn for_request(parts: &Parts, session: &Session) -> Result<Self, AppError> {
        if let Some(secret) = session.get::<String>(SESSION_KEY).await? {
            return Ok(Self::Session(secret));
        }
        let context = context_of(&parts.extensions)?;
        Ok(Self::Anonymous {
            nonce: context.nonce_for_page().to_owned(),
            key: context.key,
        })
    }

    /// The tokens of a session renewed during this request (see [`renew`]).
    pub async fn of_renewed_session(session: &Session) -> Result<Self, AppError> {
        session
            .get::<String>(SESSION_KEY)
            .await?
            .map(Self::Session)
            .ok_or_else(|| AppError::bug("a renewed session has no CSRF secret"))
    }

    /// The token for a form posting to the route `purpose` (its pattern, such as
    /// `/login`). A session's token already belongs to that one session and serves
    /// every form of it.
    pub fn token(&self, purpose: &str) -> String {
        match self {
            Self::Session(secret) => secret.clone(),
            Self::Anonymous { key, nonce } => anonymous_token(key, nonce, purpose),
        }
    }
}

/// The anonymous token of the browser holding `nonce` for the route `purpose`.
pub fn anonymous_token(key: &MasterKey, nonce: &str, purpose: &str) -> String {
    URL_SAFE_NO_PAD.encode(key.form_token_mac(&[
        b"anonymous-form",
        nonce.as_bytes(),
        purpose.as_bytes(),
    ]))
}

fn context_of(extensions: &axum::http::Extensions) -> Result<CsrfContext, AppError> {
    extensions
        .get::<CsrfContext>()
        .cloned()
        .ok_or_else(|| AppError::bug("CSRF nonce layer missing"))
}

fn random_secret() -> String {
    crate::crypto::tokens::generate().secret
}

/// Gives the session a new secret, so every token issued before stops working.
/// Called wherever the session id changes: login, second factor, password
/// change, a person's link redeemed.
pub async fn renew(session: &Session) -> Result<(), AppError> {
    session.insert(SESSION_KEY, random_secret()).await?;
    Ok(())
}

#[derive(Deserialize)]
struct TokenField {
    csrf_token: Option<String>,
}

/// A URL-encoded form whose `csrf_token` matched the session's token, or without
/// a session the anonymous token of this browser for this route.
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
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(AppError::UnsupportedMediaType);
        }
        let expected = Expected::of(&request)?;
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
            .csrf_token
            .ok_or(AppError::CsrfFailed)?;
        expected.check(&presented).await?;
        serde_urlencoded::from_bytes(&body)
            .map(Self)
            .map_err(|_| AppError::BadForm)
    }
}

/// What a form's token is checked against, read from the request before its body is
/// consumed: the session, this browser's nonce, and the route the form posts to. Both
/// [`CsrfForm`] and [`CsrfUpload`] read it here, so the two cannot drift apart.
struct Expected {
    session: Session,
    context: CsrfContext,
    purpose: Option<String>,
}

impl Expected {
    fn of(request: &Request) -> Result<Self, AppError> {
        let extensions = request.extensions();
        Ok(Self {
            session: extensions
                .get::<Session>()
                .cloned()
                .ok_or_else(|| AppError::bug("session layer missing"))?,
            context: context_of(extensions)?,
            purpose: extensions
                .get::<MatchedPath>()
                .map(|path| path.as_str().to_owned()),
        })
    }

    /// Whether `presented` is the session's token, or without a session the anonymous
    /// token of this browser for the route the form posts to.
    async fn check(&self, presented: &str) -> Result<(), AppError> {
        let expected = match self.session.get::<String>(SESSION_KEY).await? {
            Some(secret) => Some(secret),
            None => self
                .context
                .sent
                .as_deref()
                .zip(self.purpose.as_deref())
                .map(|(nonce, purpose)| anonymous_token(&self.context.key, nonce, purpose)),
        };
        let valid = expected
            .is_some_and(|expected| bool::from(presented.as_bytes().ct_eq(expected.as_bytes())));
        if valid {
            Ok(())
        } else {
            Err(AppError::CsrfFailed)
        }
    }
}

/// A `multipart/form-data` upload whose `csrf_token` field, sent before the file,
/// matched as for [`CsrfForm`]: its text fields by name, and its one file (name and
/// bytes). The body limit is the route's (`DefaultBodyLimit`); a body over it is
/// [`AppError::PayloadTooLarge`].
pub struct CsrfUpload {
    pub fields: std::collections::HashMap<String, String>,
    pub file_name: String,
    pub file: Bytes,
}

impl FromRequest<AppState> for CsrfUpload {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let expected = Expected::of(&request)?;
        let mut multipart = axum::extract::Multipart::from_request(request, state)
            .await
            .map_err(|_| AppError::UnsupportedMediaType)?;
        let too_large = |error: axum::extract::multipart::MultipartError| {
            if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge
            } else {
                AppError::BadForm
            }
        };
        let mut upload = Self {
            fields: std::collections::HashMap::new(),
            file_name: String::new(),
            file: Bytes::new(),
        };
        let mut checked = false;
        while let Some(field) = multipart.next_field().await.map_err(too_large)? {
            let name = field.name().unwrap_or_default().to_owned();
            if let Some(file_name) = field.file_name() {
                if !checked {
                    return Err(AppError::CsrfFailed);
                }
                upload.file_name = file_name.to_owned();
                upload.file = field.bytes().await.map_err(too_large)?;
                continue;
            }
            let value = field.text().await.map_err(too_large)?;
            if name == FIELD_NAME {
                expected.check(&value).await?;
                checked = true;
            }
            upload.fields.insert(name, value);
        }
        if !checked {
            return Err(AppError::CsrfFailed);
        }
        Ok(upload)
    }
}

/// The body of a form that carries nothing but its CSRF token (logout…).
#[derive(Deserialize)]
pub struct NoFields {}
