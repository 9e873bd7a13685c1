//! The queue's guarantees, driven through its API with a hand-moved clock.
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use clock::Clock;
use sqlx::PgPool;
use tcs_portal::jobs::{self, AfterFailure, Backoff, NewJob};
use time::Duration;

use super::{KIND, another_process, job, manual_clock, state_of};

fn kinds() -> Vec<String> {
    vec![KIND.to_owned()]
}

const LEASE: Duration = Duration::seconds(30);

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_job_enqueued_in_a_rolled_back_transaction_never_runs(pool: PgPool) {
    let clock = manual_clock();
    let mut tx = pool.begin().await.unwrap();
    let id = jobs::enqueue(&mut *tx, &job(1), clock.now()).await.unwrap();
    assert!(id.is_some());
    tx.rollback().await.unwrap();

    clock.advance(Duration::hours(1));
    let claimed = jobs::claim(&pool, "w1", &kinds(), 10, LEASE, clock.now())
        .await
        .unwrap();
    assert!(claimed.is_empty());
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_job_is_claimed_only_when_due_and_only_by_workers_of_its_kind(pool: PgPool) {
    let clock = manual_clock();
    let later = job(1).run_at(clock.now() + Duration::minutes(5));
    let id = jobs::enqueue(&pool, &later, clock.now())
        .await
        .unwrap()
        .unwrap();

    let early = jobs::claim(&pool, "w1", &kinds(), 10, LEASE, clock.now())
        .await
        .unwrap();
    assert!(early.is_empty(), "claimed before run_at");
    clock.advance(Duration::minutes(5));
    let other_kind = jobs::claim(&pool, "w1", &["other".to_owned()], 10, LEASE, clock.now())
        .await
        .unwrap();
    assert!(
        other_kind.is_empty(),
        "claimed by a worker without the kind"
    );
    let due = jobs::claim(&pool, "w1", &kinds(), 10, LEASE, clock.now())
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].id, id);
    assert_eq!(due[0].attempt, 1);
    assert_eq!(due[0].payload::<serde_json::Value>().unwrap()["n"], 1);
    assert_eq!(state_of(&pool, id).await, "running");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_job_whose_worker_died_is_claimed_again_after_the_lease_and_the_dead_worker_cannot_record_it(
    pool: PgPool,
) {
    let clock = manual_clock();
    let id = jobs::enqueue(&pool, &job(1), clock.now())
        .await
        .unwrap()
        .unwrap();
    let first = jobs::claim(&pool, "dies", &kinds(), 1, LEASE, clock.now())
        .await
        .unwrap();
    assert_eq!(first.len(), 1);

    // While the lease holds, nobody else gets the job.
    clock.advance(Duration::seconds(29));
    let during = jobs::claim(&pool, "survivor", &kinds(), 1, LEASE, clock.now())
        .await
        .unwrap();
    assert!(during.is_empty());

    clock.advance(Duration::seconds(2));
    let second = jobs::claim(&pool, "survivor", &kinds(), 1, LEASE, clock.now())
        .await
        .unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].id, id);
    assert_eq!(second[0].attempt, 2);
    assert_eq!(second[0].worker(), "survivor");

    // The first worker wakes up: its outcomes no longer count.
    assert!(!jobs::complete(&pool, &first[0], clock.now()).await.unwrap());
    assert!(
        !jobs::extend_lease(&pool, &first[0], LEASE, clock.now())
            .await
            .unwrap()
    );
    assert_eq!(
        jobs::fail(
            &pool,
            &first[0],
            "late",
            &Backoff::default(),
            None,
            clock.now()
        )
        .await
        .unwrap(),
        AfterFailure::LeaseLost
    );
    assert_eq!(state_of(&pool, id).await, "running");
    assert!(
        jobs::complete(&pool, &second[0], clock.now())
            .await
            .unwrap()
    );
    assert_eq!(state_of(&pool, id).await, "succeeded");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_long_job_that_extends_its_lease_is_not_taken_over(pool: PgPool) {
    let clock = manual_clock();
    jobs::enqueue(&pool, &job(1), clock.now()).await.unwrap();
    let held = jobs::claim(&pool, "long", &kinds(), 1, LEASE, clock.now())
        .await
        .unwrap();
    for _ in 0..5 {
        clock.advance(Duration::seconds(20));
        assert!(
            jobs::extend_lease(&pool, &held[0], LEASE, clock.now())
                .await
                .unwrap()
        );
        let other = jobs::claim(&pool, "other", &kinds(), 1, LEASE, clock.now())
            .await
            .unwrap();
        assert!(other.is_empty(), "taken over despite a renewed lease");
    }
    assert!(jobs::complete(&pool, &held[0], clock.now()).await.unwrap());
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn concurrent_claimers_in_several_processes_never_get_the_same_job(pool: PgPool) {
    const JOBS: i64 = 400;
    let clock = manual_clock();
    let mut tx = pool.begin().await.unwrap();
    for n in 0..JOBS {
        jobs::enqueue(&mut *tx, &job(n), clock.now()).await.unwrap();
    }
    tx.commit().await.unwrap();

    let claimed = Arc::new(Mutex::new(Vec::new()));
    let mut claimers = tokio::task::JoinSet::new();
    for process in 0..4 {
        let pool = another_process(&pool).await;
        for thread in 0..2 {
            let claimed = claimed.clone();
            let clock = clock.clone();
            let pool = pool.clone();
            claimers.spawn(async move {
                let worker = format!("p{process}t{thread}");
                loop {
                    let batch = jobs::claim(&pool, &worker, &kinds(), 7, LEASE, clock.now())
                        .await
                        .unwrap();
                    if batch.is_empty() {
                        return;
                    }
                    for job in &batch {
                        claimed.lock().unwrap().push(job.id);
                        assert!(jobs::complete(&pool, job, clock.now()).await.unwrap());
                    }
                }
            });
        }
    }
    while let Some(joined) = claimers.join_next().await {
        joined.unwrap();
    }
    let claimed = claimed.lock().unwrap();
    let distinct: HashSet<i64> = claimed.iter().copied().collect();
    assert_eq!(claimed.len(), distinct.len(), "a job was claimed twice");
    assert_eq!(distinct.len(), usize::try_from(JOBS).unwrap());
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn failures_retry_with_growing_back_off_then_fail_with_the_last_error_and_staff_can_retry(
    pool: PgPool,
) {
    let clock = manual_clock();
    let backoff = Backoff {
        base: Duration::seconds(10),
        max: Duration::hours(1),
    };
    let id = jobs::enqueue(&pool, &job(1).max_attempts(4), clock.now())
        .await
        .unwrap()
        .unwrap();

    let mut delays = Vec::new();
    for attempt in 1..=4 {
        let claimed = jobs::claim(&pool, "w", &kinds(), 1, LEASE, clock.now())
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1, "attempt {attempt} not claimed");
        assert_eq!(claimed[0].attempt, attempt);
        let after = jobs::fail(
            &pool,
            &claimed[0],
            &format!("DigiCert said no ({attempt})"),
            &backoff,
            None,
            clock.now(),
        )
        .await
        .unwrap();
        match after {
            AfterFailure::RetryAt(at) => {
                let delay = at - clock.now();
                delays.push(delay);
                // Not a moment before the back-off ends…
                clock.advance(delay - Duration::seconds(1));
                let early = jobs::claim(&pool, "w", &kinds(), 1, LEASE, clock.now())
                    .await
                    .unwrap();
                assert!(early.is_empty(), "retried before its back-off ended");
                clock.advance(Duration::seconds(1));
            }
            AfterFailure::Failed => assert_eq!(attempt, 4, "failed before its last attempt"),
            AfterFailure::LeaseLost => panic!("lease lost"),
        }
    }
    // Jitter keeps each delay within [ceiling/2, ceiling] and the ceiling doubles.
    assert_eq!(delays.len(), 3);
    for (n, delay) in delays.iter().enumerate() {
        let ceiling = Duration::seconds(10 * 2_i64.pow(u32::try_from(n).unwrap()));
        assert!(*delay >= ceiling / 2 && *delay <= ceiling, "{delays:?}");
    }
    assert!(delays[2] > delays[0], "{delays:?}");

    assert_eq!(state_of(&pool, id).await, "failed");
    clock.advance(Duration::days(1));
    assert!(
        jobs::claim(&pool, "w", &kinds(), 1, LEASE, clock.now())
            .await
            .unwrap()
            .is_empty(),
        "a failed job ran again by itself"
    );
    let failed = jobs::list_failed(&pool, None, 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].id, id);
    assert_eq!(failed[0].attempts, 4);
    assert_eq!(
        failed[0].last_error.as_deref(),
        Some("DigiCert said no (4)")
    );
    let counts = jobs::counts(&pool).await.unwrap();
    assert_eq!((counts[0].kind.as_str(), counts[0].failed), (KIND, 1));

    assert!(jobs::retry_failed(&pool, id, clock.now()).await.unwrap());
    assert!(
        !jobs::retry_failed(&pool, id, clock.now()).await.unwrap(),
        "a queued job was retried"
    );
    let again = jobs::claim(&pool, "w", &kinds(), 1, LEASE, clock.now())
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempt, 1, "staff retry gives fresh attempts");
    assert!(jobs::list_failed(&pool, None, 10).await.unwrap().is_empty());
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_permanent_failure_ends_the_job_at_once(pool: PgPool) {
    let clock = manual_clock();
    let id = jobs::enqueue(&pool, &job(1), clock.now())
        .await
        .unwrap()
        .unwrap();
    let claimed = jobs::claim(&pool, "w", &kinds(), 1, LEASE, clock.now())
        .await
        .unwrap();
    let after = jobs::fail_permanently(&pool, &claimed[0], "unknown product", clock.now())
        .await
        .unwrap();
    assert_eq!(after, AfterFailure::Failed);
    assert_eq!(state_of(&pool, id).await, "failed");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_snoozed_job_runs_later_without_using_up_an_attempt(pool: PgPool) {
    let clock = manual_clock();
    jobs::enqueue(&pool, &job(1).max_attempts(1), clock.now())
        .await
        .unwrap();
    for _ in 0..3 {
        let claimed = jobs::claim(&pool, "w", &kinds(), 1, LEASE, clock.now())
            .await
            .unwrap();
        assert_eq!(claimed[0].attempt, 1);
        let later = clock.now() + Duration::seconds(5);
        assert!(
            jobs::snooze(&pool, &claimed[0], later, clock.now())
                .await
                .unwrap()
        );
        assert!(
            jobs::claim(&pool, "w", &kinds(), 1, LEASE, clock.now())
                .await
                .unwrap()
                .is_empty()
        );
        clock.advance(Duration::seconds(5));
    }
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_dedup_key_keeps_one_live_job_and_frees_up_when_it_finishes(pool: PgPool) {
    let clock = manual_clock();
    let poll = |n| job(n).dedup_key("poll-order:42");
    let first = jobs::enqueue(&pool, &poll(1), clock.now()).await.unwrap();
    assert!(first.is_some());
    assert_eq!(
        jobs::enqueue(&pool, &poll(2), clock.now()).await.unwrap(),
        None
    );
    // Other keys are unaffected.
    let other = job(3).dedup_key("poll-order:43");
    assert!(
        jobs::enqueue(&pool, &other, clock.now())
            .await
            .unwrap()
            .is_some()
    );

    let running = jobs::claim(&pool, "w", &kinds(), 1, LEASE, clock.now())
        .await
        .unwrap();
    assert_eq!(running[0].id, first.unwrap());
    assert_eq!(
        jobs::enqueue(&pool, &poll(4), clock.now()).await.unwrap(),
        None,
        "a running job's key must block too"
    );
    jobs::complete(&pool, &running[0], clock.now())
        .await
        .unwrap();
    assert!(
        jobs::enqueue(&pool, &poll(5), clock.now())
            .await
            .unwrap()
            .is_some()
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_failed_job_is_not_retried_while_a_live_job_has_its_key(pool: PgPool) {
    let clock = manual_clock();
    let keyed = || job(1).dedup_key("sync:org:7").max_attempts(1);
    let failed_id = jobs::enqueue(&pool, &keyed(), clock.now())
        .await
        .unwrap()
        .unwrap();
    let claimed = jobs::claim(&pool, "w", &kinds(), 1, LEASE, clock.now())
        .await
        .unwrap();
    jobs::fail(
        &pool,
        &claimed[0],
        "x",
        &Backoff::default(),
        None,
        clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(state_of(&pool, failed_id).await, "failed");
    jobs::enqueue(&pool, &keyed(), clock.now())
        .await
        .unwrap()
        .unwrap();
    assert!(
        !jobs::retry_failed(&pool, failed_id, clock.now())
            .await
            .unwrap()
    );
    assert_eq!(state_of(&pool, failed_id).await, "failed");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_job_whose_worker_died_on_its_last_attempt_ends_failed(pool: PgPool) {
    let clock = manual_clock();
    let id = jobs::enqueue(&pool, &job(1).max_attempts(1), clock.now())
        .await
        .unwrap()
        .unwrap();
    jobs::claim(&pool, "dies", &kinds(), 1, LEASE, clock.now())
        .await
        .unwrap();
    clock.advance(LEASE + Duration::seconds(1));
    assert!(
        jobs::claim(&pool, "w", &kinds(), 1, LEASE, clock.now())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        tcs_portal::db::jobs::fail_abandoned(&pool, clock.now())
            .await
            .unwrap(),
        1
    );
    assert_eq!(state_of(&pool, id).await, "failed");
    let failed = jobs::list_failed(&pool, None, 10).await.unwrap();
    assert!(failed[0].last_error.as_deref().unwrap().contains("stopped"));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn failed_jobs_are_listed_newest_first_in_pages(pool: PgPool) {
    let clock = manual_clock();
    for n in 0..5 {
        jobs::enqueue(&pool, &job(n).max_attempts(1), clock.now())
            .await
            .unwrap();
    }
    for _ in 0..5 {
        let claimed = jobs::claim(&pool, "w", &kinds(), 1, LEASE, clock.now())
            .await
            .unwrap();
        jobs::fail_permanently(&pool, &claimed[0], "no", clock.now())
            .await
            .unwrap();
        clock.advance(Duration::seconds(1));
    }
    let first = jobs::list_failed(&pool, None, 3).await.unwrap();
    let last = first.last().unwrap();
    let second = jobs::list_failed(&pool, Some((last.finished_at, last.id)), 3)
        .await
        .unwrap();
    let order: Vec<i64> = first
        .iter()
        .chain(&second)
        .map(|job| job.payload["n"].as_i64().unwrap())
        .collect();
    assert_eq!(order, vec![4, 3, 2, 1, 0]);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_new_job_is_written_with_its_max_attempts_at_least_one(pool: PgPool) {
    let clock = manual_clock();
    let id = jobs::enqueue(
        &pool,
        &NewJob::from_value(KIND, serde_json::json!(null)).max_attempts(0),
        clock.now(),
    )
    .await
    .unwrap()
    .unwrap();
    let max: i32 = sqlx::query_scalar("SELECT max_attempts FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(max, 1);
}
