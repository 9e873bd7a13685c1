//! Institutions. Reads for members go through their scope; listing, creating and
//! changing institutions across the board are staff functions.
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::auth::scope::{Admin, InstitutionScope, TenantScope};
use crate::auth::{StaffAdmin, StaffScope};
use crate::domain::institution::NewInstitution;
use crate::domain::{AccountId, InstitutionId, TcsStatus, ValidationStatus};

/// What every page of an institution needs to know about it.
#[derive(Debug, Clone)]
pub struct InstitutionHeader {
    pub id: InstitutionId,
    pub slug: String,
    pub name_sr: String,
    pub name_en: String,
    pub short_name: String,
    pub status: TcsStatus,
}

/// The scope extractor's lookup, the one unscoped read of an institution: it
/// runs before any scope exists, and its result only ever becomes part of one.
pub async fn load_for_scope_check(
    pool: &PgPool,
    id: InstitutionId,
) -> sqlx::Result<Option<InstitutionHeader>> {
    let row = sqlx::query!(
        r#"SELECT id AS "id: InstitutionId", slug, name_sr, name_en, short_name, tcs_status
           FROM institutions WHERE id = $1"#,
        id as InstitutionId
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| InstitutionHeader {
        id: row.id,
        slug: row.slug,
        name_sr: row.name_sr,
        name_en: row.name_en,
        short_name: row.short_name,
        status: TcsStatus::from_db(&row.tcs_status).unwrap_or(TcsStatus::Suspended),
    }))
}

/// Everything the dashboard shows about one institution.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct InstitutionDetail {
    pub id: InstitutionId,
    pub slug: String,
    pub name_sr: String,
    pub name_en: String,
    pub short_name: String,
    pub registration_number: String,
    pub status: TcsStatus,
    #[serde(with = "time::serde::rfc3339::option")]
    pub tcs_registered_at: Option<OffsetDateTime>,
    pub digicert_org_id: Option<i64>,
    pub org_validation_status: ValidationStatus,
    #[serde(with = "time::serde::rfc3339::option")]
    pub org_validated_until: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub org_synced_at: Option<OffsetDateTime>,
}

pub async fn detail(pool: &PgPool, scope: &impl TenantScope) -> sqlx::Result<InstitutionDetail> {
    detail_by_id(pool, scope.institution_id()).await
}

/// Staff open any institution's form; members use [`detail`].
pub async fn staff_detail(
    pool: &PgPool,
    _staff: &StaffScope,
    id: InstitutionId,
) -> sqlx::Result<Option<InstitutionDetail>> {
    match detail_by_id(pool, id).await {
        Ok(detail) => Ok(Some(detail)),
        Err(sqlx::Error::RowNotFound) => Ok(None),
        Err(error) => Err(error),
    }
}

/// For the demo, which seeds with no one signed in; everyone else goes through
/// [`detail`] or [`staff_detail`].
pub async fn unscoped_detail(pool: &PgPool, id: InstitutionId) -> sqlx::Result<InstitutionDetail> {
    detail_by_id(pool, id).await
}

/// The institution $1 as one JSON object, or NULL: what [`detail`] reads, and the
/// institution dashboard's one statement with it (`db::dashboard::INSTITUTION_SQL`).
macro_rules! detail_json {
    () => {
        "(SELECT row_to_json(i)
          FROM (SELECT id, slug, name_sr, name_en, short_name, registration_number,
                       tcs_status AS status, tcs_registered_at, digicert_org_id,
                       org_validation_status, org_validated_until, org_synced_at
                FROM institutions WHERE id = $1) AS i)"
    };
}
pub(crate) use detail_json;

async fn detail_by_id(pool: &PgPool, id: InstitutionId) -> sqlx::Result<InstitutionDetail> {
    let detail: Option<sqlx::types::Json<InstitutionDetail>> =
        sqlx::query_scalar(concat!("SELECT ", detail_json!()))
            .bind(id)
            .fetch_one(pool)
            .await?;
    detail
        .map(|sqlx::types::Json(detail)| detail)
        .ok_or(sqlx::Error::RowNotFound)
}

