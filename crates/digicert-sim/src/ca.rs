//! The simulated CA hierarchy "SANDBOX DigiCert Assured ID Root CA" → "SANDBOX TERENA SSL CA 3"
//! (both RSA-2048/SHA-256 like the real ones) and leaf issuance with rcgen. Private keys stay in
//! memory, or in the state directory when the operator asks for persistence.

use anyhow::Context;
use pki::{der, pem};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint,
    CustomExtension, DistinguishedName, DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyIdMethod, KeyPair, KeyUsagePurpose, PublicKeyData, RevokedCertParams, SanType, SerialNumber,
    SubjectPublicKeyInfo,
};
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};
use time::{Duration, OffsetDateTime};

use super::crl::RevokedSerial;

pub const ROOT_CN: &str = "SANDBOX DigiCert Assured ID Root CA";
pub const INTERMEDIATE_CN: &str = "SANDBOX TERENA SSL CA 3";

/// Paths under which the sandbox itself serves its certificates and CRLs.
pub const ROOT_CERT_PATH: &str = "/pki/DigiCertAssuredIDRootCA-SANDBOX.crt";
pub const INTERMEDIATE_CERT_PATH: &str = "/pki/TERENASSLCA3-SANDBOX.crt";
pub const ROOT_CRL_PATH: &str = "/pki/DigiCertAssuredIDRootCA-SANDBOX.crl";
pub const INTERMEDIATE_CRL_PATH: &str = "/pki/TERENASSLCA3-SANDBOX.crl";

const OID_AIA: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 1, 1];
const OID_CA_ISSUERS: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 48, 2];
const OID_CERTIFICATE_POLICIES: &[u64] = &[2, 5, 29, 32];
const OID_ANY_POLICY: &[u64] = &[2, 5, 29, 32, 0];

/// Keys and certificates, PEM, as written to `ca.json` in the state directory.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaMaterial {
    pub root_key_pem: String,
    pub root_cert_pem: String,
    pub intermediate_key_pem: String,
    pub intermediate_cert_pem: String,
}

struct Authority {
    issuer: Issuer<'static, KeyPair>,
    der: Vec<u8>,
    key_pem: String,
    /// The certificate's subject key identifier, repeated as the CRL's authority key id.
    key_id: Vec<u8>,
}

/// What the leaf must contain; built per product by `profile`.
#[derive(Debug, Clone)]
pub struct LeafSpec {
    pub subject: DistinguishedName,
    pub emails: Vec<String>,
    pub key_usages: Vec<KeyUsagePurpose>,
    pub extended_key_usages: Vec<ExtendedKeyUsagePurpose>,
    pub policy_oid: &'static [u64],
    pub public_key_der: Vec<u8>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct IssuedLeaf {
    pub der: Vec<u8>,
    pub pem: String,
    pub serial_hex: String,
    pub thumbprint: String,
}

pub struct CertificateAuthority {
    root: Authority,
    intermediate: Authority,
    public_host: String,
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("public_host", &self.public_host)
            .finish()
    }
}

impl CertificateAuthority {
    /// Generates a fresh hierarchy valid from `now`.
    pub fn generate(public_host: &str, now: OffsetDateTime) -> anyhow::Result<Self> {
        let root_key = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
            .context("generating the root key")?;
        let mut root_params = CertificateParams::default();
        root_params.distinguished_name = name(&[
            (DnType::CountryName, "US"),
            (DnType::OrganizationName, "SANDBOX DigiCert Inc"),
            (
                DnType::OrganizationalUnitName,
                "tcs-portal sandbox, not trusted",
            ),
            (DnType::CommonName, ROOT_CN),
        ]);
        root_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        root_params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
        ];
        root_params.not_before = now - Duration::days(1);
        root_params.not_after = now + Duration::days(365 * 25);
        root_params.serial_number = Some(random_serial());
        root_params.key_identifier_method =
            KeyIdMethod::PreSpecified(key_id(&root_key.subject_public_key_info())?);
        let root_cert = root_params
            .self_signed(&root_key)
            .context("signing the root")?;
        let root = Authority::new(root_cert.der().to_vec(), root_key)?;

