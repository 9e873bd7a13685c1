//! Changes people make to their own account.
use serde_json::json;

use crate::audit::{AuditEvent, RequestMeta};
use crate::db::accounts::Account;
use crate::domain::NewPassword;
use crate::state::AppState;

pub enum PasswordChange {
    /// Done; every other session of the account has ended. Carries the new epoch.
    Changed {
        session_epoch: i32,
    },
    WrongCurrentPassword,
    /// The new password is the one the account already has.
    SameAsCurrent,
    /// Too many wrong current passwords: the form is closed for a while. Logging in
    /// is not affected; these attempts never count as failed logins.
    Throttled,
}

pub async fn change_password(
    state: &AppState,
    meta: &RequestMeta,
    account: &Account,
    current: &str,
    new: &NewPassword,
) -> anyhow::Result<PasswordChange> {
    let now = state.clock.now();
    if account.password_check_blocked(now) {
        let mut tx = state.db.begin().await?;
        failed_event("throttled")
            .actor(account.id)
            .record(&mut tx, meta)
            .await?;
        tx.commit().await?;
        return Ok(PasswordChange::Throttled);
    }
    if !state
        .hasher
        .verify(current, Some(&account.password_hash))
        .await?
    {
        let mut tx = state.db.begin().await?;
        let blocked =
            crate::db::accounts::record_password_check_failure(&mut tx, account.id, now).await?;
        failed_event("wrong_current_password")
            .actor(account.id)
            .record(&mut tx, meta)
            .await?;
        if let Some(until) = blocked {
            AuditEvent::new("account.password_form_closed")
                .actor(account.id)
                .details(json!({ "until": until.unix_timestamp() }))
                .record(&mut tx, meta)
                .await?;
        }
        tx.commit().await?;
        return Ok(if blocked.is_some() {
            PasswordChange::Throttled
        } else {
            PasswordChange::WrongCurrentPassword
        });
    }
    let mut tx = state.db.begin().await?;
    crate::db::accounts::clear_password_check_failures(&mut tx, account.id).await?;
    // The current password has just been verified, so comparing the typed texts is exact.
    if new.expose() == current {
        failed_event("same_as_current")
            .actor(account.id)
            .record(&mut tx, meta)
            .await?;
        tx.commit().await?;
        return Ok(PasswordChange::SameAsCurrent);
    }
    tx.commit().await?;
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

fn failed_event(reason: &str) -> AuditEvent {
    AuditEvent::new("account.password_change_failed").details(json!({ "reason": reason }))
}
