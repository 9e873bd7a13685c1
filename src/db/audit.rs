//! The audit log table: append, list with filters, and check the hash chain.
use serde_json::Value;
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::audit::{AuditEvent, RequestMeta};
use crate::domain::{AccountId, InstitutionId, OrderId};

pub async fn insert(
    tx: &mut Transaction<'_, Postgres>,
    meta: &RequestMeta,
    event: &AuditEvent,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"INSERT INTO audit_events
               (actor_account_id, actor_label, institution_id, action, target, ip, request_id, details, hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ''::bytea)
           RETURNING id"#,
        event.actor as Option<AccountId>,
        event.actor_label,
        event.institution as Option<InstitutionId>,
        event.action,
        event.target,
        meta.ip.map(sqlx::types::ipnetwork::IpNetwork::from),
        meta.request_id,
        event.details,
    )
    .fetch_one(&mut **tx)
    .await
}

/// Appends `events` in their order, as [`insert`] each, in one statement; the chaining
/// trigger links each row to the one before, earlier rows of the statement included.
pub async fn insert_many(
    tx: &mut Transaction<'_, Postgres>,
    meta: &RequestMeta,
    events: &[AuditEvent],
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO audit_events
               (actor_account_id, actor_label, institution_id, action, target, ip, request_id, details, hash)
           SELECT e.actor, e.actor_label, e.institution, e.action, e.target, $1, $2, e.details,
                  ''::bytea
           FROM UNNEST($3::uuid[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::jsonb[])
                WITH ORDINALITY AS e(actor, actor_label, institution, action, target, details, n)
           ORDER BY e.n"#,
        meta.ip.map(sqlx::types::ipnetwork::IpNetwork::from),
        meta.request_id,
        &events
            .iter()
            .map(|event| event.actor.map(|id| *id.as_uuid()))
            .collect::<Vec<_>>() as &[Option<uuid::Uuid>],
        &events
            .iter()
            .map(|event| event.actor_label.clone())
            .collect::<Vec<_>>() as &[Option<String>],
        &events
            .iter()
            .map(|event| event.institution.map(|id| *id.as_uuid()))
            .collect::<Vec<_>>() as &[Option<uuid::Uuid>],
        &events
            .iter()
            .map(|event| event.action.to_owned())
            .collect::<Vec<_>>() as &[String],
        &events
            .iter()
            .map(|event| event.target.clone())
            .collect::<Vec<_>>() as &[Option<String>],
        &events
            .iter()
            .map(|event| event.details.clone())
            .collect::<Vec<_>>() as &[Value]
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One row as shown on the audit pages.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct AuditRow {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_account_id: Option<AccountId>,
    pub actor_email: Option<String>,
    pub actor_label: Option<String>,
    pub institution_id: Option<InstitutionId>,
    pub action: String,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub details: Value,
}

/// The latest `$shown` (a literal) events of institution $1, newest first, as one JSON
/// array: the institution dashboard's one statement reads them
/// (`db::dashboard::INSTITUTION_SQL`).
macro_rules! recent_events_json {
    ($shown:expr) => {
        concat!(
            "(SELECT coalesce(json_agg(r ORDER BY r.id DESC), '[]'::json)
          FROM (SELECT e.id, e.at, e.actor_account_id, a.email AS actor_email, e.actor_label,
                       e.institution_id, e.action, e.target, host(e.ip) AS ip, e.request_id,
                       e.details
                FROM audit_events e
                LEFT JOIN accounts a ON a.id = e.actor_account_id
                WHERE e.institution_id = $1
                ORDER BY e.id DESC
                LIMIT ",
            $shown,
            ") AS r)"
        )
    };
}
pub(crate) use recent_events_json;

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    /// Matches the actor's account e-mail or the recorded label, as a substring.
    pub actor: Option<String>,
    /// Matches actions that start with this text (`login` finds `login.failed`…).
    pub action: Option<String>,
    pub institution: Option<InstitutionId>,
    pub from: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    /// Keyset pagination: only rows with a smaller id than this.
    pub before_id: Option<i64>,
}

/// Events across all institutions, for staff; institution pages use
/// [`list_for_institution`].
pub async fn staff_list(
    pool: &PgPool,
    _staff: &crate::auth::StaffScope,
    filter: &AuditFilter,
    limit: i64,
) -> sqlx::Result<Vec<AuditRow>> {
    query_events(pool, filter, limit).await
}

/// Newest first, at most `limit` rows. Keyset pagination on the id keeps every
/// page as cheap as the first, however long the log grows.
async fn query_events(
    pool: &PgPool,
    filter: &AuditFilter,
    limit: i64,
) -> sqlx::Result<Vec<AuditRow>> {
    sqlx::query_as!(
        AuditRow,
        r#"SELECT e.id, e.at, e.actor_account_id AS "actor_account_id: AccountId", a.email AS "actor_email?", e.actor_label,
                  e.institution_id AS "institution_id: InstitutionId", e.action, e.target, host(e.ip) AS ip, e.request_id, e.details
           FROM audit_events e
           LEFT JOIN accounts a ON a.id = e.actor_account_id
           WHERE ($1::text IS NULL OR a.email ILIKE '%' || $1 || '%' OR e.actor_label ILIKE '%' || $1 || '%')
             AND ($2::text IS NULL OR e.action LIKE $2 || '%')
             AND ($3::uuid IS NULL OR e.institution_id = $3)
             AND ($4::timestamptz IS NULL OR e.at >= $4)
             AND ($5::timestamptz IS NULL OR e.at < $5)
             AND ($6::bigint IS NULL OR e.id < $6)
           ORDER BY e.id DESC
           LIMIT $7"#,
        filter.actor,
        filter.action,
        filter.institution as Option<InstitutionId>,
        filter.from,
        filter.until,
        filter.before_id,
        limit
    )
    .fetch_all(pool)
    .await
}

/// An institution's own events, for its admins and auditors.
pub async fn list_for_institution<R: crate::auth::scope::RequiredRole>(
    pool: &PgPool,
    scope: &crate::auth::scope::InstitutionScope<R>,
    filter: &AuditFilter,
    limit: i64,
) -> sqlx::Result<Vec<AuditRow>> {
    let scoped = AuditFilter {
        institution: Some(scope.institution_id()),
        ..filter.clone()
    };
    query_events(pool, &scoped, limit).await
}

/// The first row, in chain order, whose stored hashes do not match what its
/// content and its predecessor say they should be. `None` when the chain is whole.
pub async fn first_broken_row(pool: &PgPool) -> sqlx::Result<Option<(i64, String)>> {
    // The hash is recomputed with the same SQL function the insert trigger uses,
    // and each row's prev_hash is compared with the actual previous row's hash.
    let row = sqlx::query!(
        r#"SELECT id AS "id!",
                  CASE WHEN prev_hash IS DISTINCT FROM actual_prev THEN 'its prev_hash does not match the previous row'
                       ELSE 'its content does not match its hash' END AS "reason!"
           FROM (
               SELECT id, prev_hash, hash,
                      lag(hash) OVER (ORDER BY id) AS actual_prev,
                      audit_event_hash(prev_hash, id, at, actor_account_id, actor_label, institution_id,
                                       action, target, ip, request_id, details) AS recomputed
               FROM audit_events
           ) chain
           WHERE prev_hash IS DISTINCT FROM actual_prev OR hash <> recomputed
           ORDER BY id
           LIMIT 1"#
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| (row.id, row.reason)))
}

pub async fn count(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"SELECT count(*) AS "count!" FROM audit_events"#)
        .fetch_one(pool)
        .await
}

/// The events about one order of the scope's institution, oldest first: the
/// order page's timeline. Events recorded without an institution (the person's
/// own steps) count too, since the order itself is checked to be the scope's.
pub async fn list_for_order<R: crate::auth::scope::RequiredRole>(
    pool: &PgPool,
    scope: &crate::auth::scope::InstitutionScope<R>,
    order_id: OrderId,
) -> sqlx::Result<Vec<AuditRow>> {
    sqlx::query_as!(
        AuditRow,
        r#"SELECT e.id, e.at, e.actor_account_id AS "actor_account_id: AccountId", a.email AS "actor_email?", e.actor_label,
                  e.institution_id AS "institution_id: InstitutionId", e.action, e.target, host(e.ip) AS ip, e.request_id, e.details
           FROM audit_events e
           LEFT JOIN accounts a ON a.id = e.actor_account_id
           WHERE e.target = 'order:' || $2::uuid
             AND EXISTS (SELECT 1 FROM certificate_orders o WHERE o.institution_id = $1 AND o.id = $2)
           ORDER BY e.id"#,
        scope.institution_id() as InstitutionId,
        order_id as OrderId
    )
    .fetch_all(pool)
    .await
}
