//! A SAML 2.0 IdP in the test process: its own RSA key and certificate, its metadata (with
//! `shibmd:Scope`), and responses built as a test describes them, signed by the real
//! libxmlsec1 (through samael) over the response, the assertion, or nothing, so the
//! portal's ACS meets both honest answers and forgeries. A federation operator signs
//! aggregates of IdPs' metadata the same way.
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clock::{Clock, SystemClock};
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, PKCS_RSA_SHA256, RsaKeySize};
use samael::crypto::{Crypto, CryptoProvider};
use time::format_description::well_known::Rfc3339;

pub const REFEDS_MFA: &str = "https://refeds.org/profile/mfa";
pub const PASSWORD_CONTEXT: &str =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";

/// A signing key and its self-signed certificate (an IdP's, or a federation operator's).
pub struct Signer {
    /// PKCS#1 DER, the form libxmlsec1 loads.
    key_der: Vec<u8>,
    key_pem: String,
    pub certificate_der: Vec<u8>,
}

impl Signer {
    pub fn new(name: &str) -> Self {
        let key = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048).unwrap();
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, name);
        params.distinguished_name = dn;
        let certificate = params.self_signed(&key).unwrap();
        let key_der = openssl::pkey::PKey::private_key_from_pkcs8(&key.serialize_der())
            .unwrap()
            .rsa()
            .unwrap()
            .private_key_to_der()
            .unwrap();
        Self {
            key_der,
            key_pem: key.serialize_pem(),
            certificate_der: certificate.der().to_vec(),
        }
    }

    /// The private key as PKCS#8 PEM (for SimpleSAMLphp).
    pub fn private_key_pem(&self) -> &str {
        &self.key_pem
    }

    pub fn certificate_base64(&self) -> String {
        STANDARD.encode(&self.certificate_der)
    }

    pub fn certificate_pem(&self) -> String {
        let body = self.certificate_base64();
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|chunk| std::str::from_utf8(chunk).unwrap())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        )
    }

    /// An enveloped-signature template for the element with `ID="{id}"`, to place as that
    /// element's child where the schema wants it (after its Issuer, or first).
    pub fn template(&self, id: &str) -> String {
        format!(
            r##"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#{id}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue></ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>"##,
            self.certificate_base64()
        )
    }

    /// Signs the first signature template in `xml`.
    pub fn sign(&self, xml: &str) -> String {
        Crypto::sign_xml(xml, &self.key_der).unwrap()
    }
}

/// Which part of a response carries the IdP's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signed {
    Response,
    Assertion,
    Nothing,
}

/// A response as a test wants it. [`TestIdp::response`] fills in an honest one.
#[derive(Debug, Clone)]
pub struct ResponseSpec {
    pub in_response_to: Option<String>,
    pub destination: String,
    pub recipient: String,
    pub audience: Option<String>,
    pub issuer: String,
    pub assertion_id: String,
    /// Seconds from now: the assertion's NotBefore and NotOnOrAfter.
    pub valid_from: i64,
    pub valid_until: i64,
    pub name_id: String,
    pub authn_context: String,
    pub attributes: Vec<(String, Vec<String>)>,
    pub signed: Signed,
}

impl ResponseSpec {
    pub fn set(&mut self, name: &str, values: &[&str]) {
        self.attributes.retain(|(attribute, _)| attribute != name);
        self.attributes.push((
            name.to_owned(),
            values.iter().map(|v| (*v).to_owned()).collect(),
        ));
    }

    pub fn remove(&mut self, name: &str) {
        self.attributes.retain(|(attribute, _)| attribute != name);
    }
}

pub const MAIL: &str = "urn:oid:0.9.2342.19200300.100.1.3";
pub const GIVEN_NAME: &str = "urn:oid:2.5.4.42";
pub const SURNAME: &str = "urn:oid:2.5.4.4";
pub const SCOPED_AFFILIATION: &str = "urn:oid:1.3.6.1.4.1.5923.1.1.1.9";
pub const PRINCIPAL_NAME: &str = "urn:oid:1.3.6.1.4.1.5923.1.1.1.6";
pub const SUBJECT_ID: &str = "urn:oasis:names:tc:SAML:attribute:subject-id";

