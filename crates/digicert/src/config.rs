//! Settings of the HTTP client: where CertCentral is, the API key, timeouts, retries.

use secrecy::SecretString;
use std::time::Duration;

use super::retry::RetryPolicy;

/// CertCentral US instance.
pub const US_BASE_URL: &str = "https://www.digicert.com/services/v2";
/// CertCentral EU instance.
pub const EU_BASE_URL: &str = "https://certcentral.digicert.eu/services/v2";

/// Settings of [`super::HttpCertCentral`]. `Debug` shows the key as redacted.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL up to and including `/services/v2`: [`US_BASE_URL`], [`EU_BASE_URL`] or
    /// the sandbox's.
    pub base_url: String,
    /// Sent as `X-DC-DEVKEY`.
    pub api_key: SecretString,
    /// Limit for establishing a connection.
    pub connect_timeout: Duration,
    /// Limit for a whole request, answer included.
    pub request_timeout: Duration,
    /// Retries of idempotent calls.
    pub retry: RetryPolicy,
}

impl ClientConfig {
    /// Settings with default timeouts (10 s connect, 60 s request) and retries.
    pub fn new(base_url: impl Into<String>, api_key: SecretString) -> Self {
        Self {
            base_url: base_url.into(),
            api_key,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
        }
    }

    /// Replaces both timeouts.
    pub fn with_timeouts(mut self, connect: Duration, request: Duration) -> Self {
        self.connect_timeout = connect;
        self.request_timeout = request;
        self
    }

    /// Replaces the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
}
