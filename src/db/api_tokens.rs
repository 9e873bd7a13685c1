//! The `api_tokens` table: institutions' API tokens, stored as a hash of the secret.
//! Lists take the tenant's scope, or staff's for every institution; the expiry job's
//! function is `unscoped_`, as it serves every institution.
use std::net::IpAddr;

use sqlx::types::ipnetwork::IpNetwork;
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::auth::StaffScope;
use crate::auth::scope::TenantScope;
use crate::domain::api_token::TokenState;
use crate::domain::{AccountId, ApiTokenId, InstitutionId};

/// A token as a new row.
pub struct NewToken<'a> {
    pub id: ApiTokenId,
    pub institution_id: InstitutionId,
    pub prefix: &'a str,
    pub secret_hash: &'a [u8],
    pub name: &'a str,
    pub scopes: &'a [String],
    pub allowed_networks: &'a [IpNetwork],
    pub created_by: AccountId,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

pub async fn insert(tx: &mut Transaction<'_, Postgres>, token: &NewToken<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO api_tokens (id, institution_id, prefix, secret_hash, name, scopes,
               allowed_networks, created_by, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"#,
        token.id as ApiTokenId,
        token.institution_id as InstitutionId,
        token.prefix,
        token.secret_hash,
        token.name,
        token.scopes,
        token.allowed_networks,
        token.created_by as AccountId,
        token.created_at,
        token.expires_at,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A stored token, as the bearer check reads it.
#[derive(Debug, Clone)]
pub struct StoredToken {
    pub id: ApiTokenId,
    pub institution_id: InstitutionId,
    pub prefix: String,
    pub secret_hash: Vec<u8>,
    pub name: String,
    pub scopes: Vec<String>,
    pub allowed_networks: Vec<IpNetwork>,
    pub created_by: AccountId,
    pub expires_at: OffsetDateTime,
    pub last_used_from: Option<IpNetwork>,
    pub revoked_at: Option<OffsetDateTime>,
}

pub async fn find_by_prefix(pool: &PgPool, prefix: &str) -> sqlx::Result<Option<StoredToken>> {
    sqlx::query_as!(
        StoredToken,
        r#"SELECT id AS "id: ApiTokenId", institution_id AS "institution_id: InstitutionId",
                  prefix, secret_hash, name, scopes,
                  allowed_networks,
                  created_by AS "created_by: AccountId", expires_at,
                  last_used_from, revoked_at
           FROM api_tokens WHERE prefix = $1"#,
        prefix
    )
    .fetch_optional(pool)
    .await
}

/// Notes a use; `true` when it came from another address than the last one.
pub async fn touch(
    pool: &PgPool,
    id: ApiTokenId,
    at: OffsetDateTime,
    from: Option<IpAddr>,
) -> sqlx::Result<bool> {
    let from = from.map(IpNetwork::from);
    let new_source = sqlx::query_scalar!(
        r#"UPDATE api_tokens t SET last_used_at = $2, last_used_from = $3
           FROM (SELECT id, last_used_from FROM api_tokens WHERE id = $1 FOR UPDATE) old
           WHERE t.id = old.id
           RETURNING (old.last_used_from IS DISTINCT FROM $3) AS "new_source!""#,
        id as ApiTokenId,
        at,
        from,
    )
    .fetch_one(pool)
    .await?;
    Ok(new_source)
}

/// Revokes a token of `institution` (staff name the token's own, from
/// [`staff_institution_of`]); `false` when there is no such unrevoked token.
pub async fn revoke(
    tx: &mut Transaction<'_, Postgres>,
    institution: InstitutionId,
    id: ApiTokenId,
    at: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        r#"UPDATE api_tokens SET revoked_at = $3
           WHERE id = $1 AND institution_id = $2 AND revoked_at IS NULL"#,
        id as ApiTokenId,
        institution as InstitutionId,
        at,
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The earliest active admin of an institution: whom a token made at the command line acts for.
pub async fn first_admin(
    pool: &PgPool,
    institution: InstitutionId,
) -> sqlx::Result<Option<AccountId>> {
    sqlx::query_scalar!(
        r#"SELECT m.account_id AS "id: AccountId" FROM memberships m JOIN accounts a ON a.id = m.account_id
           WHERE m.institution_id = $1 AND m.role = 'admin' AND m.status = 'active' AND a.status = 'active'
           ORDER BY m.created_at, m.account_id LIMIT 1"#,
        institution as InstitutionId
    )
    .fetch_optional(pool)
    .await
}

/// An institution's id by its slug, as the command line names it.
pub async fn institution_by_slug(pool: &PgPool, slug: &str) -> sqlx::Result<Option<InstitutionId>> {
    sqlx::query_scalar!(
        r#"SELECT id AS "id: InstitutionId" FROM institutions WHERE slug = $1"#,
        slug
    )
    .fetch_optional(pool)
    .await
}

/// A token as the "API access" pages list it: never its hash.
#[derive(Debug, Clone)]
pub struct TokenLine {
    pub id: ApiTokenId,
    pub institution_id: InstitutionId,
    pub institution_short_name: String,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<String>,
    pub allowed_networks: Vec<IpNetwork>,
    /// The admin the token acts for.
    pub created_by_name: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub last_used_from: Option<IpNetwork>,
    pub revoked_at: Option<OffsetDateTime>,
}

/// The longest list a page shows; an institution with more tokens than this has a
/// problem the list would not solve.
const LIST_LIMIT: i64 = 500;

/// The institution's tokens, newest first.
pub async fn list(pool: &PgPool, scope: &impl TenantScope) -> sqlx::Result<Vec<TokenLine>> {
    // Without a state to filter by, the query never reads the instant.
    lines(
        pool,
        Some(scope.institution_id()),
        None,
        OffsetDateTime::UNIX_EPOCH,
    )
    .await
}

/// Every institution's tokens for staff, narrowed to one institution and one state
/// (as of `now`) when asked.
pub async fn staff_list(
    pool: &PgPool,
    _staff: &StaffScope,
    institution: Option<InstitutionId>,
    state: Option<TokenState>,
    now: OffsetDateTime,
) -> sqlx::Result<Vec<TokenLine>> {
    lines(pool, institution, state, now).await
}

async fn lines(
    pool: &PgPool,
    institution: Option<InstitutionId>,
    state: Option<TokenState>,
    now: OffsetDateTime,
) -> sqlx::Result<Vec<TokenLine>> {
    sqlx::query_as!(
        TokenLine,
        r#"SELECT t.id AS "id: ApiTokenId", t.institution_id AS "institution_id: InstitutionId",
                  i.short_name AS institution_short_name, t.name, t.prefix, t.scopes,
                  t.allowed_networks, a.display_name AS created_by_name, t.created_at,
                  t.expires_at, t.last_used_at, t.last_used_from, t.revoked_at
           FROM api_tokens t
           JOIN institutions i ON i.id = t.institution_id
           JOIN accounts a ON a.id = t.created_by
           WHERE ($1::uuid IS NULL OR t.institution_id = $1)
             AND CASE $2::text
                   WHEN 'revoked' THEN t.revoked_at IS NOT NULL
                   WHEN 'expired' THEN t.revoked_at IS NULL AND t.expires_at <= $3
                   WHEN 'active' THEN t.revoked_at IS NULL AND t.expires_at > $3
                   ELSE true
                 END
           ORDER BY t.created_at DESC, t.id
           LIMIT $4"#,
        institution as Option<InstitutionId>,
        state.map(TokenState::as_str),
        now,
        LIST_LIMIT,
    )
    .fetch_all(pool)
    .await
}

/// The institutions that have tokens, for staff's filter: (id, short name).
pub async fn staff_institutions_with_tokens(
    pool: &PgPool,
    _staff: &StaffScope,
) -> sqlx::Result<Vec<(InstitutionId, String)>> {
    let rows = sqlx::query!(
        r#"SELECT DISTINCT i.id AS "id: InstitutionId", i.short_name
           FROM api_tokens t JOIN institutions i ON i.id = t.institution_id
           ORDER BY i.short_name"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.id, row.short_name))
        .collect())
}

/// The institution a token belongs to, for staff acting on any institution's token.
pub async fn staff_institution_of(
    pool: &PgPool,
    _staff: &StaffScope,
    id: ApiTokenId,
) -> sqlx::Result<Option<InstitutionId>> {
    sqlx::query_scalar!(
        r#"SELECT institution_id AS "id: InstitutionId" FROM api_tokens WHERE id = $1"#,
        id as ApiTokenId
    )
    .fetch_optional(pool)
    .await
}

/// Whether the institution has a token `id` (live or not).
pub async fn exists(pool: &PgPool, scope: &impl TenantScope, id: ApiTokenId) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM api_tokens WHERE id = $1 AND institution_id = $2) AS "exists!""#,
        id as ApiTokenId,
        scope.institution_id() as InstitutionId
    )
    .fetch_one(pool)
    .await
}

/// A token whose expiry has just been noted.
#[derive(Debug, Clone)]
pub struct Expired {
    pub id: ApiTokenId,
    pub institution_id: InstitutionId,
    pub prefix: String,
    pub name: String,
    pub created_by: AccountId,
    pub expires_at: OffsetDateTime,
}

/// Notes the expiry of every live token whose expiry passed by `now` and was not yet
/// noted, and returns them; the caller audits them in the same transaction. The row
/// lock of the update makes a concurrent run skip what this one took.
pub async fn unscoped_note_expired(
    tx: &mut Transaction<'_, Postgres>,
    now: OffsetDateTime,
) -> sqlx::Result<Vec<Expired>> {
    sqlx::query_as!(
        Expired,
        r#"UPDATE api_tokens SET expiry_audited_at = $1
           WHERE expires_at <= $1 AND expiry_audited_at IS NULL AND revoked_at IS NULL
           RETURNING id AS "id: ApiTokenId", institution_id AS "institution_id: InstitutionId",
                     prefix, name, created_by AS "created_by: AccountId", expires_at"#,
        now
    )
    .fetch_all(&mut **tx)
    .await
}
