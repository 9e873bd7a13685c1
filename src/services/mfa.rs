//! The second factor: TOTP enrolment, TOTP or recovery-code verification, and
//! recovery-code renewal.
use serde_json::json;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::{recovery, totp};
use crate::db::accounts::Account;
use crate::domain::AccountId;
use crate::state::AppState;

/// The associated data that ties a sealed seed to its account row.
fn seed_context(account_id: AccountId) -> Vec<u8> {
    format!("accounts/{account_id}/totp").into_bytes()
}

/// What the enrolment page shows: the seed as text and as an `otpauth://` URI.
pub struct Enrolment {
    pub secret_text: String,
    pub uri: String,
}

/// Returns the pending seed of an account that is enrolling, creating one on
/// first visit; reloading the page shows the same seed.
pub async fn start_enrolment(state: &AppState, account: &Account) -> anyhow::Result<Enrolment> {
    let context = seed_context(account.id);
    let secret = match &account.totp_pending_sealed {
        Some(sealed) => state.master_key.open(sealed, &context)?.to_vec(),
        None => {
            let secret = totp::generate_secret();
            let sealed = state.master_key.seal(&secret, &context);
            crate::db::accounts::set_pending_totp(&state.db, account.id, &sealed).await?;
            secret
        }
    };
    Ok(Enrolment {
        secret_text: totp::secret_for_display(&secret),
        uri: totp::provisioning_uri(&secret, &account.email, "AMRES TCS"),
    })
}

pub enum EnrolmentOutcome {
    Enrolled {
        recovery_codes: Vec<String>,
    },
    WrongCode,
    /// The account no longer exists.
    AccountGone,
    /// Nothing waits for confirmation: the second factor is set up already.
    NothingPending,
}

/// Confirms enrolment with a code from the app, then issues recovery codes.
pub async fn confirm_enrolment(
    state: &AppState,
    meta: &RequestMeta,
    account_id: AccountId,
    code: &str,
) -> anyhow::Result<EnrolmentOutcome> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let Some(account) = crate::db::accounts::lock_by_id(&mut tx, account_id).await? else {
        return Ok(EnrolmentOutcome::AccountGone);
    };
    let Some(sealed) = account.totp_pending_sealed.clone() else {
        return Ok(EnrolmentOutcome::NothingPending);
    };
    let secret = state.master_key.open(&sealed, &seed_context(account_id))?;
    match totp::verify(&secret, code, now, None) {
        Ok(step) => {
            crate::db::accounts::confirm_totp(&mut tx, account_id, &sealed, step, now).await?;
            crate::db::accounts::clear_failures(&mut tx, account_id).await?;
            let codes = replace_recovery_codes(state, &mut tx, account_id).await?;
            AuditEvent::new("mfa.enrolled")
                .actor(account_id)
                .record(&mut tx, meta)
                .await?;
            tx.commit().await?;
            Ok(EnrolmentOutcome::Enrolled {
                recovery_codes: codes,
            })
        }
        Err(rejection) => {
            crate::services::login::record_failure(&mut tx, meta, account_id, now).await?;
            AuditEvent::new("mfa.enrolment_failed")
                .actor(account_id)
                .details(json!({ "reason": format!("{rejection:?}").to_lowercase() }))
                .record(&mut tx, meta)
                .await?;
            tx.commit().await?;
            Ok(EnrolmentOutcome::WrongCode)
        }
    }
}

pub enum VerifyOutcome {
    Accepted {
        used_recovery_code: bool,
    },
    Replayed,
    Refused,
    /// The account no longer exists.
    AccountGone,
    /// The account has no second factor to check yet.
    NotEnrolled,
}

/// Checks a TOTP code or a recovery code at login. The account row is locked
/// for the check, so the same code cannot win twice in a race.
pub async fn verify_second_factor(
    state: &AppState,
    meta: &RequestMeta,
    account_id: AccountId,
    input: &str,
) -> anyhow::Result<VerifyOutcome> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let Some(account) = crate::db::accounts::lock_by_id(&mut tx, account_id).await? else {
        return Ok(VerifyOutcome::AccountGone);
    };
    let Some(sealed) = &account.totp_secret_sealed else {
        return Ok(VerifyOutcome::NotEnrolled);
    };
    if account.is_locked(now) {
        AuditEvent::new("mfa.failed")
            .actor(account_id)
            .details(json!({ "reason": "account_locked" }))
            .record(&mut tx, meta)
            .await?;
        tx.commit().await?;
        return Ok(VerifyOutcome::Refused);
    }
    let secret = state.master_key.open(sealed, &seed_context(account_id))?;
    let outcome = match totp::verify(&secret, input, now, account.totp_last_step) {
        Ok(step) => {
            crate::db::accounts::set_totp_last_step(&mut tx, account_id, step).await?;
            VerifyOutcome::Accepted {
                used_recovery_code: false,
            }
        }
        Err(totp::TotpRejection::Replayed) => VerifyOutcome::Replayed,
        Err(totp::TotpRejection::Wrong) => VerifyOutcome::Refused,
        Err(totp::TotpRejection::Malformed) => match recovery::normalize(input) {
            Some(code) => {
                let hash = state.master_key.keyed_hash(code.as_bytes());
                if crate::db::recovery_codes::spend(&mut tx, account_id, &hash, now).await? {
                    VerifyOutcome::Accepted {
                        used_recovery_code: true,
                    }
                } else {
                    VerifyOutcome::Refused
                }
            }
            None => VerifyOutcome::Refused,
        },
    };
    match &outcome {
        VerifyOutcome::Accepted { used_recovery_code } => {
            crate::db::accounts::clear_failures(&mut tx, account_id).await?;
            let remaining = crate::db::recovery_codes::count_unused(&mut tx, account_id).await?;
            AuditEvent::new("login.succeeded")
                .actor(account_id)
                .details(json!({
                    "second_factor": if *used_recovery_code { "recovery_code" } else { "totp" },
                    "recovery_codes_left": remaining,
                }))
                .record(&mut tx, meta)
                .await?;
        }
        // Answered before the check, with nothing to record.
        VerifyOutcome::AccountGone | VerifyOutcome::NotEnrolled => {}
        VerifyOutcome::Replayed | VerifyOutcome::Refused => {
            crate::services::login::record_failure(&mut tx, meta, account_id, now).await?;
            let reason = if matches!(outcome, VerifyOutcome::Replayed) {
                "replayed_code"
            } else {
                "wrong_code"
            };
            AuditEvent::new("mfa.failed")
                .actor(account_id)
                .details(json!({ "reason": reason }))
                .record(&mut tx, meta)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(outcome)
}

/// Issues ten fresh recovery codes, invalidating the old ones.
pub async fn regenerate_recovery_codes(
    state: &AppState,
    meta: &RequestMeta,
    account_id: AccountId,
) -> anyhow::Result<Vec<String>> {
    let mut tx = state.db.begin().await?;
    let codes = replace_recovery_codes(state, &mut tx, account_id).await?;
    AuditEvent::new("mfa.recovery_codes_regenerated")
        .actor(account_id)
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(codes)
}

async fn replace_recovery_codes(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    account_id: AccountId,
) -> anyhow::Result<Vec<String>> {
    let codes = recovery::generate();
    let hashes: Vec<Vec<u8>> = codes
        .iter()
        .filter_map(|code| recovery::normalize(code))
        .map(|code| state.master_key.keyed_hash(code.as_bytes()))
        .collect();
    crate::db::recovery_codes::replace_all(tx, account_id, &hashes).await?;
    Ok(codes)
}
