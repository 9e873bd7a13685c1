//! Demo data for `tcs-portal demo`. These statements bypass the scopes on
//! purpose: they run from the command line before any request exists, and only
//! in the demo.
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::domain::{AccountId, InstitutionId, OrderId, OrderStatus};

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
) -> sqlx::Result<InstitutionId> {
    sqlx::query_scalar!(
        r#"INSERT INTO institutions (slug, name_sr, name_en, short_name, registration_number, tcs_status,
                                     tcs_registered_at, status_before_suspension, digicert_org_id,
                                     org_validation_status, org_validated_until, org_synced_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $6 = 'suspended' THEN 'registered' END, $8, $9, $10, $7)
           ON CONFLICT (slug) DO UPDATE SET
               tcs_status = EXCLUDED.tcs_status, status_before_suspension = EXCLUDED.status_before_suspension,
               digicert_org_id = EXCLUDED.digicert_org_id, org_validation_status = EXCLUDED.org_validation_status,
               org_validated_until = EXCLUDED.org_validated_until, updated_at = $7
           RETURNING id AS "id: InstitutionId""#,
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
    institution_id: InstitutionId,
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
        institution_id as InstitutionId,
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
    institution_id: InstitutionId,
    account_id: AccountId,
    role: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO memberships (institution_id, account_id, role) VALUES ($1, $2, $3)
           ON CONFLICT (institution_id, account_id) DO UPDATE SET role = EXCLUDED.role, status = 'active'"#,
        institution_id as InstitutionId,
        account_id as AccountId,
        role
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The demo's self-service policy: on for employees, faculty and staff, Secure Email
/// strict for a year, the mailbox proved by a mailed code (issue 15 §2's default).
/// Rewritten on every run, so the demo starts from it.
pub async fn self_service_policy(
    tx: &mut Transaction<'_, Postgres>,
    institution_id: InstitutionId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO self_service_policies
             (institution_id, enabled, affiliations, entitlement, products, profiles,
              validity_years, trust_idp_mail, updated_at)
           VALUES ($1, true, ARRAY['employee', 'faculty', 'staff'], NULL,
                   ARRAY['secure_email_sponsor'], ARRAY['strict'], 1, false, $2)
           ON CONFLICT (institution_id) DO UPDATE
           SET enabled = true, affiliations = EXCLUDED.affiliations, entitlement = NULL,
               products = EXCLUDED.products, profiles = EXCLUDED.profiles,
               validity_years = 1, trust_idp_mail = false, updated_at = $2"#,
        institution_id as InstitutionId,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A demo order, written as it would stand in one of the order states. No job
/// goes with it, so it stays in that state: a still life for a first look.
pub struct DemoOrder<'a> {
    /// Also its idempotency key: a second `demo` run finds it and leaves it be.
    pub reference: &'a str,
    pub status: OrderStatus,
    pub product: &'a str,
    pub given_name: &'a str,
    pub surname: &'a str,
    pub common_name: &'a str,
    pub email: &'a str,
    pub domain_name: &'a str,
    pub requested_by: AccountId,
    pub csr_pem: Option<&'a str>,
    pub digicert_order_id: Option<i64>,
    pub digicert_status: Option<&'a str>,
    pub last_error: Option<&'a str>,
    pub chain_pem: Option<&'a str>,
    pub serial_number: Option<&'a str>,
    pub not_before: Option<OffsetDateTime>,
    pub not_after: Option<OffsetDateTime>,
}

/// Which of `references` (idempotency keys) the institution's orders hold already.
pub async fn existing_references(
    pool: &PgPool,
    institution_id: InstitutionId,
    references: &[String],
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"SELECT idempotency_key AS "idempotency_key!" FROM certificate_orders
           WHERE institution_id = $1 AND idempotency_key = ANY($2)"#,
        institution_id as InstitutionId,
        references
    )
    .fetch_all(pool)
    .await
}

