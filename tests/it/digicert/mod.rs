//! Tests of the DigiCert CertCentral client.

mod client_errors;
mod client_reads;
mod client_requests;
mod dates;
mod fake;
mod order_builder;
mod quirks;
mod recorded;
mod retry;
