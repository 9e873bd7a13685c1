//! `InstitutionScope<R>`: the only way a handler gets to act on an institution.
//!
//! The institution comes only from the path (`/institutions/{institution_id}/…`).
//! The extractor checks the full login, then either staff rights or an active
//! membership with a role of at least `R`. Handlers hand the scope to `db::`
//! functions, which take the institution id from it and nowhere else. The scope
//! has no public constructor, so it cannot be made up.
//!
//! This is the documented knot of the import graph (see `db`): the extractor reads the
//! membership through `db`, and `db`'s tenant functions take this type.
use std::marker::PhantomData;

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;

use crate::audit::AuditEvent;
use crate::auth::CurrentAccount;
use crate::auth::api_token::VerifiedToken;
use crate::db::institutions::InstitutionHeader;
use crate::domain::{AccountId, InstitutionId, InstitutionRole, StaffRole, TcsStatus};
use crate::error::AppError;
use crate::state::AppState;

/// The least role a route needs, as a type: `Read` or `Admin`.
pub trait RequiredRole: Send + Sync + 'static {
    const MIN: InstitutionRole;
}

/// Seeing an institution's data: auditors, admins, staff and staff auditors.
pub struct Read;
impl RequiredRole for Read {
    const MIN: InstitutionRole = InstitutionRole::Auditor;
}

/// Changing an institution's data: admins and full staff.
pub struct Admin;
impl RequiredRole for Admin {
    const MIN: InstitutionRole = InstitutionRole::Admin;
}

/// In what capacity the person acts on this institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acting {
    Member(InstitutionRole),
    Staff(StaffRole),
}

/// How the caller came in: a logged-in session, or an institution's API token, which
/// acts for the admin who made it and is checked as they would be on every request.
pub enum WayIn {
    Session(Box<CurrentAccount>),
    Token(VerifiedToken),
}

pub struct InstitutionScope<R: RequiredRole> {
    institution: InstitutionHeader,
    acting: Acting,
    way_in: WayIn,
    _role: PhantomData<R>,
}

impl<R: RequiredRole> InstitutionScope<R> {
    pub fn institution_id(&self) -> InstitutionId {
        self.institution.id
    }

    pub fn institution(&self) -> &InstitutionHeader {
        &self.institution
    }

    pub fn acting(&self) -> Acting {
        self.acting
    }

    pub fn account_id(&self) -> AccountId {
        match &self.way_in {
            WayIn::Session(current) => current.account.id,
            WayIn::Token(token) => token.acts_for(),
        }
    }

    /// The acting account's name, as mails and pages show who did something.
    pub fn display_name(&self) -> &str {
        match &self.way_in {
            WayIn::Session(current) => &current.account.display_name,
            WayIn::Token(token) => token.name(),
        }
    }

    /// The logged-in session, when the caller came in by one (pages always do).
    pub fn session_account(&self) -> Option<&CurrentAccount> {
        match &self.way_in {
            WayIn::Session(current) => Some(current),
            WayIn::Token(_) => None,
        }
    }

    /// The API token the caller came in with, if any.
    pub fn token(&self) -> Option<&VerifiedToken> {
        match &self.way_in {
            WayIn::Session(_) => None,
            WayIn::Token(token) => Some(token),
        }
    }

    /// An audit event of something done in this scope, saying who did it: the admin,
    /// and, when they came in by an API token, which one (the token acts for the admin
    /// who made it, so the account alone would not tell the two ways in apart).
    pub fn audit_event(&self, action: &'static str) -> AuditEvent {
        let event = AuditEvent::new(action)
            .actor(self.account_id())
            .institution(self.institution_id());
        match &self.way_in {
            WayIn::Session(_) => event,
            WayIn::Token(token) => {
                event.actor_label(format!("API token {} ({})", token.name(), token.id()))
            }
        }
    }

    /// The scope an API token opens: only [`authenticate`](crate::auth::api_token::authenticate) makes a
    /// [`VerifiedToken`], after checking the token, its institution (not suspended), its
    /// creator (still an active admin there) and its scopes, so this is no bypass.
    pub fn from_token(institution: InstitutionHeader, token: VerifiedToken) -> Self {
        Self {
            institution,
            acting: Acting::Member(InstitutionRole::Admin),
            way_in: WayIn::Token(token),
            _role: PhantomData,
        }
    }

