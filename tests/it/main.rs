//! The portal's integration test binary. Modules mirror the areas of `src/web/`;
//! every test that needs a database gets a fresh one from `#[sqlx::test]`. The tests of
//! the crates it is built on (`pki`, `digicert`, `digicert-sim`) live with those crates;
//! helpers shared with them are in `testkit`.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![expect(
    unreachable_pub,
    reason = "a test binary has no public API: `pub` only opens a helper to the sibling modules"
)]
#![expect(
    clippy::print_stdout,
    reason = "the drills and benches print their figures, which scripts/test.sh and bench/ read"
)]

mod helpers;

mod anonymous;
mod api;
mod architecture;
mod audit;
mod auth;
mod bulk;
mod clients;
mod dashboards;
mod dcv_onboarding;
mod demo;
mod drills;
mod enrollment;
mod input;
mod invitations;
mod jobs;
mod kept_sign_in;
mod lifecycle;
mod memory;
mod operations;
mod ordering;
mod orders;
mod outbox;
mod passwords;
mod plans;
mod reminders;
mod round_trips;
mod saml;
mod security;
mod selfservice;
mod staff_operations;
mod stored_states;
mod tenancy;
mod validation_sync;
mod world;
