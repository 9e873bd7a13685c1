//! The queue's claim overhead, for the bench (`jobs::bench` here and the pipeline bench
//! of `drills::bench`, which `bench/run.sh` runs): how many no-op jobs per second several
//! workers drain, and what one claim costs on its own. Test code, so it lives with the tests.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use clock::{Clock, SystemClock};
use sqlx::PgPool;
use tcs_portal::jobs::queue::{self, Job, NewJob};
use tcs_portal::jobs::{JobHandler, JobOutcome, Registry, Worker, WorkerConfig};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Jobs per transaction while filling the queue.
const ENQUEUE_BATCH: usize = 500;
/// Claims timed one by one for the single-claim figure.
const SINGLE_CLAIMS: usize = 500;

/// What [`claim_overhead`] measured.
#[derive(Debug, Clone)]
pub struct ClaimFigures {
    pub jobs: usize,
    pub workers: usize,
    pub concurrency: usize,
    pub enqueue_per_second: f64,
    pub drained_per_second: f64,
    /// Wall time of the drain divided by the jobs: queue overhead per job when
    /// the handler does nothing.
    pub micros_per_job: f64,
    /// One `claim` of one job with nobody else claiming.
    pub micros_per_single_claim: f64,
}

impl std::fmt::Display for ClaimFigures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "job queue: {} no-op jobs, {} workers x {} concurrent: enqueue {:.0} jobs/s, \
             drain {:.0} jobs/s ({:.0} µs/job), single claim {:.0} µs",
            self.jobs,
            self.workers,
            self.concurrency,
            self.enqueue_per_second,
            self.drained_per_second,
            self.micros_per_job,
            self.micros_per_single_claim
        )
    }
}

/// Counts runs and wakes the bench when the last one is done.
struct Progress {
    ran: AtomicUsize,
    target: usize,
    all_ran: Notify,
}

/// Does nothing but count, so what is measured is the queue itself.
#[derive(Clone)]
struct NoOp(Arc<Progress>);

#[async_trait::async_trait]
impl JobHandler for NoOp {
    async fn run(&self, _job: &Job) -> JobOutcome {
        if self.0.ran.fetch_add(1, Ordering::SeqCst) + 1 >= self.0.target {
            self.0.all_ran.notify_one();
        }
        JobOutcome::Ok
    }
}

/// Enqueues `jobs` no-op jobs of a fresh kind, drains them with `workers`
/// workers running `concurrency` jobs each, then times single claims. Writes
/// into `pool`'s database: point it at a scratch one. Prints nothing and
/// asserts nothing about speed; the caller reports the figures.
pub async fn claim_overhead(
    pool: &PgPool,
    jobs: usize,
    workers: usize,
    concurrency: usize,
) -> anyhow::Result<ClaimFigures> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let kind = format!("bench.noop.{}", uuid::Uuid::new_v4().simple());

    let started = Instant::now();
    fill(pool, &kind, jobs, clock.as_ref()).await?;
    let enqueue_secs = started.elapsed().as_secs_f64();

    let progress = Arc::new(Progress {
        ran: AtomicUsize::new(0),
        target: jobs,
        all_ran: Notify::new(),
    });
    let registry = Registry::new().register(&kind, NoOp(progress.clone()));
    let config = WorkerConfig {
        concurrency,
        idle_poll_min: time::Duration::milliseconds(5),
        idle_poll_max: time::Duration::milliseconds(50),
        ..WorkerConfig::default()
    };
    let stop = CancellationToken::new();
    let started = Instant::now();
    let mut running = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let worker = Worker::new(
            pool.clone(),
            clock.clone(),
            registry.clone(),
            config.clone(),
        );
        running.spawn(worker.run(stop.clone()));
    }
    if jobs > 0 {
        progress.all_ran.notified().await;
    }
    stop.cancel();
    // The workers record the last outcomes before they return.
    while running.join_next().await.is_some() {}
    let drain_secs = started.elapsed().as_secs_f64();

    let single = single_claims(pool, &kind, clock.as_ref()).await?;
    Ok(ClaimFigures {
        jobs,
        workers,
        concurrency,
        enqueue_per_second: per_second(jobs, enqueue_secs),
        drained_per_second: per_second(jobs, drain_secs),
        micros_per_job: micros_per(drain_secs, jobs),
        micros_per_single_claim: single,
    })
}

async fn fill(pool: &PgPool, kind: &str, jobs: usize, clock: &dyn Clock) -> anyhow::Result<()> {
    let job = NewJob::from_value(kind, serde_json::json!({}));
    let mut left = jobs;
    while left > 0 {
        let batch = left.min(ENQUEUE_BATCH);
        let mut tx = pool.begin().await?;
        for _ in 0..batch {
            queue::enqueue(&mut *tx, &job, clock.now()).await?;
        }
        tx.commit().await?;
        left -= batch;
    }
    Ok(())
}

/// Mean time of a one-job claim, nobody else claiming; each claimed job is completed.
async fn single_claims(pool: &PgPool, kind: &str, clock: &dyn Clock) -> anyhow::Result<f64> {
    fill(pool, kind, SINGLE_CLAIMS, clock).await?;
    let kinds = [kind.to_owned()];
    let mut claiming = std::time::Duration::ZERO;
    let mut claimed = 0;
    for _ in 0..SINGLE_CLAIMS {
        let started = Instant::now();
        let jobs = queue::claim(
            pool,
            "bench",
            &kinds,
            1,
            time::Duration::minutes(1),
            clock.now(),
        )
        .await?;
        claiming += started.elapsed();
        for job in &jobs {
            queue::complete(pool, job, clock.now()).await?;
            claimed += 1;
        }
    }
    Ok(micros_per(claiming.as_secs_f64(), claimed))
}

// Job counts are far below 2^52, so the casts to f64 are exact.
fn per_second(count: usize, secs: f64) -> f64 {
    count as f64 / secs.max(f64::EPSILON)
}

fn micros_per(secs: f64, count: usize) -> f64 {
    secs * 1e6 / (count.max(1) as f64)
}
