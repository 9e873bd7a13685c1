//! Departures (issue 15 §4): people marked as having left an institution, the grace
//! period before their certificates are revoked, and the certificates flagged when a
//! self-service login showed the affiliation gone. An admin's functions take the
//! tenant's scope; the revocation job's are `unscoped_`, as it serves every institution.
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::auth::scope::TenantScope;
use crate::domain::{DepartureId, InstitutionId, OrderId};

/// The institution's grace period in days.
pub async fn grace_days(pool: &PgPool, scope: &impl TenantScope) -> sqlx::Result<i32> {
    sqlx::query_scalar!(
        "SELECT departure_grace_days FROM institutions WHERE id = $1",
        scope.institution_id() as InstitutionId
    )
    .fetch_one(pool)
    .await
}

/// Sets the grace period; returns the one it replaced.
pub async fn set_grace_days(
    tx: &mut Transaction<'_, Postgres>,
    scope: &impl TenantScope,
    days: i32,
) -> sqlx::Result<i32> {
    let old = sqlx::query_scalar!(
        "SELECT departure_grace_days FROM institutions WHERE id = $1 FOR UPDATE",
        scope.institution_id() as InstitutionId
    )
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query!(
        "UPDATE institutions SET departure_grace_days = $2 WHERE id = $1",
        scope.institution_id() as InstitutionId,
        days
    )
    .execute(&mut **tx)
    .await?;
    Ok(old)
}

/// Whether the address holds or held any certificate of the institution: a departure of
/// someone unknown is a typo, reported rather than stored.
pub async fn is_holder(
    tx: &mut Transaction<'_, Postgres>,
    scope: &impl TenantScope,
    email: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM order_emails
                          WHERE institution_id = $1 AND lower(email) = $2) AS "found!""#,
        scope.institution_id() as InstitutionId,
        email
    )
    .fetch_one(&mut **tx)
    .await
}

/// Opens a departure of `email`, with the self-service identity its newest self-service
/// order names, if any. `None` when one is already open.
pub async fn open(
    tx: &mut Transaction<'_, Postgres>,
    scope: &impl TenantScope,
    email: &str,
    now: OffsetDateTime,
    revoke_at: OffsetDateTime,
) -> sqlx::Result<Option<DepartureId>> {
    sqlx::query_scalar!(
        r#"INSERT INTO departures
             (institution_id, email, holder_idp, holder_stable_id, marked_at, revoke_at, state)
           SELECT $1, $2, h.holder_idp, h.holder_stable_id, $3, $4, 'grace'
           FROM (SELECT NULL::int AS nothing) n
           LEFT JOIN LATERAL (
               SELECT o.holder_idp, o.holder_stable_id FROM certificate_orders o
               JOIN order_emails e ON e.order_id = o.id
               WHERE o.institution_id = $1 AND lower(e.email) = $2 AND o.self_service
               ORDER BY o.created_at DESC LIMIT 1) h ON true
           ON CONFLICT (institution_id, email) WHERE state = 'grace' DO NOTHING
           RETURNING id AS "id: DepartureId""#,
        scope.institution_id() as InstitutionId,
        email,
        now,
        revoke_at
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Takes back an open departure of the institution; returns its address, `None` when
/// there is no such open departure here.
pub async fn undo(
    tx: &mut Transaction<'_, Postgres>,
    scope: &impl TenantScope,
    id: DepartureId,
    now: OffsetDateTime,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "UPDATE departures SET state = 'undone', closed_at = $3
         WHERE institution_id = $1 AND id = $2 AND state = 'grace'
         RETURNING email",
        scope.institution_id() as InstitutionId,
        id as DepartureId,
        now
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Whether the institution has this departure, open or closed.
pub async fn exists(
    pool: &PgPool,
    scope: &impl TenantScope,
    id: DepartureId,
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM departures
                          WHERE institution_id = $1 AND id = $2) AS "found!""#,
        scope.institution_id() as InstitutionId,
        id as DepartureId
    )
    .fetch_one(pool)
    .await
}

/// A departure as the admins' page lists it.
#[derive(Debug, Clone)]
pub struct Departure {
    pub id: DepartureId,
    pub email: String,
    pub state: String,
    pub marked_at: OffsetDateTime,
    pub revoke_at: OffsetDateTime,
}

/// The institution's departures, open ones first, then the newest.
pub async fn list(pool: &PgPool, scope: &impl TenantScope) -> sqlx::Result<Vec<Departure>> {
    sqlx::query_as!(
        Departure,
        r#"SELECT id AS "id: DepartureId", email, state, marked_at, revoke_at
           FROM departures WHERE institution_id = $1
           ORDER BY state <> 'grace', marked_at DESC LIMIT 500"#,
        scope.institution_id() as InstitutionId
    )
    .fetch_all(pool)
    .await
}

/// The open departure of an address, if any (the order page offers undo).
pub async fn open_for(
    pool: &PgPool,
    scope: &impl TenantScope,
    email: &str,
) -> sqlx::Result<Option<Departure>> {
    sqlx::query_as!(
        Departure,
        r#"SELECT id AS "id: DepartureId", email, state, marked_at, revoke_at
           FROM departures WHERE institution_id = $1 AND email = $2 AND state = 'grace'"#,
        scope.institution_id() as InstitutionId,
        email
    )
    .fetch_optional(pool)
    .await
}

/// Whether a departure of this person (by address, or by their self-service identity)
/// is in its grace period at the institution: they may not start new requests then.
pub async fn is_departing(
    pool: &PgPool,
    scope: &impl TenantScope,
    email: &str,
    holder_idp: &str,
    holder_stable_id: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM departures
                          WHERE institution_id = $1 AND state = 'grace'
                            AND (email = lower($2)
                                 OR (holder_idp = $3 AND holder_stable_id = $4))) AS "found!""#,
        scope.institution_id() as InstitutionId,
        email,
        holder_idp,
        holder_stable_id
    )
    .fetch_one(pool)
    .await
}

