//! Canceling an order before it went to DigiCert. The check and the change are
//! one UPDATE, and the submit job counts its attempt with the opposite
//! condition, so a cancel and a submission can never both win.
use serde_json::json;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::{Admin, InstitutionScope};
use crate::db::orders as db;
use crate::domain::OrderId;
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
