//! Tests of the DigiCert CertCentral client.

mod client_errors;
mod client_reads;
mod client_requests;
mod dates;
pub mod fake;
mod order_builder;
mod quirks;
pub mod recorded;
mod retry;
