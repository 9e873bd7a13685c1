//! Tests of the DigiCert CertCentral client: against a scripted server over real HTTP
//! (`testkit::digicert_fake`) and against the recorded answers of the live API.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers outside #[test] functions: a value that fails to unwrap fails the test"
)]

mod client_errors;
mod client_reads;
mod client_requests;
mod dates;
mod order_builder;
mod quirks;
mod recorded;
mod retry;
