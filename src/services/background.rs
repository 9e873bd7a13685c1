//! The background work `serve` runs: the job kinds of the services and their schedules,
//! assembled in one place on one [`Worker`] of the job queue (`crate::jobs`).
use async_trait::async_trait;
use time::Duration;

use crate::audit::RequestMeta;
use crate::jobs::{Job, JobHandler, JobOutcome, Recurring, Registry, Worker, WorkerConfig};
use crate::services::api_tokens::{AUDIT_EXPIRED, AUDIT_EXPIRED_EVERY, audit_expired};
use crate::services::digicert_calls::{REFRESH_METRICS, REFRESH_METRICS_EVERY, refresh_metrics};
use crate::services::enrollment::wipe::{WIPE_KEYS, WIPE_KEYS_EVERY, WipeKeys};
use crate::services::reminders::Reminders;
use crate::services::validation_sync::{SyncOutcome, Syncer, Trigger};
use crate::state::AppState;

/// Pulls DigiCert's validation states for every linked institution.
pub const SYNC_VALIDATIONS: &str = "digicert.sync_validations";

/// Mails the 60/30/7-day warnings for organization and domain validations.
pub const EXPIRY_WARNINGS: &str = "validation.expiry_warnings";

/// Warnings are due at day granularity; hourly is plenty and cheap.
const EXPIRY_WARNINGS_EVERY: Duration = Duration::hours(1);

/// Mails the 30/14/3-day reminders before issued certificates end; hourly, as
/// the warnings.
pub const CERTIFICATE_REMINDERS: &str = "orders.expiry_reminders";

/// After a rate-limit refusal, the scheduled sync tries again this much later.
const RATE_LIMITED_SNOOZE: Duration = Duration::minutes(1);

/// Fetches trusted SAML metadata again from its URL (issue 15 §1).
pub const REFRESH_SAML_METADATA: &str = "saml.refresh_metadata";

/// Federations publish new aggregates a few times a day; eduGAIN's are valid for days.
const REFRESH_SAML_METADATA_EVERY: Duration = Duration::hours(6);

/// Revokes the certificates of people whose departure's grace period ended (issue 15 §4).
pub const REVOKE_DEPARTED: &str = "people.revoke_departed";

/// Grace periods are counted in days; a quarter of an hour is close enough to their end,
/// and a grace period of 0 revokes at the next run.
const REVOKE_DEPARTED_EVERY: Duration = Duration::minutes(15);

/// The worker for the portal's own jobs, which need nothing but the database: it runs
/// whether DigiCert is configured or not.
pub fn portal_worker(state: &AppState) -> Worker {
    let registry = Registry::new()
        .register(
            REFRESH_SAML_METADATA,
            RefreshSamlMetadata {
                state: state.clone(),
            },
        )
        .register(
            REFRESH_METRICS,
            RefreshMetrics {
                pool: state.db.clone(),
                clock: state.clock.clone(),
            },
        )
        .register(
            AUDIT_EXPIRED,
            AuditExpiredTokens {
                pool: state.db.clone(),
                clock: state.clock.clone(),
            },
        );
    Worker::new(
        state.db.clone(),
        state.clock.clone(),
        registry,
        WorkerConfig::default(),
    )
    .with_recurring(Recurring::new(
        REFRESH_SAML_METADATA,
        REFRESH_SAML_METADATA_EVERY,
    ))
    .with_recurring(Recurring::new(REFRESH_METRICS, REFRESH_METRICS_EVERY))
    .with_recurring(Recurring::new(AUDIT_EXPIRED, AUDIT_EXPIRED_EVERY))
}

/// The scheduled audit of API tokens' expiries.
struct AuditExpiredTokens {
    pool: sqlx::PgPool,
    clock: std::sync::Arc<dyn clock::Clock>,
}

#[async_trait]
impl JobHandler for AuditExpiredTokens {
    async fn run(&self, _job: &Job) -> JobOutcome {
        match audit_expired(&self.pool, self.clock.now()).await {
            Ok(_) => JobOutcome::Ok,
            Err(error) => retry(error.to_string()),
        }
    }
}

/// The scheduled refresh of the dashboards' Prometheus gauges.
struct RefreshMetrics {
    pool: sqlx::PgPool,
    clock: std::sync::Arc<dyn clock::Clock>,
}

#[async_trait]
impl JobHandler for RefreshMetrics {
    async fn run(&self, _job: &Job) -> JobOutcome {
        match refresh_metrics(&self.pool, self.clock.now()).await {
            Ok(()) => JobOutcome::Ok,
            Err(error) => retry(error.to_string()),
        }
    }
}

/// The scheduled refresh of trusted SAML metadata.
struct RefreshSamlMetadata {
    state: AppState,
}

#[async_trait]
impl JobHandler for RefreshSamlMetadata {
    async fn run(&self, _job: &Job) -> JobOutcome {
        match crate::services::saml::trust::refresh_all(&self.state).await {
            Ok(failed) if failed.is_empty() => JobOutcome::Ok,
            // Recorded on each source and mailed to staff; also on the operations page.
            Ok(failed) => JobOutcome::Fail(failed.join("; ")),
            Err(error) => retry(error.to_string()),
        }
    }
}

