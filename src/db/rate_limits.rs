//! The shared call log and blocks behind the cross-process DigiCert rate limiter.
//!
//! Callers run these inside one transaction that first takes [`lock_key`], so the
//! count-then-record sequence of every process is serialised per key.
use sqlx::PgConnection;
use time::{Duration, OffsetDateTime};

/// Advisory-lock namespace of the rate limiter (the two-integer form, so it can
/// never collide with the single-bigint locks used elsewhere, such as the audit chain).
const LOCK_NAMESPACE: i32 = 0x7463_7372; // "tcsr"

/// Serialises callers of one key until the transaction ends.
pub async fn lock_key(conn: &mut PgConnection, key: &str) -> sqlx::Result<()> {
    sqlx::query!(
        // The lock function returns void, which has no Rust type; selecting a
        // constant from it keeps the statement checkable by the macro.
        r#"SELECT 1 AS "locked!" FROM pg_advisory_xact_lock($1, hashtext($2))"#,
        LOCK_NAMESPACE,
        key
    )
    .fetch_one(conn)
    .await?;
    Ok(())
}

/// The instant until which a 429 blocks the key, if that is still ahead of `now`.
pub async fn blocked_until(
    conn: &mut PgConnection,
    key: &str,
    now: OffsetDateTime,
) -> sqlx::Result<Option<OffsetDateTime>> {
    sqlx::query_scalar!(
        "SELECT until FROM rate_limit_blocks WHERE key = $1 AND until > $2",
        key,
        now
    )
    .fetch_optional(conn)
    .await
}

/// When the window `(now - period, now]` already holds `max_calls` calls, the time
/// of the `max_calls`-th newest: once it leaves the window there is room again.
pub async fn nth_newest_call_in_window(
    conn: &mut PgConnection,
    key: &str,
    now: OffsetDateTime,
    period: Duration,
    max_calls: i64,
) -> sqlx::Result<Option<OffsetDateTime>> {
    sqlx::query_scalar!(
        r#"SELECT at FROM rate_limit_calls
           WHERE key = $1 AND at > $2
           ORDER BY at DESC
           OFFSET $3::int8 - 1 LIMIT 1"#,
        key,
        now - period,
        max_calls,
    )
    .fetch_optional(conn)
    .await
}

pub async fn record_call(
    conn: &mut PgConnection,
    key: &str,
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO rate_limit_calls (key, at) VALUES ($1, $2)",
        key,
        at
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets calls too old to count in any window.
pub async fn prune_calls(
    conn: &mut PgConnection,
    key: &str,
    before: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        "DELETE FROM rate_limit_calls WHERE key = $1 AND at <= $2",
        key,
        before
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Blocks the key until `until`, or keeps a later block already in place.
pub async fn block_until(
    conn: &mut PgConnection,
    key: &str,
    until: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO rate_limit_blocks (key, until) VALUES ($1, $2)
           ON CONFLICT (key) DO UPDATE SET until = GREATEST(rate_limit_blocks.until, EXCLUDED.until)"#,
        key,
        until
    )
    .execute(conn)
    .await?;
    Ok(())
}
