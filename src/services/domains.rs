//! An institution's domains: adding (within AMRES's suffixes, or any for staff)
//! and removing (never while a live certificate uses the domain).
use serde_json::json;
use uuid::Uuid;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::scope::{Admin, InstitutionScope};
use crate::db::domains::{AddDomain, LiveCertificate};
use crate::domain::{DomainName, DomainNameError};
use crate::error::AppError;
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
) -> Result<AddDomain, AppError> {
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
    domain_id: Uuid,
    confirmation: &str,
) -> Result<RemoveOutcome, AppError> {
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
