//! The portal as a SAML 2.0 service provider (issue 15 §1–§3).
//!
//! The XML work (parsing, canonicalisation, signature checks, dropping everything no
//! signature covers) is the `samael` crate's, over libxmlsec1; nothing here reads a
//! signature by hand. On top of it the portal keeps its own key pair sealed
//! ([`sp_key`]), publishes its metadata ([`sp_metadata`]), keeps the IdPs staff trust
//! ([`idp_metadata`]), sends AuthnRequests it remembers once ([`login`]) and turns a
//! response into an [`AcceptedIdentity`] only after the portal's own checks ([`acs`]):
//! the IdP's metadata must carry a signing key, the audience must be named, the
//! assertion is accepted once, the IdP must be the institution's and the scopes within
//! its validated domains and the IdP's `shibmd:Scope`.
pub mod acs;
pub mod attributes;
pub mod idp_metadata;
pub mod linking;
pub mod login;
pub mod scope;
pub mod sp_key;
pub mod sp_metadata;
pub mod trust;

pub use attributes::AcceptedIdentity;

use crate::state::AppState;

/// Where the SP's metadata is published; under the public URL, also its entityID.
pub const METADATA_PATH: &str = "/saml/metadata";
/// Where IdPs post their responses (HTTP-POST binding).
pub const ACS_PATH: &str = "/saml/acs";

/// The SP's entityID: the metadata's own URL under the public URL.
pub fn entity_id(state: &AppState) -> String {
    format!("{}{METADATA_PATH}", state.settings.public_url)
}

/// The ACS as a URL, as the metadata and the requests name it.
pub fn acs_url(state: &AppState) -> String {
    format!("{}{ACS_PATH}", state.settings.public_url)
}

/// The REFEDS MFA profile: the IdP did multi-factor authentication.
pub const REFEDS_MFA: &str = "https://refeds.org/profile/mfa";

/// Signature algorithms the portal accepts (SHA-1 and weaker are refused).
const ALLOWED_SIGNATURES: [samael::crypto::AllowedSignatureAlgorithm; 6] = {
    use samael::crypto::AllowedSignatureAlgorithm::*;
    [
        RsaSha256,
        RsaSha384,
        RsaSha512,
        EcdsaSha256,
        EcdsaSha384,
        EcdsaSha512,
    ]
};

/// The SAML library's view of the portal talking to one IdP. It keeps samael's clock skew
/// (3 minutes, as Shibboleth) and the 90 seconds it allows between the IdP issuing a
/// response and the portal reading it; IdP-initiated (unsolicited) responses are off.
fn service_provider(
    state: &AppState,
    key: &sp_key::SpKey,
    idp: samael::metadata::EntityDescriptor,
) -> anyhow::Result<samael::service_provider::ServiceProvider> {
    Ok(samael::service_provider::ServiceProvider {
        entity_id: Some(entity_id(state)),
        metadata_url: Some(entity_id(state)),
        acs_url: Some(acs_url(state)),
        slo_url: None,
        key: Some(key.private_key()?),
        certificate: Some(key.certificate_der.clone().into()),
        idp_metadata: idp,
        allow_idp_initiated: false,
        allowed_signature_algorithms: Some(ALLOWED_SIGNATURES.to_vec()),
        ..samael::service_provider::ServiceProvider::default()
    })
}
