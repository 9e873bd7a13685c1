//! Workflows that span the database, crypto and mail. Handlers call these; these
//! call `db::` and never touch HTTP.
pub mod account;
pub mod background;
pub mod dashboard;
pub mod dcv;
pub mod digicert_calls;
pub mod digicert_connection;
pub mod domains;
pub mod enrollment;
pub mod expiry_warnings;
pub mod institutions;
pub mod invitation_answers;
pub mod login;
pub mod mfa;
pub mod notices;
pub mod onboarding;
pub mod one_time_code;
pub mod ordering;
pub mod passwords;
pub mod people;
pub mod preconditions;
pub mod products;
pub mod reminders;
pub mod saml;
pub mod self_service;
pub mod validation_sync;
