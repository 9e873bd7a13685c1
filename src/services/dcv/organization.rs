//! Staff submit an institution's DigiCert organization for S/MIME validation.
use digicert::types::{OrganizationId, ValidationType};
use serde_json::json;

use super::{DcvNotice, notice_for};
use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::StaffAdmin;
use crate::domain::InstitutionId;
use crate::services::validation_sync::Syncer;
use crate::state::AppState;

/// Submits the organization of `institution_id`; `None` when there is no such institution.
pub async fn submit_validation(
    state: &AppState,
    meta: &RequestMeta,
    staff: &StaffAdmin,
    institution_id: InstitutionId,
) -> anyhow::Result<Option<DcvNotice>> {
    let Some(linked) = crate::db::dcv::staff_org_id(&state.db, staff, institution_id).await? else {
        return Ok(None);
    };
    Ok(Some(
        submit_linked(state, meta, staff, institution_id, linked).await?,
    ))
}

async fn submit_linked(
    state: &AppState,
    meta: &RequestMeta,
    staff: &StaffAdmin,
    institution_id: InstitutionId,
    linked: Option<i64>,
) -> anyhow::Result<DcvNotice> {
    let Some(syncer) = Syncer::from_state(state) else {
        return Ok(DcvNotice::NotConfigured);
    };
    let Some(org_id) = linked else {
        return Ok(DcvNotice::NotLinked);
    };
    let Ok(org) = u64::try_from(org_id).map(OrganizationId) else {
        return Ok(DcvNotice::NotFoundAtDigicert);
    };
    let submitted = syncer
        .call(|| {
            syncer
                .client()
                .submit_organization_validation(org, &[ValidationType::Smime])
        })
        .await;
    if let Err(stop) = submitted {
        return Ok(notice_for(stop)?);
    }
    let mut tx = state.db.begin().await?;
    crate::db::dcv::staff_mark_org_submitted(&mut tx, staff, institution_id, org_id).await?;
    AuditEvent::new("organization.validation_submitted")
        .actor(staff.account_id())
        .institution(institution_id)
        .target(format!("digicert_org:{org_id}"))
        .details(json!({ "validation": "smime" }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(DcvNotice::OrganizationSubmitted)
}
