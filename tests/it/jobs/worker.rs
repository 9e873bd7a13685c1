//! The worker runtime: real workers, several "processes", graceful stops.
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use clock::{Clock, ManualClock};
use sqlx::PgPool;
use tcs_portal::jobs::{
    self, Backoff, Job, JobHandler, JobOutcome, Recurring, Registry, Worker, WorkerConfig,
};
use time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{KIND, another_process, job, manual_clock, state_of};
use crate::helpers::eventually;

fn fast_config() -> WorkerConfig {
    WorkerConfig {
        concurrency: 4,
        idle_poll_min: Duration::milliseconds(10),
        idle_poll_max: Duration::milliseconds(50),
        backoff: Backoff {
            base: Duration::seconds(1),
            max: Duration::seconds(1),
        },
        ..WorkerConfig::default()
    }
}

fn start(
    pool: &PgPool,
    clock: &ManualClock,
    handler: impl JobHandler,
    config: WorkerConfig,
    stop: &CancellationToken,
) -> tokio::task::JoinHandle<()> {
    let worker = Worker::new(
        pool.clone(),
        Arc::new(clock.clone()),
        Registry::new().register(KIND, handler),
        config,
    );
    tokio::spawn(worker.run(stop.clone()))
}

/// Records which jobs ran.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<i64>>>);

#[async_trait::async_trait]
impl JobHandler for Recorder {
    async fn run(&self, job: &Job) -> JobOutcome {
        self.0.lock().unwrap().push(job.id);
        JobOutcome::Ok
    }
}

