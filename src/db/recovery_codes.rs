//! Recovery codes, as keyed hashes.
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;

use crate::domain::AccountId;

/// Replaces every code of the account (used or not) with `hashes`.
pub async fn replace_all(
    tx: &mut Transaction<'_, Postgres>,
    account_id: AccountId,
    hashes: &[Vec<u8>],
) -> sqlx::Result<()> {
    sqlx::query!(
        "DELETE FROM recovery_codes WHERE account_id = $1",
        account_id as AccountId
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "INSERT INTO recovery_codes (account_id, code_hash) SELECT $1, unnest($2::bytea[])",
        account_id as AccountId,
        hashes
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Spends one unused code; false when it does not exist or was already used.
pub async fn spend(
    tx: &mut Transaction<'_, Postgres>,
    account_id: AccountId,
    hash: &[u8],
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        "UPDATE recovery_codes SET used_at = $3 WHERE account_id = $1 AND code_hash = $2 AND used_at IS NULL",
        account_id as AccountId,
        hash,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn count_unused(
    tx: &mut Transaction<'_, Postgres>,
    account_id: AccountId,
) -> sqlx::Result<i64> {
    let count = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL"#,
        account_id as AccountId
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(count)
}
