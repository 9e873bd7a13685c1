//! tcs-portal: the AMRES portal for GÉANT TCS client (S/MIME) certificates.
//!
//! A short tour:
//! - [`cli`]: the `tcs-portal` subcommands (serve, migrate, staff, demo, audit, digicert-sim).
//! - [`config`]: typed settings from defaults, an optional TOML file and the environment.
//! - [`app`]: shared state, the router used by `serve` and by the tests, and the server loop.
//! - [`error`]: the one error type every handler returns.
//! - [`domain`]: pure, validated value types (emails, passwords, roles…), no I/O.
//! - [`auth`]: passwords, TOTP, sessions and the extractors that guard every page.
//! - [`digicert`]: the CertCentral API client (trait, reqwest implementation, DTOs).
//! - [`crypto`]: sealing secrets at rest and single-use tokens.
//! - [`pki`]: people's keys and requests, passphrase-sealed keys, PKCS#12, PEM and P7B downloads.
//! - [`db`]: every SQL statement of the portal.
//! - [`audit`]: the hash-chained, append-only audit log.
//! - [`jobs`]: the durable job queue, its workers, and the shared DigiCert rate limiter.
//! - [`mail`]: the outbox queue and its transports.
//! - [`i18n`]: the Serbian and English message catalogue.
//! - [`services`]: workflows that span the database, mail and crypto (onboarding…).
//! - [`telemetry`]: logging and metrics setup.
//! - [`demo`]: the one-command demo.
//! - [`sandbox`]: the DigiCert CertCentral simulator (`digicert-sim`), issuing real certificates.
//! - [`web`]: HTTP handlers and templates, one folder per area.

pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod digicert;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod pki;
pub mod sandbox;
pub mod services;
pub mod telemetry;
pub mod web;
