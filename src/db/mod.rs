//! Every SQL statement of the portal lives under this module.
//!
//! Functions on tenant data take the caller's scope and filter by it; account,
//! invitation, outbox, job, rate-limit and audit functions here are not tenant data.
//!
//! The one import knot of the portal, on purpose: `db` names `auth`'s scope types
//! (`&InstitutionScope<R>`, `&StaffScope`, `&StaffAdmin`) so that a tenant query cannot be
//! called without the proof that the caller may see that tenant, and the scope's
//! extractor reads the membership it checks through `db`. Likewise `db::audit` writes
//! `audit`'s events and `audit` stores them through `db::audit`: the event and its table
//! are one thing seen from two sides. Every other import points down (README,
//! "Architecture"; `tests/it/architecture.rs` checks that nothing here reaches `app` or `web`).
pub mod accounts;
pub mod api_tokens;
pub mod audit;
pub mod bulk;
pub mod dashboard;
pub mod dcv;
pub mod departures;
pub mod domains;
pub mod enrollments;
pub mod expiry_warnings;
pub mod institutions;
pub mod invitations;
pub mod jobs;
pub mod memberships;
pub mod order_list;
pub mod orders;
pub mod outbox;
pub mod rate_limits;
pub mod recovery_codes;
pub mod reminders;
pub mod saml;
pub mod seed;
pub mod self_service;
pub mod sessions;
pub mod validation_sync;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Executor, PgPool};

use crate::config::Settings;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Connects, creating the database first when it does not exist, and applies
/// every pending migration.
pub async fn connect_and_migrate(settings: &Settings) -> anyhow::Result<PgPool> {
    let options = PgConnectOptions::from_str(settings.database_url.expose_secret())
        .context("DATABASE_URL is not a valid PostgreSQL URL")?;
    create_database_if_missing(&options, settings).await?;
    let pool = PgPoolOptions::new()
        .max_connections(settings.database_connections)
        .acquire_timeout(Duration::from_secs(5))
        // sqlx pings an idle connection before lending it by default: a second round trip
        // for every statement. A connection the server dropped fails its one statement
        // instead (the request answers 500 and the pool discards it), which on a database
        // next to the portal is a rare restart, not the price of every page.
        .test_before_acquire(false)
        .connect_with(
            options
                .clone()
                .log_statements(tracing::log::LevelFilter::Debug),
        )
        .await
        .with_context(|| format!("cannot connect to {}", settings.database_url_for_display()))?;
    MIGRATOR
        .run(&pool)
        .await
        .context("applying database migrations failed")?;
    Ok(pool)
}

async fn create_database_if_missing(
    options: &PgConnectOptions,
    settings: &Settings,
) -> anyhow::Result<()> {
    let Some(name) = options.get_database().map(str::to_owned) else {
        return Ok(());
    };
    let mut maintenance = options
        .clone()
        .database("postgres")
        .connect()
        .await
        .with_context(|| {
            format!(
                "cannot reach PostgreSQL at {}; is it running?",
                settings.database_url_for_display()
            )
        })?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut maintenance)
            .await?;
    if !exists {
        // Identifiers cannot be bound as parameters; quote it the SQL way instead.
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        match maintenance
            .execute(format!("CREATE DATABASE {quoted}").as_str())
            .await
        {
            Ok(_) => tracing::info!(database = %name, "created the database"),
            // Another process created it between our check and our CREATE.
            Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("42P04") => {}
            Err(error) => return Err(error).context("cannot create the database"),
        }
    }
    Ok(())
}

/// Whether the database answers and has every migration this binary knows.
pub async fn is_ready(pool: &PgPool) -> bool {
    let latest = MIGRATOR.iter().map(|migration| migration.version).max();
    let applied: Result<Option<i64>, _> =
        sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(pool)
            .await;
    matches!(applied, Ok(version) if version == latest)
}

/// `search` as a LIKE pattern matching it anywhere, its wildcards taken literally.
pub fn like_pattern(search: &str) -> String {
    format!("%{}", like_prefix(search))
}

/// A LIKE pattern matching what starts with `start`, its wildcards taken literally.
pub fn like_prefix(start: &str) -> String {
    let mut pattern = String::with_capacity(start.len() + 2);
    for c in start.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::{like_pattern, like_prefix};

    #[test]
    fn wildcards_in_a_search_match_themselves() {
        assert_eq!(like_pattern("Ana_%\\"), "%Ana\\_\\%\\\\%");
        assert_eq!(like_prefix("_a%"), "\\_a\\%%");
    }
}
