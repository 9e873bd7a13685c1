//! The session table (`tower_sessions.session`), read and written by the portal's own
//! store (`auth::session_store`), and the one statement that authenticates a request.
//!
//! A row holds the session's encoded record and, beside it, the account the record's
//! `auth` entry names (migration 20261207040000). That column lets [`signed_in`] read the
//! session, its account (status and epoch), the person's memberships and the
//! institution the page is about, with the person's role there, in one round trip, and
//! [`versions`] tells, in a cheaper one, whether a reading made before still holds.
use sqlx::PgPool;
use time::OffsetDateTime;

use crate::db::accounts::{Account, AccountRow};
use crate::db::institutions::InstitutionHeader;
use crate::domain::{AccountId, AccountStatus, InstitutionId, InstitutionRole, TcsStatus};

/// A session row as the store writes it.
#[derive(Debug)]
pub struct StoredSession {
    pub id: String,
    /// The encoded record.
    pub data: Vec<u8>,
    pub expiry_date: OffsetDateTime,
    /// The account the record's `auth` entry names, if any.
    pub account_id: Option<AccountId>,
}

/// Inserts a new session; `false` when its id is taken (the store then draws another).
pub async fn insert(pool: &PgPool, session: &StoredSession) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        r#"INSERT INTO tower_sessions.session (id, data, expiry_date, account_id)
           VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING"#,
        session.id,
        session.data,
        session.expiry_date,
        session.account_id as Option<AccountId>
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Writes a session, whether or not it exists yet.
pub async fn upsert(pool: &PgPool, session: &StoredSession) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO tower_sessions.session (id, data, expiry_date, account_id)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE
           SET data = EXCLUDED.data, expiry_date = EXCLUDED.expiry_date,
               account_id = EXCLUDED.account_id"#,
        session.id,
        session.data,
        session.expiry_date,
        session.account_id as Option<AccountId>
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The encoded record of a session that has not expired. Expiry is tower-sessions' own,
/// by the database's wall clock (the portal's idle and absolute limits are checked on
/// the record, by the portal's clock).
pub async fn load(pool: &PgPool, id: &str) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar!(
        "SELECT data FROM tower_sessions.session WHERE id = $1 AND expiry_date > now()",
        id
    )
    .fetch_optional(pool)
    .await
}

pub async fn delete(pool: &PgPool, id: &str) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM tower_sessions.session WHERE id = $1", id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn delete_expired(pool: &PgPool) -> sqlx::Result<u64> {
    let done = sqlx::query!("DELETE FROM tower_sessions.session WHERE expiry_date < now()")
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

/// The versions (PostgreSQL's `xmin`) of the rows a reading of a session came from: the
/// session's, its account's and the institution's asked about. Migration 20261210010000
/// makes every change to a membership rewrite its account's row, so equal versions mean
/// nothing a [`SignedIn`] holds has changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowVersions {
    pub session: i64,
    pub account: Option<i64>,
    pub institution: Option<i64>,
}

/// What [`versions`] reads.
#[derive(Debug)]
pub struct Versions {
    pub rows: RowVersions,
    /// The dashboards' figures version (`figures_changes`, see `db::dashboard`), read
    /// here so that a dashboard's kept figures cost no statement of their own.
    pub figures: i64,
}

/// The versions of the rows [`signed_in`] would read for the session `id` and
/// `institution`, by key lookups only; `None` when there is no such unexpired session.
/// Its rows and its condition must stay those of [`signed_in`]: a reading is verified by
/// the very rows it was read from.
pub async fn versions(
    pool: &PgPool,
    id: &str,
    institution: Option<InstitutionId>,
) -> sqlx::Result<Option<Versions>> {
    let row = sqlx::query!(
        r#"SELECT s.xmin::text::bigint AS "session!", a.xmin::text::bigint AS account,
                  t.xmin::text::bigint AS institution,
                  (SELECT last_value FROM figures_changes) AS "figures!"
           FROM tower_sessions.session s
           LEFT JOIN accounts a ON a.id = s.account_id
           LEFT JOIN institutions t ON t.id = $2
           WHERE s.id = $1 AND s.expiry_date > now()"#,
        id,
        institution as Option<InstitutionId>
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| Versions {
        rows: RowVersions {
            session: row.session,
            account: row.account,
            institution: row.institution,
        },
        figures: row.figures,
    }))
}

