//! How long DigiCert takes and how often it answers 429: a gate of the DigiCert client
//! that sees every request leave and come back (retries included) and records it twice,
//! as a Prometheus histogram and counter in this process, and as a row in
//! `digicert_calls`, which every portal process shares, so the staff overview shows the
//! p50/p95 of the last hour over all of them. A scheduled job prunes the rows after a day.
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use clock::Clock;
use digicert::{Answered, Error as DigicertError, RequestGate};
use sqlx::PgPool;

/// The samples are kept this long (the overview reads the last hour).
pub const KEPT: time::Duration = time::Duration::days(1);

/// The gate that records each call.
#[derive(Debug, Clone)]
pub struct CallTimes {
    pool: PgPool,
    clock: Arc<dyn Clock>,
}

impl CallTimes {
    pub fn new(pool: PgPool, clock: Arc<dyn Clock>) -> Self {
        Self { pool, clock }
    }
}

/// How a call ended, as stored and as the metrics label it.
pub fn outcome(answer: Option<Answered>) -> &'static str {
    match answer {
        Some(Answered::RateLimited { .. }) => "rate_limited",
        Some(_) => "answered",
        None => "failed",
    }
}

#[async_trait]
impl RequestGate for CallTimes {
    async fn admit(&self) -> Result<(), DigicertError> {
        Ok(())
    }

    async fn answered(&self, _answer: Answered) {}

    async fn timed(&self, took: Duration, answer: Option<Answered>) {
        let outcome = outcome(answer);
        metrics::histogram!("tcs_digicert_call_seconds", "outcome" => outcome)
            .record(took.as_secs_f64());
        if outcome == "rate_limited" {
            metrics::counter!("tcs_digicert_rate_limited_total").increment(1);
        }
        // Best effort: a lost sample costs a figure, never a call.
        let at = self.clock.now();
        if let Err(error) =
            crate::db::dashboard::record_call(&self.pool, at, took.as_secs_f64(), outcome).await
        {
            tracing::warn!(error = %error, "could not record a DigiCert call's duration");
        }
    }
}