    /// Whether the person may change things here (shows or hides forms).
    pub fn can_write(&self) -> bool {
        matches!(
            self.acting,
            Acting::Member(InstitutionRole::Admin) | Acting::Staff(StaffRole::Staff)
        )
    }

    pub fn is_staff(&self) -> bool {
        matches!(self.acting, Acting::Staff(_))
    }
}

impl<R: RequiredRole> FromRequestParts<AppState> for InstitutionScope<R> {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        let institution_id = params
            .iter()
            .find(|(name, _)| *name == "institution_id")
            .and_then(|(_, value)| value.parse::<InstitutionId>().ok())
            .ok_or(AppError::NotFound)?;
        // The session, the account, the institution and the membership: one round trip.
        let signed_in =
            crate::auth::extractors::load_signed_in(parts, state, Some(institution_id)).await?;
        let (current, institution, role) = CurrentAccount::of(signed_in)?;
        let institution = institution.ok_or(AppError::NotFound)?;
        let acting = match current.account.staff_role {
            Some(StaffRole::Staff) => Acting::Staff(StaffRole::Staff),
            Some(StaffRole::StaffAuditor) if R::MIN == InstitutionRole::Auditor => {
                Acting::Staff(StaffRole::StaffAuditor)
            }
            Some(StaffRole::StaffAuditor) => return Err(AppError::Forbidden),
            None => {
                // Not a member: the institution might as well not exist.
                let role = role.ok_or(AppError::NotFound)?;
                if institution.status == TcsStatus::Suspended {
                    return Err(AppError::InstitutionSuspended);
                }
                if role < R::MIN {
                    return Err(AppError::Forbidden);
                }
                Acting::Member(role)
            }
        };
        Ok(Self {
            institution,
            acting,
            way_in: WayIn::Session(Box::new(current)),
            _role: PhantomData,
        })
    }
}

/// A proof that the caller may read one institution's own data (its detail, its
/// domains): any [`InstitutionScope`], or a self-service person of that institution.
pub trait TenantScope {
    fn institution_id(&self) -> InstitutionId;
}

impl<R: RequiredRole> TenantScope for InstitutionScope<R> {
    fn institution_id(&self) -> InstitutionId {
        self.institution.id
    }
}

impl TenantScope for crate::auth::person::SelfServicePerson {
    fn institution_id(&self) -> InstitutionId {
        crate::auth::person::SelfServicePerson::institution_id(self)
    }
}

/// Who asks for an order, as the order row and the audit log record it.
#[derive(Debug, Clone, Copy)]
pub enum Requester<'a> {
    /// An admin (or full staff) of the institution.
    Account(AccountId),
    /// A self-service person, for themselves: their identity at their IdP, and what
    /// proved the mailbox.
    Person {
        idp_entity_id: &'a str,
        stable_id: &'a str,
        mail: &'a str,
    },
}

/// A proof that the caller may place orders for one institution: an admin's scope, or a
/// self-service person (whose orders are their own). Reading scopes do not have it.
pub trait OrderingScope: TenantScope {
    fn requester(&self) -> Requester<'_>;

    /// An audit event of something this caller did, saying who: the admin (and the API
    /// token they came in by), or the person.
    fn audit_event(&self, action: &'static str) -> AuditEvent;
}

impl OrderingScope for InstitutionScope<Admin> {
    fn requester(&self) -> Requester<'_> {
        Requester::Account(self.account_id())
    }

    fn audit_event(&self, action: &'static str) -> AuditEvent {
        InstitutionScope::audit_event(self, action)
    }
}

impl OrderingScope for crate::auth::person::SelfServicePerson {
    fn requester(&self) -> Requester<'_> {
        Requester::Person {
            idp_entity_id: self.idp_entity_id(),
            stable_id: self.stable_id(),
            mail: &self.login().mail,
        }
    }

    fn audit_event(&self, action: &'static str) -> AuditEvent {
        AuditEvent::new(action)
            .actor_label(self.login().mail.as_str())
            .institution(self.institution_id())
    }
}