/// What one statement knows about a request's session.
#[derive(Debug)]
pub struct SignedIn {
    /// The session's encoded record, to hydrate the request's session with.
    pub data: Vec<u8>,
    /// The account the row names, if it still exists.
    pub account: Option<Account>,
    /// The account's active memberships as (institution, short name), by name.
    pub memberships: Vec<(InstitutionId, String)>,
    /// The institution asked about, if it exists.
    pub institution: Option<InstitutionHeader>,
    /// The account's active role in that institution, if any.
    pub role: Option<InstitutionRole>,
    /// The versions of the rows all this was read from, and the figures version.
    pub versions: Versions,
}

/// The session `id` (unexpired, as [`load`] sees it), its account, the account's memberships and,
/// when `institution` is given, that institution and the account's role in it: all the
/// extractors need, in one round trip. `None` when there is no such session.
pub async fn signed_in(
    pool: &PgPool,
    id: &str,
    institution: Option<InstitutionId>,
) -> sqlx::Result<Option<SignedIn>> {
    let Some(row) = sqlx::query!(
        r#"SELECT s.data, s.xmin::text::bigint AS "session_version!",
                  a.xmin::text::bigint AS account_version,
                  t.xmin::text::bigint AS institution_version,
                  (SELECT last_value FROM figures_changes) AS "figures_version!",
                  a.id AS "account_id?: AccountId", a.email AS "email?",
                  a.display_name AS "display_name?", a.password_hash AS "password_hash?",
                  a.staff_role, a.status AS "status?: AccountStatus",
                  a.session_epoch AS "session_epoch?", a.failed_logins AS "failed_logins?",
                  a.locked_until, a.totp_secret_sealed, a.totp_pending_sealed,
                  a.totp_last_step, a.password_check_blocked_until,
                  (SELECT coalesce(json_agg(json_build_array(i.id, i.short_name)
                                            ORDER BY lower(i.short_name)), '[]'::json)
                   FROM memberships m JOIN institutions i ON i.id = m.institution_id
                   WHERE m.account_id = a.id AND m.status = 'active') AS "memberships!",
                  t.id AS "institution_id?: InstitutionId", t.slug AS "slug?",
                  t.name_sr AS "name_sr?", t.name_en AS "name_en?",
                  t.short_name AS "short_name?", t.tcs_status AS "tcs_status?",
                  (SELECT m.role FROM memberships m
                   WHERE m.institution_id = t.id AND m.account_id = a.id
                     AND m.status = 'active') AS role
           FROM tower_sessions.session s
           LEFT JOIN accounts a ON a.id = s.account_id
           LEFT JOIN institutions t ON t.id = $2
           WHERE s.id = $1 AND s.expiry_date > now()"#,
        id,
        institution as Option<InstitutionId>
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    // Every NOT NULL column of the account is present exactly when the join found it.
    let account = match (
        row.account_id,
        row.email,
        row.display_name,
        row.password_hash,
        row.status,
        row.session_epoch,
        row.failed_logins,
    ) {
        (
            Some(id),
            Some(email),
            Some(display_name),
            Some(password_hash),
            Some(status),
            Some(session_epoch),
            Some(failed_logins),
        ) => Some(Account::from(AccountRow {
            id,
            email,
            display_name,
            password_hash,
            staff_role: row.staff_role,
            status,
            session_epoch,
            failed_logins,
            locked_until: row.locked_until,
            totp_secret_sealed: row.totp_secret_sealed,
            totp_pending_sealed: row.totp_pending_sealed,
            totp_last_step: row.totp_last_step,
            password_check_blocked_until: row.password_check_blocked_until,
        })),
        _ => None,
    };
    let memberships: Vec<(InstitutionId, String)> = serde_json::from_value(row.memberships)
        .map_err(|error| sqlx::Error::Decode(error.into()))?;
    let institution = match (
        row.institution_id,
        row.slug,
        row.name_sr,
        row.name_en,
        row.short_name,
    ) {
        (Some(id), Some(slug), Some(name_sr), Some(name_en), Some(short_name)) => {
            Some(InstitutionHeader {
                id,
                slug,
                name_sr,
                name_en,
                short_name,
                status: row
                    .tcs_status
                    .as_deref()
                    .and_then(TcsStatus::from_db)
                    .unwrap_or(TcsStatus::Suspended),
            })
        }
        _ => None,
    };
    Ok(Some(SignedIn {
        data: row.data,
        account,
        memberships,
        institution,
        role: row.role.as_deref().and_then(InstitutionRole::from_db),
        versions: Versions {
            rows: RowVersions {
                session: row.session_version,
                account: row.account_version,
                institution: row.institution_version,
            },
            figures: row.figures_version,
        },
    }))
}
