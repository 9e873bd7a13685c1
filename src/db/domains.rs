//! An institution's domains. A name has one owner along its whole hierarchy: no two
//! institutions hold the same name, nor one a name above the other's.
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::auth::StaffAdmin;
use crate::auth::scope::{Admin, InstitutionScope, TenantScope};
use crate::domain::{DomainId, DomainName, InstitutionId, OrderId, OrderStatus, ValidationStatus};

#[derive(Debug, Clone, serde::Deserialize)]
pub struct Domain {
    pub id: DomainId,
    #[serde(deserialize_with = "stored_name")]
    pub name: DomainName,
    pub validation_status: ValidationStatus,
    #[serde(with = "time::serde::rfc3339::option")]
    pub validated_until: Option<OffsetDateTime>,
    pub dcv_method: Option<String>,
    pub digicert_domain_id: Option<i64>,
    /// The DNS TXT value DigiCert issued, while the domain waits for it.
    pub dcv_token: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub dcv_token_expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A name as stored: it was checked when it was added.
fn stored_name<'de, D: serde::Deserializer<'de>>(names: D) -> Result<DomainName, D::Error> {
    <String as serde::Deserialize>::deserialize(names).map(DomainName::from_trusted)
}

/// The live domains of institution $1, by name, as one JSON array: what [`list`] reads,
/// and the institution dashboard's one statement with it.
macro_rules! domains_json {
    () => {
        "(SELECT coalesce(json_agg(d ORDER BY d.name), '[]'::json)
          FROM (SELECT id, name, validation_status, validated_until, dcv_method,
                       digicert_domain_id, dcv_token, dcv_token_expires_at, created_at
                FROM domains WHERE institution_id = $1 AND removed_at IS NULL) AS d)"
    };
}
pub(crate) use domains_json;

pub async fn list(pool: &PgPool, scope: &impl TenantScope) -> sqlx::Result<Vec<Domain>> {
    list_by_id(pool, scope.institution_id()).await
}

/// For the self-service login, checked before the person has a scope: the institution is
/// the one whose IdP's signed answer the ACS accepted.
pub async fn unscoped_list(
    pool: &PgPool,
    institution_id: InstitutionId,
) -> sqlx::Result<Vec<Domain>> {
    list_by_id(pool, institution_id).await
}

async fn list_by_id(pool: &PgPool, institution_id: InstitutionId) -> sqlx::Result<Vec<Domain>> {
    let sqlx::types::Json(domains) = sqlx::query_scalar(concat!("SELECT ", domains_json!()))
        .bind(institution_id)
        .fetch_one(pool)
        .await?;
    Ok(domains)
}

/// Why a domain could not be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddDomain {
    Added(DomainId),
    AlreadyOurs,
    /// Registered to another institution; which one is deliberately not said.
    TakenElsewhere,
    /// Another institution owns a name above or below it (the database's
    /// `domains_one_owner_per_tree` trigger); which one is not said either.
    OverlapsElsewhere,
}

/// Adds a name to the scope's institution, unless another institution owns it, a
/// name above it or a name below it. The check is the database's (see the migration
/// `domain_hierarchy_owner`), race-free across concurrent inserts; when it refuses,
/// the transaction is spoilt and must be dropped.
pub async fn add(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    name: &DomainName,
    now: OffsetDateTime,
) -> sqlx::Result<AddDomain> {
    insert(tx, scope.institution_id(), name, false, now).await
}

/// Staff give an institution a name although another institution owns a name above
/// or below it (never the very same name): the row is marked as staff-assigned and
/// the hierarchy check lets it through. The caller audits why.
pub async fn staff_assign(
    tx: &mut Transaction<'_, Postgres>,
    _staff: &StaffAdmin,
    institution_id: InstitutionId,
    name: &DomainName,
    now: OffsetDateTime,
) -> sqlx::Result<AddDomain> {
    insert(tx, institution_id, name, true, now).await
}

