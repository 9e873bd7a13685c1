//! What a failed DigiCert call means for an ordering job. The client's gates
//! (the shared rate limiter, the API-key watch) have already held each request
//! back or let it through; here a job learns to come back later when the
//! limiter or DigiCert asks it to.
use digicert::Error as DigicertError;

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

/// What a failed DigiCert call means for the job: wait and come back (the
/// rate limit), try again later (the limiter's database), or DigiCert's own
/// answer for the job to judge.
impl From<DigicertError> for Halt {
    fn from(error: DigicertError) -> Self {
        match error {
            // Waiting is not failing: give the worker slot back and come again.
            DigicertError::HeldBack { wait } => Self::Job(JobOutcome::Snooze(
                time::Duration::try_from(wait).unwrap_or(rate_limit::BLOCK_WITHOUT_RETRY_AFTER),
            )),
            // The rate-limit gate has blocked the key for every process until then.
            DigicertError::RateLimited { retry_after } => Self::Job(JobOutcome::Snooze(
                rate_limit::block_after_429_lasts(retry_after),
            )),
            DigicertError::LimiterUnavailable(error) => Self::Job(retry(error)),
            error => Self::Digicert(error),
        }
    }
}
