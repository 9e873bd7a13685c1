//! Changes people make to their own account.
use crate::audit::{AuditEvent, RequestMeta};
use crate::db::accounts::Account;
use crate::domain::NewPassword;
use crate::error::AppError;
use crate::state::AppState;

pub enum PasswordChange {
    /// Done; every other session of the account has ended. Carries the new epoch.
    Changed {
        session_epoch: i32,
    },
    WrongCurrentPassword,
}

pub async fn change_password(
    state: &AppState,
    meta: &RequestMeta,
    account: &Account,
    current: &str,
    new: &NewPassword,
) -> Result<PasswordChange, AppError> {
    let now = state.clock.now();
    if !state
        .hasher
        .verify(current, Some(&account.password_hash))
        .await?
    {
        let mut tx = state.db.begin().await?;
        crate::services::login::record_failure(&mut tx, meta, account.id, now).await?;
        AuditEvent::new("account.password_change_failed")
            .actor(account.id)
            .record(&mut tx, meta)
            .await?;
        tx.commit().await?;
        return Ok(PasswordChange::WrongCurrentPassword);
    }
    let hash = state.hasher.hash(new.expose()).await?;
    let mut tx = state.db.begin().await?;
    let session_epoch =
        crate::db::accounts::change_password(&mut tx, account.id, &hash, now).await?;
    AuditEvent::new("account.password_changed")
        .actor(account.id)
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(PasswordChange::Changed { session_epoch })
}
