//! One DigiCert call from an ordering job: the shared rate limiter first, and a
//! 429 holds off every process. Mirrors the validation sync's handling.
use super::Pipeline;
use crate::digicert::Error as DigicertError;
use crate::jobs::JobOutcome;
use crate::jobs::rate_limit::{self, Admission};

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
        let admission =
            rate_limit::acquire(&self.pool, &self.rate_key, &self.limits, self.clock.now()).await?;
        if let Admission::WaitFor(wait) = admission {
            // Waiting is not failing: give the worker slot back and come again.
            return Err(Halt::Job(JobOutcome::Snooze(wait)));
        }
        match call().await {
            Ok(answer) => Ok(answer),
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
