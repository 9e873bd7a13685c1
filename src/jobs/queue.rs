//! The queue's API: what callers enqueue, what workers claim, and how outcomes
//! are recorded. The SQL itself is in [`crate::db::jobs`].
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sqlx::{PgExecutor, PgPool};
use time::{Duration, OffsetDateTime};

use super::backoff::Backoff;
use crate::db::jobs::{self as db, ClaimedJob, NewJobRow};

pub use crate::db::jobs::{FailedJob, KindCounts};

/// Attempts a job gets unless its author says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 10;

/// A job to enqueue; build it with [`NewJob::new`] and the setters.
#[derive(Debug, Clone)]
pub struct NewJob {
    kind: String,
    payload: Value,
    run_at: Option<OffsetDateTime>,
    max_attempts: i32,
    dedup_key: Option<String>,
}

impl NewJob {
    /// A job of `kind` carrying `payload`, due now, with the default attempts.
    pub fn new(kind: &str, payload: &impl Serialize) -> serde_json::Result<Self> {
        Ok(Self::from_value(kind, serde_json::to_value(payload)?))
    }

    /// Like [`NewJob::new`] with a payload that is JSON already.
    pub fn from_value(kind: &str, payload: Value) -> Self {
        Self {
            kind: kind.to_owned(),
            payload,
            run_at: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            dedup_key: None,
        }
    }

    /// Not before `at`.
    #[must_use]
    pub fn run_at(mut self, at: OffsetDateTime) -> Self {
        self.run_at = Some(at);
        self
    }

    /// At least one attempt is always made.
    #[must_use]
    pub fn max_attempts(mut self, attempts: i32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// While a queued or running job has this key, enqueueing another is a no-op.
    #[must_use]
    pub fn dedup_key(mut self, key: impl Into<String>) -> Self {
        self.dedup_key = Some(key.into());
        self
    }
}

/// Writes `job` with the caller's executor, normally the transaction that makes
/// the change needing it, so both are committed or neither is. Returns the job id,
/// or `None` when a live job with the same de-duplication key exists.
pub async fn enqueue<'e>(
    db: impl PgExecutor<'e>,
    job: &NewJob,
    now: OffsetDateTime,
) -> sqlx::Result<Option<i64>> {
    db::insert(
        db,
        &NewJobRow {
            kind: &job.kind,
            payload: &job.payload,
            run_at: job.run_at.unwrap_or(now),
            max_attempts: job.max_attempts,
            dedup_key: job.dedup_key.as_deref(),
        },
        now,
    )
    .await
}

/// A claimed job. It carries its lease (worker and attempt) so outcomes recorded
/// through it are ignored once another worker has taken the job over.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: Value,
    /// 1 for the first run.
    pub attempt: i32,
    pub max_attempts: i32,
    pub dedup_key: Option<String>,
    pub created_at: OffsetDateTime,
    worker: String,
}

impl Job {
    /// The payload as the handler's own type.
    pub fn payload<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        T::deserialize(&self.payload)
    }

    /// The worker holding the lease.
    pub fn worker(&self) -> &str {
        &self.worker
    }
}

impl From<ClaimedJob> for Job {
    fn from(row: ClaimedJob) -> Self {
        Self {
            id: row.id,
            kind: row.kind,
            payload: row.payload,
            attempt: row.attempts,
            max_attempts: row.max_attempts,
            dedup_key: row.dedup_key,
            created_at: row.created_at,
            worker: row.locked_by,
        }
    }
}

/// Leases up to `limit` due jobs of `kinds` to `worker` for `lease`. Due jobs are
/// those whose `run_at` came, and those whose previous worker's lease ran out.
pub async fn claim(
    pool: &PgPool,
    worker: &str,
    kinds: &[String],
    limit: usize,
    lease: Duration,
    now: OffsetDateTime,
) -> sqlx::Result<Vec<Job>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = db::claim(pool, worker, kinds, limit, now, lease).await?;
    Ok(rows.into_iter().map(Job::from).collect())
}

/// Keeps a long job's lease alive. False when the lease was lost to another worker.
pub async fn extend_lease(
    pool: &PgPool,
    job: &Job,
    lease: Duration,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    db::extend_lease(pool, job.id, &job.worker, job.attempt, now, lease).await
}

/// Marks the job succeeded. False when the lease was lost to another worker.
pub async fn complete(pool: &PgPool, job: &Job, now: OffsetDateTime) -> sqlx::Result<bool> {
    db::complete(pool, job.id, &job.worker, job.attempt, now).await
}

/// Where a job stands after an outcome was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Queued again for this instant.
    RetryAt(OffsetDateTime),
    /// Out of attempts, or failed for good: staff see it with its error.
    Failed,
    /// Another worker owns the job now; nothing was recorded.
    LeaseLost,
}

/// Records a failed attempt. The job is retried after the back-off for its
/// attempt number (or `at_least`, when longer), unless it has no attempts left.
pub async fn fail(
    pool: &PgPool,
    job: &Job,
    error: &str,
    backoff: &Backoff,
    at_least: Option<Duration>,
    now: OffsetDateTime,
) -> sqlx::Result<AfterFailure> {
    let delay = backoff
        .delay(job.attempt)
        .max(at_least.unwrap_or(Duration::ZERO));
    let retry_at = now + delay;
    let state = db::fail(
        pool,
        job.id,
        &job.worker,
        job.attempt,
        error,
        Some(retry_at),
        now,
    )
    .await?;
    Ok(after(state.as_deref(), retry_at))
}

/// Records a failure that no retry can fix: the job ends failed at once.
pub async fn fail_permanently(
    pool: &PgPool,
    job: &Job,
    error: &str,
    now: OffsetDateTime,
) -> sqlx::Result<AfterFailure> {
    let state = db::fail(pool, job.id, &job.worker, job.attempt, error, None, now).await?;
    Ok(after(state.as_deref(), now))
}

fn after(state: Option<&str>, retry_at: OffsetDateTime) -> AfterFailure {
    match state {
        None => AfterFailure::LeaseLost,
        Some("queued") => AfterFailure::RetryAt(retry_at),
        Some(_) => AfterFailure::Failed,
    }
}

/// Runs the job again at `run_at` without counting this attempt. False when the
/// lease was lost.
pub async fn snooze(
    pool: &PgPool,
    job: &Job,
    run_at: OffsetDateTime,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    db::snooze(pool, job.id, &job.worker, job.attempt, run_at, now).await
}

/// The staff "retry" button: a failed job is queued again with fresh attempts.
/// False when the job is not failed or a live job with its de-duplication key
/// already exists. Takes an executor so the caller can audit in the same transaction.
pub async fn retry_failed<'e>(
    db: impl PgExecutor<'e>,
    id: i64,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    db::retry_failed(db, id, now).await
}

/// Failed jobs, newest first; pass the last row's `(finished_at, id)` for the next page.
pub async fn list_failed(
    pool: &PgPool,
    after: Option<(OffsetDateTime, i64)>,
    limit: i64,
) -> sqlx::Result<Vec<FailedJob>> {
    db::list_failed(pool, after, limit).await
}

/// Jobs per kind and state.
pub async fn counts(pool: &PgPool) -> sqlx::Result<Vec<KindCounts>> {
    db::counts(pool).await
}
