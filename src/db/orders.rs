//! Certificate orders and their addresses. Tenant functions take the scope; the
//! ordering jobs use the `unscoped_*` ones, keyed by the order id they were given.
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::auth::scope::{Admin, InstitutionScope, OrderingScope, RequiredRole};
use crate::domain::{
    AccountId, BulkUploadId, DomainId, InstitutionId, OrderId, OrderStatus, Product,
};

/// What an admin asked for, as written to the order row.
#[derive(Debug, Clone)]
pub struct NewOrderRow<'a> {
    pub product: &'a str,
    pub profile_type: Option<&'a str>,
    pub given_name: &'a str,
    pub surname: &'a str,
    pub common_name: &'a str,
    pub validity_years: i32,
    pub csr_pem: Option<&'a str>,
    pub reference: &'a str,
    pub idempotency_key: &'a str,
    /// The admin who ordered; `None` for a self-service person's own order.
    pub requested_by: Option<AccountId>,
    /// A self-service person's IdP and stable identifier there (issue 15 §2).
    pub holder: Option<(&'a str, &'a str)>,
    /// Written into the search text of the list.
    pub emails: Vec<&'a str>,
    /// The bulk upload and the index of its row the order was placed from.
    pub bulk: Option<(BulkUploadId, i32)>,
}

