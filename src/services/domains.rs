//! An institution's domains: adding (within AMRES's suffixes, or any for staff; never
//! a name another institution owns, nor one above or below such a name), staff
//! assigning a name despite another institution's names above or below it, and
//! removing (never while a live certificate uses the domain).
use serde_json::json;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::StaffAdmin;
use crate::auth::scope::{Admin, InstitutionScope};
use crate::db::domains::{AddDomain, LiveCertificate};
use crate::domain::{DomainId, DomainName, DomainNameError, InstitutionId};
use crate::state::AppState;

/// Parses a typed domain by the rule of whoever adds it: institution admins only
/// under the allowed suffixes, staff anything well-formed.
pub fn parse_for(
    scope: &InstitutionScope<Admin>,
    input: &str,
    allowed_suffixes: &[String],
) -> Result<DomainName, DomainNameError> {
    if scope.is_staff() {
        DomainName::parse(input)
    } else {
        DomainName::parse_under(input, allowed_suffixes)
    }
}

pub async fn add(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    name: &DomainName,
) -> anyhow::Result<AddDomain> {
    let mut tx = state.db.begin().await?;
    let outcome = crate::db::domains::add(&mut tx, scope, name, state.clock.now()).await?;
    if let AddDomain::Added(id) = outcome {
        AuditEvent::new("domain.added")
            .actor(scope.account_id())
            .institution(scope.institution_id())
            .target(format!("domain:{id}"))
            .details(json!({ "name": name.as_str() }))
            .record(&mut tx, meta)
            .await?;
        tx.commit().await?;
    }
    Ok(outcome)
}

/// Staff give `institution_id` the name `name` although another institution owns a
/// name above or below it, for the reason given, which is audited with the names it
/// overrides. The very same name owned elsewhere stays refused.
pub async fn staff_assign(
    state: &AppState,
    meta: &RequestMeta,
    staff: &StaffAdmin,
    institution_id: InstitutionId,
    name: &DomainName,
    reason: &str,
) -> anyhow::Result<AddDomain> {
    let mut tx = state.db.begin().await?;
    let outcome =
        crate::db::domains::staff_assign(&mut tx, staff, institution_id, name, state.clock.now())
            .await?;
    if let AddDomain::Added(id) = outcome {
        let overridden: Vec<_> =
            crate::db::domains::staff_overlapping(&mut tx, staff, institution_id, name)
                .await?
                .into_iter()
                .map(|(name, owner)| json!({ "name": name, "institution": owner }))
                .collect();
        AuditEvent::new("domain.assigned_by_staff")
            .actor(staff.account_id())
            .institution(institution_id)
            .target(format!("domain:{id}"))
            .details(json!({ "name": name.as_str(), "reason": reason, "overrides": overridden }))
            .record(&mut tx, meta)
            .await?;
        tx.commit().await?;
    }
    Ok(outcome)
}

pub enum RemoveOutcome {
    Removed(DomainName),
    NotFound,
    /// The typed confirmation did not match the domain's name.
    NotConfirmed,
    InUse(DomainName, Vec<LiveCertificate>),
}

pub async fn remove(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    domain_id: DomainId,
    confirmation: &str,
) -> anyhow::Result<RemoveOutcome> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let Some(name) = crate::db::domains::lock(&mut tx, scope, domain_id).await? else {
        return Ok(RemoveOutcome::NotFound);
    };
    let typed = confirmation.trim().trim_end_matches('.').to_lowercase();
    if typed != name.as_str() && typed != name.to_unicode() {
        return Ok(RemoveOutcome::NotConfirmed);
    }
    let live = crate::db::domains::live_certificates_using(&mut tx, scope, domain_id, now).await?;
    if !live.is_empty() {
        return Ok(RemoveOutcome::InUse(name, live));
    }
    crate::db::domains::remove(&mut tx, scope, domain_id, now).await?;
    AuditEvent::new("domain.removed")
        .actor(scope.account_id())
        .institution(scope.institution_id())
        .target(format!("domain:{domain_id}"))
        .details(json!({ "name": name.as_str() }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(RemoveOutcome::Removed(name))
}
