//! When each CA publishes a new CRL and what it lists. Every CA has its own CRL number
//! sequence (RFC 5280 §5.2.3); a CRL is re-issued only when a certificate was revoked since
//! the last one or on its schedule, and is otherwise served again byte for byte, as relying
//! parties that cache CRLs expect. `ca` signs them and `pki_routes` serves them.

use time::{Duration, OffsetDateTime};

use super::ca::CertificateAuthority;
use super::state::{PublishedCrl, SandboxState};

/// A revoked serial for the CRL. DigiCert ignores `revocation_reason` for client
/// certificates (it is documented for TLS only), so entries carry no reason code.
#[derive(Debug, Clone)]
pub struct RevokedSerial {
    pub serial_hex: String,
    pub at: OffsetDateTime,
}

/// The two CAs that publish CRLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrlIssuer {
    Root,
    Intermediate,
}

impl CrlIssuer {
    /// `nextUpdate − thisUpdate`: S/MIME BR §4.9.7 as issue 13 states it, at most 7 days for
    /// the CRL of subscriber certificates and 10 for the root's.
    pub fn validity(self) -> Duration {
        match self {
            CrlIssuer::Root => Duration::days(10),
            CrlIssuer::Intermediate => Duration::days(7),
        }
    }

    /// The schedule: a CRL this old is re-issued even without a revocation, well before its
    /// `nextUpdate`, so a fresh one is always there.
    pub fn reissue_after(self) -> Duration {
        match self {
            CrlIssuer::Root => Duration::days(7),
            CrlIssuer::Intermediate => Duration::days(1),
        }
    }
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
            })
        })
        .collect()
}

/// The CRL `issuer` publishes at `now` (DER): the last one while it still lists every
/// revocation and is not due, else a new one with the next number.
pub fn current(
    state: &mut SandboxState,
    ca: &CertificateAuthority,
    issuer: CrlIssuer,
    now: OffsetDateTime,
) -> anyhow::Result<Vec<u8>> {
    let revoked = match issuer {
        // The sandbox never revokes its intermediate.
        CrlIssuer::Root => Vec::new(),
        CrlIssuer::Intermediate => revoked_serials(state),
    };
    let slot = match issuer {
        CrlIssuer::Root => &mut state.crls.root,
        CrlIssuer::Intermediate => &mut state.crls.intermediate,
    };
    if let Some(published) = slot.as_ref()
        && published.revoked == revoked.len()
        && now < published.this_update + issuer.reissue_after()
    {
        return Ok(hex::decode(&published.der_hex)?);
    }
    let number = slot.as_ref().map_or(1, |published| published.number + 1);
    // Never earlier than a revocation it lists (nor later than now: a CRL from the future
    // is "not yet valid" to relying parties).
    let newest = revoked.iter().map(|r| r.at).max();
    let this_update = whole_seconds(newest.map_or(now, |at| at.max(now)));
    let next_update = this_update + issuer.validity();
    let der = match issuer {
        CrlIssuer::Root => ca.root_crl(number, this_update, next_update)?,
        CrlIssuer::Intermediate => {
            ca.intermediate_crl(&revoked, number, this_update, next_update)?
        }
    };
    *slot = Some(PublishedCrl {
        number,
        this_update,
        revoked: revoked.len(),
        der_hex: hex::encode(&der),
    });
    Ok(der)
}

/// `at` without its fraction of a second: CRL times have whole seconds, and revocations are
/// recorded in whole seconds too, so the CRL made at or after one is never earlier than it.
pub fn whole_seconds(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(0).unwrap_or(at)
}
