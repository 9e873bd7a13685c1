//! DigiCert CertCentral client: the [`CertCentral`] trait, its reqwest implementation
//! [`HttpCertCentral`], typed requests and responses that tolerate DigiCert's quirks, and
//! the typed [`Error`].
//!
//! Field names, status codes and quirks follow DigiCert's Services API v2 documentation and
//! what the live API really sends: every recorded response in `tests/fixtures/recorded/`
//! (sources in its README) parses, as the integration tests in `tests/client/` check.
//!
//! Everything specific to DigiCert stays in this crate (DESIGN §12, CA independence): its
//! ids, products, statuses and errors are types of this crate, and the portal talks to it
//! through the [`CertCentral`] trait.

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
