//! Writing DigiCert's validation states over our cached copy, for one sync target.
//! Every statement filters by the target's institution (and, for the institution
//! row, its DigiCert organization, so a link changed meanwhile is never overwritten).
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;

use crate::db::institutions::SyncTarget;
use crate::domain::{DomainId, InstitutionId, ValidationStatus};

/// The cached organization validation, locked for the sync's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedOrganization {
    pub status: ValidationStatus,
    pub validated_until: Option<OffsetDateTime>,
}

/// `None` when the institution is no longer linked to the target's organization.
pub async fn lock_organization(
    tx: &mut Transaction<'_, Postgres>,
    target: &SyncTarget,
) -> sqlx::Result<Option<CachedOrganization>> {
    let row = sqlx::query!(
        r#"SELECT org_validation_status AS "org_validation_status: ValidationStatus", org_validated_until
           FROM institutions
           WHERE id = $1 AND digicert_org_id = $2 FOR UPDATE"#,
        target.institution_id() as InstitutionId,
        target.digicert_org_id()
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|row| CachedOrganization {
        status: row.org_validation_status,
        validated_until: row.org_validated_until,
    }))
}

pub async fn store_organization(
    tx: &mut Transaction<'_, Postgres>,
    target: &SyncTarget,
    status: &str,
    validated_until: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"UPDATE institutions
           SET org_validation_status = $3, org_validated_until = $4, org_synced_at = $5
           WHERE id = $1 AND digicert_org_id = $2"#,
        target.institution_id() as InstitutionId,
        target.digicert_org_id(),
        status,
        validated_until,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One of our current domains as cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedDomain {
    pub id: DomainId,
    pub name: String,
    pub validation_status: ValidationStatus,
    pub validated_until: Option<OffsetDateTime>,
}

pub async fn lock_domains(
    tx: &mut Transaction<'_, Postgres>,
    target: &SyncTarget,
) -> sqlx::Result<Vec<CachedDomain>> {
    sqlx::query_as!(
        CachedDomain,
        r#"SELECT id AS "id: DomainId", name, validation_status AS "validation_status: ValidationStatus",
                  validated_until FROM domains
           WHERE institution_id = $1 AND removed_at IS NULL ORDER BY name FOR UPDATE"#,
        target.institution_id() as InstitutionId
    )
    .fetch_all(&mut **tx)
    .await
}

/// DigiCert's view of one domain, as our columns hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainValidation<'a> {
    pub status: &'a str,
    pub validated_until: Option<OffsetDateTime>,
    /// `None` keeps the method we have (DigiCert named one our schema does not know).
    pub dcv_method: Option<&'a str>,
    pub digicert_domain_id: Option<i64>,
}

pub async fn store_domain(
    tx: &mut Transaction<'_, Postgres>,
    target: &SyncTarget,
    domain_id: DomainId,
    validation: &DomainValidation<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"UPDATE domains
           SET validation_status = $3, validated_until = $4,
               dcv_method = coalesce($5, dcv_method), digicert_domain_id = $6,
               synced_at = $7, updated_at = $7
           WHERE institution_id = $1 AND id = $2"#,
        target.institution_id() as InstitutionId,
        domain_id as DomainId,
        validation.status,
        validation.validated_until,
        validation.dcv_method,
        validation.digicert_domain_id,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
