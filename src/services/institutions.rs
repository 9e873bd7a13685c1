//! Staff work on institutions: register, edit, suspend, reactivate; and
//! suspending people's accounts.
use serde_json::json;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::StaffAdmin;
use crate::db::institutions::Collision;
use crate::domain::institution::NewInstitution;
use crate::domain::{AccountId, InstitutionId};
use crate::state::AppState;

/// Creates the institution, or says which unique field collided.
pub async fn create(
    state: &AppState,
    meta: &RequestMeta,
    staff: &StaffAdmin,
    valid: &NewInstitution,
) -> anyhow::Result<Result<InstitutionId, Collision>> {
    let mut tx = state.db.begin().await?;
    match crate::db::institutions::staff_create(&mut tx, staff, valid, state.clock.now()).await? {
        Ok(id) => {
            AuditEvent::new("institution.created")
                .actor(staff.account_id())
                .institution(id)
                .target(format!("institution:{id}"))
                .details(json!({ "slug": valid.slug.as_str(), "name": valid.name_sr }))
                .record(&mut tx, meta)
                .await?;
            tx.commit().await?;
            Ok(Ok(id))
        }
        Err(collision) => Ok(Err(collision)),
    }
}

pub enum UpdateOutcome {
    Updated,
    NotFound,
    Collided(Collision),
}

pub async fn update(
    state: &AppState,
    meta: &RequestMeta,
    staff: &StaffAdmin,
    id: InstitutionId,
    valid: &NewInstitution,
) -> anyhow::Result<UpdateOutcome> {
    let mut tx = state.db.begin().await?;
    match crate::db::institutions::staff_update(&mut tx, staff, id, valid, state.clock.now())
        .await?
    {
        Ok(false) => Ok(UpdateOutcome::NotFound),
        Ok(true) => {
            AuditEvent::new("institution.updated")
                .actor(staff.account_id())
                .institution(id)
                .target(format!("institution:{id}"))
                .details(json!({
                    "slug": valid.slug.as_str(),
                    "registered": valid.registered,
                    "digicert_org_id": valid.digicert_org_id,
                }))
                .record(&mut tx, meta)
                .await?;
            tx.commit().await?;
            Ok(UpdateOutcome::Updated)
        }
        Err(collision) => Ok(UpdateOutcome::Collided(collision)),
    }
}

/// Suspends (or lifts the suspension of) an institution, with the reason audited.
/// False when it was already in that state (or does not exist).
pub async fn set_suspended(
    state: &AppState,
    meta: &RequestMeta,
    staff: &StaffAdmin,
    id: InstitutionId,
    suspend: bool,
    reason: &str,
) -> anyhow::Result<bool> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let changed = if suspend {
        crate::db::institutions::staff_suspend(&mut tx, staff, id, now).await?
    } else {
        crate::db::institutions::staff_reactivate(&mut tx, staff, id, now).await?
    };
    if changed {
        AuditEvent::new(if suspend {
            "institution.suspended"
        } else {
            "institution.reactivated"
        })
        .actor(staff.account_id())
        .institution(id)
        .target(format!("institution:{id}"))
        .details(json!({ "reason": reason }))
        .record(&mut tx, meta)
        .await?;
        tx.commit().await?;
    }
    Ok(changed)
}

/// Suspends or reactivates a person's account (all their sessions end on suspension).
pub async fn set_account_active(
    state: &AppState,
    meta: &RequestMeta,
    staff: &StaffAdmin,
    account_id: AccountId,
    active: bool,
    reason: &str,
) -> anyhow::Result<bool> {
    if account_id == staff.account_id() {
        return Ok(false);
    }
    let mut tx = state.db.begin().await?;
    let changed = crate::db::accounts::staff_set_active(
        &mut tx,
        staff,
        account_id,
        active,
        state.clock.now(),
    )
    .await?;
    if changed {
        AuditEvent::new(if active {
            "account.reactivated"
        } else {
            "account.suspended"
        })
        .actor(staff.account_id())
        .target(format!("account:{account_id}"))
        .details(json!({ "reason": reason }))
        .record(&mut tx, meta)
        .await?;
        tx.commit().await?;
    }
    Ok(changed)
}
