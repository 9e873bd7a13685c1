//! [`RequestGate`]: what the client asks before it sends each request, retries
//! included, and tells when DigiCert answers 429.
//!
//! DigiCert's rate limits count every request that reaches it. A limiter that
//! only saw the calls the portal's services make would miss the client's own
//! retries, so the gate sits where requests leave: in the transport.

use async_trait::async_trait;
use std::time::Duration;

use super::error::Error;

/// Decides when each request may leave.
#[async_trait]
pub trait RequestGate: Send + Sync + std::fmt::Debug {
    /// Returns once a request may be sent now, or the error the call fails with
    /// instead ([`Error::HeldBack`], [`Error::LimiterUnavailable`]); nothing is
    /// sent then.
    async fn admit(&self) -> Result<(), Error>;

    /// DigiCert refused a request with 429 and this `Retry-After`.
    async fn refused(&self, retry_after: Option<Duration>);
}

/// Lets every request through at once: for clients that share no budget (the
/// demo's seeding, tests about something else).
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenGate;

#[async_trait]
impl RequestGate for OpenGate {
    async fn admit(&self) -> Result<(), Error> {
        Ok(())
    }

    async fn refused(&self, _retry_after: Option<Duration>) {}
}
