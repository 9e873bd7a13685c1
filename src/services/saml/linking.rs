//! Admins and their federated identity (issue 15 §3): linking it while logged in with
//! password and second factor, and logging in with it afterwards. Everything is audited.
use serde_json::json;

use super::AcceptedIdentity;
use super::acs::Refusal;
use crate::audit::{AuditEvent, RequestMeta};
use crate::domain::{AccountId, InstitutionId};
use crate::state::AppState;

pub enum LinkOutcome {
    Linked,
    /// The identity already opens another account.
    TakenByAnother,
}

/// What the audit keeps of an identity: never more than the portal used.
fn identity_details(identity: &AcceptedIdentity) -> serde_json::Value {
    json!({
        "idp": identity.idp_entity_id,
        "stable_id": identity.stable_id,
        "assertion_id": identity.assertion_id,
        "mfa_asserted": identity.mfa,
    })
}

pub async fn link(
    state: &AppState,
    meta: &RequestMeta,
    account_id: AccountId,
    identity: &AcceptedIdentity,
) -> anyhow::Result<LinkOutcome> {
    let mut tx = state.db.begin().await?;
    let linked = crate::db::saml::link_identity(
        &mut tx,
        &identity.idp_entity_id,
        &identity.stable_id,
        account_id,
        identity.institution_id,
        state.clock.now(),
    )
    .await?;
    let action = if linked {
        "saml.identity_linked"
    } else {
        "saml.identity_link_refused"
    };
    AuditEvent::new(action)
        .actor(account_id)
        .institution(identity.institution_id)
        .target(identity.idp_entity_id.clone())
        .details(identity_details(identity))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(if linked {
        LinkOutcome::Linked
    } else {
        LinkOutcome::TakenByAnother
    })
}

/// An account the identity may log in to.
pub struct FederatedLogin {
    pub account_id: AccountId,
    pub session_epoch: i32,
    /// The IdP asserted REFEDS MFA, so the portal's own second factor is not asked for.
    pub mfa_done: bool,
}

/// The linked, active account with a second factor enrolled, if there is one.
pub async fn login(
    state: &AppState,
    meta: &RequestMeta,
    identity: &AcceptedIdentity,
) -> anyhow::Result<Option<FederatedLogin>> {
    let account_id =
        crate::db::saml::linked_account(&state.db, &identity.idp_entity_id, &identity.stable_id)
            .await?;
    let account = match account_id {
        Some(id) => crate::db::accounts::find_by_id(&state.db, id).await?,
        None => None,
    };
    let now = state.clock.now();
    let usable = account
        .filter(|account| account.active && !account.is_locked(now) && account.mfa_enrolled());
    let mut tx = state.db.begin().await?;
    let event = match &usable {
        Some(account) => AuditEvent::new("login.saml_ok").actor(account.id),
        None => AuditEvent::new("login.saml_refused").actor_label(identity.stable_id.clone()),
    };
    event
        .institution(identity.institution_id)
        .target(identity.idp_entity_id.clone())
        .details(identity_details(identity))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(usable.map(|account| FederatedLogin {
        account_id: account.id,
        session_epoch: account.session_epoch,
        mfa_done: identity.mfa,
    }))
}

/// A refused response, for the audit log: which IdP, and why.
pub async fn record_refusal(
    state: &AppState,
    meta: &RequestMeta,
    idp_entity_id: Option<&str>,
    institution_id: Option<InstitutionId>,
    refusal: Refusal,
) -> anyhow::Result<()> {
    let mut tx = state.db.begin().await?;
    let mut event = AuditEvent::new("saml.response_refused")
        .actor_label(idp_entity_id.unwrap_or("unknown IdP"))
        .details(json!({ "reason": refusal.code() }));
    if let Some(institution_id) = institution_id {
        event = event.institution(institution_id);
    }
    event.record(&mut tx, meta).await?;
    tx.commit().await?;
    Ok(())
}
