//! [`RequestGate`]: what the client asks before it sends each request, retries
//! included, and tells how DigiCert answered it.
//!
//! DigiCert's rate limits count every request that reaches it. A limiter that
//! only saw the calls the portal's services make would miss the client's own
//! retries, so the gate sits where requests leave: in the transport. Whether
//! DigiCert accepts our API key is learnt there too, from every call alike.

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

    /// DigiCert answered a request. Not called when no answer came (a timeout,
    /// a dropped connection) or a 5xx says nothing about the key.
    async fn answered(&self, answer: Answered);

    /// A request came back after `took`, with DigiCert's answer (`None`: no answer
    /// arrived, or a 5xx). Called for every request that left, after [`Self::answered`];
    /// for gates that watch how long DigiCert takes.
    async fn timed(&self, _took: Duration, _answer: Option<Answered>) {}
}

/// How DigiCert answered a request, as far as gates care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// DigiCert knew the API key: any answer but the two below, a refusal of
    /// the call itself (400, 404, a missing permission) included.
    KeyAccepted,
    /// 401, or 403 `access_denied_invalid_key`: the key is wrong or revoked.
    KeyRejected,
    /// 429, with DigiCert's `Retry-After` if it sent one.
    RateLimited { retry_after: Option<Duration> },
}

impl Answered {
    /// What `outcome` says, if it is an answer from DigiCert at all.
    pub(crate) fn of<T>(outcome: &Result<T, Error>) -> Option<Self> {
        match outcome {
            Ok(_) => Some(Self::KeyAccepted),
            Err(Error::InvalidApiKey) => Some(Self::KeyRejected),
            Err(Error::RateLimited { retry_after }) => Some(Self::RateLimited {
                retry_after: *retry_after,
            }),
            Err(Error::PermissionDenied { .. } | Error::NotFound { .. } | Error::Api { .. }) => {
                Some(Self::KeyAccepted)
            }
            Err(Error::MalformedResponse { status, .. }) if (200..300).contains(status) => {
                Some(Self::KeyAccepted)
            }
            Err(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(error: Error) -> Option<Answered> {
        Answered::of::<()>(&Err(error))
    }

    #[test]
    fn a_refusal_of_the_call_itself_still_shows_digicert_knew_the_key() {
        assert_eq!(Answered::of(&Ok(())), Some(Answered::KeyAccepted));
        let not_found = Error::NotFound { errors: Vec::new() };
        assert_eq!(answered(not_found), Some(Answered::KeyAccepted));
        let invalid = Error::Api {
            status: 400,
            errors: Vec::new(),
        };
        assert_eq!(answered(invalid), Some(Answered::KeyAccepted));
    }

    #[test]
    fn only_digicerts_own_answers_judge_the_key() {
        assert_eq!(answered(Error::InvalidApiKey), Some(Answered::KeyRejected));
        let limited = Error::RateLimited {
            retry_after: Some(Duration::from_secs(3)),
        };
        assert_eq!(
            answered(limited),
            Some(Answered::RateLimited {
                retry_after: Some(Duration::from_secs(3))
            })
        );
        // No answer, or a gateway's 5xx: nothing is known about the key.
        assert_eq!(answered(Error::Timeout { ambiguous: true }), None);
        let down = Error::Unavailable {
            status: 503,
            errors: Vec::new(),
        };
        assert_eq!(answered(down), None);
        let held = Error::HeldBack {
            wait: Duration::from_secs(1),
        };
        assert_eq!(answered(held), None);
    }
}
