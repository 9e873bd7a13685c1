//! One DigiCert call from an ordering job: the shared rate limiter first, and a
//! 429 holds off every process. Whether DigiCert accepts our API key is recorded
//! for the staff banner.
use tokio_util::sync::CancellationToken;

use super::Pipeline;
use crate::db::orders as db;
use crate::digicert::Error as DigicertError;
use crate::jobs::JobOutcome;
use crate::jobs::rate_limit::{self, WaitError};

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
        // A wait within the shortest window is sat out in the worker slot: the
        // worker's concurrency then bounds how many jobs ask at once. Snoozing
        // every job instead would wake a whole burst of queued orders together
        // each time a slot frees, and their retries would crowd out the calls.
        let hold_at_most = self.limits.shortest();
        let permit = rate_limit::wait_for_permit(
            &self.pool,
            &self.rate_key,
            &self.limits,
            self.clock.as_ref(),
            hold_at_most,
            // Nothing to stop here: the worker aborts the job's task on shutdown.
            &CancellationToken::new(),
        )
        .await;
        match permit {
            Ok(_) => {}
            // Waiting is not failing: give the worker slot back and come again.
            Err(WaitError::TooLong(wait)) => return Err(Halt::Job(JobOutcome::Snooze(wait))),
            Err(WaitError::Database(error)) => return Err(error.into()),
            Err(WaitError::Stopped) => return Err(Halt::Job(retry(WaitError::Stopped))),
        }
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
            Err(DigicertError::RateLimited { retry_after }) => {
                let now = self.clock.now();
                let until =
                    rate_limit::block_after_429(&self.pool, &self.rate_key, retry_after, now)
                        .await?;
                Err(Halt::Job(JobOutcome::Snooze(until - now)))
            }
            Err(error) => Err(Halt::Digicert(error)),
        }
    }
}
