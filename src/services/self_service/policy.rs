//! Admins set their institution's self-service policy; the audit keeps the old and the
//! new values side by side. The departures' grace period is saved with it, through the
//! departures' own function.
use serde_json::json;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::{Admin, InstitutionScope};
use crate::domain::GraceDays;
use crate::domain::self_service::Policy;
use crate::state::AppState;

fn as_json(policy: &Policy) -> serde_json::Value {
    json!({
        "enabled": policy.enabled,
        "affiliations": policy.affiliations.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        "entitlement": policy.entitlement,
        "products": policy.products.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        "profiles": policy.profiles.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        "validity_years": policy.validity.years(),
        "mailbox_proof": policy.mailbox_proof.as_str(),
    })
}

/// Saves the policy and, with it, the departures' grace period shown on the same page
/// (issue 15 §4): both or neither.
pub async fn set(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    policy: &Policy,
    grace: GraceDays,
) -> anyhow::Result<()> {
    let mut tx = state.db.begin().await?;
    crate::services::departures::record_grace_days(&mut tx, meta, scope, scope.account_id(), grace)
        .await?;
    let old =
        crate::db::self_service::set_policy(&mut tx, scope, policy, state.clock.now()).await?;
    AuditEvent::new("self_service.policy_set")
        .actor(scope.account_id())
        .institution(scope.institution_id())
        .target("self_service_policy")
        .details(json!({
            "old": old.as_ref().map(as_json),
            "new": as_json(policy),
        }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(())
}
