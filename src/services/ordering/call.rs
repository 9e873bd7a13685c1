//! One DigiCert call from an ordering job. The client's gate (the shared rate
//! limiter) has already held the request back or let it through; here a job
//! learns to come back later when the limiter or DigiCert asks it to. Whether
//! DigiCert accepts our API key is recorded for the staff banner.
use super::Pipeline;
use crate::db::orders as db;
use crate::digicert::Error as DigicertError;
use crate::jobs::JobOutcome;
use crate::jobs::rate_limit;

/// Why a call did not give an answer.
#[derive(Debug)]
pub(super) enum Halt {
    /// Stop this run with this outcome (rate limit, database trouble).
    Job(JobOutcome),
    /// DigiCert answered with an error.
    Digicert(DigicertError),
}

pub(super) fn retry(error: impl ToString) -> JobOutcome {
    JobOutcome::Retry {
        after: None,
        error: error.to_string(),
    }
}

impl From<sqlx::Error> for Halt {
    fn from(error: sqlx::Error) -> Self {
        Self::Job(retry(error))
    }
}

impl Pipeline {
    pub(super) async fn call<T, F, Fut>(&self, call: F) -> Result<T, Halt>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, DigicertError>>,
    {
        match call().await {
            Ok(answer) => {
                // Best effort: DigiCert's answer matters more than the banner, and a
                // lost answer to a placed order would cost a reconciliation.
                if let Err(error) = db::unscoped_key_accepted(&self.pool).await {
                    tracing::warn!(error = %error, "could not record that DigiCert accepts our API key");
                }
                Ok(answer)
            }
            Err(DigicertError::InvalidApiKey) => {
                let error = DigicertError::InvalidApiKey;
                let text = error.to_string();
                let now = self.clock.now();
                if let Err(db_error) = db::unscoped_key_rejected(&self.pool, &text, now).await {
                    tracing::warn!(error = %db_error, "could not record that DigiCert rejected our API key");
                }
                Err(Halt::Digicert(error))
            }
            // Waiting is not failing: give the worker slot back and come again.
            Err(DigicertError::HeldBack { wait }) => Err(Halt::Job(JobOutcome::Snooze(
                time::Duration::try_from(wait).unwrap_or(rate_limit::BLOCK_WITHOUT_RETRY_AFTER),
            ))),
            // The gate has blocked the key for every process until then.
            Err(DigicertError::RateLimited { retry_after }) => Err(Halt::Job(JobOutcome::Snooze(
                rate_limit::block_after_429_lasts(retry_after),
            ))),
            Err(DigicertError::LimiterUnavailable(error)) => Err(Halt::Job(retry(error))),
            Err(error) => Err(Halt::Digicert(error)),
        }
    }
}
