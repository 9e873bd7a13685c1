//! The durable job queue in Postgres, its worker runtime, and the DigiCert rate
//! limiter shared by every portal process.
//!
//! # Why a queue of our own
//!
//! DESIGN §6 asked to try the maintained crates first. Both were checked on
//! 2026-11-25 and neither fits:
//!
//! - **graphile_worker 0.14.1** depends on sqlx **0.9** (with chrono) and turns on
//!   sqlx's `tls-rustls` by default. The portal is pinned to sqlx 0.8.6 (the
//!   session store needs ^0.8), so this would link a second sqlx, a second
//!   Postgres driver and a second TLS stack, and, worse, its pool and transactions
//!   are a different type from ours: a job could not be written in the same
//!   transaction as the order row, which is the whole point of the queue.
//! - **apalis-postgres 1.0.0** also depends on sqlx **0.9**, and its `tokio-comp`
//!   feature forces sqlx's `tls-rustls`; same two problems.
//!
//! So this is a small `FOR UPDATE SKIP LOCKED` queue, the way crates.io runs its
//! own, built on the pattern the mail outbox already uses:
//!
//! - **Transactional enqueue** ([`enqueue`]) with the caller's executor, so a job
//!   exists if and only if the change that needs it was committed.
//! - **Leases**: [`claim`] sets `locked_until`/`locked_by`; a job whose worker
//!   died is claimed again once the lease runs out, and the worker renews the
//!   lease of long jobs. Outcomes are fenced by worker and attempt, so a worker
//!   that lost its lease cannot overwrite the newer attempt.
//! - **Retries** with exponential back-off and jitter ([`Backoff`]); after the
//!   last attempt a job is `failed`, kept with its last error for the staff page
//!   ([`list_failed`], [`counts`]) and its retry button ([`retry_failed`]).
//! - **De-duplication keys**: at most one live job per key (a partial unique index).
//! - **Recurring jobs** ([`Recurring`], [`schedule`]) kept to one live occurrence
//!   by such a key, whatever the number of processes.
//! - **Several processes**: claims skip locked rows, a `LISTEN tcs_jobs` wakes idle
//!   workers of every process when a job is committed, polling with back-off
//!   covers a lost notification.
//!
//! The rate limiter ([`rate_limit`]) keeps all processes together under
//! DigiCert's two windows through a call log in Postgres. It is the gate of the
//! DigiCert client ([`rate_limit::SharedLimit`]), so every request waits for
//! its permit, the client's own retries included.
//!
//! # Using it
//!
//! A job kind is a [`JobHandler`] registered under its name in a [`Registry`]
//! (`registry.rs`); `serve` runs one [`Worker`] over the registry that
//! `services::background` assembles beside the mail worker, with
//! the app's clock and stop token, and lists the recurring jobs on it
//! ([`Worker::with_recurring`]). A handler that calls DigiCert waits in its
//! worker slot while the limiter's window fills; when the client reports a
//! longer wait (`HeldBack`, or a 429 that now blocks every process) it returns
//! [`JobOutcome::Snooze`] rather than holding the slot.
pub mod backoff;
pub mod queue;
pub mod rate_limit;
pub mod registry;
pub mod schedule;
pub mod worker;

pub use backoff::Backoff;
pub use queue::{
    AfterFailure, FailedJob, Job, KindCounts, NewJob, claim, complete, counts, enqueue,
    extend_lease, fail, fail_permanently, list_failed, retry_failed, snooze,
};
pub use registry::{JobHandler, JobOutcome, Registry};
pub use schedule::{Recurring, schedule};
pub use worker::{Worker, WorkerConfig};
