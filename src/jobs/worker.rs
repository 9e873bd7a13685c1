//! The worker runtime: claims due jobs of the registered kinds, runs them with
//! bounded concurrency while keeping their leases alive, records the outcomes,
//! and stops gracefully.
//!
//! Several workers, in one process or many, may share a database: claims skip
//! rows another worker is taking, and every outcome is fenced by the lease.
use std::sync::Arc;

use clock::Clock;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use time::{Duration, OffsetDateTime};
use tokio::task::{AbortHandle, JoinSet};
use tokio_util::sync::CancellationToken;

use super::backoff::Backoff;
use super::queue::{self, AfterFailure, Job};
use super::registry::{JobHandler, JobOutcome, Registry};
use super::schedule::{Recurring, schedule};

/// The channel the `jobs` triggers notify when a job is queued.
const CHANNEL: &str = "tcs_jobs";

/// How a worker behaves; the defaults suit `serve`, tests shrink them.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Jobs run at once by this worker.
    pub concurrency: usize,
    /// How long a claim holds a job. The worker renews it every third of that
    /// while the job runs, so this only bounds how soon a dead worker's jobs
    /// are taken over.
    pub lease: Duration,
    /// First wait after an empty claim; doubles while the queue stays empty…
    pub idle_poll_min: Duration,
    /// …up to this. A NOTIFY from a newly queued job cuts any wait short.
    pub idle_poll_max: Duration,
    pub backoff: Backoff,
    /// How often the worker schedules recurring jobs, fails jobs abandoned on
    /// their last attempt and prunes old successes.
    pub maintenance_every: Duration,
    /// Succeeded jobs are kept this long, for debugging.
    pub keep_succeeded: Duration,
    /// After a stop, how long jobs in flight may take to finish before they are
    /// abandoned (their leases then expire and another process runs them).
    pub shutdown_grace: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 4,
            lease: Duration::seconds(60),
            idle_poll_min: Duration::milliseconds(200),
            idle_poll_max: Duration::seconds(5),
            backoff: Backoff::default(),
            maintenance_every: Duration::seconds(30),
            keep_succeeded: Duration::days(7),
            shutdown_grace: Duration::seconds(30),
        }
    }
}

/// One worker. Build it, then `run` it until its stop token fires.
#[derive(Debug)]
pub struct Worker {
    inner: Arc<Inner>,
    recurring: Vec<Recurring>,
}

#[derive(Debug)]
struct Inner {
    id: String,
    pool: PgPool,
    clock: Arc<dyn Clock>,
    registry: Registry,
    kinds: Vec<String>,
    config: WorkerConfig,
}

