//! A domain's DCV with DigiCert: submit it with `dns-txt-token`, then "check
//! now" asks DigiCert to look for the TXT record (or issues a new value once the
//! old one expired).
use digicert::types::{DcvMethod, DcvToken, NewDomain, OrganizationId, ValidationType};
use serde_json::json;

use super::{DcvNotice, notice_for};
use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::{Admin, InstitutionScope};
use crate::db::dcv::{self as db, DcvDomain, IssuedToken};
use crate::db::institutions::SyncTarget;
use crate::domain::{DomainId, ValidationStatus};
use crate::services::validation_sync::{Syncer, observed};
use crate::state::AppState;

/// The validation type domains are submitted for: DigiCert validates a domain
/// for organization validation (`ov`); S/MIME orders rely on it.
const DOMAIN_VALIDATION: ValidationType = ValidationType::Ov;

/// What DigiCert and our row say before acting; `Err` is a notice to show at once.
async fn prepare(
    state: &AppState,
    scope: &InstitutionScope<Admin>,
) -> anyhow::Result<Result<(Syncer, SyncTarget), DcvNotice>> {
    // A person is waiting: a shutdown need not cut the short rate-limit wait.
    let Some(syncer) = Syncer::from_state(state) else {
        return Ok(Err(DcvNotice::NotConfigured));
    };
    let Some(target) = crate::db::institutions::sync_target(&state.db, scope).await? else {
        return Ok(Err(DcvNotice::NotLinked));
    };
    Ok(Ok((syncer, target)))
}

/// After adding a domain: submits it when DigiCert is configured and the
/// institution is linked; `None` when there was nothing to submit to.
pub async fn submit_new(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    domain_id: DomainId,
) -> anyhow::Result<Option<DcvNotice>> {
    let (syncer, target) = match prepare(state, scope).await? {
        Ok(ready) => ready,
        Err(_) => return Ok(None),
    };
    // Removed again in between: nothing to submit.
    let Some(domain) = db::domain(&state.db, scope, domain_id).await? else {
        return Ok(None);
    };
    Ok(Some(submit(&syncer, &target, meta, scope, &domain).await?))
}

/// "Check now" (or "Submit to DigiCert" when an earlier submission failed); `None`
/// when the scope has no such domain.
pub async fn check(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    domain_id: DomainId,
) -> anyhow::Result<Option<DcvNotice>> {
    let Some(domain) = db::domain(&state.db, scope, domain_id).await? else {
        return Ok(None);
    };
    Ok(Some(check_domain(state, meta, scope, domain).await?))
}

async fn check_domain(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    domain: DcvDomain,
) -> anyhow::Result<DcvNotice> {
    let (syncer, target) = match prepare(state, scope).await? {
        Ok(ready) => ready,
        Err(notice) => return Ok(notice),
    };
    let Some(digicert_id) = domain
        .digicert_domain_id
        .and_then(|id| u64::try_from(id).ok())
        .map(digicert::types::DomainId)
    else {
        return Ok(submit(&syncer, &target, meta, scope, &domain).await?);
    };
    let token_expired = domain
        .dcv_token_expires_at
        .is_some_and(|until| until <= syncer.now());
    if token_expired && !domain.validation_status.is_validated() {
        return renew_token(&syncer, meta, scope, &domain, digicert_id).await;
    }
    if let Err(stop) = syncer.call(|| syncer.client().check_dcv(digicert_id)).await {
        return Ok(notice_for(stop)?);
    }
    let answer = match syncer
        .call(|| syncer.client().domain(digicert_id, true, true))
        .await
    {
        Ok(answer) => answer,
        Err(stop) => return Ok(notice_for(stop)?),
    };
    let now = syncer.now();
    let observed = observed::domain(&answer, now);
    let mut tx = state.db.begin().await?;
    db::store_checked(
        &mut tx,
        scope,
        domain.id,
        observed.status,
        observed.until,
        now,
    )
    .await?;
    audited("domain.dcv_checked", scope, &domain)
        .details(json!({
            "name": domain.name,
            "from": domain.validation_status.as_str(),
            "to": observed.status,
        }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(if observed.status == ValidationStatus::Validated.as_str() {
        DcvNotice::Validated
    } else {
        DcvNotice::NotFoundYet
    })
}

/// `POST /domain`, sent once: our row already exists, so a failure leaves it
/// there with the notice, and the same button submits again.
async fn submit(
    syncer: &Syncer,
    target: &SyncTarget,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    domain: &DcvDomain,
) -> sqlx::Result<DcvNotice> {
    let Ok(org) = u64::try_from(target.digicert_org_id()).map(OrganizationId) else {
        return Ok(DcvNotice::NotFoundAtDigicert);
    };
    let new = NewDomain::new(
        domain.name.as_str(),
        org,
        DOMAIN_VALIDATION,
        DcvMethod::DnsTxtToken,
    );
    let created = match syncer.call(|| syncer.client().add_domain(&new)).await {
        Ok(created) => created,
        Err(stop) => return notice_for(stop),
    };
    let Ok(digicert_id) = i64::try_from(created.id.0) else {
        // Our column is a bigint; DigiCert's ids have never come near that.
        tracing::warn!(id = created.id.0, "DigiCert domain id out of range");
        return Ok(DcvNotice::Refused);
    };
    let token = issued(created.dcv_token.as_ref());
    let mut tx = syncer.pool().begin().await?;
    db::store_submitted(&mut tx, scope, domain.id, digicert_id, &token, syncer.now()).await?;
    audited("domain.submitted_to_digicert", scope, domain)
        .details(json!({
            "name": domain.name,
            "digicert_domain_id": digicert_id,
            "dcv_method": "dns-txt-token",
        }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(DcvNotice::Submitted)
}

async fn renew_token(
    syncer: &Syncer,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    domain: &DcvDomain,
    digicert_id: digicert::types::DomainId,
) -> anyhow::Result<DcvNotice> {
    let fresh = match syncer
        .call(|| syncer.client().new_dcv_token(digicert_id))
        .await
    {
        Ok(fresh) => fresh,
        Err(stop) => return Ok(notice_for(stop)?),
    };
    let mut tx = syncer.pool().begin().await?;
    db::store_token(
        &mut tx,
        scope,
        domain.id,
        &issued(Some(&fresh)),
        syncer.now(),
    )
    .await?;
    audited("domain.dcv_token_renewed", scope, domain)
        .details(json!({ "name": domain.name }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(DcvNotice::NewToken)
}

fn issued(token: Option<&DcvToken>) -> IssuedToken<'_> {
    IssuedToken {
        token: token.map(|token| token.token.as_str()),
        expires_at: token.and_then(|token| token.expiration_date),
    }
}

fn audited(
    action: &'static str,
    scope: &InstitutionScope<Admin>,
    domain: &DcvDomain,
) -> AuditEvent {
    AuditEvent::new(action)
        .actor(scope.account_id())
        .institution(scope.institution_id())
        .target(format!("domain:{}", domain.id))
}