        let int_key = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
            .context("generating the intermediate key")?;
        let mut int_params = CertificateParams::default();
        int_params.distinguished_name = name(&[
            (DnType::CountryName, "NL"),
            (DnType::StateOrProvinceName, "Noord-Holland"),
            (DnType::LocalityName, "Amsterdam"),
            (DnType::OrganizationName, "SANDBOX TERENA"),
            (DnType::CommonName, INTERMEDIATE_CN),
        ]);
        int_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        int_params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
        ];
        int_params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::EmailProtection,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        int_params.use_authority_key_identifier_extension = true;
        int_params.not_before = now - Duration::days(1);
        int_params.not_after = now + Duration::days(365 * 10);
        int_params.serial_number = Some(random_serial());
        int_params.key_identifier_method =
            KeyIdMethod::PreSpecified(key_id(&int_key.subject_public_key_info())?);
        int_params.crl_distribution_points = vec![CrlDistributionPoint {
            uris: vec![url(public_host, ROOT_CRL_PATH)],
        }];
        int_params.custom_extensions = vec![
            aia_extension(&url(public_host, ROOT_CERT_PATH)),
            policies_extension(OID_ANY_POLICY),
        ];
        let int_cert = int_params
            .signed_by(&int_key, &root.issuer)
            .context("signing the intermediate")?;
        let intermediate = Authority::new(int_cert.der().to_vec(), int_key)?;
        Ok(Self {
            root,
            intermediate,
            public_host: public_host.to_string(),
        })
    }

    /// Restores a hierarchy saved with [`CertificateAuthority::material`].
    pub fn from_material(material: &CaMaterial, public_host: &str) -> anyhow::Result<Self> {
        let load = |cert_pem: &str, key_pem: &str| -> anyhow::Result<Authority> {
            let der = pem::decode_all(cert_pem)
                .into_iter()
                .next()
                .context("no certificate in the saved CA material")?
                .der;
            let key = KeyPair::from_pem(key_pem).context("reading a saved CA key")?;
            Authority::new(der, key)
        };
        Ok(Self {
            root: load(&material.root_cert_pem, &material.root_key_pem)?,
            intermediate: load(
                &material.intermediate_cert_pem,
                &material.intermediate_key_pem,
            )?,
            public_host: public_host.to_string(),
        })
    }

    pub fn material(&self) -> CaMaterial {
        CaMaterial {
            root_key_pem: self.root.key_pem.clone(),
            root_cert_pem: self.root_pem(),
            intermediate_key_pem: self.intermediate.key_pem.clone(),
            intermediate_cert_pem: self.intermediate_pem(),
        }
    }

    pub fn root_der(&self) -> &[u8] {
        &self.root.der
    }

    pub fn intermediate_der(&self) -> &[u8] {
        &self.intermediate.der
    }

    pub fn root_pem(&self) -> String {
        pem::encode("CERTIFICATE", &self.root.der)
    }

    pub fn intermediate_pem(&self) -> String {
        pem::encode("CERTIFICATE", &self.intermediate.der)
    }

    /// Signs a leaf with the intermediate.
    pub fn issue(&self, spec: &LeafSpec) -> anyhow::Result<IssuedLeaf> {
        let public_key = SubjectPublicKeyInfo::from_der(&spec.public_key_der)
            .context("the subject public key is not usable")?;
        let mut params = CertificateParams::default();
        params.distinguished_name = spec.subject.clone();
        params.subject_alt_names = spec
            .emails
            .iter()
            .map(|e| Ok(SanType::Rfc822Name(e.as_str().try_into()?)))
            .collect::<Result<_, rcgen::Error>>()?;
        // Explicit cA=false also makes rcgen write the subject key identifier.
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = spec.key_usages.clone();
        params.extended_key_usages = spec.extended_key_usages.clone();
        params.use_authority_key_identifier_extension = true;
        params.key_identifier_method = KeyIdMethod::PreSpecified(key_id(&spec.public_key_der)?);
        params.not_before = spec.not_before;
        params.not_after = spec.not_after;
        let serial = random_serial();
        let serial_hex = hex::encode_upper(serial.to_bytes());
        params.serial_number = Some(serial);
        params.crl_distribution_points = vec![CrlDistributionPoint {
            uris: vec![url(&self.public_host, INTERMEDIATE_CRL_PATH)],
        }];
        params.custom_extensions = vec![
            aia_extension(&url(&self.public_host, INTERMEDIATE_CERT_PATH)),
            policies_extension(spec.policy_oid),
        ];
        let cert = params.signed_by(&public_key, &self.intermediate.issuer)?;
        let der = cert.der().to_vec();
        let thumbprint = hex::encode_upper(Sha1::digest(&der));
        Ok(IssuedLeaf {
            pem: pem::encode("CERTIFICATE", &der),
            der,
            serial_hex,
            thumbprint,
        })
    }

    /// The intermediate's CRL (DER) listing `revoked`.
    pub fn intermediate_crl(
        &self,
        revoked: &[RevokedSerial],
        number: u64,
        this_update: OffsetDateTime,
        next_update: OffsetDateTime,
    ) -> anyhow::Result<Vec<u8>> {
        sign_crl(
            &self.intermediate,
            revoked,
            number,
            (this_update, next_update),
        )
    }

    /// The root's CRL (DER); the sandbox never revokes its intermediate, so it is empty.
    pub fn root_crl(
        &self,
        number: u64,
        this_update: OffsetDateTime,
        next_update: OffsetDateTime,
    ) -> anyhow::Result<Vec<u8>> {
        sign_crl(&self.root, &[], number, (this_update, next_update))
    }
}