async fn succeeded(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state = 'succeeded'")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn workers_in_several_processes_run_every_job_exactly_once(pool: PgPool) {
    const JOBS: i64 = 300;
    let clock = manual_clock();
    let stop = CancellationToken::new();
    let recorder = Recorder::default();
    let mut workers = Vec::new();
    for _ in 0..3 {
        let process = another_process(&pool).await;
        workers.push(start(
            &process,
            &clock,
            recorder.clone(),
            fast_config(),
            &stop,
        ));
    }
    // Enqueued while the workers already run, in several transactions.
    for chunk in 0..6 {
        let mut tx = pool.begin().await.unwrap();
        for n in 0..JOBS / 6 {
            jobs::enqueue(&mut *tx, &job(chunk * 100 + n), clock.now())
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }
    eventually("every job succeeded", || async {
        succeeded(&pool).await == JOBS
    })
    .await;
    stop.cancel();
    for worker in workers {
        worker.await.unwrap();
    }
    let ran = recorder.0.lock().unwrap();
    let distinct: HashSet<i64> = ran.iter().copied().collect();
    assert_eq!(ran.len(), distinct.len(), "a job ran twice");
    assert_eq!(ran.len(), usize::try_from(JOBS).unwrap());
}

/// Fails the first attempt, succeeds after.
#[derive(Clone, Default)]
struct FlakyOnce(Arc<Mutex<Vec<i32>>>);

#[async_trait::async_trait]
impl JobHandler for FlakyOnce {
    async fn run(&self, job: &Job) -> JobOutcome {
        self.0.lock().unwrap().push(job.attempt);
        if job.attempt == 1 {
            JobOutcome::Retry {
                after: None,
                error: "DigiCert timed out".to_owned(),
            }
        } else {
            JobOutcome::Ok
        }
    }
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_worker_retries_a_failed_job_after_its_back_off(pool: PgPool) {
    let clock = manual_clock();
    let stop = CancellationToken::new();
    let handler = FlakyOnce::default();
    let worker = start(&pool, &clock, handler.clone(), fast_config(), &stop);
    let id = jobs::enqueue(&pool, &job(1), clock.now())
        .await
        .unwrap()
        .unwrap();
    eventually("the first attempt failed", || async {
        state_of(&pool, id).await == "queued" && !handler.0.lock().unwrap().is_empty()
    })
    .await;
    // Time stands still: no retry before the back-off ends.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(*handler.0.lock().unwrap(), vec![1]);
    clock.advance(Duration::seconds(2));
    eventually("the retry succeeded", || async {
        state_of(&pool, id).await == "succeeded"
    })
    .await;
    assert_eq!(*handler.0.lock().unwrap(), vec![1, 2]);
    stop.cancel();
    worker.await.unwrap();
}

/// Signals that it started, then takes a while.
#[derive(Clone)]
struct Slow {
    started: Arc<Notify>,
    takes: std::time::Duration,
}

#[async_trait::async_trait]
impl JobHandler for Slow {
    async fn run(&self, _job: &Job) -> JobOutcome {
        self.started.notify_one();
        tokio::time::sleep(self.takes).await;
        JobOutcome::Ok
    }
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_stopped_worker_finishes_the_job_in_flight_and_claims_no_more(pool: PgPool) {
    let clock = manual_clock();
    let stop = CancellationToken::new();
    let started = Arc::new(Notify::new());
    let handler = Slow {
        started: started.clone(),
        takes: std::time::Duration::from_millis(300),
    };
    let worker = start(&pool, &clock, handler, fast_config(), &stop);
    let first = jobs::enqueue(&pool, &job(1), clock.now())
        .await
        .unwrap()
        .unwrap();
    started.notified().await;
    stop.cancel();
    tokio::time::timeout(std::time::Duration::from_secs(5), worker)
        .await
        .expect("the worker did not stop")
        .unwrap();
    assert_eq!(state_of(&pool, first).await, "succeeded");

    let second = jobs::enqueue(&pool, &job(2), clock.now())
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(state_of(&pool, second).await, "queued");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_job_cut_short_by_a_shutdown_is_run_by_another_process_after_its_lease(pool: PgPool) {
    let clock = manual_clock();
    let stop = CancellationToken::new();
    let started = Arc::new(Notify::new());
    let stuck = Slow {
        started: started.clone(),
        takes: std::time::Duration::from_secs(3600),
    };
    let impatient = WorkerConfig {
        shutdown_grace: Duration::milliseconds(100),
        ..fast_config()
    };
    let worker = start(&pool, &clock, stuck, impatient, &stop);
    let id = jobs::enqueue(&pool, &job(1), clock.now())
        .await
        .unwrap()
        .unwrap();
    started.notified().await;
    stop.cancel();
    tokio::time::timeout(std::time::Duration::from_secs(5), worker)
        .await
        .expect("the grace period was not enforced")
        .unwrap();
    assert_eq!(state_of(&pool, id).await, "running");

    let other_stop = CancellationToken::new();
    let recorder = Recorder::default();
    let other = another_process(&pool).await;
    let rescuer = start(&other, &clock, recorder.clone(), fast_config(), &other_stop);
    clock.advance(WorkerConfig::default().lease + Duration::seconds(1));
    eventually("the abandoned job ran elsewhere", || async {
        state_of(&pool, id).await == "succeeded"
    })
    .await;
    assert_eq!(*recorder.0.lock().unwrap(), vec![id]);
    other_stop.cancel();
    rescuer.await.unwrap();
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_worker_renews_the_lease_of_a_long_job_so_nobody_takes_it_over(pool: PgPool) {
    let clock = manual_clock();
    let stop = CancellationToken::new();
    let started = Arc::new(Notify::new());
    let long = Slow {
        started: started.clone(),
        takes: std::time::Duration::from_millis(5_500),
    };
    // Renewed every second of real time; the test moves its clock a second every
    // half second, so without renewals the lease would be gone after three steps.
    let short_lease = WorkerConfig {
        lease: Duration::seconds(3),
        ..fast_config()
    };
    let worker = start(&pool, &clock, long, short_lease, &stop);
    let id = jobs::enqueue(&pool, &job(1), clock.now())
        .await
        .unwrap()
        .unwrap();
    started.notified().await;
    let other = another_process(&pool).await;
    let kinds = [KIND.to_owned()];
    for _ in 0..10 {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        clock.advance(Duration::seconds(1));
        let taken = jobs::claim(
            &other,
            "other",
            &kinds,
            1,
            Duration::minutes(1),
            clock.now(),
        )
        .await
        .unwrap();
        assert!(taken.is_empty(), "a running job was taken over");
    }
    eventually("the long job succeeded", || async {
        state_of(&pool, id).await == "succeeded"
    })
    .await;
    stop.cancel();
    worker.await.unwrap();
}

struct Panics;

#[async_trait::async_trait]
impl JobHandler for Panics {
    async fn run(&self, _job: &Job) -> JobOutcome {
        panic!("bug in a handler");
    }
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_panicking_handler_is_a_retryable_failure_not_a_dead_worker(pool: PgPool) {
    let clock = manual_clock();
    let stop = CancellationToken::new();
    let worker = start(&pool, &clock, Panics, fast_config(), &stop);
    let id = jobs::enqueue(&pool, &job(1).max_attempts(2), clock.now())
        .await
        .unwrap()
        .unwrap();
    eventually("the crash was recorded", || async {
        let error: Option<String> = sqlx::query_scalar("SELECT last_error FROM jobs WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
        error.is_some() && state_of(&pool, id).await == "queued"
    })
    .await;
    clock.advance(Duration::seconds(2));
    eventually("the second crash failed the job", || async {
        state_of(&pool, id).await == "failed"
    })
    .await;
    let failed = jobs::list_failed(&pool, None, 1).await.unwrap();
    assert!(
        failed[0].last_error.as_deref().unwrap().contains("crashed"),
        "{:?}",
        failed[0].last_error
    );
    assert!(!worker.is_finished(), "the worker died with the handler");
    stop.cancel();
    worker.await.unwrap();
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_new_job_wakes_an_idle_worker_without_waiting_for_its_poll(pool: PgPool) {
    let clock = manual_clock();
    let stop = CancellationToken::new();
    let recorder = Recorder::default();
    let sleepy = WorkerConfig {
        idle_poll_min: Duration::minutes(10),
        idle_poll_max: Duration::minutes(10),
        ..fast_config()
    };
    let worker = start(&pool, &clock, recorder.clone(), sleepy, &stop);
    // Let it find the queue empty and go to sleep for ten minutes.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mut tx = pool.begin().await.unwrap();
    let id = jobs::enqueue(&mut *tx, &job(1), clock.now())
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    eventually("the notified worker ran the job", || async {
        state_of(&pool, id).await == "succeeded"
    })
    .await;
    stop.cancel();
    worker.await.unwrap();
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_recurring_job_is_scheduled_once_however_many_processes_schedule_it(pool: PgPool) {
    let clock = manual_clock();
    let daily = Recurring::new("validation.sync", Duration::days(1)).offset(Duration::hours(3));
    let mut processes = Vec::new();
    for _ in 0..4 {
        processes.push(another_process(&pool).await);
    }
    let scheduled = futures_all(&processes, &daily, &clock).await;
    assert_eq!(scheduled, 1, "scheduled by more than one process");
    let run_at: time::OffsetDateTime =
        sqlx::query_scalar("SELECT run_at FROM jobs WHERE kind = 'validation.sync'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(run_at, time::macros::datetime!(2026-11-26 03:00 UTC));

    // Once it ran, the next day's occurrence is scheduled, again once.
    clock.advance(Duration::hours(18));
    let kinds = ["validation.sync".to_owned()];
    let claimed = jobs::claim(&pool, "w", &kinds, 5, Duration::minutes(1), clock.now())
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(futures_all(&processes, &daily, &clock).await, 0);
    jobs::complete(&pool, &claimed[0], clock.now())
        .await
        .unwrap();
    assert_eq!(futures_all(&processes, &daily, &clock).await, 1);
    let next: time::OffsetDateTime = sqlx::query_scalar(
        "SELECT run_at FROM jobs WHERE kind = 'validation.sync' AND state = 'queued'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(next, time::macros::datetime!(2026-11-27 03:00 UTC));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_worker_keeps_its_recurring_job_scheduled_and_runs_it_when_due(pool: PgPool) {
    let clock = manual_clock();
    let stop = CancellationToken::new();
    let recorder = Recorder::default();
    let hourly = WorkerConfig {
        maintenance_every: Duration::seconds(1),
        ..fast_config()
    };
    let worker = Worker::new(
        pool.clone(),
        Arc::new(clock.clone()),
        Registry::new().register(KIND, recorder.clone()),
        hourly,
    )
    .with_recurring(Recurring::new(KIND, Duration::hours(1)));
    let running = tokio::spawn(worker.run(stop.clone()));
    let queued_at = || async {
        sqlx::query_scalar::<_, time::OffsetDateTime>(
            "SELECT run_at FROM jobs WHERE state = 'queued'",
        )
        .fetch_optional(&pool)
        .await
        .unwrap()
    };
    eventually("the next occurrence is queued", || async {
        queued_at().await == Some(time::macros::datetime!(2026-11-25 10:00 UTC))
    })
    .await;
    clock.advance(Duration::hours(1));
    // Its success must be recorded before the clock moves on: maintenance that
    // runs while the occurrence is still live queues nothing, and the manual
    // clock would never bring the next maintenance.
    eventually("the occurrence ran and was recorded", || async {
        let ran = recorder.0.lock().unwrap().len() == 1;
        ran && succeeded(&pool).await == 1
    })
    .await;
    clock.advance(Duration::seconds(2));
    eventually("the following occurrence is queued", || async {
        queued_at().await == Some(time::macros::datetime!(2026-11-25 11:00 UTC))
    })
    .await;
    stop.cancel();
    running.await.unwrap();
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn old_successes_are_pruned_and_failures_kept_for_staff(pool: PgPool) {
    let clock = manual_clock();
    let kinds = [KIND.to_owned()];
    for n in 0..2 {
        jobs::enqueue(&pool, &job(n).max_attempts(1), clock.now())
            .await
            .unwrap();
    }
    let claimed = jobs::claim(&pool, "w", &kinds, 2, Duration::minutes(1), clock.now())
        .await
        .unwrap();
    jobs::complete(&pool, &claimed[0], clock.now())
        .await
        .unwrap();
    jobs::fail_permanently(&pool, &claimed[1], "no", clock.now())
        .await
        .unwrap();
    clock.advance(Duration::days(8));
    let stop = CancellationToken::new();
    let worker = start(&pool, &clock, Recorder::default(), fast_config(), &stop);
    eventually("the success was pruned", || async {
        let counts = jobs::counts(&pool).await.unwrap();
        counts.len() == 1 && counts[0].succeeded == 0 && counts[0].failed == 1
    })
    .await;
    stop.cancel();
    worker.await.unwrap();
}

/// Every process schedules at the same moment; returns how many jobs were created.
async fn futures_all(processes: &[PgPool], recurring: &Recurring, clock: &ManualClock) -> usize {
    let mut tasks = tokio::task::JoinSet::new();
    for pool in processes {
        let pool = pool.clone();
        let recurring = recurring.clone();
        let now = clock.now();
        tasks.spawn(async move { jobs::schedule(&pool, &recurring, now).await.unwrap() });
    }
    let mut created = 0;
    while let Some(result) = tasks.join_next().await {
        created += usize::from(result.unwrap().is_some());
    }
    created
}
