//! API tokens made outside the web: the command line's `token create`.
use clock::{Clock, SystemClock};
use ipnet::IpNet;
use secrecy::SecretString;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::api_token::{self, TokenRequest, TokenScope};
use crate::config::Settings;
use crate::db::api_tokens as db;

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
