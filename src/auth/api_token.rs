//! Institutions' API tokens: how they are made, and the check every `/api` request
//! passes before it gets an [`InstitutionScope`](crate::auth::InstitutionScope).
//!
//! A token reads `tcs_<prefix>_<secret>`: the prefix (12 characters) finds the row and
//! names the token in lists; the secret (32 random bytes) proves it. Only SHA-256 of the
//! secret is stored. A slow password hash (argon2) is for secrets people choose, which can
//! be guessed; 256 random bits cannot, so a fast hash loses nothing, and it keeps the check
//! cheap on every API request (a slow hash there would hand any caller a way to burn CPU).
use std::net::IpAddr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ipnet::IpNet;
use rand::Rng;
use rand::RngCore;
use secrecy::SecretString;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use sqlx::types::ipnetwork::IpNetwork;
use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime};

use crate::audit::{AuditEvent, RequestMeta};
use crate::db::api_tokens::{self as db, NewToken};
use crate::db::institutions::InstitutionHeader;
use crate::domain::api_token::{TokenLifetime, TokenName};
use crate::domain::{AccountId, ApiTokenId, InstitutionId, InstitutionRole, TcsStatus};

pub use crate::domain::api_token::{DEFAULT_DAYS, MAX_DAYS, TokenScope};

const PREFIX_LEN: usize = 12;
const PREFIX_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// What is asked for when a token is made, checked.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub institution_id: InstitutionId,
    pub name: String,
    pub scopes: Vec<TokenScope>,
    pub expires_in_days: i64,
    pub allowed_networks: Vec<IpNet>,
    pub created_by: AccountId,
}

/// Why a request for a token was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenRequestError {
    #[error("the name must be 1 to 100 characters")]
    Name,
    #[error("at least one scope is needed")]
    NoScope,
    #[error("a token lives 1 to {MAX_DAYS} days")]
    Expiry,
}

/// A token just made: its secret, shown once and never stored.
pub struct IssuedToken {
    pub id: ApiTokenId,
    pub token: SecretString,
    pub expires_at: OffsetDateTime,
}

