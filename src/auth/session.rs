//! What the portal keeps in a session, and the rules for when a session ends.
//!
//! The session cookie only names a row in the session store; the values here live
//! server-side. A session ends when it has been idle for 30 minutes, 12 hours after
//! login whatever happens, at logout, and when the account's `session_epoch` moves
//! (password change, account disabled). A role changed or removed in one institution
//! ends no session: it is read afresh on every request to that institution (see
//! `db::memberships::active_role`), and the person's work elsewhere goes on.
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use tower_sessions::Session;
use uuid::Uuid;

use crate::error::AppError;

pub const COOKIE_NAME: &str = "__Host-tcs_session";
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// Refreshing `last_seen` on every request would write the session row each time;
/// once a minute keeps the idle timeout accurate to a minute at a fraction of the cost.
const TOUCH_INTERVAL: Duration = Duration::minutes(1);

const AUTH_KEY: &str = "auth";
const INVITATION_KEY: &str = "invitation";

/// Who is logged in on this session, and how far they got.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthState {
    pub account_id: Uuid,
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

/// Starts a logged-in (but not yet MFA-verified) session. The session id changes,
/// so an id planted before login (session fixation) is worthless afterwards.
pub async fn begin_login(
    session: &Session,
    account_id: Uuid,
    session_epoch: i32,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    session.cycle_id().await?;
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

/// Marks the second factor as done, with a new session id once more.
pub async fn complete_mfa(
    session: &Session,
    mut state: AuthState,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    session.cycle_id().await?;
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
    session.cycle_id().await?;
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

pub async fn remember_invitation(session: &Session, token: &str) -> Result<(), AppError> {
    session.insert(INVITATION_KEY, token).await?;
    Ok(())
}

pub async fn invitation_token(session: &Session) -> Result<Option<String>, AppError> {
    Ok(session.get(INVITATION_KEY).await?)
}

pub async fn forget_invitation(session: &Session) -> Result<(), AppError> {
    session.remove::<String>(INVITATION_KEY).await?;
    Ok(())
}
