//! Onboarding domains and organizations with DigiCert: what DigiCert issued for a
//! domain (its id and the DNS TXT value) and what it said when asked to check.
//! Domain statements filter by the scope's institution.
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::auth::StaffAdmin;
use crate::auth::scope::{Admin, InstitutionScope};
use crate::domain::{DomainId, InstitutionId, ValidationStatus};

/// One of the scope's domains as DCV needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DcvDomain {
    pub id: DomainId,
    pub name: String,
    pub validation_status: ValidationStatus,
    pub digicert_domain_id: Option<i64>,
    pub dcv_token_expires_at: Option<OffsetDateTime>,
}

pub async fn domain(
    pool: &PgPool,
    scope: &InstitutionScope<Admin>,
    id: DomainId,
) -> sqlx::Result<Option<DcvDomain>> {
    sqlx::query_as!(
        DcvDomain,
        r#"SELECT id AS "id: DomainId", name, validation_status AS "validation_status: ValidationStatus",
                  digicert_domain_id, dcv_token_expires_at
           FROM domains WHERE institution_id = $1 AND id = $2 AND removed_at IS NULL"#,
        scope.institution_id() as InstitutionId,
        id as DomainId
    )
    .fetch_optional(pool)
    .await
}

/// What `POST /domain` (or a new token) gave us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken<'a> {
    pub token: Option<&'a str>,
    pub expires_at: Option<OffsetDateTime>,
}

/// Records DigiCert's id for the domain: it now waits for the TXT record.
pub async fn store_submitted(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    id: DomainId,
    digicert_domain_id: i64,
    token: &IssuedToken<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        r#"UPDATE domains
           SET digicert_domain_id = $3, dcv_method = 'dns-txt-token', validation_status = 'pending',
               dcv_token = $4, dcv_token_expires_at = $5, updated_at = $6
           WHERE institution_id = $1 AND id = $2 AND removed_at IS NULL"#,
        scope.institution_id() as InstitutionId,
        id as DomainId,
        digicert_domain_id,
        token.token,
        token.expires_at,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn store_token(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    id: DomainId,
    token: &IssuedToken<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"UPDATE domains SET dcv_token = $3, dcv_token_expires_at = $4, updated_at = $5
           WHERE institution_id = $1 AND id = $2 AND removed_at IS NULL"#,
        scope.institution_id() as InstitutionId,
        id as DomainId,
        token.token,
        token.expires_at,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// DigiCert's state after a check. A validated domain no longer needs its token.
pub async fn store_checked(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    id: DomainId,
    status: &str,
    validated_until: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"UPDATE domains
           SET validation_status = $3, validated_until = $4, synced_at = $5, updated_at = $5,
               dcv_token = CASE WHEN $3 = 'validated' THEN NULL ELSE dcv_token END,
               dcv_token_expires_at = CASE WHEN $3 = 'validated' THEN NULL ELSE dcv_token_expires_at END
           WHERE institution_id = $1 AND id = $2 AND removed_at IS NULL"#,
        scope.institution_id() as InstitutionId,
        id as DomainId,
        status,
        validated_until,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The institution's DigiCert organization: `None` when there is no such
/// institution, `Some(None)` when it is not linked.
pub async fn staff_org_id(
    pool: &PgPool,
    _staff: &StaffAdmin,
    institution_id: InstitutionId,
) -> sqlx::Result<Option<Option<i64>>> {
    sqlx::query_scalar!(
        "SELECT digicert_org_id FROM institutions WHERE id = $1",
        institution_id as InstitutionId
    )
    .fetch_optional(pool)
    .await
}

/// After a submission DigiCert's validation team works on it; an organization
/// still validated stays so until DigiCert says otherwise.
pub async fn staff_mark_org_submitted(
    tx: &mut Transaction<'_, Postgres>,
    _staff: &StaffAdmin,
    institution_id: InstitutionId,
    digicert_org_id: i64,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"UPDATE institutions SET org_validation_status = 'pending'
           WHERE id = $1 AND digicert_org_id = $2 AND org_validation_status <> 'validated'"#,
        institution_id as InstitutionId,
        digicert_org_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