/// Makes a token and records who made it (`audit_as`: an account or the command line).
pub async fn issue(
    pool: &PgPool,
    meta: &RequestMeta,
    request: &TokenRequest,
    audit: AuditEvent,
    now: OffsetDateTime,
) -> anyhow::Result<Result<IssuedToken, TokenRequestError>> {
    let Ok(name) = TokenName::parse(&request.name) else {
        return Ok(Err(TokenRequestError::Name));
    };
    let name = name.as_str();
    if request.scopes.is_empty() {
        return Ok(Err(TokenRequestError::NoScope));
    }
    let Ok(lifetime) = TokenLifetime::days(request.expires_in_days) else {
        return Ok(Err(TokenRequestError::Expiry));
    };
    // The thread's generator is not `Send`: it is dropped before the first await, so a
    // handler's future can make tokens.
    let (prefix, secret) = {
        let mut rng = rand::thread_rng();
        let prefix: String = (0..PREFIX_LEN)
            .map(|_| char::from(PREFIX_ALPHABET[rng.gen_range(0..PREFIX_ALPHABET.len())]))
            .collect();
        let mut secret = [0u8; 32];
        rng.fill_bytes(&mut secret);
        (prefix, URL_SAFE_NO_PAD.encode(secret))
    };
    let id = ApiTokenId::new_v4();
    let expires_at = now + Duration::days(lifetime.in_days());
    let mut scopes: Vec<String> = request
        .scopes
        .iter()
        .map(|scope| scope.as_str().to_owned())
        .collect();
    scopes.sort();
    scopes.dedup();
    let networks: Vec<IpNetwork> = request
        .allowed_networks
        .iter()
        .map(|net| IpNetwork::new(net.network(), net.prefix_len()))
        .collect::<Result<_, _>>()?;
    let mut tx = pool.begin().await?;
    db::insert(
        &mut tx,
        &NewToken {
            id,
            institution_id: request.institution_id,
            prefix: &prefix,
            secret_hash: &hash(&secret),
            name,
            scopes: &scopes,
            allowed_networks: &networks,
            created_by: request.created_by,
            created_at: now,
            expires_at,
        },
    )
    .await?;
    audit
        .institution(request.institution_id)
        .target(format!("api_token:{id}"))
        .details(json!({
            "name": name,
            "prefix": prefix,
            "scopes": scopes,
            "expires_at": expires_at.unix_timestamp(),
            "allowed_networks": request.allowed_networks.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "acts_for": request.created_by,
        }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(Ok(IssuedToken {
        id,
        token: SecretString::from(format!("tcs_{prefix}_{secret}")),
        expires_at,
    }))
}

fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// A token that passed every check, for one institution: only [`authenticate`] makes one.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    id: ApiTokenId,
    name: String,
    acts_for: AccountId,
    scopes: Vec<TokenScope>,
}

impl VerifiedToken {
    pub fn id(&self) -> ApiTokenId {
        self.id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The admin who made the token, whose rights it uses.
    pub fn acts_for(&self) -> AccountId {
        self.acts_for
    }

    pub fn allows(&self, scope: TokenScope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// Why a bearer token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Malformed, unknown, wrong secret, expired, revoked, or its creator is no longer an
    /// admin there: one answer for all, so a caller learns nothing about other tokens.
    Unauthenticated,
    /// The token is good but for another institution: that one does not exist for it.
    NotFound,
    /// The token lacks the scope this operation needs.
    MissingScope,
    /// The request came from outside the token's networks.
    NetworkNotAllowed,
    /// The token's institution is suspended.
    Suspended,
}

/// Checks `bearer` for an operation on `institution` that needs `needs` (`None`: any
/// scope, for what every client of the institution must see), from `from`.
/// Everything is read afresh on every request, so a revocation, a suspension or the
/// creator's removal takes effect at once. A use is noted on the token; a use from an
/// address other than the last one is also audited (every use would flood the log).
pub async fn authenticate(
    pool: &PgPool,
    meta: &RequestMeta,
    bearer: &str,
    institution: &InstitutionHeader,
    needs: Option<TokenScope>,
    now: OffsetDateTime,
) -> anyhow::Result<Result<VerifiedToken, Refusal>> {
    let Some(stored) = live_token(pool, bearer, now).await? else {
        return Ok(Err(Refusal::Unauthenticated));
    };
    if stored.institution_id != institution.id {
        return Ok(Err(Refusal::NotFound));
    }
    if institution.status == TcsStatus::Suspended {
        return Ok(Err(Refusal::Suspended));
    }
    if !stored.allowed_networks.is_empty()
        && !meta
            .ip
            .is_some_and(|ip| in_networks(&stored.allowed_networks, ip))
    {
        return Ok(Err(Refusal::NetworkNotAllowed));
    }
    let scopes: Vec<TokenScope> = stored
        .scopes
        .iter()
        .filter_map(|scope| TokenScope::parse(scope))
        .collect();
    if needs.is_some_and(|needs| !scopes.contains(&needs)) {
        return Ok(Err(Refusal::MissingScope));
    }
    if db::touch(pool, stored.id, now, meta.ip).await? {
        let mut tx = pool.begin().await?;
        AuditEvent::new("api_token.used_from_new_source")
            .actor(stored.created_by)
            .institution(stored.institution_id)
            .target(format!("api_token:{}", stored.id))
            .details(json!({ "prefix": stored.prefix }))
            .record(&mut tx, meta)
            .await?;
        tx.commit().await?;
    }
    Ok(Ok(VerifiedToken {
        id: stored.id,
        name: stored.name,
        acts_for: stored.created_by,
        scopes,
    }))
}

/// Whether `bearer` is a live token of any institution.
pub async fn authenticate_any(
    pool: &PgPool,
    bearer: &str,
    now: OffsetDateTime,
) -> anyhow::Result<bool> {
    Ok(live_token(pool, bearer, now).await?.is_some())
}

/// The stored token `bearer` names, if its secret matches and it is live: not revoked,
/// not expired, and its creator still an active admin of its institution.
async fn live_token(
    pool: &PgPool,
    bearer: &str,
    now: OffsetDateTime,
) -> anyhow::Result<Option<db::StoredToken>> {
    let Some((prefix, secret)) = bearer
        .strip_prefix("tcs_")
        .and_then(|rest| rest.split_once('_'))
    else {
        return Ok(None);
    };
    if prefix.len() != PREFIX_LEN || !prefix.bytes().all(|b| PREFIX_ALPHABET.contains(&b)) {
        return Ok(None);
    }
    let Some(stored) = db::find_by_prefix(pool, prefix).await? else {
        return Ok(None);
    };
    let matches: bool = hash(secret).ct_eq(stored.secret_hash.as_slice()).into();
    if !matches || stored.revoked_at.is_some() || stored.expires_at <= now {
        return Ok(None);
    }
    let role =
        crate::db::memberships::active_role(pool, stored.institution_id, stored.created_by).await?;
    if role != Some(InstitutionRole::Admin) {
        return Ok(None);
    }
    Ok(Some(stored))
}

fn in_networks(networks: &[IpNetwork], ip: IpAddr) -> bool {
    networks.iter().any(|net| net.contains(ip))
}

/// Revokes one of `institution`'s tokens; `false` when it has no such live token.
pub async fn revoke(
    pool: &PgPool,
    meta: &RequestMeta,
    institution: InstitutionId,
    id: ApiTokenId,
    audit: AuditEvent,
    now: OffsetDateTime,
) -> anyhow::Result<bool> {
    let mut tx = pool.begin().await?;
    if !db::revoke(&mut tx, institution, id, now).await? {
        return Ok(false);
    }
    audit
        .institution(institution)
        .target(format!("api_token:{id}"))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(true)
}