impl Authority {
    fn new(der: Vec<u8>, key: KeyPair) -> anyhow::Result<Self> {
        let key_pem = key.serialize_pem();
        let key_id = key_id(&key.subject_public_key_info())?;
        let issuer = Issuer::from_ca_cert_der(&der.as_slice().into(), key)
            .context("reading a CA certificate")?;
        Ok(Self {
            issuer,
            der,
            key_pem,
            key_id,
        })
    }
}

fn sign_crl(
    authority: &Authority,
    revoked: &[RevokedSerial],
    number: u64,
    (this_update, next_update): (OffsetDateTime, OffsetDateTime),
) -> anyhow::Result<Vec<u8>> {
    let revoked_certs = revoked
        .iter()
        .map(|r| {
            Ok(RevokedCertParams {
                serial_number: SerialNumber::from_slice(&hex::decode(&r.serial_hex)?),
                revocation_time: r.at,
                reason_code: None,
                invalidity_date: None,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let params = CertificateRevocationListParams {
        this_update,
        next_update,
        crl_number: SerialNumber::from(number),
        issuing_distribution_point: None,
        revoked_certs,
        key_identifier_method: KeyIdMethod::PreSpecified(authority.key_id.clone()),
    };
    Ok(params.signed_by(&authority.issuer)?.der().to_vec())
}

/// RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING. pkilint knows this
/// method; rcgen's default (truncated SHA-256) draws a notice.
fn key_id(spki_der: &[u8]) -> anyhow::Result<Vec<u8>> {
    use x509_parser::prelude::FromDer;
    let (_, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(spki_der)
        .map_err(|e| anyhow::anyhow!("cannot read a public key: {e}"))?;
    Ok(Sha1::digest(spki.subject_public_key.data.as_ref()).to_vec())
}

fn name(parts: &[(DnType, &str)]) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    for (kind, value) in parts {
        // X.520 countryName is a PrintableString; the two-letter codes used here always are.
        let printable = match kind {
            DnType::CountryName => (*value).try_into().ok().map(DnValue::PrintableString),
            _ => None,
        };
        dn.push(
            kind.clone(),
            printable.unwrap_or_else(|| DnValue::Utf8String((*value).to_string())),
        );
    }
    dn
}

/// 16 random bytes, positive and with a non-zero leading byte: ≥ 64 bits of CSPRNG output as
/// the Baseline Requirements ask, and always exactly 16 octets.
fn random_serial() -> SerialNumber {
    let mut bytes: [u8; 16] = rand::random();
    bytes[0] = (bytes[0] & 0x7f) | 0x10;
    SerialNumber::from_slice(&bytes)
}

pub fn url(public_host: &str, path: &str) -> String {
    format!("http://{public_host}{path}")
}

fn aia_extension(ca_issuers_url: &str) -> CustomExtension {
    let access = der::sequence(&[
        der::oid(OID_CA_ISSUERS),
        der::implicit_primitive(6, ca_issuers_url.as_bytes()),
    ]);
    CustomExtension::from_oid_content(OID_AIA, der::sequence(&[access]))
}

fn policies_extension(policy: &[u64]) -> CustomExtension {
    let info = der::sequence(&[der::oid(policy)]);
    CustomExtension::from_oid_content(OID_CERTIFICATE_POLICIES, der::sequence(&[info]))
}
