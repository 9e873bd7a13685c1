//! Issued certificates about to end, and the record of reminders sent about
//! them. Deliberately unscoped: the reminder job runs for no person and covers
//! every institution.
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::domain::{InstitutionId, OrderId, Product};

/// An issued certificate ending within the reminder window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    pub order_id: OrderId,
    pub institution_id: InstitutionId,
    pub given_name: String,
    pub surname: String,
    pub product: Product,
    pub profile_type: Option<String>,
    pub not_after: OffsetDateTime,
    pub emails: Vec<String>,
    pub institution_sr: String,
    pub institution_en: String,
    /// The tightest threshold already reminded about, if any.
    pub tightest_sent: Option<i32>,
}

/// Issued (so neither revoked nor failed) certificates ending in `(now, horizon]`.
pub async fn unscoped_ending(
    pool: &PgPool,
    now: OffsetDateTime,
    horizon: OffsetDateTime,
) -> sqlx::Result<Vec<Ending>> {
    sqlx::query_as!(
        Ending,
        r#"SELECT o.id AS "order_id: OrderId", o.institution_id AS "institution_id: InstitutionId", o.given_name, o.surname, o.product AS "product: Product",
                  o.profile_type,
                  o.not_after AS "not_after!",
                  o.emails,
                  i.name_sr AS institution_sr, i.name_en AS institution_en,
                  (SELECT min(r.threshold_days) FROM order_reminders r
                   WHERE r.order_id = o.id) AS tightest_sent
           FROM certificate_orders o JOIN institutions i ON i.id = o.institution_id
           WHERE o.status = 'issued' AND o.not_after > $1 AND o.not_after <= $2
           ORDER BY o.not_after, o.id"#,
        now,
        horizon
    )
    .fetch_all(pool)
    .await
}

/// Claims the reminder; `false` when it was already sent (by this or another process).
pub async fn claim(
    tx: &mut Transaction<'_, Postgres>,
    ending: &Ending,
    threshold_days: i32,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query!(
        r#"INSERT INTO order_reminders (institution_id, order_id, threshold_days, sent_at)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (order_id, threshold_days) DO NOTHING"#,
        ending.institution_id as InstitutionId,
        ending.order_id as OrderId,
        threshold_days,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// The institution's active admins (active account, active membership), each once.
pub async fn active_admins(
    tx: &mut Transaction<'_, Postgres>,
    institution_id: InstitutionId,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"SELECT a.email FROM accounts a
           JOIN memberships m ON m.account_id = a.id
           WHERE m.institution_id = $1 AND m.role = 'admin' AND m.status = 'active'
             AND a.status = 'active'
           ORDER BY a.email"#,
        institution_id as InstitutionId
    )
    .fetch_all(&mut **tx)
    .await
}