#[derive(Debug, Clone)]
pub struct InstitutionListItem {
    pub id: InstitutionId,
    pub slug: String,
    pub name_sr: String,
    pub short_name: String,
    pub registration_number: String,
    pub status: TcsStatus,
    pub org_validation_status: ValidationStatus,
    pub domain_count: i64,
    pub admin_count: i64,
}

#[derive(Debug, Default, Clone)]
pub struct InstitutionFilter {
    pub search: Option<String>,
    pub status: Option<TcsStatus>,
    /// Keyset cursor: the (lower-cased name, id) of the last row of the previous page.
    pub after: Option<(String, InstitutionId)>,
}

struct ListRow {
    id: InstitutionId,
    slug: String,
    name_sr: String,
    short_name: String,
    registration_number: String,
    tcs_status: String,
    org_validation_status: ValidationStatus,
    domain_count: i64,
    admin_count: i64,
}

impl From<ListRow> for InstitutionListItem {
    fn from(row: ListRow) -> Self {
        Self {
            id: row.id,
            slug: row.slug,
            name_sr: row.name_sr,
            short_name: row.short_name,
            registration_number: row.registration_number,
            status: TcsStatus::from_db(&row.tcs_status).unwrap_or(TcsStatus::Suspended),
            org_validation_status: row.org_validation_status,
            domain_count: row.domain_count,
            admin_count: row.admin_count,
        }
    }
}

/// One page of institutions by name. The keyset cursor and the
/// `(lower(name_sr), id)` index keep later pages as cheap as the first.
///
/// A search is a statement of its own: in one statement with `$1 IS NULL OR …`, a
/// prepared (generic) plan cannot know whether there is a term and walked every
/// institution in name order testing four ILIKEs; alone, it tests one LIKE on the
/// lower-cased names (or asks their trigram index, migration 20261207040100) and sorts
/// only the matches.
pub async fn staff_list(
    pool: &PgPool,
    _staff: &StaffScope,
    filter: &InstitutionFilter,
    limit: i64,
) -> sqlx::Result<Vec<InstitutionListItem>> {
    let (after_name, after_id) = filter.after.clone().unzip();
    let status = filter.status.map(TcsStatus::as_str);
    let rows = match &filter.search {
        Some(search) => {
            sqlx::query_file_as!(
                ListRow,
                "queries/institutions/search.sql",
                crate::db::like_pattern(search),
                search,
                status,
                after_name,
                after_id as Option<InstitutionId>,
                limit
            )
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query_as!(
                ListRow,
                r#"SELECT i.id AS "id: InstitutionId", i.slug, i.name_sr, i.short_name, i.registration_number, i.tcs_status,
                          i.org_validation_status AS "org_validation_status: ValidationStatus",
                          (SELECT count(*) FROM domains d WHERE d.institution_id = i.id) AS "domain_count!",
                          (SELECT count(*) FROM memberships m
                            WHERE m.institution_id = i.id AND m.status = 'active' AND m.role = 'admin') AS "admin_count!"
                   FROM institutions i
                   WHERE ($1::text IS NULL OR i.tcs_status = $1)
                     -- Always a row comparison (the first page starts below every name), so even
                     -- a generic prepared plan can walk the (lower(name_sr), id) index.
                     AND (lower(i.name_sr), i.id) > (coalesce($2::text, ''), coalesce($3::uuid, '00000000-0000-0000-0000-000000000000'))
                   ORDER BY lower(i.name_sr), i.id
                   LIMIT $4"#,
                status,
                after_name,
                after_id as Option<InstitutionId>,
                limit
            )
            .fetch_all(pool)
            .await?
        }
    };
    Ok(rows.into_iter().map(InstitutionListItem::from).collect())
}