/// The current names of other institutions above or below `name`, with their owner:
/// what a staff assignment overrides, for its audit event.
pub async fn staff_overlapping(
    tx: &mut Transaction<'_, Postgres>,
    _staff: &StaffAdmin,
    institution_id: InstitutionId,
    name: &DomainName,
) -> sqlx::Result<Vec<(String, InstitutionId)>> {
    let rows = sqlx::query!(
        r#"SELECT name, institution_id AS "institution_id: InstitutionId" FROM domains
           WHERE removed_at IS NULL AND institution_id <> $1 AND name <> $2
             AND (('.' || $2) LIKE '%.' || name OR reverse(name) LIKE reverse('.' || $2) || '%')
           ORDER BY name"#,
        institution_id as InstitutionId,
        name.as_str()
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.name, row.institution_id))
        .collect())
}

async fn insert(
    tx: &mut Transaction<'_, Postgres>,
    institution_id: InstitutionId,
    name: &DomainName,
    staff_assigned: bool,
    now: OffsetDateTime,
) -> sqlx::Result<AddDomain> {
    let inserted = sqlx::query_scalar!(
        r#"INSERT INTO domains (institution_id, name, staff_assigned, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $4)
           ON CONFLICT (name) WHERE removed_at IS NULL DO NOTHING
           RETURNING id AS "id: DomainId""#,
        institution_id as InstitutionId,
        name.as_str(),
        staff_assigned,
        now
    )
    .fetch_optional(&mut **tx)
    .await;
    let inserted = match inserted {
        Err(sqlx::Error::Database(error))
            if error.constraint() == Some("domains_one_owner_per_tree") =>
        {
            return Ok(AddDomain::OverlapsElsewhere);
        }
        other => other?,
    };
    if let Some(id) = inserted {
        return Ok(AddDomain::Added(id));
    }
    let ours = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM domains
                          WHERE institution_id = $1 AND name = $2 AND removed_at IS NULL) AS "ours!""#,
        institution_id as InstitutionId,
        name.as_str()
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(if ours {
        AddDomain::AlreadyOurs
    } else {
        AddDomain::TakenElsewhere
    })
}

/// Finds one of the scope's domains and locks it for a change.
pub async fn lock(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    id: DomainId,
) -> sqlx::Result<Option<DomainName>> {
    let name = sqlx::query_scalar!(
        "SELECT name FROM domains WHERE institution_id = $1 AND id = $2 AND removed_at IS NULL FOR UPDATE",
        scope.institution_id() as InstitutionId,
        id as DomainId
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(name.map(DomainName::from_trusted))
}

/// Removes one of the scope's domains (check and act in one statement). The row
/// stays for the orders that used it.
pub async fn remove(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    id: DomainId,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let removed = sqlx::query!(
        "UPDATE domains SET removed_at = $3, updated_at = $3 WHERE institution_id = $1 AND id = $2 AND removed_at IS NULL",
        scope.institution_id() as InstitutionId,
        id as DomainId,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(removed.rows_affected() == 1)
}

/// A live certificate (ordered, in progress, or issued and not yet expired) that
/// uses a domain; domains in use cannot be removed.
#[derive(Debug, Clone)]
pub struct LiveCertificate {
    pub order_id: OrderId,
    pub common_name: String,
    pub email: String,
    pub status: OrderStatus,
}

pub async fn live_certificates_using(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    domain_id: DomainId,
    now: OffsetDateTime,
) -> sqlx::Result<Vec<LiveCertificate>> {
    sqlx::query_as!(
        LiveCertificate,
        r#"SELECT o.id AS order_id, o.common_name, e.email, o.status AS "status: OrderStatus"
           FROM order_emails e
           JOIN certificate_orders o ON o.institution_id = e.institution_id AND o.id = e.order_id
           WHERE e.institution_id = $1 AND e.domain_id = $2
             AND o.status NOT IN ('rejected', 'canceled', 'revoked', 'expired')
             AND (o.not_after IS NULL OR o.not_after > $3)
           ORDER BY o.created_at DESC
           LIMIT 20"#,
        scope.institution_id() as InstitutionId,
        domain_id as DomainId,
        now
    )
    .fetch_all(&mut **tx)
    .await
}