impl Worker {
    pub fn new(
        pool: PgPool,
        clock: Arc<dyn Clock>,
        registry: Registry,
        config: WorkerConfig,
    ) -> Self {
        // Unique per worker, and readable in the jobs table: which process holds what.
        let id = format!(
            "pid{}-{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let kinds = registry.kinds();
        Self {
            inner: Arc::new(Inner {
                id,
                pool,
                clock,
                registry,
                kinds,
                config,
            }),
            recurring: Vec::new(),
        }
    }

    /// Keeps the next occurrence of `recurring` queued while this worker runs.
    #[must_use]
    pub fn with_recurring(mut self, recurring: Recurring) -> Self {
        self.recurring.push(recurring);
        self
    }

    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// Claims and runs jobs until `stop` fires, then lets the jobs in flight
    /// finish (within the shutdown grace) and returns.
    pub async fn run(self, stop: CancellationToken) {
        let inner = self.inner;
        let mut listener = listen(&inner.pool).await;
        let mut in_flight = JoinSet::new();
        let mut idle = inner.config.idle_poll_min;
        let mut next_maintenance = OffsetDateTime::UNIX_EPOCH;
        tracing::info!(worker = %inner.id, kinds = ?inner.kinds, "job worker started");
        while !stop.is_cancelled() {
            let now = inner.clock.now();
            if now >= next_maintenance {
                maintain(&inner, &self.recurring, &mut listener, now).await;
                next_maintenance = now + inner.config.maintenance_every;
            }
            let free = inner.config.concurrency.saturating_sub(in_flight.len());
            let claimed = if free == 0 {
                0
            } else {
                claim_and_start(&inner, free, &mut in_flight).await
            };
            if free > 0 && claimed == free {
                // The queue may hold more; go straight back for them.
                idle = inner.config.idle_poll_min;
                continue;
            }
            let wait = if free == 0 {
                // Full: a finishing job wakes the loop, not the poll timer.
                inner.config.idle_poll_max
            } else if claimed == 0 {
                // Nothing due: poll less and less often while the queue stays empty.
                let wait = idle;
                idle = idle.saturating_mul(2).min(inner.config.idle_poll_max);
                wait
            } else {
                idle = inner.config.idle_poll_min;
                idle
            };
            tokio::select! {
                () = stop.cancelled() => break,
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                woken = notified(&mut listener) => {
                    if woken {
                        idle = inner.config.idle_poll_min;
                    } else {
                        // The listening connection broke; poll until maintenance reconnects.
                        listener = None;
                    }
                }
                () = tokio::time::sleep(wait.unsigned_abs()) => {}
            }
        }
        drain(&inner, in_flight).await;
        tracing::info!(worker = %inner.id, "job worker stopped");
    }
}

/// Claims up to `free` jobs and starts each in `in_flight`; returns how many.
async fn claim_and_start(inner: &Arc<Inner>, free: usize, in_flight: &mut JoinSet<()>) -> usize {
    let claimed = queue::claim(
        &inner.pool,
        &inner.id,
        &inner.kinds,
        free,
        inner.config.lease,
        inner.clock.now(),
    )
    .await;
    match claimed {
        Ok(jobs) => {
            let count = jobs.len();
            for job in jobs {
                in_flight.spawn(execute(inner.clone(), job));
            }
            count
        }
        Err(error) => {
            tracing::warn!(worker = %inner.id, error = %error, "could not claim jobs");
            0
        }
    }
}

/// Periodic chores. Any process may do them; they are idempotent.
async fn maintain(
    inner: &Inner,
    recurring: &[Recurring],
    listener: &mut Option<PgListener>,
    now: OffsetDateTime,
) {
    if listener.is_none() {
        *listener = listen(&inner.pool).await;
    }
    for job in recurring {
        if let Err(error) = schedule(&inner.pool, job, now).await {
            tracing::warn!(kind = %job.kind, error = %error, "could not schedule a recurring job");
        }
    }
    match crate::db::jobs::fail_abandoned(&inner.pool, now).await {
        Ok(0) => {}
        Ok(count) => tracing::warn!(count, "jobs failed: their workers died on the last attempt"),
        Err(error) => tracing::warn!(error = %error, "could not fail abandoned jobs"),
    }
    if let Err(error) =
        crate::db::jobs::prune_succeeded(&inner.pool, now - inner.config.keep_succeeded).await
    {
        tracing::warn!(error = %error, "could not prune succeeded jobs");
    }
}

/// A LISTEN connection that wakes the worker when a job is queued. Without one
/// (the database refused it) the worker still works by polling.
async fn listen(pool: &PgPool) -> Option<PgListener> {
    let result: sqlx::Result<PgListener> = async {
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(listener)
    }
    .await;
    match result {
        Ok(listener) => Some(listener),
        Err(error) => {
            tracing::warn!(error = %error, "cannot LISTEN for new jobs; polling only");
            None
        }
    }
}

/// Waits for a notification: true when one came, false when the connection broke.
/// Without a listener it never returns, leaving the wait to the poll timer.
async fn notified(listener: &mut Option<PgListener>) -> bool {
    match listener {
        Some(listener) => listener.recv().await.is_ok(),
        None => std::future::pending().await,
    }
}

/// After a stop: jobs in flight get the grace period to finish, then are aborted.
async fn drain(inner: &Inner, mut in_flight: JoinSet<()>) {
    let finished = tokio::time::timeout(inner.config.shutdown_grace.unsigned_abs(), async {
        while in_flight.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        tracing::warn!(
            worker = %inner.id,
            abandoned = in_flight.len(),
            "jobs still running after the shutdown grace were abandoned; their leases will expire"
        );
        in_flight.shutdown().await;
    }
}

/// Aborts the handler's task when the job's task is dropped or aborted, so an
/// abandoned job does not keep running unseen.
struct AbortOnDrop(AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs one job and records its outcome.
async fn execute(inner: Arc<Inner>, job: Job) {
    let outcome = match inner.registry.get(&job.kind) {
        Some(handler) => run_with_lease(&inner, handler, &job).await,
        // Claims are limited to registered kinds, so this cannot happen; failing
        // the job keeps it visible rather than silently stuck.
        None => JobOutcome::Fail(format!("no handler for job kind {}", job.kind)),
    };
    if let Err(error) = record(&inner, &job, &outcome).await {
        // The lease will run out and the job will be run again.
        tracing::warn!(job_id = job.id, kind = %job.kind, error = %error, "could not record a job's outcome");
    }
}

/// Runs the handler in its own task (a panic becomes a retryable failure, not a
/// dead worker) and renews the lease while it runs.
async fn run_with_lease(inner: &Inner, handler: Arc<dyn JobHandler>, job: &Job) -> JobOutcome {
    let owned = job.clone();
    let mut task = tokio::spawn(async move { handler.run(&owned).await });
    let _guard = AbortOnDrop(task.abort_handle());
    let renew_every = (inner.config.lease / 3_i32).unsigned_abs();
    let mut renewals =
        tokio::time::interval_at(tokio::time::Instant::now() + renew_every, renew_every);
    loop {
        tokio::select! {
            joined = &mut task => {
                return joined.unwrap_or_else(|error| JobOutcome::Retry {
                    after: None,
                    error: format!("the job's handler crashed: {error}"),
                });
            }
            _ = renewals.tick() => {
                match queue::extend_lease(&inner.pool, job, inner.config.lease, inner.clock.now()).await {
                    Ok(true) => {}
                    Ok(false) => tracing::warn!(job_id = job.id, "lost the lease of a running job; its outcome will be ignored"),
                    Err(error) => tracing::warn!(job_id = job.id, error = %error, "could not renew a job's lease"),
                }
            }
        }
    }
}

async fn record(inner: &Inner, job: &Job, outcome: &JobOutcome) -> sqlx::Result<()> {
    let pool = &inner.pool;
    let now = inner.clock.now();
    let held = |held: bool| {
        if held {
            AfterRun::Recorded
        } else {
            AfterRun::LeaseLost
        }
    };
    let after = match outcome {
        JobOutcome::Ok => match held(queue::complete(pool, job, now).await?) {
            AfterRun::Recorded => AfterRun::Succeeded,
            lost => lost,
        },
        JobOutcome::Retry { after, error } => {
            tracing::warn!(job_id = job.id, kind = %job.kind, attempt = job.attempt, error = %error, "job attempt failed");
            queue::fail(pool, job, error, &inner.config.backoff, *after, now)
                .await?
                .into()
        }
        JobOutcome::Fail(error) => {
            tracing::warn!(job_id = job.id, kind = %job.kind, error = %error, "job failed without retry");
            queue::fail_permanently(pool, job, error, now).await?.into()
        }
        JobOutcome::Snooze(after) => held(queue::snooze(pool, job, now + *after, now).await?),
    };
    let kind = job.kind.clone();
    match after {
        AfterRun::Succeeded => {
            metrics::counter!("tcs_jobs_succeeded_total", "kind" => kind).increment(1);
        }
        AfterRun::Failed => {
            tracing::warn!(job_id = job.id, kind = %job.kind, "job failed for good; staff can retry it");
            metrics::counter!("tcs_jobs_failed_total", "kind" => kind).increment(1);
        }
        AfterRun::LeaseLost => {
            tracing::warn!(job_id = job.id, kind = %job.kind, "another worker took this job over; outcome not recorded");
        }
        AfterRun::Recorded => {}
    }
    Ok(())
}

/// What recording a run's outcome did, for logs and metrics.
enum AfterRun {
    Succeeded,
    /// Queued again (retry or snooze).
    Recorded,
    Failed,
    LeaseLost,
}

impl From<AfterFailure> for AfterRun {
    fn from(after: AfterFailure) -> Self {
        match after {
            AfterFailure::RetryAt(_) => Self::Recorded,
            AfterFailure::Failed => Self::Failed,
            AfterFailure::LeaseLost => Self::LeaseLost,
        }
    }
}
