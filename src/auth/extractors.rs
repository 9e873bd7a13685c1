//! Extractors that decide who may reach a handler. A handler that takes one of
//! these cannot run for anyone who does not pass its checks. They say who the
//! visitor is and nothing about pages: `web::page::WithPage` adds what a page's
//! layout shows of them.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tower_sessions::Session;

use crate::auth::session::{self, AuthState};
use crate::db::accounts::Account;
use crate::domain::StaffRole;
use crate::error::AppError;
use crate::state::AppState;

/// The request's session, which the session layer puts on every request.
pub fn session_of(parts: &Parts) -> Result<Session, AppError> {
    parts
        .extensions
        .get::<Session>()
        .cloned()
        .ok_or_else(|| AppError::bug("session layer missing"))
}

/// Loads the session's account and checks everything except the second factor:
/// the account exists and is active, the session epoch still matches, and the
/// session is within its idle and absolute lifetimes. Any failure ends the session.
async fn load_session_account(
    parts: &Parts,
    state: &AppState,
) -> Result<(Session, AuthState, Account), AppError> {
    let session = session_of(parts)?;
    let Some(auth) = session::auth_state(&session).await? else {
        return Err(AppError::LoginRequired);
    };
    let now = state.clock.now();
    let account = crate::db::accounts::find_by_id(&state.db, auth.account_id).await?;
    match account {
        Some(account)
            if account.active
                && account.session_epoch == auth.session_epoch
                && !auth.is_expired(now) =>
        {
            session::touch(&session, auth.clone(), now).await?;
            Ok((session, auth, account))
        }
        _ => {
            session::end(&session).await?;
            Err(AppError::LoginRequired)
        }
    }
}

/// A fully authenticated account: password and second factor both done.
pub struct CurrentAccount {
    pub account: Account,
    pub auth: AuthState,
    pub session: Session,
}

impl FromRequestParts<AppState> for CurrentAccount {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (session, auth, account) = load_session_account(parts, state).await?;
        if !auth.mfa_done {
            return Err(AppError::MfaRequired {
                enrolled: account.mfa_enrolled(),
            });
        }
        Ok(Self {
            account,
            auth,
            session,
        })
    }
}

/// Someone who gave a correct password and still owes the second factor. Only
/// the MFA pages take this; nothing else is reachable in that state.
pub struct PendingLogin {
    pub account: Account,
    pub auth: AuthState,
    pub session: Session,
}

impl FromRequestParts<AppState> for PendingLogin {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (session, auth, account) = load_session_account(parts, state).await?;
        if auth.mfa_done {
            return Err(AppError::AlreadyAuthenticated);
        }
        Ok(Self {
            account,
            auth,
            session,
        })
    }
}

/// An AMRES staff member (full staff or auditor). Everyone else gets 403. Only
/// this extractor makes one, so holding a `&StaffScope` proves staff rights.
pub struct StaffScope {
    current: CurrentAccount,
    role: StaffRole,
}

impl StaffScope {
    pub fn current(&self) -> &CurrentAccount {
        &self.current
    }

    pub fn role(&self) -> StaffRole {
        self.role
    }

    pub fn account_id(&self) -> crate::domain::AccountId {
        self.current.account.id
    }
}

impl FromRequestParts<AppState> for StaffScope {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let current = CurrentAccount::from_request_parts(parts, state).await?;
        let role = current.account.staff_role.ok_or(AppError::Forbidden)?;
        Ok(Self { current, role })
    }
}

/// Full AMRES staff, who may change things. Staff auditors and everyone else get
/// 403. `db::` functions that change data across institutions take this; it
/// derefs to the [`StaffScope`] it extends.
pub struct StaffAdmin {
    staff: StaffScope,
}

impl std::ops::Deref for StaffAdmin {
    type Target = StaffScope;

    fn deref(&self) -> &StaffScope {
        &self.staff
    }
}

impl FromRequestParts<AppState> for StaffAdmin {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let staff = StaffScope::from_request_parts(parts, state).await?;
        if staff.role.can_write() {
            Ok(Self { staff })
        } else {
            Err(AppError::Forbidden)
        }
    }
}
