//! Extractors that decide who may reach a handler. A handler that takes one of
//! these cannot run for anyone who does not pass its checks. They say who the
//! visitor is and nothing about pages: `web::page::WithPage` adds what a page's
//! layout shows of them.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tower_sessions::Session;

use crate::auth::session::{self, AuthState};
use crate::db::accounts::Account;
use crate::db::institutions::InstitutionHeader;
use crate::domain::{InstitutionId, InstitutionRole, StaffRole};
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

/// What authenticating read about the request's session: its account, checked, and,
/// when asked, the institution of the path with the account's role there.
pub(crate) struct SignedIn {
    pub(crate) session: Session,
    pub(crate) auth: AuthState,
    pub(crate) account: Account,
    pub(crate) memberships: Vec<(InstitutionId, String)>,
    pub(crate) institution: Option<InstitutionHeader>,
    pub(crate) role: Option<InstitutionRole>,
    pub(crate) figures_version: i64,
}

/// Reads the session with its account (and, for a tenant page, `institution` and the
/// account's membership there) in one round trip, or verifies in one that a reading kept
/// from an earlier request still holds (`auth::signed_in_cache`), and checks everything
/// except the second factor: the account exists and is active, the session epoch still
/// matches, and the session is within its idle and absolute lifetimes. Any failure ends
/// the session. A kept reading is used only while none of its rows has changed, so a
/// logout, a suspension, a password change or a role taken away counts from the very
/// next request.
pub(crate) async fn load_signed_in(
    parts: &Parts,
    state: &AppState,
    institution: Option<InstitutionId>,
) -> Result<SignedIn, AppError> {
    let session = session_of(parts)?;
    let Some(id) = session.id() else {
        return Err(AppError::LoginRequired);
    };
    // The row's own expiry is tower-sessions' (the database's clock); the portal's idle
    // and absolute limits below follow the portal's clock.
    let Some(verified) = state
        .signed_in
        .read(&state.db, &id.to_string(), institution)
        .await?
    else {
        return Err(AppError::LoginRequired);
    };
    let reading = &verified.reading;
    let auth: Option<AuthState> =
        crate::auth::session_store::hydrate(&session, reading.record.clone(), session::AUTH_KEY)
            .await?;
    let Some(auth) = auth else {
        return Err(AppError::LoginRequired);
    };
    let now = state.clock.now();
    match &reading.account {
        Some(account)
            if account.id == auth.account_id
                && account.active
                && account.session_epoch == auth.session_epoch
                && !auth.is_expired(now) =>
        {
            session::touch(&session, auth.clone(), now).await?;
            Ok(SignedIn {
                session,
                auth,
                account: account.clone(),
                memberships: reading.memberships.clone(),
                institution: reading.institution.clone(),
                role: reading.role,
                figures_version: verified.figures_version,
            })
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
    /// The institutions the account is an active member of, as (id, short name), by
    /// name: the page header's switcher.
    pub memberships: Vec<(InstitutionId, String)>,
    /// The dashboards' figures version, read in the same statement as the session
    /// (`db::dashboard::figures_version`), so the staff overview's kept figures cost no
    /// statement of their own.
    pub figures_version: i64,
}

impl CurrentAccount {
    /// The fully logged-in account of a signed-in session; the second factor is owed
    /// otherwise.
    pub(crate) fn of(
        signed_in: SignedIn,
    ) -> Result<(Self, Option<InstitutionHeader>, Option<InstitutionRole>), AppError> {
        if !signed_in.auth.mfa_done {
            return Err(AppError::MfaRequired {
                enrolled: signed_in.account.mfa_enrolled(),
            });
        }
        Ok((
            Self {
                account: signed_in.account,
                auth: signed_in.auth,
                session: signed_in.session,
                memberships: signed_in.memberships,
                figures_version: signed_in.figures_version,
            },
            signed_in.institution,
            signed_in.role,
        ))
    }
}

impl FromRequestParts<AppState> for CurrentAccount {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (current, _, _) = Self::of(load_signed_in(parts, state, None).await?)?;
        Ok(current)
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
        let signed_in = load_signed_in(parts, state, None).await?;
        if signed_in.auth.mfa_done {
            return Err(AppError::AlreadyAuthenticated);
        }
        Ok(Self {
            account: signed_in.account,
            auth: signed_in.auth,
            session: signed_in.session,
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
