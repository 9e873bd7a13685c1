//! Whether a person the IdP vouched for may use self-service, decided once per login
//! and audited either way.
use serde_json::json;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::person::{self, PersonLogin};
use crate::domain::self_service::{MailboxProof, NotAdmitted};
use crate::services::preconditions::{self, Unmet};
use crate::services::saml::AcceptedIdentity;
use crate::state::AppState;

/// Why a person is turned away; each has a message in the person's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The institution has self-service off (or never set a policy).
    SelfServiceOff,
    /// Neither an allowed affiliation nor the required entitlement.
    AffiliationNotAllowed,
    /// `mail` is outside the institution's validated domains.
    MailOutsideDomains,
    /// The institution does not meet the TCS preconditions.
    PreconditionsNotMet,
}

impl Refusal {
    pub fn message_key(self) -> &'static str {
        match self {
            Self::SelfServiceOff => "self_service.refused.off",
            Self::AffiliationNotAllowed => "self_service.refused.affiliation",
            Self::MailOutsideDomains => "self_service.refused.mail_outside",
            Self::PreconditionsNotMet => "self_service.refused.preconditions",
        }
    }

    /// A short name for the audit log.
    pub fn code(self) -> &'static str {
        match self {
            Self::SelfServiceOff => "self_service_off",
            Self::AffiliationNotAllowed => "affiliation_not_allowed",
            Self::MailOutsideDomains => "mail_outside_domains",
            Self::PreconditionsNotMet => "preconditions_not_met",
        }
    }
}

impl From<NotAdmitted> for Refusal {
    fn from(not: NotAdmitted) -> Self {
        match not {
            NotAdmitted::SelfServiceOff => Self::SelfServiceOff,
            NotAdmitted::AffiliationNotAllowed => Self::AffiliationNotAllowed,
        }
    }
}

/// What the audit keeps of a self-service login: the IdP, the assertion and the
/// attributes the decision and the order use, nothing more.
fn attributes_used(identity: &AcceptedIdentity) -> serde_json::Value {
    json!({
        "idp": identity.idp_entity_id,
        "assertion_id": identity.assertion_id,
        "stable_id": identity.stable_id,
        "mail": identity.mail.as_str(),
        "given_name": identity.given_name,
        "surname": identity.surname,
        "display_name": identity.display_name,
        "scoped_affiliations": identity.scoped_affiliations,
        "entitlements": identity.entitlements,
    })
}

async fn decide(state: &AppState, identity: &AcceptedIdentity) -> anyhow::Result<Option<Refusal>> {
    let policy = crate::db::self_service::unscoped_policy(&state.db, identity.institution_id)
        .await?
        .unwrap_or_default();
    if let Err(not) = policy.admits(&identity.scoped_affiliations, &identity.entitlements) {
        return Ok(Some(not.into()));
    }
    let institution =
        crate::db::institutions::unscoped_detail(&state.db, identity.institution_id).await?;
    let domains = crate::db::domains::unscoped_list(&state.db, identity.institution_id).await?;
    let unmet = preconditions::evaluate(
        &institution,
        &domains,
        std::slice::from_ref(&identity.mail),
        state.clock.now(),
    );
    // The address is the person's own matter; the rest is the institution's.
    let about_mail = |unmet: &Unmet| {
        matches!(
            unmet,
            Unmet::EmailOutsideDomains { .. } | Unmet::DomainNotValidated { .. }
        )
    };
    Ok(if unmet.iter().any(about_mail) {
        Some(Refusal::MailOutsideDomains)
    } else if !unmet.is_empty() {
        Some(Refusal::PreconditionsNotMet)
    } else {
        None
    })
}

/// The person's login if the policy admits them, else why not; audited either way.
pub async fn admit(
    state: &AppState,
    meta: &RequestMeta,
    identity: &AcceptedIdentity,
) -> anyhow::Result<Result<PersonLogin, Refusal>> {
    let refusal = decide(state, identity).await?;
    let mut details = attributes_used(identity);
    let event = match refusal {
        None => AuditEvent::new("self_service.login"),
        Some(refusal) => {
            details["reason"] = json!(refusal.code());
            AuditEvent::new("self_service.login_refused")
        }
    };
    let mut tx = state.db.begin().await?;
    // A person whose affiliation is gone keeps certificates their admins should know of;
    // one admitted again clears the flag.
    if matches!(refusal, None | Some(Refusal::AffiliationNotAllowed)) {
        let flagged = crate::db::departures::unscoped_flag_lost_affiliation(
            &mut tx,
            identity.institution_id,
            &identity.idp_entity_id,
            &identity.stable_id,
            refusal.is_some(),
            state.clock.now(),
        )
        .await?;
        if !flagged.is_empty() {
            details["flagged_orders"] =
                json!(flagged.iter().map(ToString::to_string).collect::<Vec<_>>());
        }
    }
    event
        .actor_label(identity.mail.as_str())
        .institution(identity.institution_id)
        .target(identity.idp_entity_id.clone())
        .details(details)
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    if let Some(refusal) = refusal {
        return Ok(Err(refusal));
    }
    let trusts_idp_mail =
        crate::db::self_service::unscoped_policy(&state.db, identity.institution_id)
            .await?
            .is_some_and(|policy| policy.mailbox_proof == MailboxProof::IdpMail);
    Ok(Ok(PersonLogin {
        institution_id: identity.institution_id,
        idp_entity_id: identity.idp_entity_id.clone(),
        stable_id: identity.stable_id.clone(),
        mail: identity.mail.as_str().to_owned(),
        given_name: identity.given_name.clone(),
        surname: identity.surname.clone(),
        display_name: identity.display_name.clone(),
        assertion_id: identity.assertion_id.clone(),
        scoped_affiliations: identity.scoped_affiliations.clone(),
        entitlements: identity.entitlements.clone(),
        mailbox_proved: trusts_idp_mail,
        expires_at: state.clock.now() + person::LIFETIME,
    }))
}
