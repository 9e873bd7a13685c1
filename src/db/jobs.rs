//! The job queue's SQL: enqueue, claim with leases, and record outcomes.
//!
//! Every instant comes from the caller (the injected clock), never from `now()`,
//! so tests can move time. Outcome updates are fenced by the lease: they match only
//! while the job is still `running` under the same worker and attempt, so a worker
//! whose lease ran out and whose job was claimed by another cannot overwrite the
//! newer attempt's result.
use serde_json::Value;
use sqlx::{PgExecutor, PgPool};
use time::{Duration, OffsetDateTime};

/// A job to write into the queue.
#[derive(Debug, Clone)]
pub struct NewJobRow<'a> {
    pub kind: &'a str,
    pub payload: &'a Value,
    pub run_at: OffsetDateTime,
    pub max_attempts: i32,
    pub dedup_key: Option<&'a str>,
}

/// A job as a worker holds it after claiming it.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: i64,
    pub kind: String,
    pub payload: Value,
    /// This attempt's number, 1 for the first run.
    pub attempts: i32,
    pub max_attempts: i32,
    pub dedup_key: Option<String>,
    pub locked_by: String,
    pub created_at: OffsetDateTime,
}

/// A job that used up its attempts, as the staff page shows it.
#[derive(Debug, Clone)]
pub struct FailedJob {
    pub id: i64,
    pub kind: String,
    pub payload: Value,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub dedup_key: Option<String>,
    pub created_at: OffsetDateTime,
    pub finished_at: OffsetDateTime,
}

/// How many jobs are in each state, per kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindCounts {
    pub kind: String,
    pub queued: i64,
    pub running: i64,
    pub succeeded: i64,
    pub failed: i64,
}

/// Inserts a job; `None` when its de-duplication key already has a live job.
pub async fn insert<'e>(
    db: impl PgExecutor<'e>,
    job: &NewJobRow<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<Option<i64>> {
    // The conflict target repeats the partial index's predicate so Postgres can
    // use that index as the arbiter; finished jobs never block a new one.
    sqlx::query_scalar!(
        r#"INSERT INTO jobs (kind, payload, run_at, max_attempts, dedup_key, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $6)
           ON CONFLICT (dedup_key) WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running')
           DO NOTHING
           RETURNING id"#,
        job.kind,
        job.payload,
        job.run_at,
        job.max_attempts,
        job.dedup_key,
        now,
    )
    .fetch_optional(db)
    .await
}

/// Leases up to `limit` due jobs of the given kinds to `worker` until `now + lease`.
///
/// Due means queued with `run_at` reached, or running under a lease that ran out
/// (its worker died) with attempts left. Rows another worker is claiming right now
/// are skipped rather than waited for, so concurrent claimers never block each
/// other nor get the same job.
pub async fn claim(
    pool: &PgPool,
    worker: &str,
    kinds: &[String],
    limit: i64,
    now: OffsetDateTime,
    lease: Duration,
) -> sqlx::Result<Vec<ClaimedJob>> {
    sqlx::query_as!(
        ClaimedJob,
        r#"UPDATE jobs
           SET state = 'running', attempts = attempts + 1, locked_by = $1,
               locked_until = $4::timestamptz + $5::float8 * interval '1 second', updated_at = $4
           WHERE id IN (
               SELECT id FROM jobs
               WHERE state IN ('queued', 'running') AND kind = ANY($2) AND run_at <= $4
                 AND (state = 'queued' OR (locked_until < $4 AND attempts < max_attempts))
               ORDER BY run_at, id
               LIMIT $3
               FOR UPDATE SKIP LOCKED)
           RETURNING id, kind, payload, attempts, max_attempts, dedup_key,
                     locked_by AS "locked_by!", created_at"#,
        worker,
        kinds,
        limit,
        now,
        lease.as_seconds_f64(),
    )
    .fetch_all(pool)
    .await
}

/// Pushes the lease of a long job forward. False when the lease is no longer ours.
pub async fn extend_lease(
    pool: &PgPool,
    id: i64,
    worker: &str,
    attempt: i32,
    now: OffsetDateTime,
    lease: Duration,
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        r#"UPDATE jobs SET locked_until = $4::timestamptz + $5::float8 * interval '1 second', updated_at = $4
           WHERE id = $1 AND state = 'running' AND locked_by = $2 AND attempts = $3"#,
        id,
        worker,
        attempt,
        now,
        lease.as_seconds_f64(),
    )
    .execute(pool)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Marks a job done. False when the lease was lost (another attempt owns it).
pub async fn complete(
    pool: &PgPool,
    id: i64,
    worker: &str,
    attempt: i32,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        r#"UPDATE jobs SET state = 'succeeded', finished_at = $4, updated_at = $4,
                          locked_by = NULL, locked_until = NULL
           WHERE id = $1 AND state = 'running' AND locked_by = $2 AND attempts = $3"#,
        id,
        worker,
        attempt,
        now,
    )
    .execute(pool)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Records a failed attempt. With `retry_at` and attempts left the job is queued
