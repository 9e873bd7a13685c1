//! Recurring jobs (the daily validation sync…), scheduled once however many
//! portal processes run.
use serde_json::Value;
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

use super::queue::{NewJob, enqueue};

/// A job that runs every `every`, at instants aligned to the Unix epoch plus
/// `offset` (daily at 03:00 UTC is `every` one day, `offset` three hours).
#[derive(Debug, Clone)]
pub struct Recurring {
    pub kind: String,
    pub payload: Value,
    pub every: Duration,
    pub offset: Duration,
}

impl Recurring {
    pub fn new(kind: &str, every: Duration) -> Self {
        Self {
            kind: kind.to_owned(),
            payload: Value::Object(serde_json::Map::new()),
            every,
            offset: Duration::ZERO,
        }
    }

    #[must_use]
    pub fn offset(mut self, offset: Duration) -> Self {
        self.offset = offset;
        self
    }

    /// The first aligned instant strictly after `now`.
    pub fn next_after(&self, now: OffsetDateTime) -> OffsetDateTime {
        let every = self.every.whole_seconds().max(1);
        let since_origin = (now - self.offset).unix_timestamp();
        let next = (since_origin.div_euclid(every) + 1) * every;
        OffsetDateTime::UNIX_EPOCH + Duration::seconds(next) + self.offset
    }

    /// The de-duplication key that keeps one live occurrence of this job.
    pub fn dedup_key(&self) -> String {
        format!("recurring:{}", self.kind)
    }
}

/// Makes sure the next occurrence of `recurring` is queued. Every process calls
/// this periodically; the de-duplication key keeps one live occurrence, and the
/// next one is queued only after the current one finished, so N processes never
/// multiply it. Returns the new job's id when this call queued it.
pub async fn schedule(
    pool: &PgPool,
    recurring: &Recurring,
    now: OffsetDateTime,
) -> sqlx::Result<Option<i64>> {
    let job = NewJob::from_value(&recurring.kind, recurring.payload.clone())
        .run_at(recurring.next_after(now))
        .dedup_key(recurring.dedup_key())
        // Missing one occurrence is harmless: the next one comes anyway.
        .max_attempts(3);
    enqueue(pool, &job, now).await
}
