//! `enrollment.wipe_keys`: forgets sealed keys nobody will pick up any more,
//! once the grace period after issuance is over or the order ended without a
//! certificate. Each wipe is audited in its own transaction.
use std::sync::Arc;

use async_trait::async_trait;
use clock::Clock;
use serde_json::json;
use sqlx::PgPool;
use time::Duration;

use crate::audit::{AuditEvent, RequestMeta};
use crate::db::enrollments as db;
use crate::jobs::{Job, JobHandler, JobOutcome};

pub const WIPE_KEYS: &str = "enrollment.wipe_keys";

/// Sealed keys are wiped at hour granularity; an hourly sweep is plenty.
pub const WIPE_KEYS_EVERY: Duration = Duration::hours(1);

pub struct WipeKeys {
    pub pool: PgPool,
    pub clock: Arc<dyn Clock>,
    pub grace: Duration,
}

#[async_trait]
impl JobHandler for WipeKeys {
    async fn run(&self, _job: &Job) -> JobOutcome {
        match wipe_due(&self.pool, self.clock.as_ref(), self.grace).await {
            Ok(_) => JobOutcome::Ok,
            Err(error) => JobOutcome::Retry {
                after: None,
                error: error.to_string(),
            },
        }
    }
}

/// Wipes every key that is due; returns how many were wiped.
pub async fn wipe_due(pool: &PgPool, clock: &dyn Clock, grace: Duration) -> sqlx::Result<usize> {
    let now = clock.now();
    let mut wiped = 0;
    for enrollment in db::keys_due_for_wipe(pool, now, grace).await? {
        let mut tx = pool.begin().await?;
        if db::wipe_key(&mut tx, enrollment.id, now).await? {
            AuditEvent::new("enrollment.key_wiped")
                .actor_label("grace period")
                .institution(enrollment.institution_id)
                .target(format!("order:{}", enrollment.order_id))
                .details(json!({ "why": "grace period over or order ended" }))
                .record(&mut tx, &RequestMeta::default())
                .await?;
            wiped += 1;
        }
        tx.commit().await?;
    }
    Ok(wiped)
}