/// Inserts the order unless the institution already has one with the same
/// idempotency key; `None` then.
pub async fn insert(
    tx: &mut Transaction<'_, Postgres>,
    scope: &impl OrderingScope,
    order: &NewOrderRow<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<Option<OrderId>> {
    sqlx::query_scalar!(
        r#"INSERT INTO certificate_orders
               (institution_id, status, common_name, requested_by, product, profile_type,
                given_name, surname, validity_years, csr_pem, reference, idempotency_key,
                created_at, updated_at, search_text, self_service, holder_idp, holder_stable_id,
                bulk_upload_id, bulk_row)
           VALUES ($1, CASE WHEN $9::text IS NULL THEN 'awaiting_person' ELSE 'queued' END,
                   $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12,
                   order_search_text($6, $7, $2, $14, $13::text[]),
                   $16::text IS NOT NULL, $15, $16, $17, $18)
           ON CONFLICT (institution_id, idempotency_key) DO NOTHING
           RETURNING id AS "id: OrderId""#,
        scope.institution_id() as InstitutionId,
        order.common_name,
        order.requested_by as Option<AccountId>,
        order.product,
        order.profile_type,
        order.given_name,
        order.surname,
        order.validity_years,
        order.csr_pem,
        order.reference,
        order.idempotency_key,
        now,
        &order.emails as &[&str],
        ascii_spelling(order.common_name),
        order.holder.map(|(idp, _)| idp),
        order.holder.map(|(_, stable_id)| stable_id),
        order.bulk.map(|(upload, _)| upload) as Option<BulkUploadId>,
        order.bulk.map(|(_, row)| row)
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Inserts the orders of a bulk upload, each as [`insert`] would, in one statement (a
/// file of 10,000 rows is otherwise 10,000 round trips); the rows are admins' orders
/// placed from the upload, so none is a self-service person's. Returns each inserted
/// order by its row; an order whose key is taken is left out.
pub async fn insert_bulk(
    tx: &mut Transaction<'_, Postgres>,
    scope: &impl OrderingScope,
    orders: &[NewOrderRow<'_>],
    now: OffsetDateTime,
) -> sqlx::Result<Vec<(i32, OrderId)>> {
    let column = |value: fn(&NewOrderRow<'_>) -> Option<String>| -> Vec<Option<String>> {
        orders.iter().map(value).collect()
    };
    let inserted = sqlx::query!(
        r#"INSERT INTO certificate_orders
               (institution_id, status, common_name, requested_by, product, profile_type,
                given_name, surname, validity_years, csr_pem, reference, idempotency_key,
                created_at, updated_at, search_text, self_service, bulk_upload_id, bulk_row)
           SELECT $1, CASE WHEN o.csr_pem IS NULL THEN 'awaiting_person' ELSE 'queued' END,
                  o.common_name, o.requested_by, o.product, o.profile_type, o.given_name,
                  o.surname, o.validity_years, o.csr_pem, o.reference, o.idempotency_key, $2, $2,
                  order_search_text(o.given_name, o.surname, o.common_name, o.ascii_name,
                                    string_to_array(o.emails, ' ')),
                  false, o.bulk_upload_id, o.bulk_row
           FROM UNNEST($3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[],
                       $9::int4[], $10::text[], $11::text[], $12::text[], $13::text[],
                       $14::text[], $15::uuid[], $16::int4[])
                AS o(common_name, requested_by, product, profile_type, given_name, surname,
                     validity_years, csr_pem, reference, idempotency_key, ascii_name, emails,
                     bulk_upload_id, bulk_row)
           ON CONFLICT (institution_id, idempotency_key) DO NOTHING
           RETURNING bulk_row AS "row!", id AS "id: OrderId""#,
        scope.institution_id() as InstitutionId,
        now,
        &column(|o| Some(o.common_name.to_owned())) as &[Option<String>],
        &orders
            .iter()
            .map(|o| o.requested_by.map(|id| *id.as_uuid()))
            .collect::<Vec<_>>() as &[Option<uuid::Uuid>],
        &column(|o| Some(o.product.to_owned())) as &[Option<String>],
        &column(|o| o.profile_type.map(str::to_owned)) as &[Option<String>],
        &column(|o| Some(o.given_name.to_owned())) as &[Option<String>],
        &column(|o| Some(o.surname.to_owned())) as &[Option<String>],
        &orders.iter().map(|o| o.validity_years).collect::<Vec<_>>() as &[i32],
        &column(|o| o.csr_pem.map(str::to_owned)) as &[Option<String>],
        &column(|o| Some(o.reference.to_owned())) as &[Option<String>],
        &column(|o| Some(o.idempotency_key.to_owned())) as &[Option<String>],
        &column(|o| Some(ascii_spelling(o.common_name))) as &[Option<String>],
        // Addresses hold no space, so the list travels as one text per order.
        &column(|o| Some(o.emails.join(" "))) as &[Option<String>],
        &orders
            .iter()
            .map(|o| o.bulk.map(|(upload, _)| *upload.as_uuid()))
            .collect::<Vec<_>>() as &[Option<uuid::Uuid>],
        &orders
            .iter()
            .map(|o| o.bulk.map(|(_, row)| row))
            .collect::<Vec<_>>() as &[Option<i32>]
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(inserted.into_iter().map(|row| (row.row, row.id)).collect())
}

/// The addresses of many orders, as [`insert_email`] each, in one statement.
pub async fn insert_emails(
    tx: &mut Transaction<'_, Postgres>,
    scope: &impl OrderingScope,
    emails: &[(OrderId, &str, DomainId)],
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO order_emails (institution_id, order_id, email, domain_id)
         SELECT $1, e.order_id, e.email, e.domain_id
         FROM UNNEST($2::uuid[], $3::text[], $4::uuid[]) AS e(order_id, email, domain_id)",
        scope.institution_id() as InstitutionId,
        &emails
            .iter()
            .map(|(order, _, _)| *order.as_uuid())
            .collect::<Vec<_>>() as &[uuid::Uuid],
        &emails
            .iter()
            .map(|(_, email, _)| (*email).to_owned())
            .collect::<Vec<_>>() as &[String],
        &emails
            .iter()
            .map(|(_, _, domain)| *domain.as_uuid())
            .collect::<Vec<_>>() as &[uuid::Uuid]
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The common name in ASCII for the search text, so a search typed without
/// Serbian letters finds names written with them; empty if it has no spelling.
pub(crate) fn ascii_spelling(common_name: &str) -> String {
    crate::domain::transliterate::to_ascii(common_name).unwrap_or_default()
}

pub async fn id_for_idempotency_key(
    tx: &mut Transaction<'_, Postgres>,
    scope: &impl OrderingScope,
    key: &str,
) -> sqlx::Result<Option<OrderId>> {
    sqlx::query_scalar!(
        r#"SELECT id AS "id: OrderId" FROM certificate_orders WHERE institution_id = $1 AND idempotency_key = $2"#,
        scope.institution_id() as InstitutionId,
        key
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Ties an address to the order and to the institution's domain that covers it;
/// the composite keys refuse a domain of another institution.
pub async fn insert_email(
    tx: &mut Transaction<'_, Postgres>,
    scope: &impl OrderingScope,
    order_id: OrderId,
    email: &str,
    domain_id: DomainId,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO order_emails (institution_id, order_id, email, domain_id) VALUES ($1, $2, $3, $4)",
        scope.institution_id() as InstitutionId,
        order_id as OrderId,
        email,
        domain_id as DomainId
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An order with everything the jobs and the pages need.
#[derive(Debug, Clone)]
pub struct OrderRecord {
    pub id: OrderId,
    pub institution_id: InstitutionId,
    pub status: OrderStatus,
    pub product: Product,
    pub profile_type: Option<String>,
    pub given_name: String,
    pub surname: String,
    pub common_name: String,
    pub validity_years: i32,
    pub csr_pem: Option<String>,
    pub reference: Option<String>,
    pub requested_by: Option<AccountId>,
    pub digicert_org_id: Option<i64>,
    pub digicert_order_id: Option<i64>,
    pub digicert_status: Option<String>,
    pub email_validation: Option<serde_json::Value>,
    pub last_error: Option<String>,
    pub chain_pem: Option<String>,
    pub serial_number: Option<String>,
    pub not_before: Option<OffsetDateTime>,
    pub not_after: Option<OffsetDateTime>,
    pub submit_attempts: i32,
    pub emails: Vec<String>,
    /// Requested by the person through self-service (issue 15 §2).
    pub self_service: bool,
}

pub async fn get<R: RequiredRole>(
    pool: &PgPool,
    scope: &InstitutionScope<R>,
    id: OrderId,
) -> sqlx::Result<Option<OrderRecord>> {
    let found = unscoped_get(pool, id).await?;
    Ok(found.filter(|order| order.institution_id == scope.institution_id()))
}

/// A live certificate an address already holds: issued, not yet expired.
#[derive(Debug, Clone)]
pub struct LiveCertificate {
    pub id: OrderId,
    pub email: String,
    pub not_after: Option<OffsetDateTime>,
}

/// This institution's live certificates of `product` for any of `emails`, newest first:
/// what a new order for the same addresses would duplicate.
pub async fn live_for_addresses<R: RequiredRole>(
    pool: &PgPool,
    scope: &InstitutionScope<R>,
    product: &str,
    emails: &[String],
    now: OffsetDateTime,
) -> sqlx::Result<Vec<LiveCertificate>> {
    sqlx::query_as!(
        LiveCertificate,
        r#"SELECT o.id AS "id: OrderId", e.email, o.not_after
           FROM certificate_orders o JOIN order_emails e ON e.order_id = o.id
           WHERE o.institution_id = $1 AND o.product = $2 AND o.status = 'issued'
             AND o.not_after > $4 AND e.email = ANY($3)
           ORDER BY o.created_at DESC, o.id"#,
        scope.institution_id() as InstitutionId,
        product,
        emails,
        now
    )
    .fetch_all(pool)
    .await
}

pub async fn unscoped_get(pool: &PgPool, id: OrderId) -> sqlx::Result<Option<OrderRecord>> {
    let row = sqlx::query!(
        r#"SELECT o.id AS "id: OrderId", o.institution_id AS "institution_id: InstitutionId", o.status AS "status: OrderStatus", o.product AS "product: Product",
                  o.profile_type, o.given_name,
                  o.surname, o.common_name, o.validity_years, o.csr_pem, o.reference,
                  o.requested_by AS "requested_by: AccountId", i.digicert_org_id, o.digicert_order_id, o.digicert_status,
                  o.email_validation, o.last_error, o.chain_pem, o.serial_number,
                  o.not_before, o.not_after, o.submit_attempts, o.self_service,
                  o.emails
           FROM certificate_orders o JOIN institutions i ON i.id = o.institution_id
           WHERE o.id = $1"#,
        id as OrderId
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| OrderRecord {
        id: row.id,
        institution_id: row.institution_id,
        status: row.status,
        product: row.product,
        profile_type: row.profile_type,
        given_name: row.given_name,
        surname: row.surname,
        common_name: row.common_name,
        validity_years: row.validity_years,
        csr_pem: row.csr_pem,
        reference: row.reference,
        requested_by: row.requested_by,
        digicert_org_id: row.digicert_org_id,
        digicert_order_id: row.digicert_order_id,
        digicert_status: row.digicert_status,
        email_validation: row.email_validation,
        last_error: row.last_error,
        chain_pem: row.chain_pem,
        serial_number: row.serial_number,
        not_before: row.not_before,
        not_after: row.not_after,
        submit_attempts: row.submit_attempts,
        emails: row.emails,
        self_service: row.self_service,
    }))
}

/// Counts a submission attempt before DigiCert is called, so an attempt that
/// dies mid-call is still on record. Only a queued order counts one: `false`
/// when it was canceled meanwhile ([`cancel_before_submission`] needs zero
/// attempts, so exactly one of the two wins).
pub async fn unscoped_record_attempt(
    pool: &PgPool,
    id: OrderId,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        r#"UPDATE certificate_orders SET submit_attempts = submit_attempts + 1, updated_at = $2
           WHERE id = $1 AND status = 'queued'"#,
        id as OrderId,
        now
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Cancels an order that has not gone to DigiCert: waiting for the person, or
/// queued with no submission attempt yet. Check and change in one statement.
pub async fn cancel_before_submission(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    id: OrderId,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    unscoped_cancel_before_submission(tx, scope.institution_id(), id, now).await
}

/// [`cancel_before_submission`] for the departures job, which serves every institution
/// and names the order's own.
pub async fn unscoped_cancel_before_submission(
    tx: &mut Transaction<'_, Postgres>,
    institution_id: InstitutionId,
    id: OrderId,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        r#"UPDATE certificate_orders SET status = 'canceled', updated_at = $3
           WHERE institution_id = $1 AND id = $2 AND digicert_order_id IS NULL
             AND (status = 'awaiting_person' OR (status = 'queued' AND submit_attempts = 0))"#,
        institution_id as InstitutionId,
        id as OrderId,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn exists<R: RequiredRole>(
    pool: &PgPool,
    scope: &InstitutionScope<R>,
    id: OrderId,
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM certificate_orders WHERE institution_id = $1 AND id = $2) AS "exists!""#,
        scope.institution_id() as InstitutionId,
        id as OrderId
    )
    .fetch_one(pool)
    .await
}

/// Records DigiCert's order; only the first id sticks, so a job run twice cannot
/// swap the order it is following.
pub async fn unscoped_mark_submitted(
    tx: &mut Transaction<'_, Postgres>,
    id: OrderId,
    digicert_order_id: i64,
    digicert_request_id: Option<i64>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"UPDATE certificate_orders
           SET digicert_order_id = $2, digicert_request_id = $3, status = 'submitted',
               submitted_at = $4, updated_at = $4, last_error = NULL
           WHERE id = $1 AND digicert_order_id IS NULL"#,
        id as OrderId,
        digicert_order_id,
        digicert_request_id,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn unscoped_record_error(
    pool: &PgPool,
    id: OrderId,
    error: &str,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE certificate_orders SET last_error = $2, updated_at = $3 WHERE id = $1",
        id as OrderId,
        error,
        now
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Moves an order to `status`, keeping DigiCert's raw status beside it; only from a
/// state that [`OrderStatus::can_become`] it (otherwise nothing changes).
pub async fn unscoped_set_status(
    pool: &PgPool,
    id: OrderId,
    status: OrderStatus,
    digicert_status: Option<&str>,
    last_error: Option<&str>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"UPDATE certificate_orders
           SET status = $2, digicert_status = COALESCE($3, digicert_status),
               last_error = COALESCE($4, last_error), updated_at = $5
           WHERE id = $1 AND status = ANY($6)"#,
        id as OrderId,
        status.as_str(),
        digicert_status,
        last_error,
        now,
        &names(&status.sources()) as &[&str]
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn unscoped_set_email_validation(
    pool: &PgPool,
    id: OrderId,
    state: &serde_json::Value,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE certificate_orders SET email_validation = $2, updated_at = $3 WHERE id = $1",
        id as OrderId,
        state,
        now
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The verified certificate of an issued order.
#[derive(Debug, Clone)]
pub struct Issued<'a> {
    pub digicert_status: &'a str,
    pub certificate_id: Option<i64>,
    pub chain_pem: &'a str,
    pub serial_number: &'a str,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

pub async fn unscoped_store_issued(
    pool: &PgPool,
    id: OrderId,
    issued: &Issued<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"UPDATE certificate_orders
           SET status = 'issued', digicert_status = $2, digicert_certificate_id = $3,
               chain_pem = $4, serial_number = $5, not_before = $6, not_after = $7,
               issued_at = $8, updated_at = $8, last_error = NULL
           WHERE id = $1"#,
        id as OrderId,
        issued.digicert_status,
        issued.certificate_id,
        issued.chain_pem,
        issued.serial_number,
        issued.not_before,
        issued.not_after,
        now
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Marks an order revoked once DigiCert confirmed it; the order comes from the
/// caller's authority (an admin's scope or the person's enrollment).
pub async fn mark_revoked(
    tx: &mut Transaction<'_, Postgres>,
    order: &OrderRecord,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        r#"UPDATE certificate_orders SET status = 'revoked', digicert_status = 'revoked',
               updated_at = $3
           WHERE institution_id = $1 AND id = $2 AND status = 'issued'"#,
        order.institution_id as InstitutionId,
        order.id as OrderId,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Where to tell the admin who placed the order that it stopped.
pub async fn unscoped_requester_email(pool: &PgPool, id: OrderId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        r#"SELECT a.email FROM certificate_orders o JOIN accounts a ON a.id = o.requested_by
           WHERE o.id = $1"#,
        id as OrderId
    )
    .fetch_optional(pool)
    .await
}

/// Ends an order that DigiCert rejected or canceled, with DigiCert's reason; only
/// from a state that [`OrderStatus::can_become`] it. `false` when it had ended already.
pub async fn unscoped_stop(
    tx: &mut Transaction<'_, Postgres>,
    id: OrderId,
    status: OrderStatus,
    digicert_status: &str,
    reason: &str,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        r#"UPDATE certificate_orders
           SET status = $2, digicert_status = $3, last_error = $4, updated_at = $5
           WHERE id = $1 AND status = ANY($6)"#,
        id as OrderId,
        status.as_str(),
        digicert_status,
        reason,
        now,
        &names(&status.sources()) as &[&str]
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Makes the follow jobs due at `now` of the orders whose DigiCert status (as
/// `status-changes` reported it, by DigiCert order id) differs from the one we
/// recorded, instead of at their next poll. Orders we are up to date with, and
/// jobs running already, are left alone. Returns how many were woken.
pub async fn unscoped_wake_followers(
    pool: &PgPool,
    digicert_order_ids: &[i64],
    statuses: &[String],
    now: OffsetDateTime,
) -> sqlx::Result<u64> {
    // The follow job's dedup key names the order; the partial unique index on
    // live dedup keys makes this a lookup per order.
    let woken = sqlx::query!(
        r#"UPDATE jobs SET run_at = $3, updated_at = $3
           WHERE state = 'queued' AND run_at > $3
             AND dedup_key IN (
                 SELECT 'follow:' || o.id::text
                 FROM certificate_orders o
                 JOIN unnest($1::bigint[], $2::text[]) AS c (digicert_order_id, status)
                   ON c.digicert_order_id = o.digicert_order_id
                 WHERE o.digicert_status IS DISTINCT FROM c.status)"#,
        digicert_order_ids,
        statuses,
        now
    )
    .execute(pool)
    .await?;
    Ok(woken.rows_affected())
}

/// An order whose DigiCert status the portal does not know.
#[derive(Debug, Clone)]
pub struct UnknownStatusOrder {
    pub id: OrderId,
    pub institution_id: InstitutionId,
    pub reference: Option<String>,
    pub digicert_order_id: Option<i64>,
    /// DigiCert's own word, which is foreign data and by definition one the portal does
    /// not know: text, not an enum.
    pub digicert_status: String,
    pub updated_at: OffsetDateTime,
}

/// Orders, across institutions (for staff), whose DigiCert status is none of `known`,
/// most recently changed first.
pub async fn unscoped_in_unknown_status(
    pool: &PgPool,
    known: &[String],
    limit: i64,
) -> sqlx::Result<Vec<UnknownStatusOrder>> {
    sqlx::query_as!(
        UnknownStatusOrder,
        r#"SELECT id AS "id: OrderId", institution_id AS "institution_id: InstitutionId", reference, digicert_order_id,
                  digicert_status AS "digicert_status!", updated_at
           FROM certificate_orders
           WHERE digicert_status IS NOT NULL AND NOT (digicert_status = ANY($1))
           ORDER BY updated_at DESC, id
           LIMIT $2"#,
        known,
        limit
    )
    .fetch_all(pool)
    .await
}

/// DigiCert refused the API key (401, or 403 `access_denied_invalid_key`): staff see a
/// banner until a later call succeeds. The first refusal's instant is kept.
pub async fn unscoped_key_rejected(
    pool: &PgPool,
    error: &str,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"UPDATE digicert_key_state
           SET rejected_since = COALESCE(rejected_since, $1), last_error = $2"#,
        now,
        error
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// DigiCert accepted the API key again: the banner goes.
pub async fn unscoped_key_accepted(pool: &PgPool) -> sqlx::Result<()> {
    // Writes only while a refusal is recorded, so a healthy key costs no row lock.
    sqlx::query!(
        r#"UPDATE digicert_key_state SET rejected_since = NULL, last_error = NULL
           WHERE rejected_since IS NOT NULL"#
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Since when DigiCert has been refusing the API key, if it is.
pub async fn key_rejected_since(pool: &PgPool) -> sqlx::Result<Option<OffsetDateTime>> {
    sqlx::query_scalar!(r#"SELECT rejected_since FROM digicert_key_state"#)
        .fetch_optional(pool)
        .await
        .map(Option::flatten)
}

/// The stored names of `statuses`, for `= ANY($n)`.
fn names(statuses: &[OrderStatus]) -> Vec<&'static str> {
    statuses.iter().map(|status| status.as_str()).collect()
}
