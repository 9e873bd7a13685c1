//! `SelfServicePerson`: a person logged in through self-service (issue 15 §2), with no
//! portal account. Their authority is what their institution's IdP asserted and the ACS
//! accepted: one institution, one stable identifier at one IdP, one mailbox. It lives in
//! the session for at most an hour and is the scope the person's `db::` functions take,
//! so a person reaches only their own institution's rows and their own orders.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use tower_sessions::Session;

use crate::auth::extractors::session_of;
use crate::domain::InstitutionId;
use crate::error::AppError;
use crate::state::AppState;

const KEY: &str = "self_service";
/// Long enough to request a certificate and collect it; the IdP is asked again after.
pub const LIFETIME: Duration = Duration::hours(1);
/// Where a person without a (live) self-service login is sent.
pub const LOGIN_PATH: &str = "/self-service";

/// What the IdP vouched for, as the session keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PersonLogin {
    pub institution_id: InstitutionId,
    pub idp_entity_id: String,
    pub stable_id: String,
    pub mail: String,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub display_name: Option<String>,
    pub assertion_id: String,
    /// The scoped affiliations and entitlements the admission was decided on, so the
    /// order-placing requests check them against the policy in force then (issue 15 §4).
    #[serde(default)]
    pub scoped_affiliations: Vec<String>,
    #[serde(default)]
    pub entitlements: Vec<String>,
    /// Whether the person proved they read `mail` (the policy trusts the IdP's `mail`,
    /// or they typed a mailed code back): only then does "My certificates" also show
    /// the orders admins placed for the address.
    #[serde(default)]
    pub mailbox_proved: bool,
    #[serde(with = "time::serde::timestamp")]
    pub expires_at: OffsetDateTime,
}

/// The logged-in person; built only from the session (see [`begin`]).
#[derive(Debug, Clone)]
pub struct SelfServicePerson {
    login: PersonLogin,
}

impl SelfServicePerson {
    pub fn institution_id(&self) -> InstitutionId {
        self.login.institution_id
    }

    pub fn idp_entity_id(&self) -> &str {
        &self.login.idp_entity_id
    }

    pub fn stable_id(&self) -> &str {
        &self.login.stable_id
    }

    pub fn login(&self) -> &PersonLogin {
        &self.login
    }
}

/// Starts the person's session, renewed so an id planted before gains nothing. Any
/// account login in the same browser stays as it was: the two never mix.
pub async fn begin(session: &Session, login: PersonLogin) -> Result<(), AppError> {
    crate::auth::session::renew(session).await?;
    session.insert(KEY, login).await?;
    Ok(())
}

/// Records in the session that the person proved their mailbox with a mailed code.
pub async fn mailbox_proved(session: &Session) -> Result<(), AppError> {
    let login: Option<PersonLogin> = session.get(KEY).await?;
    if let Some(mut login) = login {
        login.mailbox_proved = true;
        session.insert(KEY, login).await?;
    }
    Ok(())
}

/// Whether the session holds a live self-service login (the person's pages then lead back
/// to "My certificates").
pub async fn logged_in(session: &Session, now: OffsetDateTime) -> Result<bool, AppError> {
    let login: Option<PersonLogin> = session.get(KEY).await?;
    Ok(login.is_some_and(|login| login.expires_at > now))
}

/// Ends the person's login. Without an account logged in as well, the whole session goes,
/// with the enrollment it was bound to: on a shared computer, "Log out" leaves nothing
/// behind. An account's login in the same browser is left alone.
pub async fn end(session: &Session) -> Result<(), AppError> {
    if crate::auth::session::auth_state(session).await?.is_none() {
        return crate::auth::session::end(session).await;
    }
    session.remove::<PersonLogin>(KEY).await?;
    Ok(())
}

impl FromRequestParts<AppState> for SelfServicePerson {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let found = async {
            let session = session_of(parts)?;
            let login: Option<PersonLogin> = session.get(KEY).await?;
            Ok::<_, AppError>(login.filter(|login| login.expires_at > state.clock.now()))
        };
        match found.await {
            Ok(Some(login)) => Ok(Self { login }),
            Ok(None) => Err(Redirect::to(LOGIN_PATH).into_response()),
            Err(error) => Err(error.into_response()),
        }
    }
}
