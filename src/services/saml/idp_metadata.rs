//! Trusted IdP metadata: a federation's aggregate, used only after its signature checks
//! out against the certificate staff pinned, or a single IdP's metadata that staff vouch
//! for by uploading it. Either becomes a list of [`TrustedIdp`]s, one per IdP that can
//! sign its answers.
use samael::crypto::{CertificateDer, Crypto, CryptoProvider, ReduceMode};
use samael::metadata::EntityDescriptor;

const METADATA_NS: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const SHIBMD_NS: &str = "urn:mace:shibboleth:metadata:1.0";
const MDUI_NS: &str = "urn:oasis:names:tc:SAML:metadata:ui";

/// An IdP as the portal keeps it.
#[derive(Debug, Clone)]
pub struct TrustedIdp {
    pub entity_id: String,
    /// The English (else any) `mdui:DisplayName`, for the staff pages and the login choice.
    pub display_name: Option<String>,
    /// The IdP's `EntityDescriptor`, verbatim from the checked metadata.
    pub descriptor_xml: String,
    /// The literal `shibmd:Scope` values of its IDPSSODescriptor; empty when none is given.
    /// Regular-expression scopes are left out, so an IdP that has only those may assert
    /// no scope at all.
    pub scopes: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MetadataError {
    #[error("not SAML metadata")]
    NotMetadata,
    #[error("the pinned certificate is not a PEM or DER X.509 certificate")]
    BadPinnedCertificate,
    #[error("the aggregate's signature does not verify with the pinned certificate")]
    BadSignature,
    #[error("no IdP in it has a signing key and an HTTP-Redirect sign-on endpoint")]
    NoUsableIdp,
}

impl MetadataError {
    pub fn message_key(&self) -> &'static str {
        match self {
            Self::NotMetadata => "saml.metadata.not_metadata",
            Self::BadPinnedCertificate => "saml.metadata.bad_pinned_certificate",
            Self::BadSignature => "saml.metadata.bad_signature",
            Self::NoUsableIdp => "saml.metadata.no_usable_idp",
        }
    }
}

/// A certificate pasted as PEM, or given as DER, as DER.
pub fn parse_certificate(input: &[u8]) -> Result<Vec<u8>, MetadataError> {
    let der = match x509_parser::pem::parse_x509_pem(input) {
        Ok((_, pem)) => pem.contents,
        Err(_) => input.to_vec(),
    };
    x509_parser::parse_x509_certificate(&der).map_err(|_| MetadataError::BadPinnedCertificate)?;
    Ok(der)
}

/// A single IdP's metadata (an `EntityDescriptor`, or an `EntitiesDescriptor` holding one).
pub fn single(xml: &str) -> Result<Vec<TrustedIdp>, MetadataError> {
    usable_idps(xml)
}

/// A federation's aggregate: every signature in it must verify with `pinned_der`, and
/// only what a signature covers is read.
pub fn federation(xml: &str, pinned_der: &[u8]) -> Result<Vec<TrustedIdp>, MetadataError> {
    let pinned = CertificateDer::from(pinned_der.to_vec());
    let signed =
        Crypto::reduce_xml_to_signed(xml, &[pinned], ReduceMode::ValidateAndMarkNoAncestors)
            .map_err(|_| MetadataError::BadSignature)?;
    usable_idps(&signed)
}

fn usable_idps(xml: &str) -> Result<Vec<TrustedIdp>, MetadataError> {
    let document = roxmltree::Document::parse(xml).map_err(|_| MetadataError::NotMetadata)?;
    let root = document.root_element();
    if root.tag_name().namespace() != Some(METADATA_NS) {
        return Err(MetadataError::NotMetadata);
    }
    let idps: Vec<TrustedIdp> = root
        .descendants()
        .filter(|node| node.has_tag_name((METADATA_NS, "EntityDescriptor")))
        .filter_map(|entity| trusted_idp(xml, entity))
        .collect();
    if idps.is_empty() {
        return Err(MetadataError::NoUsableIdp);
    }
    Ok(idps)
}

fn trusted_idp(xml: &str, entity: roxmltree::Node<'_, '_>) -> Option<TrustedIdp> {
    let idp_descriptor = entity
        .children()
        .find(|node| node.has_tag_name((METADATA_NS, "IDPSSODescriptor")))?;
    let descriptor_xml = xml.get(entity.range())?.to_owned();
    let parsed: EntityDescriptor = descriptor_xml.parse().ok()?;
    if !can_sign_and_receive_requests(&parsed) {
        return None;
    }
    let extensions = idp_descriptor
        .children()
        .find(|node| node.has_tag_name((METADATA_NS, "Extensions")));
    let scopes = extensions
        .into_iter()
        .flat_map(|extensions| extensions.children())
        .filter(|node| node.has_tag_name((SHIBMD_NS, "Scope")))
        .filter(|scope| scope.attribute("regexp") != Some("true"))
        .filter_map(|scope| scope.text())
        .map(|scope| scope.trim().to_ascii_lowercase())
        .filter(|scope| !scope.is_empty())
        .collect();
    let display_names: Vec<(Option<&str>, &str)> = extensions
        .into_iter()
        .flat_map(|extensions| extensions.descendants())
        .filter(|node| node.has_tag_name((MDUI_NS, "DisplayName")))
        .filter_map(|name| {
            let lang = name.attribute(("http://www.w3.org/XML/1998/namespace", "lang"));
            name.text().map(|text| (lang, text.trim()))
        })
        .collect();
    let display_name = display_names
        .iter()
        .find(|(lang, _)| *lang == Some("en"))
        .or(display_names.first())
        .map(|(_, name)| (*name).to_owned());
    Some(TrustedIdp {
        entity_id: parsed.entity_id.clone()?,
        display_name,
        descriptor_xml,
        scopes,
    })
}

/// Without a signing key the SAML library would skip the signature check altogether, so an
/// IdP without one is never trusted; without an HTTP-Redirect endpoint no request reaches it.
fn can_sign_and_receive_requests(descriptor: &EntityDescriptor) -> bool {
    let idp_descriptors = descriptor.idp_sso_descriptors.iter().flatten();
    let mut signing = false;
    let mut redirect = false;
    for idp in idp_descriptors {
        signing |= idp.key_descriptors.iter().any(|key| {
            matches!(key.key_use.as_deref(), None | Some("") | Some("signing"))
                && key
                    .key_info
                    .x509_data
                    .as_ref()
                    .is_some_and(|data| !data.certificates.is_empty())
        });
        redirect |= idp
            .single_sign_on_services
            .iter()
            .any(|service| service.binding == samael::metadata::HTTP_REDIRECT_BINDING);
    }
    signing && redirect
}

/// The IdP's descriptor as the SAML library reads it.
pub fn descriptor(descriptor_xml: &str) -> Option<EntityDescriptor> {
    descriptor_xml.parse().ok()
}
