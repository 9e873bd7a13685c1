//! What the portal keeps in a session, and the rules for when a session ends.
//!
//! The session cookie only names a row in the session store; the values here live
//! server-side. A session ends when it has been idle for 30 minutes, 12 hours after
//! login whatever happens, at logout, and when the account's `session_epoch` moves
//! (password change, account disabled). A role changed or removed in one institution
//! ends no session: every request to that institution sees it at once (see
//! `db::sessions::signed_in`, which reads the session, the account and the membership in
//! one statement, and `auth::signed_in_cache`, which uses such a reading again only while
//! none of its rows has changed), and the person's work elsewhere goes on.
//!
//! A session is created only when there is something to keep: a password
//! accepted, or a person's link redeemed. Before that a visitor holds cookies
//! only (the CSRF nonce, the language, a link's token), so anonymous visits
//! cost no rows.
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use tower_sessions::Session;

use crate::domain::AccountId;
use crate::error::AppError;

pub const COOKIE_NAME: &str = "__Host-tcs_session";
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// Refreshing `last_seen` on every request would write the session row each time;
/// once a minute keeps the idle timeout accurate to a minute at a fraction of the cost.
const TOUCH_INTERVAL: Duration = Duration::minutes(1);

pub(crate) const AUTH_KEY: &str = "auth";

/// Who is logged in on this session, and how far they got.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthState {
    pub account_id: AccountId,
    pub session_epoch: i32,
    /// False between a correct password and a correct second factor.
    pub mfa_done: bool,
    #[serde(with = "time::serde::timestamp")]
    pub logged_in_at: OffsetDateTime,
    #[serde(with = "time::serde::timestamp")]
    pub last_seen: OffsetDateTime,
}

impl AuthState {
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        now - self.logged_in_at > ABSOLUTE_TIMEOUT || now - self.last_seen > IDLE_TIMEOUT
    }
}

pub async fn auth_state(session: &Session) -> Result<Option<AuthState>, AppError> {
    Ok(session.get(AUTH_KEY).await?)
}

/// A new session id and a new CSRF secret. Every change of whom a session
/// speaks for, or of what it may do, goes through here, so an id planted before
/// (session fixation) and a token seen before are worthless afterwards.
pub async fn renew(session: &Session) -> Result<(), AppError> {
    session.cycle_id().await?;
    crate::auth::csrf::renew(session).await
}

/// Starts a logged-in (but not yet MFA-verified) session, renewed.
pub async fn begin_login(
    session: &Session,
    account_id: AccountId,
    session_epoch: i32,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    renew(session).await?;
    session
        .insert(
            AUTH_KEY,
            AuthState {
                account_id,
                session_epoch,
                mfa_done: false,
                logged_in_at: now,
                last_seen: now,
            },
        )
        .await?;
    Ok(())
}

/// Marks the second factor as done, renewing the session once more.
pub async fn complete_mfa(
    session: &Session,
    mut state: AuthState,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    renew(session).await?;
    state.mfa_done = true;
    state.last_seen = now;
    session.insert(AUTH_KEY, state).await?;
    Ok(())
}

/// Follows an epoch change made by this very session (a password change), so the
/// person who made it stays logged in while every other session of theirs ends.
pub async fn follow_epoch(
    session: &Session,
    mut state: AuthState,
    new_epoch: i32,
) -> Result<(), AppError> {
    renew(session).await?;
    state.session_epoch = new_epoch;
    session.insert(AUTH_KEY, state).await?;
    Ok(())
}

pub async fn touch(
    session: &Session,
    mut state: AuthState,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    if now - state.last_seen >= TOUCH_INTERVAL {
        state.last_seen = now;
        session.insert(AUTH_KEY, state).await?;
    }
    Ok(())
}

/// Ends the session entirely: the row is deleted and the cookie cleared.
pub async fn end(session: &Session) -> Result<(), AppError> {
    session.flush().await?;
    Ok(())
}
