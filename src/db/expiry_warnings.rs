//! Validations about to end, and the record of warnings sent about them.
//! Deliberately unscoped: the warning job runs for no person and covers every
//! institution.
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::InstitutionId;

/// An organization or domain validation that ends within the warning window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expiring {
    pub institution_id: InstitutionId,
    /// `organization` or `domain`.
    pub subject_kind: String,
    /// The institution's or the domain's id, as `subject_kind` says: one column of the
    /// warnings table holds both, so it stays a plain uuid here.
    pub subject_id: Uuid,
    /// The domain's name; `None` for the organization.
    pub domain: Option<String>,
    pub institution_sr: String,
    pub institution_en: String,
    pub short_name: String,
    pub valid_until: OffsetDateTime,
}

/// Validated subjects whose validity ends in `(now, horizon]`.
pub async fn unscoped_expiring(
    pool: &PgPool,
    now: OffsetDateTime,
    horizon: OffsetDateTime,
) -> sqlx::Result<Vec<Expiring>> {
    sqlx::query_as!(
        Expiring,
        r#"SELECT i.id AS "institution_id!: InstitutionId", 'organization' AS "subject_kind!", i.id AS "subject_id!",
                  NULL::text AS domain, i.name_sr AS "institution_sr!", i.name_en AS "institution_en!",
                  i.short_name AS "short_name!", i.org_validated_until AS "valid_until!"
           FROM institutions i
           WHERE i.org_validation_status = 'validated'
             AND i.org_validated_until > $1 AND i.org_validated_until <= $2
           UNION ALL
           SELECT i.id, 'domain', d.id, d.name, i.name_sr, i.name_en, i.short_name, d.validated_until
           FROM domains d JOIN institutions i ON i.id = d.institution_id
           WHERE d.removed_at IS NULL AND d.validation_status = 'validated'
             AND d.validated_until > $1 AND d.validated_until <= $2
           ORDER BY 1, 2, 3"#,
        now,
        horizon
    )
    .fetch_all(pool)
    .await
}

/// Claims the warning; `false` when it was already sent (by this or another process).
pub async fn claim(
    tx: &mut Transaction<'_, Postgres>,
    subject: &Expiring,
    threshold_days: i32,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query!(
        r#"INSERT INTO validation_expiry_warnings
               (institution_id, subject_kind, subject_id, threshold_days, valid_until, sent_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (subject_kind, subject_id, threshold_days, valid_until) DO NOTHING"#,
        subject.institution_id as InstitutionId,
        subject.subject_kind,
        subject.subject_id,
        threshold_days,
        subject.valid_until,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// The institution's active admins and all active full staff, each once.
pub async fn recipients(
    tx: &mut Transaction<'_, Postgres>,
    institution_id: InstitutionId,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"SELECT a.email FROM accounts a
           WHERE a.status = 'active'
             AND (a.staff_role = 'staff'
                  OR EXISTS (SELECT 1 FROM memberships m
                             WHERE m.account_id = a.id AND m.institution_id = $1
                               AND m.role = 'admin' AND m.status = 'active'))
           ORDER BY a.email"#,
        institution_id as InstitutionId
    )
    .fetch_all(&mut **tx)
    .await
}
