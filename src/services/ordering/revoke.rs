//! Revoking an issued order through DigiCert, for an admin or for the person who
//! holds the certificate. Our order becomes `revoked` only when DigiCert says the
//! certificate is revoked, not when a revoke request waits.
use digicert::{self, OrderId, RevocationReason, RevokeRequest};
use serde_json::json;
use uuid::Uuid;

use super::status;
use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::{Admin, InstitutionScope};
use crate::db::enrollments;
use crate::db::orders::{self as db, OrderRecord};
use crate::services::enrollment::{self, revoked::Revocation};
use crate::state::AppState;

/// The reasons an admin may give for a revocation (RFC 5280 codes DigiCert takes).
pub const REVOCATION_REASONS: [(RevocationReason, &str); 5] = [
    (
        RevocationReason::KeyCompromise,
        "order.revoke_reasons.key_compromise",
    ),
    (
        RevocationReason::AffiliationChanged,
        "order.revoke_reasons.affiliation_changed",
    ),
    (
        RevocationReason::Superseded,
        "order.revoke_reasons.superseded",
    ),
    (
        RevocationReason::CessationOfOperation,
        "order.revoke_reasons.cessation",
    ),
    (
        RevocationReason::Unspecified,
        "order.revoke_reasons.unspecified",
    ),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeOutcome {
    Revoked,
    /// DigiCert filed a revoke request that still waits for approval.
    AwaitingApproval,
    NotFound,
    /// Only issued orders can be revoked.
    NotIssued,
    NotConfigured,
    /// DigiCert refused or failed; nothing changed here.
    Failed(String),
}

/// Who asked for a revocation, as the audit log names them.
#[derive(Debug, Clone)]
pub enum Revoker {
    Admin(Uuid),
    /// The certificate's holder, through their link; labelled by mailbox.
    Person(String),
}

pub async fn revoke(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    order_id: Uuid,
    reason: RevocationReason,
    comment: &str,
) -> anyhow::Result<RevokeOutcome> {
    // Another institution's order is not found, whatever else is true.
    let Some(order) = db::get(&state.db, scope, order_id).await? else {
        return Ok(RevokeOutcome::NotFound);
    };
    revoke_order(
        state,
        meta,
        &order,
        Revoker::Admin(scope.account_id()),
        reason,
        comment,
    )
    .await
}

/// The one way an order is revoked, whoever asks: DigiCert first, and the order
/// marked `revoked` only on its confirmation. `order` must come from the
/// caller's authority (an admin's scope, or the person's own enrollment).
pub async fn revoke_order(
    state: &AppState,
    meta: &RequestMeta,
    order: &OrderRecord,
    by: Revoker,
    reason: RevocationReason,
    comment: &str,
) -> anyhow::Result<RevokeOutcome> {
    let Some(client) = state.digicert.clone() else {
        return Ok(RevokeOutcome::NotConfigured);
    };
    let digicert_id = order
        .digicert_order_id
        .and_then(|id| u64::try_from(id).ok());
    let (true, Some(digicert_id)) = (order.status == status::ISSUED, digicert_id) else {
        return Ok(RevokeOutcome::NotIssued);
    };
    let request = RevokeRequest {
        comments: comment.to_owned(),
        revocation_reason: Some(reason.clone()),
        skip_approval: true,
    };
    let outcome = match client.revoke_order(OrderId(digicert_id), &request).await {
        Ok(digicert::RevokeOutcome::Revoked) => RevokeOutcome::Revoked,
        Ok(digicert::RevokeOutcome::Requested(_)) => RevokeOutcome::AwaitingApproval,
        Err(error) => return Ok(RevokeOutcome::Failed(error.to_string())),
    };
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let audited = |action: &'static str| {
        let event = match &by {
            Revoker::Admin(account) => AuditEvent::new(action).actor(*account),
            Revoker::Person(mailbox) => AuditEvent::new(action).actor_label(mailbox.clone()),
        };
        event
            .institution(order.institution_id)
            .target(format!("order:{}", order.id))
    };
    if outcome == RevokeOutcome::Revoked {
        if db::mark_revoked(&mut tx, order, now).await? {
            let why = match &by {
                Revoker::Admin(_) => Revocation::ByAdmin(&reason),
                Revoker::Person(_) => Revocation::ByPerson,
            };
            enrollment::revoked::mail_revoked(&mut tx, order, why, now).await?;
        }
        // A revoked certificate's key has nothing left to be picked up for; a
        // key kept sealed would only be one more copy to leak.
        if enrollments::wipe_key_of_order(&mut tx, order.institution_id, order.id, now).await? {
            audited("enrollment.key_wiped")
                .details(json!({ "why": "the certificate was revoked" }))
                .record(&mut tx, meta)
                .await?;
        }
    }
    audited("order.revoke")
        .details(json!({
            "reason": reason.as_str(),
            "outcome": format!("{outcome:?}"),
        }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(outcome)
}
