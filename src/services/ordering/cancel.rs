//! Canceling an order. An admin cancels before it went to DigiCert: the check and the
//! change are one UPDATE, and the submit job counts its attempt with the opposite
//! condition, so a cancel and a submission can never both win. The end of a
//! departure's grace period (issue 15 §4) goes further: an order DigiCert already has
//! is canceled there first, so nothing is issued to someone who left.
use serde_json::json;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::{Admin, InstitutionScope};
use crate::db::orders::{self as db, OrderRecord};
use crate::domain::{DepartureId, OrderId, OrderStatus};
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOutcome {
    Canceled,
    NotFound,
    /// DigiCert has it, or it ended already.
    TooLate,
}

pub async fn cancel(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    order_id: OrderId,
) -> anyhow::Result<CancelOutcome> {
    let mut tx = state.db.begin().await?;
    if !db::cancel_before_submission(&mut tx, scope, order_id, state.clock.now()).await? {
        tx.rollback().await?;
        return Ok(if db::exists(&state.db, scope, order_id).await? {
            CancelOutcome::TooLate
        } else {
            CancelOutcome::NotFound
        });
    }
    AuditEvent::new("order.canceled")
        .actor(scope.account_id())
        .institution(scope.institution_id())
        .target(format!("order:{order_id}"))
        .details(json!({}))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(CancelOutcome::Canceled)
}

/// What ending a departed person's unissued order gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Withdrawn {
    /// Canceled here, and at DigiCert first when DigiCert had it.
    Canceled,
    /// A submission is under way, or its outcome is not known yet: the order's state
    /// settles first, and a later run looks again.
    InFlight,
    /// DigiCert refused or failed, or is not configured; nothing changed here.
    Failed(String),
}

/// Why DigiCert is asked to cancel, as its order notes show it.
const DEPARTURE_NOTE: &str = "the holder left the institution";

/// Cancels `order` (not issued, not ended) because its holder's departure ended: here
/// when DigiCert never had it, else at DigiCert and then here. Every answer is audited
/// on the order.
pub async fn withdraw_for_departure(
    state: &AppState,
    meta: &RequestMeta,
    order: &OrderRecord,
    departure: DepartureId,
) -> anyhow::Result<Withdrawn> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if db::unscoped_cancel_before_submission(&mut tx, order.institution_id, order.id, now).await? {
        departure_event(order, departure, "order.canceled")
            .details(json!({ "why": DEPARTURE_NOTE, "at_digicert": false }))
            .record(&mut tx, meta)
            .await?;
        tx.commit().await?;
        return Ok(Withdrawn::Canceled);
    }
    tx.rollback().await?;
    let at_digicert = matches!(
        order.status,
        OrderStatus::Submitted | OrderStatus::PendingValidation
    );
    let digicert_id = order
        .digicert_order_id
        .and_then(|id| u64::try_from(id).ok())
        .filter(|_| at_digicert);
    let Some(digicert_id) = digicert_id else {
        return Ok(Withdrawn::InFlight);
    };
    let asked = match state.digicert.clone() {
        None => Err("DigiCert is not configured".to_owned()),
        Some(client) => client
            .cancel_order(digicert::OrderId(digicert_id), DEPARTURE_NOTE)
            .await
            .map_err(|error| error.to_string()),
    };
    let mut tx = state.db.begin().await?;
    let outcome = match asked {
        Ok(()) => {
            db::unscoped_stop(
                &mut tx,
                order.id,
                OrderStatus::Canceled,
                "canceled",
                DEPARTURE_NOTE,
                now,
            )
            .await?;
            departure_event(order, departure, "order.canceled")
                .details(json!({ "why": DEPARTURE_NOTE, "at_digicert": true }))
                .record(&mut tx, meta)
                .await?;
            Withdrawn::Canceled
        }
        Err(error) => {
            departure_event(order, departure, "order.cancel_refused")
                .details(json!({ "why": DEPARTURE_NOTE, "error": error }))
                .record(&mut tx, meta)
                .await?;
            Withdrawn::Failed(error)
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

fn departure_event(
    order: &OrderRecord,
    departure: DepartureId,
    action: &'static str,
) -> AuditEvent {
    AuditEvent::new(action)
        .actor_label(format!("departure:{departure}"))
        .institution(order.institution_id)
        .target(format!("order:{}", order.id))
}
