//! Checking an e-mail and password, with per-account lock-out and equal timing
//! for known and unknown e-mails.
use serde_json::json;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::password::is_outdated;
use crate::domain::{AccountId, EmailAddress};
use crate::state::AppState;

pub enum LoginOutcome {
    /// The password is right; the second factor comes next.
    PasswordAccepted {
        account_id: AccountId,
        session_epoch: i32,
        mfa_enrolled: bool,
    },
    /// Wrong e-mail, wrong password, locked or disabled account: the visitor is
    /// told the same thing in all these cases, so nobody learns which e-mails exist.
    Refused,
}

pub async fn check_password(
    state: &AppState,
    meta: &RequestMeta,
    email_input: &str,
    password: &str,
) -> anyhow::Result<LoginOutcome> {
    let now = state.clock.now();
    let email = EmailAddress::parse(email_input).ok();
    let account = match &email {
        Some(email) => crate::db::accounts::find_by_email(&state.db, email.as_str()).await?,
        None => None,
    };
    // Always hash once, against the dummy hash when there is no account to check.
    let usable = account.as_ref().filter(|a| a.active && !a.is_locked(now));
    let password_ok = state
        .hasher
        .verify(password, usable.map(|a| a.password_hash.as_str()))
        .await?;
    // A right password whose hash has older parameters is stored hashed anew.
    let upgraded = match usable {
        Some(account) if password_ok && is_outdated(&account.password_hash) => {
            Some(state.hasher.hash(password).await?)
        }
        _ => None,
    };

    let mut tx = state.db.begin().await?;
    let outcome = match (&account, password_ok) {
        (Some(account), true) => {
            crate::db::accounts::clear_failures(&mut tx, account.id).await?;
            if let Some(upgraded) = &upgraded {
                crate::db::accounts::upgrade_password_hash(
                    &mut tx,
                    account.id,
                    &account.password_hash,
                    upgraded,
                )
                .await?;
            }
            AuditEvent::new("login.password_ok")
                .actor(account.id)
                .record(&mut tx, meta)
                .await?;
            LoginOutcome::PasswordAccepted {
                account_id: account.id,
                session_epoch: account.session_epoch,
                mfa_enrolled: account.mfa_enrolled(),
            }
        }
        (Some(account), false) => {
            let reason = if !account.active {
                "account_disabled"
            } else if account.is_locked(now) {
                "account_locked"
            } else {
                "wrong_password"
            };
            if reason == "wrong_password" {
                record_failure(&mut tx, meta, account.id, now).await?;
            }
            AuditEvent::new("login.failed")
                .actor(account.id)
                .details(json!({ "reason": reason }))
                .record(&mut tx, meta)
                .await?;
            LoginOutcome::Refused
        }
        (None, _) => {
            // Only the shape of what was typed is kept, never a 10,000-character blob.
            let label: String = email_input.chars().take(254).collect();
            AuditEvent::new("login.failed")
                .actor_label(label)
                .details(json!({ "reason": "unknown_email" }))
                .record(&mut tx, meta)
                .await?;
            LoginOutcome::Refused
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

/// Counts a failure (password or second factor) and audits a resulting lock.
pub async fn record_failure(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    meta: &RequestMeta,
    account_id: AccountId,
    now: time::OffsetDateTime,
) -> anyhow::Result<()> {
    if let Some(until) = crate::db::accounts::record_failure(tx, account_id, now).await?
        && until > now
    {
        AuditEvent::new("account.locked")
            .actor(account_id)
            .details(json!({ "locked_until": until.unix_timestamp() }))
            .record(tx, meta)
            .await?;
    }
    Ok(())
}
