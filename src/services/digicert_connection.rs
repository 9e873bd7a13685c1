//! Checking that the portal can talk to DigiCert with its API key.
use serde_json::json;

use crate::app::AppState;
use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::StaffAdmin;
use crate::digicert::Error as DigicertError;
use crate::error::AppError;

/// What a connection check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionCheck {
    NotConfigured,
    Connected {
        account_id: u64,
        username: String,
    },
    /// 403 `access_denied|access_denied_invalid_key`: the key is wrong or revoked.
    KeyRejected,
    /// Anything else (network, 5xx, rate limit): the message says what.
    Failed(String),
}

impl ConnectionCheck {
    pub fn message_key(&self) -> &'static str {
        match self {
            Self::NotConfigured => "digicert.not_configured",
            Self::Connected { .. } => "digicert.connected",
            Self::KeyRejected => "digicert.key_rejected",
            Self::Failed(_) => "digicert.failed",
        }
    }
}

/// Calls `GET /account` and `GET /user/me`, and audits the outcome.
pub async fn check(
    state: &AppState,
    meta: &RequestMeta,
    staff: &StaffAdmin,
) -> Result<ConnectionCheck, AppError> {
    let outcome = match &state.digicert {
        None => ConnectionCheck::NotConfigured,
        Some(client) => match (client.account().await, client.me().await) {
            (Ok(account), Ok(user)) => ConnectionCheck::Connected {
                account_id: account.id,
                username: user.username.unwrap_or_else(|| user.id.to_string()),
            },
            (Err(DigicertError::InvalidApiKey), _) | (_, Err(DigicertError::InvalidApiKey)) => {
                ConnectionCheck::KeyRejected
            }
            (Err(error), _) | (_, Err(error)) => ConnectionCheck::Failed(error.to_string()),
        },
    };
    let mut tx = state.db.begin().await?;
    AuditEvent::new("digicert.connection_checked")
        .actor(staff.account_id())
        .details(json!({ "outcome": outcome.message_key() }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(outcome)
}
