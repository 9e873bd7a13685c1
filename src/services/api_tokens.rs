//! API tokens as people make and end them: an institution's admin on the "API access"
//! page, staff for any institution, the command line's `token create`, and the
//! schedule that notes each token's expiry in the audit log.
use clock::{Clock, SystemClock};
use ipnet::IpNet;
use secrecy::SecretString;
use serde_json::json;
use sqlx::PgPool;
use time::OffsetDateTime;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::api_token::{self, IssuedToken, TokenRequest, TokenScope};
use crate::auth::scope::RequiredRole;
use crate::auth::{Admin, InstitutionScope, StaffAdmin};
use crate::config::Settings;
use crate::db::api_tokens as db;
use crate::domain::ApiTokenId;
use crate::domain::api_token::NewApiToken;

/// Runs the expiry audit ([`audit_expired`]) on the portal's schedule.
pub const AUDIT_EXPIRED: &str = "api_tokens.audit_expired";

/// Tokens expire at the instant they were made plus whole days; a quarter of an hour
/// late in the log is close enough, and the entry carries the exact expiry.
pub const AUDIT_EXPIRED_EVERY: time::Duration = time::Duration::minutes(15);

/// Why an admin may not make a token here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CreateError {
    /// A token acts for the admin who made it and stops when they stop being one; staff
    /// are no admin of the institution, so a token of theirs would never work.
    #[error("only the institution's own admins make its tokens")]
    NotAnAdmin,
}

/// Whether the caller may make tokens here: the institution's own admins only.
pub fn may_create<R: RequiredRole>(scope: &InstitutionScope<R>) -> Result<(), CreateError> {
    if scope.is_staff() || !scope.can_write() {
        Err(CreateError::NotAnAdmin)
    } else {
        Ok(())
    }
}

/// Makes a token for the scope's institution, acting for the admin who asked.
pub async fn create(
    pool: &PgPool,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    token: &NewApiToken,
    now: OffsetDateTime,
) -> anyhow::Result<Result<IssuedToken, CreateError>> {
    if let Err(refused) = may_create(scope) {
        return Ok(Err(refused));
    }
    let request = TokenRequest {
        institution_id: scope.institution_id(),
        name: token.name.as_str().to_owned(),
        scopes: token.scopes.clone(),
        expires_in_days: token.lifetime.in_days(),
        allowed_networks: token.allowed_networks.clone(),
        created_by: scope.account_id(),
    };
    let audit = AuditEvent::new("api_token.created").actor(scope.account_id());
    let issued = api_token::issue(pool, meta, &request, audit, now)
        .await?
        // The request was parsed into a `NewApiToken`: a refusal here is a broken promise.
        .map_err(|refused| anyhow::anyhow!("a parsed token request was refused: {refused}"))?;
    Ok(Ok(issued))
}

/// What a revocation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    Revoked,
    /// The token was revoked before.
    AlreadyRevoked,
    /// No such token (for an admin: none of their institution's).
    NotFound,
}

/// Revokes one of the scope's institution's tokens; it stops at the next request.
pub async fn revoke(
    pool: &PgPool,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    id: ApiTokenId,
    now: OffsetDateTime,
) -> anyhow::Result<Revoked> {
    let audit = AuditEvent::new("api_token.revoked").actor(scope.account_id());
    if api_token::revoke(pool, meta, scope.institution_id(), id, audit, now).await? {
        Ok(Revoked::Revoked)
    } else if db::exists(pool, scope, id).await? {
        Ok(Revoked::AlreadyRevoked)
    } else {
        Ok(Revoked::NotFound)
    }
}

/// Revokes any institution's token, as AMRES staff.
pub async fn staff_revoke(
    pool: &PgPool,
    meta: &RequestMeta,
    staff: &StaffAdmin,
    id: ApiTokenId,
    now: OffsetDateTime,
) -> anyhow::Result<Revoked> {
    let Some(institution) = db::staff_institution_of(pool, staff, id).await? else {
        return Ok(Revoked::NotFound);
    };
    let audit = AuditEvent::new("api_token.revoked")
        .actor(staff.account_id())
        .details(json!({ "by": "staff" }));
    Ok(
        if api_token::revoke(pool, meta, institution, id, audit, now).await? {
            Revoked::Revoked
        } else {
            Revoked::AlreadyRevoked
        },
    )
}

/// Writes `api_token.expired` for every token whose expiry passed by `now`, once per
/// token: the mark and the entries are one transaction. Returns how many.
pub async fn audit_expired(pool: &PgPool, now: OffsetDateTime) -> anyhow::Result<usize> {
    let mut tx = pool.begin().await?;
    let expired = db::unscoped_note_expired(&mut tx, now).await?;
    for token in &expired {
        AuditEvent::new("api_token.expired")
            .actor_label("schedule")
            .institution(token.institution_id)
            .target(format!("api_token:{}", token.id))
            .details(json!({
                "name": token.name,
                "prefix": token.prefix,
                "expires_at": token.expires_at.unix_timestamp(),
                "acts_for": token.created_by,
            }))
            .record(&mut tx, &RequestMeta::default())
            .await?;
    }
    tx.commit().await?;
    Ok(expired.len())
}

/// Makes a token for the institution `slug`, acting for its earliest active admin, and
/// records it as done by the command line.
pub async fn create_from_cli(
    settings: &Settings,
    slug: &str,
    name: &str,
    scopes: &[String],
    expires_in_days: i64,
    allowed_networks: Vec<IpNet>,
) -> anyhow::Result<SecretString> {
    let scopes = scopes
        .iter()
        .map(|scope| {
            TokenScope::parse(scope.trim())
                .ok_or_else(|| anyhow::anyhow!("--scopes: unknown scope {scope:?}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let pool = crate::db::connect_and_migrate(settings).await?;
    let institution_id = db::institution_by_slug(&pool, slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("--institution: no institution {slug:?}"))?;
    let created_by = db::first_admin(&pool, institution_id)
        .await?
        .ok_or_else(|| {
            anyhow::anyhow!("institution {slug:?} has no active admin for the token to act for")
        })?;
    let request = TokenRequest {
        institution_id,
        name: name.to_owned(),
        scopes,
        expires_in_days,
        allowed_networks,
        created_by,
    };
    let issued = api_token::issue(
        &pool,
        &RequestMeta::default(),
        &request,
        AuditEvent::new("api_token.created").actor_label("command line"),
        SystemClock.now(),
    )
    .await?
    .map_err(|refused| anyhow::anyhow!("{refused}"))?;
    Ok(issued.token)
}
