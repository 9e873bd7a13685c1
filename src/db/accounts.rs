//! Accounts: credentials, second factor state, login counters and session epochs.
use sqlx::{PgExecutor, PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::domain::{AccountId, AccountStatus, StaffRole};

#[derive(Debug, Clone)]
pub struct Account {
    pub id: AccountId,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub staff_role: Option<StaffRole>,
    pub active: bool,
    pub session_epoch: i32,
    pub failed_logins: i32,
    pub locked_until: Option<OffsetDateTime>,
    pub totp_secret_sealed: Option<Vec<u8>>,
    pub totp_pending_sealed: Option<Vec<u8>>,
    pub totp_last_step: Option<i64>,
    /// Until when the account page's password form is closed after wrong current passwords.
    pub password_check_blocked_until: Option<OffsetDateTime>,
}

impl Account {
    pub fn mfa_enrolled(&self) -> bool {
        self.totp_secret_sealed.is_some()
    }

    pub fn is_locked(&self, now: OffsetDateTime) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }

    pub fn password_check_blocked(&self, now: OffsetDateTime) -> bool {
        self.password_check_blocked_until
            .is_some_and(|until| until > now)
    }
}

/// An `accounts` row as read; [`crate::db::sessions`] reads one too.
pub(crate) struct AccountRow {
    pub(crate) id: AccountId,
    pub(crate) email: String,
    pub(crate) display_name: String,
    pub(crate) password_hash: String,
    pub(crate) staff_role: Option<String>,
    pub(crate) status: AccountStatus,
    pub(crate) session_epoch: i32,
    pub(crate) failed_logins: i32,
    pub(crate) locked_until: Option<OffsetDateTime>,
    pub(crate) totp_secret_sealed: Option<Vec<u8>>,
    pub(crate) totp_pending_sealed: Option<Vec<u8>>,
    pub(crate) totp_last_step: Option<i64>,
    pub(crate) password_check_blocked_until: Option<OffsetDateTime>,
}

impl From<AccountRow> for Account {
    fn from(row: AccountRow) -> Self {
        Self {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            password_hash: row.password_hash,
            staff_role: row.staff_role.as_deref().and_then(StaffRole::from_db),
            active: row.status == AccountStatus::Active,
            session_epoch: row.session_epoch,
            failed_logins: row.failed_logins,
            locked_until: row.locked_until,
            totp_secret_sealed: row.totp_secret_sealed,
            totp_pending_sealed: row.totp_pending_sealed,
            totp_last_step: row.totp_last_step,
            password_check_blocked_until: row.password_check_blocked_until,
        }
    }
}

pub async fn find_by_email(pool: &PgPool, email: &str) -> sqlx::Result<Option<Account>> {
    let row = sqlx::query_as!(
        AccountRow,
        r#"SELECT id AS "id: AccountId", email, display_name, password_hash, staff_role, status AS "status: AccountStatus", session_epoch,
                  failed_logins, locked_until, totp_secret_sealed, totp_pending_sealed,
                  totp_last_step, password_check_blocked_until
           FROM accounts WHERE email = $1"#,
        email
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(Account::from))
}

pub async fn find_by_id(
    executor: impl PgExecutor<'_>,
    id: AccountId,
) -> sqlx::Result<Option<Account>> {
    let row = sqlx::query_as!(
        AccountRow,
        r#"SELECT id AS "id: AccountId", email, display_name, password_hash, staff_role, status AS "status: AccountStatus", session_epoch,
                  failed_logins, locked_until, totp_secret_sealed, totp_pending_sealed,
                  totp_last_step, password_check_blocked_until
           FROM accounts WHERE id = $1"#,
        id as AccountId
    )
    .fetch_optional(executor)
    .await?;
    Ok(row.map(Account::from))
}

/// Like [`find_by_id`], but locks the row for the rest of the transaction, so two
/// concurrent second-factor checks cannot both accept the same code.
pub async fn lock_by_id(
    tx: &mut Transaction<'_, Postgres>,
    id: AccountId,
) -> sqlx::Result<Option<Account>> {
    let row = sqlx::query_as!(
        AccountRow,
        r#"SELECT id AS "id: AccountId", email, display_name, password_hash, staff_role, status AS "status: AccountStatus", session_epoch,
                  failed_logins, locked_until, totp_secret_sealed, totp_pending_sealed,
                  totp_last_step, password_check_blocked_until
           FROM accounts WHERE id = $1 FOR UPDATE"#,
        id as AccountId
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(Account::from))
}

pub struct NewAccount<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub staff_role: Option<StaffRole>,
}

