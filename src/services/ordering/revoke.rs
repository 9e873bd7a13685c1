//! Revoking an issued order through DigiCert, for an admin or for the person who
//! holds the certificate. Our order becomes `revoked` only when DigiCert says the
//! certificate is revoked, not when a revoke request waits. Every answer, a refusal
//! too, leaves an audit event on the order.
use digicert::{self, RevokeRequest};
use serde_json::json;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::{Admin, InstitutionScope};
use crate::db::enrollments;
use crate::db::orders::{self as db, OrderRecord};
use crate::domain::{
    AccountId, DepartureId, InvalidFields, OrderId, OrderStatus, Revocation, RevocationReason,
};
use crate::services::enrollment::{self, revoked::RevokedBy};
use crate::state::AppState;

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

impl RevokeOutcome {
    /// The outcome as the audit log and the API name it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Revoked => "revoked",
            Self::AwaitingApproval => "awaiting_approval",
            Self::NotFound => "not_found",
            Self::NotIssued => "not_issued",
            Self::NotConfigured => "digicert_not_configured",
            Self::Failed(_) => "digicert_refused",
        }
    }

    /// Whether nothing was revoked or requested.
    fn is_refusal(&self) -> bool {
        !matches!(self, Self::Revoked | Self::AwaitingApproval)
    }
}

/// Who asked for a revocation, as the audit log names them.
#[derive(Debug, Clone)]
pub enum Revoker {
    Admin(AccountId),
    /// The certificate's holder, through their link; labelled by mailbox.
    Person(String),
    /// The end of a departure's grace period (issue 15 §4), by the scheduled job.
    Departure(DepartureId),
}

pub async fn revoke(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    order_id: OrderId,
    revocation: &Revocation,
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
        revocation.reason,
        revocation.comment.as_str(),
    )
    .await
}

/// Records that an admin's revocation was refused before DigiCert was asked, because
/// of what was typed; the event names the fields and their errors, not the input.
/// `false` when the order is not the institution's.
pub async fn refuse_revocation(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    order_id: OrderId,
    invalid: &InvalidFields,
) -> anyhow::Result<bool> {
    let Some(order) = db::get(&state.db, scope, order_id).await? else {
        return Ok(false);
    };
    let fields: serde_json::Map<String, serde_json::Value> = invalid
        .iter()
        .map(|(field, key)| (field.to_owned(), json!(key)))
        .collect();
    let mut tx = state.db.begin().await?;
    audit_event(&order, &Revoker::Admin(scope.account_id()), REFUSED)
        .details(json!({ "outcome": "invalid", "invalid": fields }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// A revocation DigiCert was asked for (done or waiting).
const REVOKED: &str = "order.revoke";
/// A revocation that did not happen.
const REFUSED: &str = "order.revoke_refused";

/// An event on `order` by whoever asked.
fn audit_event(order: &OrderRecord, by: &Revoker, action: &'static str) -> AuditEvent {
    let event = match by {
        Revoker::Admin(account) => AuditEvent::new(action).actor(*account),
        Revoker::Person(mailbox) => AuditEvent::new(action).actor_label(mailbox.clone()),
        Revoker::Departure(id) => AuditEvent::new(action).actor_label(format!("departure:{id}")),
    };
    event
        .institution(order.institution_id)
        .target(format!("order:{}", order.id))
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
    let outcome = ask_digicert(state, order, reason, comment).await;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if outcome == RevokeOutcome::Revoked {
        if db::mark_revoked(&mut tx, order, now).await? {
            let why = match &by {
                Revoker::Admin(_) | Revoker::Departure(_) => RevokedBy::ByAdmin(reason),
                Revoker::Person(_) => RevokedBy::ByPerson,
            };
            enrollment::revoked::mail_revoked(&mut tx, order, why, now).await?;
        }
        // A revoked certificate's key has nothing left to be picked up for; a
        // key kept sealed would only be one more copy to leak.
        if enrollments::wipe_key_of_order(&mut tx, order.institution_id, order.id, now).await? {
            audit_event(order, &by, "enrollment.key_wiped")
                .details(json!({ "why": "the certificate was revoked" }))
                .record(&mut tx, meta)
                .await?;
        }
    }
    let action = if outcome.is_refusal() {
        REFUSED
    } else {
        REVOKED
    };
    audit_event(order, &by, action)
        .details(json!({
            "reason": reason.as_str(),
            "comment": comment,
            "outcome": outcome.as_str(),
        }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// DigiCert's answer to revoking `order`, or why it was not asked.
async fn ask_digicert(
    state: &AppState,
    order: &OrderRecord,
    reason: RevocationReason,
    comment: &str,
) -> RevokeOutcome {
    let digicert_id = order
        .digicert_order_id
        .and_then(|id| u64::try_from(id).ok());
    let (true, Some(digicert_id)) = (order.status == OrderStatus::Issued, digicert_id) else {
        return RevokeOutcome::NotIssued;
    };
    let Some(client) = state.digicert.clone() else {
        return RevokeOutcome::NotConfigured;
    };
    let request = RevokeRequest {
        comments: comment.to_owned(),
        revocation_reason: Some(digicert::RevocationReason::from(reason.as_str())),
        skip_approval: true,
    };
    match client
        .revoke_order(digicert::OrderId(digicert_id), &request)
        .await
    {
        Ok(digicert::RevokeOutcome::Revoked) => RevokeOutcome::Revoked,
        Ok(digicert::RevokeOutcome::Requested(_)) => RevokeOutcome::AwaitingApproval,
        Err(error) => RevokeOutcome::Failed(error.to_string()),
    }
}
