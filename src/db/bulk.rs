//! Bulk uploads: the rows of an admin's CSV kept for their preview, the lock that places
//! them once, and the orders placed from them.
use sqlx::types::Json;
use sqlx::{PgExecutor, PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::auth::scope::{Admin, InstitutionScope, RequiredRole};
use crate::domain::bulk_csv::BulkRow;
use crate::domain::{AccountId, BulkUploadId, InstitutionId, OrderId, OrderStatus};

/// An upload with its rows.
#[derive(Debug, Clone)]
pub struct Upload {
    pub id: BulkUploadId,
    pub file_name: String,
    pub rows: Vec<BulkRow>,
    pub placed_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

/// One upload in the institution's list.
#[derive(Debug, Clone)]
pub struct UploadLine {
    pub id: BulkUploadId,
    pub file_name: String,
    pub row_count: i32,
    pub created_at: OffsetDateTime,
    pub placed_at: Option<OffsetDateTime>,
    pub uploaded_by: String,
    pub orders: i64,
}

/// An order placed from an upload, by the index of its row there.
#[derive(Debug, Clone)]
pub struct PlacedRow {
    pub row: i32,
    pub id: OrderId,
    pub status: OrderStatus,
    pub last_error: Option<String>,
}

/// The client's key of an upload placed through the API, and the fingerprint of what
/// it sent (see the `bulk_uploads` migration of the API).
#[derive(Debug, Clone, Copy)]
pub struct Keyed<'a> {
    pub key: &'a str,
    pub fingerprint: &'a [u8],
}

/// Keeps an upload's rows; `None` when `keyed` names a key the institution used before
/// (the insert then waits for the transaction that used it, so a concurrent retry finds
/// the first one's upload).
pub async fn insert(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    file_name: &str,
    rows: &[BulkRow],
    keyed: Option<Keyed<'_>>,
    now: OffsetDateTime,
) -> anyhow::Result<Option<BulkUploadId>> {
    let count = i32::try_from(rows.len())?;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO bulk_uploads
               (institution_id, uploaded_by, file_name, rows, row_count, state, created_at,
                idempotency_key, request_fingerprint)
           VALUES ($1, $2, $3, $4, $5, 'uploaded', $6, $7, $8)
           ON CONFLICT (institution_id, idempotency_key) DO NOTHING
           RETURNING id AS "id: BulkUploadId""#,
        scope.institution_id() as InstitutionId,
        scope.account_id() as AccountId,
        file_name,
        Json(rows) as _,
        count,
        now,
        keyed.map(|keyed| keyed.key),
        keyed.map(|keyed| keyed.fingerprint)
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(id)
}

/// The upload the institution placed under `key` before, with its fingerprint.
pub async fn by_key(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    key: &str,
) -> sqlx::Result<Option<(BulkUploadId, Vec<u8>)>> {
    let found = sqlx::query!(
        r#"SELECT id AS "id: BulkUploadId", request_fingerprint AS "fingerprint!"
           FROM bulk_uploads WHERE institution_id = $1 AND idempotency_key = $2"#,
        scope.institution_id() as InstitutionId,
        key
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(found.map(|row| (row.id, row.fingerprint)))
}

/// The institution's upload, or `None` for another institution's or none at all.
pub async fn get<R: RequiredRole>(
    pool: &PgPool,
    scope: &InstitutionScope<R>,
    id: BulkUploadId,
) -> sqlx::Result<Option<Upload>> {
    read(pool, scope, id).await
}

/// The upload locked until the transaction ends, so one placement runs at a time and
/// the next finds it placed.
pub async fn lock(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    id: BulkUploadId,
) -> sqlx::Result<Option<Upload>> {
    let locked = sqlx::query_scalar!(
        "SELECT 1 AS locked FROM bulk_uploads WHERE institution_id = $1 AND id = $2 FOR UPDATE",
        scope.institution_id() as InstitutionId,
        id as BulkUploadId
    )
    .fetch_optional(&mut **tx)
    .await?;
    match locked {
        Some(_) => read(&mut **tx, scope, id).await,
        None => Ok(None),
    }
}

/// The one reading of an upload's row, for [`get`] and [`lock`].
async fn read<'e, R: RequiredRole>(
    executor: impl PgExecutor<'e>,
    scope: &InstitutionScope<R>,
    id: BulkUploadId,
) -> sqlx::Result<Option<Upload>> {
    let found = sqlx::query!(
        r#"SELECT id AS "id: BulkUploadId", file_name, rows AS "rows: Json<Vec<BulkRow>>",
                  placed_at, created_at
           FROM bulk_uploads WHERE institution_id = $1 AND id = $2"#,
        scope.institution_id() as InstitutionId,
        id as BulkUploadId
    )
    .fetch_optional(executor)
    .await?;
    Ok(found.map(|stored| Upload {
        id: stored.id,
        file_name: stored.file_name,
        rows: stored.rows.0,
        placed_at: stored.placed_at,
        created_at: stored.created_at,
    }))
}

pub async fn mark_placed(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    id: BulkUploadId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE bulk_uploads SET state = 'placed', placed_at = $3, placed_by = $4
         WHERE institution_id = $1 AND id = $2",
        scope.institution_id() as InstitutionId,
        id as BulkUploadId,
        now,
        scope.account_id() as AccountId
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The institution's uploads, newest first.
pub async fn list<R: RequiredRole>(
    pool: &PgPool,
    scope: &InstitutionScope<R>,
) -> sqlx::Result<Vec<UploadLine>> {
    sqlx::query_as!(
        UploadLine,
        r#"SELECT u.id AS "id: BulkUploadId", u.file_name, u.row_count, u.created_at,
                  u.placed_at, a.display_name AS uploaded_by,
                  (SELECT count(*) FROM certificate_orders o
                   WHERE o.bulk_upload_id = u.id) AS "orders!"
           FROM bulk_uploads u JOIN accounts a ON a.id = u.uploaded_by
           WHERE u.institution_id = $1
           ORDER BY u.created_at DESC, u.id
           LIMIT 200"#,
        scope.institution_id() as InstitutionId
    )
    .fetch_all(pool)
    .await
}

/// The orders placed from the upload, by row.
pub async fn placed_rows<R: RequiredRole>(
    pool: &PgPool,
    scope: &InstitutionScope<R>,
    id: BulkUploadId,
) -> sqlx::Result<Vec<PlacedRow>> {
    sqlx::query_as!(
        PlacedRow,
        r#"SELECT bulk_row AS "row!", id AS "id: OrderId", status AS "status: OrderStatus",
                  last_error
           FROM certificate_orders
           WHERE institution_id = $1 AND bulk_upload_id = $2
           ORDER BY bulk_row"#,
        scope.institution_id() as InstitutionId,
        id as BulkUploadId
    )
    .fetch_all(pool)
    .await
}