/// The institutions whose id, slug or short name is `text` (any case), for
/// staff naming one in a filter; at most two, enough to tell "one" from "several".
pub async fn staff_find(
    pool: &PgPool,
    _staff: &StaffScope,
    text: &str,
) -> sqlx::Result<Vec<InstitutionId>> {
    // An id is compared as a uuid, so the primary key serves it.
    let id = text.parse::<InstitutionId>().ok();
    sqlx::query_scalar!(
        r#"SELECT id AS "id: InstitutionId" FROM institutions
           WHERE id = $1 OR lower(slug) = lower($2) OR lower(short_name) = lower($2)
           ORDER BY id LIMIT 2"#,
        id as Option<InstitutionId>,
        text
    )
    .fetch_all(pool)
    .await
}

/// Which unique field an insert or update collided with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collision {
    Slug,
    RegistrationNumber,
    DigicertOrg,
}

fn collision(error: &sqlx::Error) -> Option<Collision> {
    let sqlx::Error::Database(db) = error else {
        return None;
    };
    match db.constraint() {
        Some("institutions_slug_key") => Some(Collision::Slug),
        Some("institutions_registration_number_key") => Some(Collision::RegistrationNumber),
        Some("institutions_digicert_org_id_key") => Some(Collision::DigicertOrg),
        _ => None,
    }
}

pub async fn staff_create(
    tx: &mut Transaction<'_, Postgres>,
    _staff: &StaffAdmin,
    fields: &NewInstitution,
    now: OffsetDateTime,
) -> sqlx::Result<Result<InstitutionId, Collision>> {
    let result = sqlx::query_scalar!(
        r#"INSERT INTO institutions (slug, name_sr, name_en, short_name, registration_number,
                                     tcs_status, tcs_registered_at, digicert_org_id, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
           RETURNING id AS "id: InstitutionId""#,
        fields.slug.as_str(),
        fields.name_sr,
        fields.name_en,
        fields.short_name,
        fields.registration_number.as_str(),
        if fields.registered { "registered" } else { "applied" },
        fields.registered.then_some(now),
        fields.digicert_org_id,
        now
    )
    .fetch_one(&mut **tx)
    .await;
    match result {
        Ok(id) => Ok(Ok(id)),
        Err(error) => collision(&error).map(Err).ok_or(error),
    }
}

/// Updates the editable fields. Registration status moves between applied and
/// registered here; suspension has its own functions. False when no such row.
pub async fn staff_update(
    tx: &mut Transaction<'_, Postgres>,
    _staff: &StaffAdmin,
    id: InstitutionId,
    fields: &NewInstitution,
    now: OffsetDateTime,
) -> sqlx::Result<Result<bool, Collision>> {
    let result = sqlx::query!(
        r#"UPDATE institutions
           SET slug = $2, name_sr = $3, name_en = $4, short_name = $5, registration_number = $6,
               digicert_org_id = $7,
               tcs_status = CASE WHEN tcs_status = 'suspended' THEN tcs_status
                                 WHEN $8 THEN 'registered' ELSE 'applied' END,
               status_before_suspension = CASE WHEN tcs_status = 'suspended'
                                 THEN (CASE WHEN $8 THEN 'registered' ELSE 'applied' END)
                                 ELSE status_before_suspension END,
               tcs_registered_at = CASE WHEN $8 THEN coalesce(tcs_registered_at, $9) ELSE NULL END,
               -- A new DigiCert organization has not been checked yet.
               org_validation_status = CASE WHEN digicert_org_id IS DISTINCT FROM $7 THEN 'unknown'
                                            ELSE org_validation_status END,
               org_validated_until = CASE WHEN digicert_org_id IS DISTINCT FROM $7 THEN NULL
                                          ELSE org_validated_until END,
               updated_at = $9
           WHERE id = $1"#,
        id as InstitutionId,
        fields.slug.as_str(),
        fields.name_sr,
        fields.name_en,
        fields.short_name,
        fields.registration_number.as_str(),
        fields.digicert_org_id,
        fields.registered,
        now
    )
    .execute(&mut **tx)
    .await;
    match result {
        Ok(done) => Ok(Ok(done.rows_affected() == 1)),
        Err(error) => collision(&error).map(Err).ok_or(error),
    }
}

