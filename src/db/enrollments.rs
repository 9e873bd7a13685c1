//! Enrollments: the person's side of an order placed without a CSR.
//!
//! The admin side (creating, re-sending) takes the admin's scope. The person has
//! no account: their authority is a token from a mail, or a session bound to one
//! enrollment after they used such a token, so those functions look rows up by
//! token hash or by the enrollment id kept in that session.
use sqlx::{PgPool, Postgres, Transaction};
use time::{Duration, OffsetDateTime};

use crate::auth::scope::{Admin, InstitutionScope, OrderingScope, TenantScope};
use crate::domain::{EnrollmentId, InstitutionId, OrderId};

/// Pickup attempts allowed before the throttle starts.
pub const FREE_PICKUP_ATTEMPTS: i32 = 5;

#[derive(Debug, Clone)]
pub struct Enrollment {
    pub id: EnrollmentId,
    pub institution_id: InstitutionId,
    pub order_id: OrderId,
    pub link_expires_at: OffsetDateTime,
    pub confirmed_at: Option<OffsetDateTime>,
    pub key_origin: Option<String>,
    pub key_type: Option<String>,
    pub sealed_private_key: Option<Vec<u8>>,
    pub key_wiped_at: Option<OffsetDateTime>,
    pub picked_up_at: Option<OffsetDateTime>,
    pub pickup_blocked_until: Option<OffsetDateTime>,
}

pub async fn insert(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    order_id: OrderId,
    link_token_hash: &[u8],
    link_expires_at: OffsetDateTime,
    now: OffsetDateTime,
) -> sqlx::Result<EnrollmentId> {
    unscoped_insert(
        tx,
        scope.institution_id(),
        order_id,
        link_token_hash,
        link_expires_at,
        now,
    )
    .await
}

/// For the demo, which seeds its orders with no admin signed in. The composite
/// key still ties the enrollment to an order of `institution_id`.
pub async fn unscoped_insert(
    tx: &mut Transaction<'_, Postgres>,
    institution_id: InstitutionId,
    order_id: OrderId,
    link_token_hash: &[u8],
    link_expires_at: OffsetDateTime,
    now: OffsetDateTime,
) -> sqlx::Result<EnrollmentId> {
    sqlx::query_scalar!(
        r#"INSERT INTO enrollments (institution_id, order_id, link_token_hash, link_expires_at,
                                    link_sent_at, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $5, $5) RETURNING id AS "id: EnrollmentId""#,
        institution_id as InstitutionId,
        order_id as OrderId,
        link_token_hash,
        link_expires_at,
        now
    )
    .fetch_one(&mut **tx)
    .await
}

