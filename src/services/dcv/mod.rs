//! Onboarding with DigiCert: submitting an admin's new domain for DNS TXT
//! validation and checking it, and staff submitting an organization for S/MIME
//! validation. Calls share the validation sync's rate limiter and its reading
//! of DigiCert's errors.
pub mod domain;
pub mod organization;

mod notice;
use digicert::Error as DigicertError;
pub use notice::DcvNotice;

use crate::services::validation_sync::{Stop, SyncOutcome};

/// DigiCert's error code for "the TXT record (or token) is not there yet".
const TOKEN_NOT_FOUND: [&str; 3] = ["invalid_dns_txt", "invalid_dns_cname", "invalid_http_token"];

/// What a stopped call means to the person who pressed the button; database
/// failures stay errors.
fn notice_for(stop: Stop) -> sqlx::Result<DcvNotice> {
    let outcome = match stop {
        Stop::Database(error) => return Err(error),
        Stop::Outcome(outcome) => outcome,
        Stop::Refused(DigicertError::Api { errors, .. })
            if errors
                .iter()
                .any(|error| TOKEN_NOT_FOUND.contains(&error.code.as_str())) =>
        {
            return Ok(DcvNotice::NotFoundYet);
        }
        Stop::Refused(error) => {
            tracing::warn!(%error, "DigiCert refused an onboarding call");
            SyncOutcome::from_error(error)
        }
    };
    Ok(match outcome {
        SyncOutcome::NotConfigured => DcvNotice::NotConfigured,
        SyncOutcome::NotLinked => DcvNotice::NotLinked,
        SyncOutcome::KeyRejected => DcvNotice::KeyRejected,
        SyncOutcome::RateLimited => DcvNotice::RateLimited,
        SyncOutcome::Unavailable => DcvNotice::Unavailable,
        SyncOutcome::OrganizationNotFound => DcvNotice::NotFoundAtDigicert,
        SyncOutcome::Synced { .. } | SyncOutcome::Failed(_) => DcvNotice::Refused,
    })
}