/// Suspends an institution. False when it does not exist or is already suspended.
///
/// Its members' sessions go on: the scope checks the institution's status on every
/// request, so its pages close to them at once, while their work in any other
/// institution they belong to is not interrupted.
pub async fn staff_suspend(
    tx: &mut Transaction<'_, Postgres>,
    _staff: &StaffAdmin,
    id: InstitutionId,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        r#"UPDATE institutions
           SET status_before_suspension = tcs_status, tcs_status = 'suspended', updated_at = $2
           WHERE id = $1 AND tcs_status <> 'suspended'"#,
        id as InstitutionId,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Lifts a suspension, back to the status the institution had before.
pub async fn staff_reactivate(
    tx: &mut Transaction<'_, Postgres>,
    _staff: &StaffAdmin,
    id: InstitutionId,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        r#"UPDATE institutions
           SET tcs_status = coalesce(status_before_suspension, 'applied'),
               status_before_suspension = NULL, updated_at = $2
           WHERE id = $1 AND tcs_status = 'suspended'"#,
        id as InstitutionId,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// The institutions an account is an active member of, for the switcher.
pub async fn memberships_of(
    pool: &PgPool,
    account_id: AccountId,
) -> sqlx::Result<Vec<(InstitutionId, String, String)>> {
    let rows = sqlx::query!(
        r#"SELECT i.id AS "id: InstitutionId", i.short_name, m.role
           FROM memberships m JOIN institutions i ON i.id = m.institution_id
           WHERE m.account_id = $1 AND m.status = 'active'
           ORDER BY lower(i.short_name)"#,
        account_id as AccountId
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.id, row.short_name, row.role))
        .collect())
}

/// An institution linked to a DigiCert organization, whose cached validation
/// states may be replaced by DigiCert's. Only [`sync_target`] (behind an admin
/// scope) and [`unscoped_linked_to_digicert`] (the scheduled sync) make one, so
/// the sync writes can never be pointed at an institution by request input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncTarget {
    institution_id: InstitutionId,
    digicert_org_id: i64,
    registration_number: String,
}

impl SyncTarget {
    /// The institution's matični broj, which DigiCert must hold for its organization.
    pub fn registration_number(&self) -> &str {
        &self.registration_number
    }

    pub fn institution_id(&self) -> InstitutionId {
        self.institution_id
    }

    pub fn digicert_org_id(&self) -> i64 {
        self.digicert_org_id
    }
}

/// The scope's institution as a sync target; `None` when it is not linked to
/// DigiCert.
pub async fn sync_target(
    pool: &PgPool,
    scope: &InstitutionScope<Admin>,
) -> sqlx::Result<Option<SyncTarget>> {
    let row = sqlx::query!(
        "SELECT digicert_org_id, registration_number FROM institutions WHERE id = $1",
        scope.institution_id() as InstitutionId
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|row| {
        row.digicert_org_id.map(|digicert_org_id| SyncTarget {
            institution_id: scope.institution_id(),
            digicert_org_id,
            registration_number: row.registration_number,
        })
    }))
}

/// Every institution linked to DigiCert, suspended ones included (their cache
/// must be right when they come back). Deliberately unscoped: the scheduled sync
/// runs for no person and covers all institutions.
pub async fn unscoped_linked_to_digicert(pool: &PgPool) -> sqlx::Result<Vec<SyncTarget>> {
    let rows = sqlx::query!(
        r#"SELECT id AS "id: InstitutionId", digicert_org_id AS "digicert_org_id!", registration_number
           FROM institutions WHERE digicert_org_id IS NOT NULL ORDER BY id"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| SyncTarget {
            institution_id: row.id,
            digicert_org_id: row.digicert_org_id,
            registration_number: row.registration_number,
        })
        .collect())
}
