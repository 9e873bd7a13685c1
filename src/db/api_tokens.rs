//! The `api_tokens` table: institutions' API tokens, stored as a hash of the secret.
use std::net::IpAddr;

use sqlx::types::ipnetwork::IpNetwork;
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

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

/// Revokes a token of `institution` (any institution's for staff, when `None`); `false`
/// when there is no such live token.
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
