//! The SP's metadata, as IdPs and federations read it: entityID, the ACS (HTTP-POST), and
//! the certificate for signing and encryption (both certificates during a rollover). No logout endpoint: the portal has none.
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use samael::key_info::{KeyInfo, X509Data};
use samael::metadata::{
    EntityDescriptor, HTTP_POST_BINDING, IndexedEndpoint, KeyDescriptor, SpSsoDescriptor,
};
use samael::traits::ToXml;

use crate::state::AppState;

const PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";

pub async fn xml(state: &AppState) -> anyhow::Result<String> {
    // During a rollover both keys are published, the active one first, so IdPs learn
    // the next key before it is used.
    let keys = super::sp_key::published(state).await?;
    let key_for = |certificate_der: &[u8], key_use: &str| KeyDescriptor {
        key_use: Some(key_use.to_owned()),
        key_info: KeyInfo {
            id: None,
            x509_data: Some(X509Data {
                certificates: vec![STANDARD.encode(certificate_der)],
            }),
        },
        encryption_methods: None,
    };
    let key_descriptors = keys
        .iter()
        .flat_map(|key| {
            ["signing", "encryption"].map(|key_use| key_for(&key.certificate_der, key_use))
        })
        .collect();
    let descriptor = EntityDescriptor {
        entity_id: Some(super::entity_id(state)),
        sp_sso_descriptors: Some(vec![SpSsoDescriptor {
            protocol_support_enumeration: Some(PROTOCOL.to_owned()),
            key_descriptors: Some(key_descriptors),
            authn_requests_signed: Some(false),
            want_assertions_signed: Some(true),
            assertion_consumer_services: vec![IndexedEndpoint {
                binding: HTTP_POST_BINDING.to_owned(),
                location: super::acs_url(state),
                response_location: None,
                index: 0,
                is_default: Some(true),
            }],
            ..SpSsoDescriptor::default()
        }]),
        ..EntityDescriptor::default()
    };
    descriptor
        .to_string()
        .map_err(|error| anyhow::anyhow!("SP metadata: {error:?}"))
}