/// The worker for DigiCert's jobs; `None` when DigiCert is not configured, as
/// none of them could run.
pub fn digicert_worker(state: &AppState) -> Option<Worker> {
    let settings = state.settings.digicert.as_ref()?;
    let syncer = Syncer::from_state(state)?;
    let warnings = ExpiryWarnings {
        pool: state.db.clone(),
        clock: state.clock.clone(),
        public_url: state.settings.public_url.clone(),
    };
    let ordering = crate::services::ordering::Pipeline::from_state(state)?;
    let wipe_keys = WipeKeys {
        pool: state.db.clone(),
        clock: state.clock.clone(),
        grace: state.settings.enrollment.key_grace,
    };
    let sweep = ordering.recurring();
    let registry = ordering.register(
        Registry::new()
            .register(SYNC_VALIDATIONS, SyncValidations { syncer })
            .register(EXPIRY_WARNINGS, warnings)
            .register(CERTIFICATE_REMINDERS, Reminders::from_state(state))
            .register(WIPE_KEYS, wipe_keys)
            .register(
                REVOKE_DEPARTED,
                RevokeDeparted {
                    state: state.clone(),
                },
            ),
    );
    let worker = Worker::new(
        state.db.clone(),
        state.clock.clone(),
        registry,
        WorkerConfig::default(),
    )
    .with_recurring(Recurring::new(SYNC_VALIDATIONS, settings.sync_every))
    .with_recurring(Recurring::new(EXPIRY_WARNINGS, EXPIRY_WARNINGS_EVERY))
    .with_recurring(Recurring::new(CERTIFICATE_REMINDERS, EXPIRY_WARNINGS_EVERY))
    .with_recurring(Recurring::new(WIPE_KEYS, WIPE_KEYS_EVERY))
    .with_recurring(Recurring::new(REVOKE_DEPARTED, REVOKE_DEPARTED_EVERY));
    Some(match sweep {
        Some(sweep) => worker.with_recurring(sweep),
        None => worker,
    })
}

/// The scheduled validation sync.
struct SyncValidations {
    syncer: Syncer,
}

#[async_trait]
impl JobHandler for SyncValidations {
    async fn run(&self, _job: &Job) -> JobOutcome {
        let targets =
            match crate::db::institutions::unscoped_linked_to_digicert(self.syncer.pool()).await {
                Ok(targets) => targets,
                Err(error) => return retry(error.to_string()),
            };
        let meta = RequestMeta::default();
        let mut failures = Vec::new();
        for target in targets {
            match self.syncer.sync(&target, Trigger::Schedule, &meta).await {
                Err(error) => return retry(error.to_string()),
                Ok(SyncOutcome::Synced { .. } | SyncOutcome::NotLinked) => {}
                // The rest would fail the same way: stop and let the queue decide.
                Ok(SyncOutcome::KeyRejected) => {
                    return JobOutcome::Fail("DigiCert rejected our API key".to_owned());
                }
                Ok(SyncOutcome::RateLimited) => return JobOutcome::Snooze(RATE_LIMITED_SNOOZE),
                Ok(SyncOutcome::Unavailable | SyncOutcome::NotConfigured) => {
                    return retry("DigiCert is unavailable".to_owned());
                }
                // One institution's problem must not hold back the others.
                Ok(other) => failures.push(format!(
                    "institution {}: {other:?}",
                    target.institution_id()
                )),
            }
        }
        if failures.is_empty() {
            JobOutcome::Ok
        } else {
            // Visible to staff on the operations page; the next run comes anyway.
            JobOutcome::Fail(failures.join("; "))
        }
    }
}

/// The scheduled revocation of departed people's certificates.
struct RevokeDeparted {
    state: AppState,
}

#[async_trait]
impl JobHandler for RevokeDeparted {
    async fn run(&self, _job: &Job) -> JobOutcome {
        match crate::services::departures::revoke_due(&self.state).await {
            Ok(_) => JobOutcome::Ok,
            Err(error) => retry(error.to_string()),
        }
    }
}

/// The scheduled expiry warnings.
struct ExpiryWarnings {
    pool: sqlx::PgPool,
    clock: std::sync::Arc<dyn clock::Clock>,
    public_url: String,
}

#[async_trait]
impl JobHandler for ExpiryWarnings {
    async fn run(&self, _job: &Job) -> JobOutcome {
        let now = self.clock.now();
        match crate::services::expiry_warnings::send_due(&self.pool, now, &self.public_url).await {
            Ok(_) => JobOutcome::Ok,
            Err(error) => retry(error.to_string()),
        }
    }
}

#[async_trait]
impl JobHandler for Reminders {
    async fn run(&self, _job: &Job) -> JobOutcome {
        match self.send_due().await {
            Ok(_) => JobOutcome::Ok,
            Err(error) => retry(error.to_string()),
        }
    }
}

fn retry(error: String) -> JobOutcome {
    JobOutcome::Retry { after: None, error }
}