/// A live order flagged because its holder's login showed the affiliation gone.
#[derive(Debug, Clone)]
pub struct Flagged {
    pub order_id: OrderId,
    pub email: String,
    pub flagged_at: OffsetDateTime,
}

/// The institution's flagged live orders, newest flag first.
pub async fn flagged(pool: &PgPool, scope: &impl TenantScope) -> sqlx::Result<Vec<Flagged>> {
    sqlx::query_as!(
        Flagged,
        r#"SELECT o.id AS "order_id: OrderId",
                  (SELECT min(e.email) FROM order_emails e WHERE e.order_id = o.id) AS "email!",
                  o.affiliation_lost_at AS "flagged_at!"
           FROM certificate_orders o
           WHERE o.institution_id = $1 AND o.affiliation_lost_at IS NOT NULL
             AND o.status NOT IN ('revoked', 'canceled', 'rejected', 'failed')
           ORDER BY o.affiliation_lost_at DESC LIMIT 500"#,
        scope.institution_id() as InstitutionId
    )
    .fetch_all(pool)
    .await
}

/// A departure whose grace period is over.
#[derive(Debug, Clone)]
pub struct Due {
    pub id: DepartureId,
    pub institution_id: InstitutionId,
    pub email: String,
}

pub async fn unscoped_due(pool: &PgPool, now: OffsetDateTime) -> sqlx::Result<Vec<Due>> {
    sqlx::query_as!(
        Due,
        r#"SELECT id AS "id: DepartureId", institution_id AS "institution_id: InstitutionId",
                  email
           FROM departures WHERE state = 'grace' AND revoke_at <= $1
           ORDER BY revoke_at LIMIT 100"#,
        now
    )
    .fetch_all(pool)
    .await
}

/// The live orders (not ended yet: issued, or on their way) the departure covers
/// (the SQL function `departure_orders`), oldest first.
pub async fn unscoped_live_orders(pool: &PgPool, due: &Due) -> sqlx::Result<Vec<OrderId>> {
    sqlx::query_scalar!(
        r#"SELECT o.id AS "id: OrderId"
           FROM departure_orders($1) d JOIN certificate_orders o ON o.id = d.order_id
           WHERE o.status NOT IN ('revoked', 'canceled', 'rejected', 'failed')
           ORDER BY o.created_at"#,
        due.id as DepartureId
    )
    .fetch_all(pool)
    .await
}

/// Ends every link of the enrollments the departure covers: the first mail's link and
/// the access links of later mails stop opening anything. Returns how many it ended.
pub async fn unscoped_end_links(
    tx: &mut Transaction<'_, Postgres>,
    id: DepartureId,
    now: OffsetDateTime,
) -> sqlx::Result<u64> {
    let first = sqlx::query!(
        r#"UPDATE enrollments SET link_expires_at = $2, updated_at = $2
           WHERE order_id IN (SELECT order_id FROM departure_orders($1))
             AND link_token_hash IS NOT NULL AND link_expires_at > $2"#,
        id as DepartureId,
        now
    )
    .execute(&mut **tx)
    .await?;
    let later = sqlx::query!(
        r#"UPDATE enrollment_access_tokens SET expires_at = $2
           WHERE expires_at > $2
             AND enrollment_id IN (SELECT n.id FROM enrollments n
                                   WHERE n.order_id IN (SELECT order_id FROM departure_orders($1)))"#,
        id as DepartureId,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(first.rows_affected() + later.rows_affected())
}

/// Closes a departure whose certificates are all revoked; `false` when it was closed
/// meanwhile (undone at the last moment, or by another run).
pub async fn unscoped_close_revoked(
    tx: &mut Transaction<'_, Postgres>,
    id: DepartureId,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE departures SET state = 'revoked', closed_at = $2
         WHERE id = $1 AND state = 'grace'",
        id as DepartureId,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the departure is still open (an admin may have undone it while the job ran).
pub async fn unscoped_still_open(pool: &PgPool, id: DepartureId) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM departures WHERE id = $1 AND state = 'grace') AS "open!""#,
        id as DepartureId
    )
    .fetch_one(pool)
    .await
}

/// Flags (`lost` true) or clears the live self-service orders of one identity, as its
/// latest login found the affiliation gone or present; returns the orders changed.
pub async fn unscoped_flag_lost_affiliation(
    tx: &mut Transaction<'_, Postgres>,
    institution_id: InstitutionId,
    holder_idp: &str,
    holder_stable_id: &str,
    lost: bool,
    now: OffsetDateTime,
) -> sqlx::Result<Vec<OrderId>> {
    sqlx::query_scalar!(
        r#"UPDATE certificate_orders
           SET affiliation_lost_at = CASE WHEN $4 THEN coalesce(affiliation_lost_at, $5) END
           WHERE institution_id = $1 AND holder_idp = $2 AND holder_stable_id = $3
             AND status NOT IN ('revoked', 'canceled', 'rejected', 'failed')
             AND (affiliation_lost_at IS NULL) = $4
           RETURNING id AS "id: OrderId""#,
        institution_id as InstitutionId,
        holder_idp,
        holder_stable_id,
        lost,
        now
    )
    .fetch_all(&mut **tx)
    .await
}
