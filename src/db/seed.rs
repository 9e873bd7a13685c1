//! Demo data for `tcs-portal demo`. These statements bypass the scopes on
//! purpose: they run from the command line before any request exists, and only
//! in the demo.
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

pub struct DemoInstitution<'a> {
    pub slug: &'a str,
    pub name_sr: &'a str,
    pub name_en: &'a str,
    pub short_name: &'a str,
    pub registration_number: &'a str,
    pub tcs_status: &'a str,
    pub digicert_org_id: Option<i64>,
    pub org_validation_status: &'a str,
    pub org_validated_until: Option<OffsetDateTime>,
}

/// Creates the institution, or brings an existing one (same slug) back to the demo state.
pub async fn institution(
    tx: &mut Transaction<'_, Postgres>,
    demo: &DemoInstitution<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        r#"INSERT INTO institutions (slug, name_sr, name_en, short_name, registration_number, tcs_status,
                                     tcs_registered_at, status_before_suspension, digicert_org_id,
                                     org_validation_status, org_validated_until, org_synced_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $6 = 'suspended' THEN 'registered' END, $8, $9, $10, $7)
           ON CONFLICT (slug) DO UPDATE SET
               tcs_status = EXCLUDED.tcs_status, status_before_suspension = EXCLUDED.status_before_suspension,
               digicert_org_id = EXCLUDED.digicert_org_id, org_validation_status = EXCLUDED.org_validation_status,
               org_validated_until = EXCLUDED.org_validated_until, updated_at = $7
           RETURNING id"#,
        demo.slug,
        demo.name_sr,
        demo.name_en,
        demo.short_name,
        demo.registration_number,
        demo.tcs_status,
        now,
        demo.digicert_org_id,
        demo.org_validation_status,
        demo.org_validated_until,
    )
    .fetch_one(&mut **tx)
    .await
}

pub async fn domain(
    tx: &mut Transaction<'_, Postgres>,
    institution_id: Uuid,
    name: &str,
    validation_status: &str,
    validated_until: Option<OffsetDateTime>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO domains (institution_id, name, validation_status, validated_until, dcv_method)
           VALUES ($1, $2, $3, $4, 'dns-txt-token')
           ON CONFLICT (name) WHERE removed_at IS NULL DO UPDATE SET
               validation_status = EXCLUDED.validation_status, validated_until = EXCLUDED.validated_until
           WHERE domains.institution_id = EXCLUDED.institution_id"#,
        institution_id,
        name,
        validation_status,
        validated_until
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn membership(
    tx: &mut Transaction<'_, Postgres>,
    institution_id: Uuid,
    account_id: Uuid,
    role: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO memberships (institution_id, account_id, role) VALUES ($1, $2, $3)
           ON CONFLICT (institution_id, account_id) DO UPDATE SET role = EXCLUDED.role, status = 'active'"#,
        institution_id,
        account_id,
        role
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