/// Writes the order and its address; `None` when a previous run did already.
pub async fn order(
    tx: &mut Transaction<'_, Postgres>,
    institution_id: InstitutionId,
    demo: &DemoOrder<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<Option<OrderId>> {
    let id = sqlx::query_scalar!(
        r#"INSERT INTO certificate_orders
               (institution_id, status, product, given_name, surname, common_name, validity_years,
                requested_by, csr_pem, reference, idempotency_key, digicert_status, last_error,
                chain_pem, serial_number, not_before, not_after,
                submitted_at, issued_at, created_at, updated_at, search_text, digicert_order_id)
           VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $9, $10, $11, $12, $13, $14, $15,
                   CASE WHEN $10::text IS NOT NULL THEN $16::timestamptz END, $14, $16, $16,
                   order_search_text($4, $5, $6, $18, ARRAY[$17::text]), $19)
           ON CONFLICT (institution_id, idempotency_key) DO NOTHING
           RETURNING id AS "id: OrderId""#,
        institution_id as InstitutionId,
        demo.status.as_str(),
        demo.product,
        demo.given_name,
        demo.surname,
        demo.common_name,
        demo.requested_by as AccountId,
        demo.csr_pem,
        demo.reference,
        demo.digicert_status,
        demo.last_error,
        demo.chain_pem,
        demo.serial_number,
        demo.not_before,
        demo.not_after,
        now,
        demo.email,
        super::orders::ascii_spelling(demo.common_name),
        demo.digicert_order_id
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(id) = id else {
        return Ok(None);
    };
    sqlx::query!(
        r#"INSERT INTO order_emails (institution_id, order_id, email, domain_id)
           SELECT $1, $2, $3, d.id FROM domains d
           WHERE d.institution_id = $1 AND d.name = $4 AND d.removed_at IS NULL"#,
        institution_id as InstitutionId,
        id as OrderId,
        demo.email,
        demo.domain_name
    )
    .execute(&mut **tx)
    .await?;
    Ok(Some(id))
}

/// Fills an institution's past with `count` orders spread over the `days` before `now`
/// (products, outcomes and end dates varied), so the dashboards' charts have months of
/// history to show. Idempotent: each order's reference is fixed, a second run adds
/// nothing. The addresses are in the institution's `domain`.
pub async fn order_history(
    pool: &PgPool,
    institution_id: InstitutionId,
    domain: &str,
    count: i32,
    days: i32,
    now: OffsetDateTime,
) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        r#"WITH d AS (
               SELECT id FROM domains
               WHERE institution_id = $1 AND name = $2 AND removed_at IS NULL
           ), placed AS (
               SELECT n, $5::timestamptz - ((n * 7919) % ($4 * 24)) * interval '1 hour' AS at,
                      (ARRAY['issued', 'issued', 'issued', 'issued', 'issued', 'revoked',
                             'canceled', 'failed', 'rejected', 'issued'])[1 + (n * 31) % 10] AS status,
                      (ARRAY['secure_email_sponsor', 'client_premium', 'secure_email_sponsor',
                             'client_email_security_plus', 'client_digital_signature_plus'])[1 + (n * 13) % 5]
                          AS product
               FROM generate_series(1, $3::int) AS n
           ), inserted AS (
               INSERT INTO certificate_orders
                   (institution_id, status, common_name, product, profile_type, given_name, surname,
                    validity_years, reference, idempotency_key, created_at, updated_at, not_after,
                    last_error, search_text)
               SELECT $1, p.status, 'Demo Osoba ' || p.n, p.product,
                      CASE WHEN p.product = 'secure_email_sponsor' THEN 'strict' END,
                      'Demo', 'Osoba ' || p.n, 1 + p.n % 2,
                      'demo-history-' || $1::uuid || '-' || p.n, 'demo-history-' || p.n,
                      p.at, p.at,
                      CASE WHEN p.status IN ('issued', 'revoked')
                           THEN p.at + (1 + p.n % 2) * interval '365 days' END,
                      CASE WHEN p.status = 'failed' THEN 'DigiCert refused the request (demo)' END,
                      order_search_text('Demo', 'Osoba ' || p.n, 'Demo Osoba ' || p.n,
                                        'Demo Osoba ' || p.n,
                                        ARRAY['demo.osoba' || p.n || '@' || $2::text])
               FROM placed p
               WHERE EXISTS (SELECT 1 FROM d)
               ON CONFLICT DO NOTHING
               RETURNING id, reference
           )
           INSERT INTO order_emails (institution_id, order_id, email, domain_id)
           SELECT $1, i.id, 'demo.osoba' || substring(i.reference FROM '[0-9]+$') || '@' || $2::text,
                  (SELECT id FROM d)
           FROM inserted i"#,
        institution_id as InstitutionId,
        domain,
        count,
        days,
        now
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}
