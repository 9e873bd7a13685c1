//! tcs-portal: the AMRES portal for GÉANT TCS client (S/MIME) certificates.
//!
//! A short tour:
//! A short tour, top of the import graph first (a module uses only those below it, apart
//! from the knots named in the README's architecture section):
//! - [`cli`]: the `tcs-portal` subcommands (serve, migrate, staff, demo, audit, digicert-sim).
//! - [`demo`]: the one-command demo.
//! - [`app`]: builds the shared state, assembles the router and its middleware, runs the
//!   server loop and the background workers.
//! - [`web`]: HTTP handlers and templates, one folder per area, and the route table.
//! - [`error`]: the one error type every handler returns.
//! - [`services`]: workflows that span the database, mail, crypto and DigiCert (onboarding,
//!   ordering, enrollment…), and the job kinds `serve` runs.
//! - [`auth`]: passwords, TOTP, sessions and the extractors that guard every handler.
//! - [`jobs`]: the durable job queue, its workers, and the shared DigiCert rate limiter.
//! - [`mail`]: the outbox queue and its transports.
//! - [`audit`]: the hash-chained, append-only audit log.
//! - [`db`]: every SQL statement of the portal.
//! - [`state`]: the shared state every layer names ([`state::AppState`]).
//! - [`config`]: typed settings from defaults, an optional TOML file and the environment.
//! - [`telemetry`]: logging, request ids and metrics.
//! - [`crypto`]: sealing secrets at rest and single-use tokens.
//! - [`i18n`]: the Serbian and English message catalogue, and how dates are written.
//! - [`domain`]: pure, validated value types (emails, passwords, roles…), no I/O.
//!
//! Beneath them, crates of their own (`crates/`): `digicert` (the CertCentral client),
//! `digicert-sim` (the DigiCert sandbox), `pki` (keys, CSRs, PKCS#12) and `clock`.

pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod services;
pub mod state;
pub mod telemetry;
pub mod web;
