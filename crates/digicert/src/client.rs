//! [`HttpCertCentral`]: the reqwest transport under the [`super::CertCentral`] calls —
//! URL building, the API key header, status mapping and retries, each request
//! passing the [`RequestGate`]s first and telling them how DigiCert answered.

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{Method, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

use super::config::ClientConfig;
use super::error::Error;
use super::gate::{Answered, RequestGate};
use super::retry::RetryPolicy;

const API_KEY_HEADER: &str = "X-DC-DEVKEY";

/// Whether a call may be sent again after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Repeating cannot create or change anything twice.
    Safe,
    /// Repeating could create a second order, domain or request.
    Once,
}

/// What the server answered with a success status.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::MalformedResponse {
            status: self.status,
            detail: e.to_string(),
        })
    }
}

/// One call to make: method, path segments under the base URL, query and body.
pub(crate) struct Call {
    pub(crate) method: Method,
    pub(crate) path: Vec<String>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) accept: &'static str,
    pub(crate) repeat: Repeat,
}

impl Call {
    pub(crate) fn get(path: Vec<String>) -> Self {
        Self {
            method: Method::GET,
            path,
            query: Vec::new(),
            body: None,
            accept: "application/json",
            repeat: Repeat::Safe,
        }
    }

    pub(crate) fn with_body<B: Serialize>(
        method: Method,
        path: Vec<String>,
        body: &B,
        repeat: Repeat,
    ) -> Result<Self, Error> {
        let body = serde_json::to_vec(body).map_err(|e| Error::Client(e.to_string()))?;
        Ok(Self {
            method,
            path,
            query: Vec::new(),
            body: Some(body),
            accept: "application/json",
            repeat,
        })
    }

    pub(crate) fn query(mut self, query: Vec<(String, String)>) -> Self {
        self.query = query;
        self
    }

    pub(crate) fn accept_any(mut self) -> Self {
        self.accept = "*/*";
        self
    }
}

/// CertCentral over HTTPS with reqwest (rustls).
pub struct HttpCertCentral {
    http: reqwest::Client,
    base_url: Url,
    api_key: SecretString,
    retry: RetryPolicy,
    gates: Vec<Arc<dyn RequestGate>>,
}

impl std::fmt::Debug for HttpCertCentral {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpCertCentral")
            .field("base_url", &self.base_url.as_str())
            .field("api_key", &"[redacted]")
            .field("retry", &self.retry)
            .field("gates", &self.gates)
            .finish()
    }
}

impl HttpCertCentral {
    /// A client for `config`, its requests not gated; fails on a base URL that
    /// cannot carry paths.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        let base_url = Url::parse(config.base_url.trim_end_matches('/'))
            .map_err(|e| Error::Client(format!("base URL: {e}")))?;
        if base_url.cannot_be_a_base() {
            return Err(Error::Client("base URL cannot take a path".into()));
        }
        api_key_header(&config.api_key)?;
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(concat!("tcs-portal/", env!("CARGO_PKG_VERSION")))
            // Following a redirect would hand the API key to whatever host it names, and
            // would turn a POST into a GET; CertCentral does not redirect API calls.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Client(e.to_string()))?;
        Ok(Self {
            http,
            base_url,
            api_key: config.api_key,
            retry: config.retry,
            gates: Vec::new(),
        })
    }

    /// Every request, retries included, also passes `gate` (after the gates
    /// added before it), and `gate` hears how DigiCert answered.
    #[must_use]
    pub fn with_gate(mut self, gate: Arc<dyn RequestGate>) -> Self {
        self.gates.push(gate);
        self
    }

    /// The base URL calls go to.
    pub fn base_url(&self) -> &str {
        self.base_url.as_str()
    }

    fn url(&self, call: &Call) -> Result<Url, Error> {
        let mut url = self.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| Error::Client("base URL cannot take a path".into()))?
            .pop_if_empty()
            .extend(&call.path);
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&call.query);
        }
        Ok(url)
    }

    /// Sends `call`, retrying it per the policy when it is safe to repeat.
    pub(crate) async fn execute(&self, call: Call) -> Result<Answer, Error> {
        let url = self.url(&call)?;
        let mut retry = 0;
        loop {
            for gate in &self.gates {
                gate.admit().await?;
            }
            let sent = std::time::Instant::now();
            let result = self.send_once(&call, url.clone()).await;
            let took = sent.elapsed();
            let answered = Answered::of(&result);
            for gate in &self.gates {
                if let Some(answered) = answered {
                    gate.answered(answered).await;
                }
                gate.timed(took, answered).await;
            }
            let error = match result {
                Ok(answer) => return Ok(answer),
                Err(error) => error,
            };
            let delay = match call.repeat {
                Repeat::Safe => self.retry.delay_before_retry(retry, &error),
                Repeat::Once => None,
            };
            let Some(delay) = delay else {
                tracing::warn!(
                    method = %call.method,
                    path = url.path(),
                    attempts = retry + 1,
                    error = %error,
                    "DigiCert call failed"
                );
                return Err(error);
            };
            tracing::info!(
                method = %call.method,
                path = url.path(),
                retry = retry + 1,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %error,
                "retrying DigiCert call"
            );
            tokio::time::sleep(delay).await;
            retry += 1;
        }
    }

    async fn send_once(&self, call: &Call, url: Url) -> Result<Answer, Error> {
        let mut request = self
            .http
            .request(call.method.clone(), url)
            .header(ACCEPT, call.accept)
            .header(API_KEY_HEADER, api_key_header(&self.api_key)?);
        if let Some(body) = &call.body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let response = request.send().await.map_err(Error::from_transport)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let success = response.status().is_success();
        let body = match response.bytes().await {
            Ok(bytes) => bytes.to_vec(),
            // The status line arrived, so DigiCert did answer; a success whose body broke
            // off is unreadable, while an error status is still classified by its code.
            Err(e) if success => {
                return Err(Error::MalformedResponse {
                    status,
                    detail: format!("body could not be read: {}", e.without_url()),
                });
            }
            Err(_) => Vec::new(),
        };
        if !success {
            return Err(Error::from_response(status, retry_after, &body));
        }
        Ok(Answer {
            status,
            content_type,
            body,
        })
    }
}

/// The key as a header value marked sensitive, so HTTP-level logging never prints it.
fn api_key_header(key: &SecretString) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(key.expose_secret())
        .map_err(|_| Error::Client("API key contains characters a header cannot carry".into()))?;
    value.set_sensitive(true);
    Ok(value)
}