/// The enrollments of many orders of the institution, as [`unscoped_insert`] each, in one
/// statement: each order with the hash of its link's token.
pub async fn insert_many(
    tx: &mut Transaction<'_, Postgres>,
    scope: &impl OrderingScope,
    links: &[(OrderId, Vec<u8>)],
    link_expires_at: OffsetDateTime,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO enrollments (institution_id, order_id, link_token_hash, link_expires_at,
                                  link_sent_at, created_at, updated_at)
         SELECT $1, e.order_id, e.link_token_hash, $2, $3, $3, $3
         FROM UNNEST($4::uuid[], $5::bytea[]) AS e(order_id, link_token_hash)",
        scope.institution_id() as InstitutionId,
        link_expires_at,
        now,
        &links
            .iter()
            .map(|(order, _)| *order.as_uuid())
            .collect::<Vec<_>>() as &[uuid::Uuid],
        &links
            .iter()
            .map(|(_, hash)| hash.clone())
            .collect::<Vec<_>>() as &[Vec<u8>]
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Gives the enrollment of an order a new link, which kills the old one, while
/// the order is alive and the person has not collected a portal-made key yet.
/// `None` otherwise.
pub async fn replace_link(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    order_id: OrderId,
    link_token_hash: &[u8],
    link_expires_at: OffsetDateTime,
    now: OffsetDateTime,
) -> sqlx::Result<Option<EnrollmentId>> {
    sqlx::query_scalar!(
        r#"UPDATE enrollments e
           SET link_token_hash = $3, link_expires_at = $4, link_sent_at = $5, updated_at = $5
           FROM certificate_orders o
           WHERE e.institution_id = $1 AND e.order_id = $2
             AND o.institution_id = e.institution_id AND o.id = e.order_id
             AND e.picked_up_at IS NULL AND e.key_wiped_at IS NULL
             AND o.status IN ('awaiting_person', 'queued', 'submitted', 'pending_validation',
                              'issued')
           RETURNING e.id AS "id: EnrollmentId""#,
        scope.institution_id() as InstitutionId,
        order_id as OrderId,
        link_token_hash,
        link_expires_at,
        now
    )
    .fetch_optional(&mut **tx)
    .await
}

pub async fn get(pool: &PgPool, id: EnrollmentId) -> sqlx::Result<Option<Enrollment>> {
    sqlx::query_as!(
        Enrollment,
        r#"SELECT id, institution_id AS "institution_id: InstitutionId", order_id AS "order_id: OrderId", link_expires_at, confirmed_at, key_origin,
                  key_type, sealed_private_key, key_wiped_at, picked_up_at, pickup_blocked_until
           FROM enrollments WHERE id = $1"#,
        id as EnrollmentId
    )
    .fetch_optional(pool)
    .await
}

/// The enrollment whose unused, unexpired link has this hash.
pub async fn by_link_token(
    pool: &PgPool,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> sqlx::Result<Option<Enrollment>> {
    sqlx::query_as!(
        Enrollment,
        r#"SELECT id, institution_id AS "institution_id: InstitutionId", order_id AS "order_id: OrderId", link_expires_at, confirmed_at, key_origin,
                  key_type, sealed_private_key, key_wiped_at, picked_up_at, pickup_blocked_until
           FROM enrollments WHERE link_token_hash = $1 AND link_expires_at > $2"#,
        token_hash,
        now
    )
    .fetch_optional(pool)
    .await
}

/// Spends the link: only one confirmation can win, and only before it expires.
pub async fn spend_link(
    tx: &mut Transaction<'_, Postgres>,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> sqlx::Result<Option<Enrollment>> {
    sqlx::query_as!(
        Enrollment,
        r#"UPDATE enrollments
           SET link_token_hash = NULL, confirmed_at = COALESCE(confirmed_at, $2), updated_at = $2
           WHERE link_token_hash = $1 AND link_expires_at > $2
           RETURNING id, institution_id AS "institution_id: InstitutionId", order_id AS "order_id: OrderId", link_expires_at, confirmed_at, key_origin,
                     key_type, sealed_private_key, key_wiped_at, picked_up_at,
                     pickup_blocked_until"#,
        token_hash,
        now
    )
    .fetch_optional(&mut **tx)
    .await
}

/// The enrollment an unexpired access token from a later mail opens.
pub async fn by_access_token(
    pool: &PgPool,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> sqlx::Result<Option<EnrollmentId>> {
    sqlx::query_scalar!(
        r#"SELECT enrollment_id AS "enrollment_id: EnrollmentId" FROM enrollment_access_tokens
           WHERE token_hash = $1 AND expires_at > $2"#,
        token_hash,
        now
    )
    .fetch_optional(pool)
    .await
}

pub async fn insert_access_token(
    tx: &mut Transaction<'_, Postgres>,
    enrollment: &Enrollment,
    token_hash: &[u8],
    expires_at: OffsetDateTime,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO enrollment_access_tokens
               (token_hash, institution_id, enrollment_id, expires_at, created_at)
           VALUES ($1, $2, $3, $4, $5)"#,
        token_hash,
        enrollment.institution_id as InstitutionId,
        enrollment.id as EnrollmentId,
        expires_at,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The person's key, as it goes with the order.
#[derive(Debug)]
pub struct KeyRecord<'a> {
    pub origin: &'static str,
    pub key_type: Option<&'a str>,
    pub sealed_private_key: Option<&'a [u8]>,
    pub csr_pem: &'a str,
}

/// Records the key once, puts its CSR on the order and queues the order, in
/// one statement. `false` when a key was recorded already or the order no
/// longer waits for the person: the caller rolls back.
pub async fn record_key(
    tx: &mut Transaction<'_, Postgres>,
    enrollment_id: EnrollmentId,
    key: &KeyRecord<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let queued = sqlx::query_scalar!(
        r#"WITH recorded AS (
               UPDATE enrollments
               SET key_origin = $2, key_type = $3, sealed_private_key = $4, updated_at = $6
               WHERE id = $1 AND key_origin IS NULL AND confirmed_at IS NOT NULL
               RETURNING institution_id, order_id)
           UPDATE certificate_orders o
           SET csr_pem = $5, status = 'queued', updated_at = $6
           FROM recorded r
           WHERE o.institution_id = r.institution_id AND o.id = r.order_id
             AND o.status = 'awaiting_person'
           RETURNING o.id"#,
        enrollment_id as EnrollmentId,
        key.origin,
        key.key_type,
        key.sealed_private_key,
        key.csr_pem,
        now
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(queued.is_some())
}

/// Counts a pickup attempt before the passphrase is checked. From the
/// [`FREE_PICKUP_ATTEMPTS`]th attempt on, each one blocks further attempts for
/// a while that doubles (1, 2, 4… minutes, at most about an hour). `None` when
/// the enrollment is blocked right now (or holds no key).
pub async fn count_pickup_attempt(
    pool: &PgPool,
    id: EnrollmentId,
    now: OffsetDateTime,
) -> sqlx::Result<Option<i32>> {
    sqlx::query_scalar!(
        r#"UPDATE enrollments
           SET pickup_attempts = pickup_attempts + 1,
               pickup_blocked_until = CASE
                   WHEN pickup_attempts + 1 >= $3
                   THEN $2 + make_interval(mins => 1 << LEAST(6, pickup_attempts + 1 - $3))
                   ELSE NULL END,
               updated_at = $2
           WHERE id = $1 AND sealed_private_key IS NOT NULL
             AND (pickup_blocked_until IS NULL OR pickup_blocked_until <= $2)
           RETURNING pickup_attempts"#,
        id as EnrollmentId,
        now,
        FREE_PICKUP_ATTEMPTS
    )
    .fetch_optional(pool)
    .await
}

/// A right passphrase: the count starts again and the pickup is on record.
pub async fn pickup_succeeded(
    tx: &mut Transaction<'_, Postgres>,
    id: EnrollmentId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"UPDATE enrollments
           SET pickup_attempts = 0, pickup_blocked_until = NULL,
               picked_up_at = COALESCE(picked_up_at, $2), updated_at = $2
           WHERE id = $1"#,
        id as EnrollmentId,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Forgets the sealed key for good; `false` when it was gone already.
pub async fn wipe_key(
    tx: &mut Transaction<'_, Postgres>,
    id: EnrollmentId,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        r#"UPDATE enrollments SET sealed_private_key = NULL, key_wiped_at = $2, updated_at = $2
           WHERE id = $1 AND sealed_private_key IS NOT NULL"#,
        id as EnrollmentId,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets the sealed key of an order's enrollment, if it still holds one.
pub async fn wipe_key_of_order(
    tx: &mut Transaction<'_, Postgres>,
    institution_id: InstitutionId,
    order_id: OrderId,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        r#"UPDATE enrollments SET sealed_private_key = NULL, key_wiped_at = $3, updated_at = $3
           WHERE institution_id = $1 AND order_id = $2 AND sealed_private_key IS NOT NULL"#,
        institution_id as InstitutionId,
        order_id as OrderId,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() >= 1)
}

/// Enrollments still holding a key that nobody will pick up any more: the
/// order ended without a certificate, or was issued more than `grace` ago.
pub async fn keys_due_for_wipe(
    pool: &PgPool,
    now: OffsetDateTime,
    grace: Duration,
) -> sqlx::Result<Vec<Enrollment>> {
    sqlx::query_as!(
        Enrollment,
        r#"SELECT e.id, e.institution_id, e.order_id, e.link_expires_at, e.confirmed_at,
                  e.key_origin, e.key_type, e.sealed_private_key, e.key_wiped_at,
                  e.picked_up_at, e.pickup_blocked_until
           FROM enrollments e
           JOIN certificate_orders o ON o.institution_id = e.institution_id AND o.id = e.order_id
           WHERE e.sealed_private_key IS NOT NULL
             AND (o.status IN ('rejected', 'canceled', 'failed', 'revoked')
                  OR o.issued_at <= $1)
           ORDER BY e.id LIMIT 500"#,
        now - grace
    )
    .fetch_all(pool)
    .await
}

/// Marks the "issued" mail of an order's enrollment as sent, once; the
/// enrollment when this call was the one to do it.
pub async fn claim_issued_mail(
    tx: &mut Transaction<'_, Postgres>,
    order_id: OrderId,
    now: OffsetDateTime,
) -> sqlx::Result<Option<Enrollment>> {
    sqlx::query_as!(
        Enrollment,
        r#"UPDATE enrollments SET issued_mail_sent_at = $2, updated_at = $2
           WHERE order_id = $1 AND issued_mail_sent_at IS NULL
           RETURNING id, institution_id AS "institution_id: InstitutionId", order_id AS "order_id: OrderId", link_expires_at, confirmed_at, key_origin,
                     key_type, sealed_private_key, key_wiped_at, picked_up_at,
                     pickup_blocked_until"#,
        order_id as OrderId,
        now
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Where the person of an order stands, as an admin or the API may see it: dates and
/// choices only, never the link, the key or the pickup counters' secrets.
#[derive(Debug, Clone)]
pub struct Progress {
    pub link_sent_at: OffsetDateTime,
    pub link_expires_at: OffsetDateTime,
    /// The link was spent (the mailbox proved) and no new one sent since.
    pub link_used: bool,
    pub confirmed_at: Option<OffsetDateTime>,
    pub key_origin: Option<String>,
    pub key_type: Option<String>,
    pub key_wiped_at: Option<OffsetDateTime>,
    pub picked_up_at: Option<OffsetDateTime>,
    pub pickup_blocked_until: Option<OffsetDateTime>,
}

/// The enrollment of one order of the scope's institution; `None` when the order has
/// none (it was placed with a CSR) or is not the institution's.
pub async fn progress_of_order(
    pool: &PgPool,
    scope: &impl TenantScope,
    order_id: OrderId,
) -> sqlx::Result<Option<Progress>> {
    sqlx::query_as!(
        Progress,
        r#"SELECT link_sent_at, link_expires_at, link_token_hash IS NULL AS "link_used!",
                  confirmed_at, key_origin, key_type, key_wiped_at, picked_up_at,
                  pickup_blocked_until
           FROM enrollments WHERE institution_id = $1 AND order_id = $2"#,
        scope.institution_id() as InstitutionId,
        order_id as OrderId
    )
    .fetch_optional(pool)
    .await
}