/// again for then; otherwise it ends `failed`. Returns the new state, or `None`
/// when the lease was lost.
pub async fn fail(
    pool: &PgPool,
    id: i64,
    worker: &str,
    attempt: i32,
    error: &str,
    retry_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        r#"UPDATE jobs
           SET state = CASE WHEN $5::timestamptz IS NOT NULL AND attempts < max_attempts
                            THEN 'queued' ELSE 'failed' END,
               finished_at = CASE WHEN $5::timestamptz IS NOT NULL AND attempts < max_attempts
                                  THEN NULL ELSE $6::timestamptz END,
               run_at = COALESCE($5, run_at), last_error = $4, updated_at = $6::timestamptz,
               locked_by = NULL, locked_until = NULL
           WHERE id = $1 AND state = 'running' AND locked_by = $2 AND attempts = $3
           RETURNING state"#,
        id,
        worker,
        attempt,
        error,
        retry_at,
        now,
    )
    .fetch_optional(pool)
    .await
}

/// Puts a job back for later without using up the attempt (it was not a failure:
/// the rate limit said wait, or an order is still pending at DigiCert).
pub async fn snooze(
    pool: &PgPool,
    id: i64,
    worker: &str,
    attempt: i32,
    run_at: OffsetDateTime,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        r#"UPDATE jobs SET state = 'queued', attempts = attempts - 1, run_at = $4, updated_at = $5,
                          locked_by = NULL, locked_until = NULL
           WHERE id = $1 AND state = 'running' AND locked_by = $2 AND attempts = $3"#,
        id,
        worker,
        attempt,
        run_at,
        now,
    )
    .execute(pool)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Ends, as failed, running jobs whose lease ran out with no attempts left: their
/// worker died on each of them, so the claim query no longer picks them up.
pub async fn fail_abandoned(pool: &PgPool, now: OffsetDateTime) -> sqlx::Result<u64> {
    let updated = sqlx::query!(
        r#"UPDATE jobs SET state = 'failed', finished_at = $1, updated_at = $1,
                          last_error = 'the worker running the last attempt stopped before finishing it'
                              || COALESCE(' (earlier error: ' || last_error || ')', ''),
                          locked_by = NULL, locked_until = NULL
           WHERE state = 'running' AND locked_until < $1 AND attempts >= max_attempts"#,
        now,
    )
    .execute(pool)
    .await?;
    Ok(updated.rows_affected())
}

/// Puts a failed job back in the queue with fresh attempts (the staff "retry"
/// button). False when it is not failed, or when a live job with the same
/// de-duplication key exists already (that one does the work).
pub async fn retry_failed<'e>(
    db: impl PgExecutor<'e>,
    id: i64,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        r#"UPDATE jobs SET state = 'queued', attempts = 0, run_at = $2, updated_at = $2, finished_at = NULL
           WHERE id = $1 AND state = 'failed'
             AND NOT EXISTS (
                 SELECT 1 FROM jobs AS live
                 WHERE live.dedup_key = jobs.dedup_key AND live.state IN ('queued', 'running'))"#,
        id,
        now,
    )
    .execute(db)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Failed jobs, newest first, in keyset pages: pass the last row's
/// `(finished_at, id)` to get the next page.
pub async fn list_failed(
    pool: &PgPool,
    after: Option<(OffsetDateTime, i64)>,
    limit: i64,
) -> sqlx::Result<Vec<FailedJob>> {
    let (after_at, after_id) = after.unzip();
    sqlx::query_as!(
        FailedJob,
        r#"SELECT id, kind, payload, attempts, last_error, dedup_key, created_at,
                  finished_at AS "finished_at!"
           FROM jobs
           WHERE state = 'failed'
             AND ($1::timestamptz IS NULL OR (finished_at, id) < ($1, $2))
           ORDER BY finished_at DESC, id DESC
           LIMIT $3"#,
        after_at,
        after_id,
        limit,
    )
    .fetch_all(pool)
    .await
}

/// Jobs per kind and state, for the staff dashboard.
pub async fn counts(pool: &PgPool) -> sqlx::Result<Vec<KindCounts>> {
    sqlx::query_as!(
        KindCounts,
        r#"SELECT kind,
                  count(*) FILTER (WHERE state = 'queued') AS "queued!",
                  count(*) FILTER (WHERE state = 'running') AS "running!",
                  count(*) FILTER (WHERE state = 'succeeded') AS "succeeded!",
                  count(*) FILTER (WHERE state = 'failed') AS "failed!"
           FROM jobs GROUP BY kind ORDER BY kind"#,
    )
    .fetch_all(pool)
    .await
}

/// Deletes succeeded jobs finished before `before`; failed ones stay for staff.
pub async fn prune_succeeded(pool: &PgPool, before: OffsetDateTime) -> sqlx::Result<u64> {
    let deleted = sqlx::query!(
        "DELETE FROM jobs WHERE state = 'succeeded' AND finished_at < $1",
        before
    )
    .execute(pool)
    .await?;
    Ok(deleted.rows_affected())
}
