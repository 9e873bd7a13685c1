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

/// The job that refreshes the dashboards' Prometheus gauges and prunes old call samples.
pub const REFRESH_METRICS: &str = "dashboard.refresh_metrics";

/// Gauges a minute old are fresh enough for a scrape every 15–60 s; the queries read the
/// counts tables and indexes only.
pub const REFRESH_METRICS_EVERY: time::Duration = time::Duration::minutes(1);

/// Sets the gauges from the database and deletes call samples older than [`KEPT`].
pub async fn refresh_metrics(pool: &PgPool, now: time::OffsetDateTime) -> sqlx::Result<()> {
    let gauges = crate::db::dashboard::unscoped_gauges(pool, now).await?;
    for (product, status, n) in gauges.orders {
        metrics::gauge!("tcs_orders", "product" => product, "status" => status).set(n as f64);
    }
    metrics::gauge!("tcs_certificates_live").set(gauges.live as f64);
    metrics::gauge!("tcs_validations_ending", "within" => "30d")
        .set(gauges.validations_ending_30d as f64);
    metrics::gauge!("tcs_validations_ending", "within" => "90d")
        .set(gauges.validations_ending_90d as f64);
    metrics::gauge!("tcs_jobs_queued").set(gauges.jobs_queued as f64);
    metrics::gauge!("tcs_jobs_failed").set(gauges.jobs_failed as f64);
    crate::db::dashboard::prune_calls(pool, now - KEPT).await?;
    Ok(())
}