pub struct TestIdp {
    pub entity_id: String,
    pub signer: Signer,
    scopes: Vec<String>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn instant(offset_seconds: i64) -> String {
    (SystemClock.now() + time::Duration::seconds(offset_seconds))
        .replace_nanosecond(0)
        .unwrap()
        .format(&Rfc3339)
        .unwrap()
}

fn random_id() -> String {
    format!("_{}", uuid_like())
}

fn uuid_like() -> String {
    let mut bytes = [0u8; 16];
    openssl::rand::rand_bytes(&mut bytes).unwrap();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl TestIdp {
    /// An IdP whose metadata lists `scopes` as its `shibmd:Scope`s.
    pub fn new(entity_id: &str, scopes: &[&str]) -> Self {
        Self {
            entity_id: entity_id.to_owned(),
            signer: Signer::new(entity_id),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// The IdP's `EntityDescriptor` (no XML declaration, so aggregates can hold it).
    pub fn entity_descriptor(&self) -> String {
        let scopes: String = self
            .scopes
            .iter()
            .map(|scope| {
                format!(
                    r#"<shibmd:Scope regexp="false">{}</shibmd:Scope>"#,
                    escape(scope)
                )
            })
            .collect();
        format!(
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:shibmd="urn:mace:shibboleth:metadata:1.0" xmlns:mdui="urn:oasis:names:tc:SAML:metadata:ui" entityID="{entity}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:Extensions>{scopes}<mdui:UIInfo><mdui:DisplayName xml:lang="en">{entity}</mdui:DisplayName></mdui:UIInfo></md:Extensions><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.test/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"#,
            entity = escape(&self.entity_id),
            cert = self.signer.certificate_base64(),
        )
    }

    pub fn metadata_xml(&self) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>{}"#,
            self.entity_descriptor()
        )
    }

    /// An honest response to `request_id` for the SP `sp_entity_id` with ACS `acs_url`,
    /// about `subject` (`ana@etf.bg.ac.rs`): subject-id, mail, names and an affiliation.
    pub fn response(
        &self,
        request_id: &str,
        sp_entity_id: &str,
        acs_url: &str,
        subject: &str,
    ) -> ResponseSpec {
        let scope = subject.rsplit_once('@').map_or("", |(_, scope)| scope);
        ResponseSpec {
            in_response_to: Some(request_id.to_owned()),
            destination: acs_url.to_owned(),
            recipient: acs_url.to_owned(),
            audience: Some(sp_entity_id.to_owned()),
            issuer: self.entity_id.clone(),
            assertion_id: random_id(),
            valid_from: -30,
            valid_until: 300,
            name_id: uuid_like(),
            authn_context: PASSWORD_CONTEXT.to_owned(),
            attributes: vec![
                (SUBJECT_ID.to_owned(), vec![subject.to_owned()]),
                (MAIL.to_owned(), vec![subject.to_owned()]),
                (GIVEN_NAME.to_owned(), vec!["Ana".to_owned()]),
                (SURNAME.to_owned(), vec!["Anić".to_owned()]),
                (
                    SCOPED_AFFILIATION.to_owned(),
                    vec![format!("staff@{scope}")],
                ),
            ],
            signed: Signed::Response,
        }
    }

    /// The assertion of `spec`, with a signature template if it is to be signed alone.
    pub fn assertion_xml(&self, spec: &ResponseSpec) -> String {
        let in_response_to = spec
            .in_response_to
            .as_ref()
            .map(|id| format!(r#" InResponseTo="{}""#, escape(id)))
            .unwrap_or_default();
        let audience = spec
            .audience
            .as_ref()
            .map(|audience| {
                format!(
                    "<saml:AudienceRestriction><saml:Audience>{}</saml:Audience></saml:AudienceRestriction>",
                    escape(audience)
                )
            })
            .unwrap_or_default();
        let attributes: String = spec
            .attributes
            .iter()
            .map(|(name, values)| {
                let values: String = values
                    .iter()
                    .map(|value| {
                        format!(
                            r#"<saml:AttributeValue xsi:type="xs:string">{}</saml:AttributeValue>"#,
                            escape(value)
                        )
                    })
                    .collect();
                format!(
                    r#"<saml:Attribute Name="{}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">{values}</saml:Attribute>"#,
                    escape(name)
                )
            })
            .collect();
        let signature = if spec.signed == Signed::Assertion {
            self.signer.template(&spec.assertion_id)
        } else {
            String::new()
        };
        format!(
            r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="{id}" Version="2.0" IssueInstant="{now}"><saml:Issuer>{issuer}</saml:Issuer>{signature}<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient">{name_id}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{until}" Recipient="{recipient}"{in_response_to}/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{from}" NotOnOrAfter="{until}">{audience}</saml:Conditions><saml:AuthnStatement AuthnInstant="{now}" SessionIndex="{id}"><saml:AuthnContext><saml:AuthnContextClassRef>{context}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{attributes}</saml:AttributeStatement></saml:Assertion>"#,
            id = escape(&spec.assertion_id),
            now = instant(0),
            issuer = escape(&spec.issuer),
            name_id = escape(&spec.name_id),
            until = instant(spec.valid_until),
            from = instant(spec.valid_from),
            recipient = escape(&spec.recipient),
            context = escape(&spec.authn_context),
        )
    }

    /// The response's XML around `assertions` (already serialised), signed as `spec` says.
    pub fn response_xml_around(&self, spec: &ResponseSpec, assertions: &str) -> String {
        let response_id = random_id();
        let in_response_to = spec
            .in_response_to
            .as_ref()
            .map(|id| format!(r#" InResponseTo="{}""#, escape(id)))
            .unwrap_or_default();
        let signature = if spec.signed == Signed::Response {
            self.signer.template(&response_id)
        } else {
            String::new()
        };
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{response_id}" Version="2.0" IssueInstant="{now}" Destination="{destination}"{in_response_to}><saml:Issuer>{issuer}</saml:Issuer>{signature}<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>{assertions}</samlp:Response>"#,
            now = instant(0),
            destination = escape(&spec.destination),
            issuer = escape(&spec.issuer),
        );
        if spec.signed == Signed::Nothing {
            xml
        } else {
            self.signer.sign(&xml)
        }
    }

    /// The response of `spec` as XML.
    pub fn response_xml(&self, spec: &ResponseSpec) -> String {
        self.response_xml_around(spec, &self.assertion_xml(spec))
    }

    /// The response of `spec` as the `SAMLResponse` form field carries it.
    pub fn encoded(&self, spec: &ResponseSpec) -> String {
        STANDARD.encode(self.response_xml(spec))
    }
}

/// A federation's aggregate of `idps`, signed by `operator` (its pinned certificate).
pub fn signed_aggregate(operator: &Signer, idps: &[&TestIdp]) -> String {
    let id = random_id();
    let entities: String = idps.iter().map(|idp| idp.entity_descriptor()).collect();
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" ID="{id}" Name="urn:mace:test:federation">{signature}{entities}</md:EntitiesDescriptor>"#,
        signature = operator.template(&id),
    );
    operator.sign(&xml)
}