/// Creates an account; `None` when the e-mail is already taken.
pub async fn insert(
    tx: &mut Transaction<'_, Postgres>,
    account: NewAccount<'_>,
) -> sqlx::Result<Option<AccountId>> {
    sqlx::query_scalar!(
        r#"INSERT INTO accounts (email, display_name, password_hash, staff_role)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (email) DO NOTHING
           RETURNING id AS "id: AccountId""#,
        account.email,
        account.display_name,
        account.password_hash,
        account.staff_role.map(StaffRole::as_str),
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Counts a failed password or second factor. From the fifth failure on, the
/// account locks for a period that doubles with each further failure (1 min,
/// 2 min, 4 min… capped at an hour). Returns the new lock end, if any.
pub async fn record_failure(
    tx: &mut Transaction<'_, Postgres>,
    id: AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<Option<OffsetDateTime>> {
    sqlx::query_scalar!(
        r#"UPDATE accounts
           SET failed_logins = failed_logins + 1,
               locked_until = CASE WHEN failed_logins + 1 >= 5
                   THEN $2::timestamptz + least(interval '1 minute' * power(2, failed_logins + 1 - 5), interval '1 hour')
                   ELSE locked_until END,
               updated_at = $2
           WHERE id = $1
           RETURNING locked_until"#,
        id as AccountId,
        now
    )
    .fetch_one(&mut **tx)
    .await
}

pub async fn clear_failures(tx: &mut Transaction<'_, Postgres>, id: AccountId) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1 AND failed_logins > 0",
        id as AccountId
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Counts a wrong current password given on the account page. These are never failed
/// logins: they cannot lock the account. The fifth in a row closes the password form for
/// 15 minutes and starts the count again; returns the end of that closure when this
/// failure started one.
pub async fn record_password_check_failure(
    tx: &mut Transaction<'_, Postgres>,
    id: AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<Option<OffsetDateTime>> {
    let row = sqlx::query!(
        r#"UPDATE accounts
           SET password_check_failures = CASE WHEN password_check_failures + 1 >= 5
                   THEN 0 ELSE password_check_failures + 1 END,
               password_check_blocked_until = CASE WHEN password_check_failures + 1 >= 5
                   THEN $2::timestamptz + interval '15 minutes' ELSE password_check_blocked_until END,
               updated_at = $2
           WHERE id = $1
           RETURNING password_check_failures, password_check_blocked_until"#,
        id as AccountId,
        now
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(row
        .password_check_blocked_until
        .filter(|until| row.password_check_failures == 0 && *until > now))
}

pub async fn clear_password_check_failures(
    tx: &mut Transaction<'_, Postgres>,
    id: AccountId,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE accounts SET password_check_failures = 0 WHERE id = $1 AND password_check_failures > 0",
        id as AccountId
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn set_pending_totp(pool: &PgPool, id: AccountId, sealed: &[u8]) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE accounts SET totp_pending_sealed = $2, updated_at = now() WHERE id = $1 AND totp_secret_sealed IS NULL",
        id as AccountId,
        sealed
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Promotes the pending seed to the account's seed, remembering the step of the
/// confirming code so it cannot be replayed at the next login.
pub async fn confirm_totp(
    tx: &mut Transaction<'_, Postgres>,
    id: AccountId,
    sealed: &[u8],
    step: i64,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        r#"UPDATE accounts
           SET totp_secret_sealed = $2, totp_pending_sealed = NULL, totp_last_step = $3,
               mfa_enrolled_at = $4, updated_at = $4
           WHERE id = $1 AND totp_secret_sealed IS NULL AND totp_pending_sealed = $2"#,
        id as AccountId,
        sealed,
        step,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn set_totp_last_step(
    tx: &mut Transaction<'_, Postgres>,
    id: AccountId,
    step: i64,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE accounts SET totp_last_step = $2 WHERE id = $1",
        id as AccountId,
        step
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Stores the same password hashed with today's parameters in place of `outdated`, unless
/// the password changed meanwhile. Sessions stay: the password is the one they know.
pub async fn upgrade_password_hash(
    tx: &mut Transaction<'_, Postgres>,
    id: AccountId,
    outdated: &str,
    upgraded: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE accounts SET password_hash = $3 WHERE id = $1 AND password_hash = $2",
        id as AccountId,
        outdated,
        upgraded
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Sets a new password and moves the session epoch, which ends every session of
/// the account. Returns the new epoch.
pub async fn change_password(
    tx: &mut Transaction<'_, Postgres>,
    id: AccountId,
    password_hash: &str,
    now: OffsetDateTime,
) -> sqlx::Result<i32> {
    sqlx::query_scalar!(
        r#"UPDATE accounts
           SET password_hash = $2, session_epoch = session_epoch + 1, updated_at = $3
           WHERE id = $1
           RETURNING session_epoch"#,
        id as AccountId,
        password_hash,
        now
    )
    .fetch_one(&mut **tx)
    .await
}

/// Gives an account a known second factor outright, without the enrolment dance.
/// Only `demo` uses it, to print a working login.
pub async fn replace_totp(
    tx: &mut Transaction<'_, Postgres>,
    id: AccountId,
    sealed: &[u8],
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"UPDATE accounts
           SET totp_secret_sealed = $2, totp_pending_sealed = NULL, totp_last_step = NULL,
               mfa_enrolled_at = $3, failed_logins = 0, locked_until = NULL, updated_at = $3
           WHERE id = $1"#,
        id as AccountId,
        sealed,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Suspends or reactivates an account. Suspension also moves the session epoch,
/// so every session of the account ends at once. False when nothing changed.
pub async fn staff_set_active(
    tx: &mut Transaction<'_, Postgres>,
    _staff: &crate::auth::StaffAdmin,
    id: AccountId,
    active: bool,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        r#"UPDATE accounts
           SET status = CASE WHEN $2 THEN 'active' ELSE 'disabled' END,
               session_epoch = session_epoch + CASE WHEN $2 THEN 0 ELSE 1 END,
               updated_at = $3
           WHERE id = $1 AND status <> CASE WHEN $2 THEN 'active' ELSE 'disabled' END"#,
        id as AccountId,
        active,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(updated.rows_affected() == 1)
}
