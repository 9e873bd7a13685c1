//! What the CRLs say: the revocation reasons the API accepts and how they are coded, and the
//! list of revoked serials (all accounts share the one intermediate). `ca` signs the CRLs and
//! `pki_routes` serves them.

use rcgen::RevocationReason;
use time::OffsetDateTime;

use super::state::SandboxState;

/// A revoked serial for the CRL.
#[derive(Debug, Clone)]
pub struct RevokedSerial {
    pub serial_hex: String,
    pub at: OffsetDateTime,
    pub reason: Option<RevocationReason>,
}

/// A revocation reason the API accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrlReason {
    /// Left out of the CRL entry, as RFC 5280 §5.3.1 advises for `unspecified`.
    Unspecified,
    Coded(RevocationReason),
}

impl CrlReason {
    pub fn code(self) -> Option<RevocationReason> {
        match self {
            CrlReason::Unspecified => None,
            CrlReason::Coded(reason) => Some(reason),
        }
    }
}

/// Reads a reason name (snake_case or RFC 5280 camelCase); `None` if it is not accepted.
pub fn crl_reason(reason: &str) -> Option<CrlReason> {
    let coded = match reason {
        "unspecified" => return Some(CrlReason::Unspecified),
        "key_compromise" | "keyCompromise" => RevocationReason::KeyCompromise,
        "affiliation_changed" | "affiliationChanged" => RevocationReason::AffiliationChanged,
        "superseded" => RevocationReason::Superseded,
        "cessation_of_operation" | "cessationOfOperation" => RevocationReason::CessationOfOperation,
        "privilege_withdrawn" | "privilegeWithdrawn" => RevocationReason::PrivilegeWithdrawn,
        _ => return None,
    };
    Some(CrlReason::Coded(coded))
}

/// Every revoked serial in the sandbox (all accounts share the one intermediate).
pub fn revoked_serials(state: &SandboxState) -> Vec<RevokedSerial> {
    state
        .accounts
        .iter()
        .flat_map(|a| a.certificates.iter())
        .filter_map(|c| {
            c.revocation.as_ref().map(|r| RevokedSerial {
                serial_hex: c.serial_hex.clone(),
                at: r.at,
                reason: crl_reason(&r.reason).and_then(CrlReason::code),
            })
        })
        .collect()
}
