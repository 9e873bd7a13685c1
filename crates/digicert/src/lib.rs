//! DigiCert CertCentral client: the [`CertCentral`] trait, its reqwest implementation
//! [`HttpCertCentral`], typed requests and responses that tolerate DigiCert's quirks, and
//! the typed [`Error`].
//!
//! Field names, status codes and quirks follow `shared/digicert-api.md`; every recorded
//! response in `shared/fixtures/digicert/recorded/` parses (see the integration tests).

mod api;
mod client;
mod config;
pub mod dates;
mod de;
mod endpoints;
mod error;
mod gate;
pub mod pem;
mod retry;
pub mod types;

pub use api::CertCentral;
pub use client::HttpCertCentral;
pub use config::{ClientConfig, EU_BASE_URL, US_BASE_URL};
pub use error::{ApiError, Error};
pub use gate::{Answered, RequestGate};
pub use retry::RetryPolicy;
pub use types::*;
