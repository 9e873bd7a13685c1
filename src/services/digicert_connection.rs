//! Checking that the portal can talk to DigiCert with its API key: on demand
//! (staff's connection check), and from every call the client makes
//! ([`KeyWatch`], which feeds the staff banner).
use std::sync::Arc;

use async_trait::async_trait;
use clock::Clock;
use digicert::{Answered, Error as DigicertError, RequestGate};
use serde_json::json;
use sqlx::PgPool;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::StaffAdmin;
use crate::db::orders as db;
use crate::state::AppState;

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
) -> anyhow::Result<ConnectionCheck> {
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

/// A gate of the DigiCert client that records how DigiCert judged our API key,
/// whichever call asked (ordering, validation sync, onboarding, this check):
/// staff see "DigiCert rejected our API key" from the first refusal until a
/// call is accepted again.
#[derive(Debug, Clone)]
pub struct KeyWatch {
    pool: PgPool,
    clock: Arc<dyn Clock>,
}

impl KeyWatch {
    pub fn new(pool: PgPool, clock: Arc<dyn Clock>) -> Self {
        Self { pool, clock }
    }
}

#[async_trait]
impl RequestGate for KeyWatch {
    async fn admit(&self) -> Result<(), DigicertError> {
        Ok(())
    }

    async fn answered(&self, answer: Answered) {
        // Best effort: DigiCert's answer matters more than the banner, and a
        // lost answer to a placed order would cost a reconciliation.
        let recorded = match answer {
            Answered::KeyAccepted => db::unscoped_key_accepted(&self.pool).await,
            Answered::KeyRejected => {
                let error = DigicertError::InvalidApiKey.to_string();
                db::unscoped_key_rejected(&self.pool, &error, self.clock.now()).await
            }
            Answered::RateLimited { .. } => Ok(()),
        };
        if let Err(error) = recorded {
            tracing::warn!(error = %error, "could not record whether DigiCert accepts our API key");
        }
    }
}
