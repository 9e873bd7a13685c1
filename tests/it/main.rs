//! The one integration test binary. Modules mirror the areas of `src/web/`;
//! every test that needs a database gets a fresh one from `#[sqlx::test]`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod anonymous;
mod audit;
mod auth;
mod clients;
mod dcv_onboarding;
mod demo;
mod digicert;
mod drills;
mod enrollment;
mod input;
mod invitations;
mod jobs;
mod operations;
mod ordering;
mod orders;
mod outbox;
mod pki;
mod reminders;
mod sandbox;
mod security;
mod staff_operations;
mod tenancy;
mod validation_sync;
mod world;
