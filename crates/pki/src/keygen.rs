//! Makes a person's key pair and the PKCS#10 request that goes to DigiCert, for the "let the portal make my key" path.
//!
//! These functions block for up to a few seconds (RSA prime search): call them from
//! `tokio::task::spawn_blocking`.
use std::fmt;

use rcgen::{
    CertificateParams, DistinguishedName, DnType, KeyPair, PKCS_ECDSA_P256_SHA256, PKCS_RSA_SHA256,
    RsaKeySize, SanType,
};
use zeroize::Zeroizing;

/// The key types a person may choose; both sign with SHA-256.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum KeyType {
    /// Imports everywhere, including old Outlook versions.
    #[default]
    Rsa3072,
    /// Smaller and faster, for people who know their mail client handles it.
    EcdsaP256,
}

impl KeyType {
    /// The form value and the name stored with the order.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rsa3072 => "rsa-3072",
            Self::EcdsaP256 => "ecdsa-p256",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "rsa-3072" => Some(Self::Rsa3072),
            "ecdsa-p256" => Some(Self::EcdsaP256),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeygenError {
    #[error("a certificate request needs at least one e-mail address")]
    NoEmail,
    #[error("a certificate request needs a name")]
    NoCommonName,
    #[error("the key pair or request could not be made: {0}")]
    Crypto(#[from] rcgen::Error),
}

/// A new key pair and its signed request. The private key never leaves in clear: the
/// caller seals it (see [`super::sealed_key`]) and drops this value.
pub struct GeneratedKey {
    key_type: KeyType,
    private_key_pkcs8: Zeroizing<Vec<u8>>,
    csr_der: Vec<u8>,
    csr_pem: String,
}

impl GeneratedKey {
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The private key as PKCS#8 DER; wiped from memory when this value is dropped.
    pub fn private_key_pkcs8_der(&self) -> &[u8] {
        &self.private_key_pkcs8
    }

    pub fn csr_der(&self) -> &[u8] {
        &self.csr_der
    }

    /// The request as PEM, which is what the DigiCert API takes.
    pub fn csr_pem(&self) -> &str {
        &self.csr_pem
    }
}

impl fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedKey")
            .field("key_type", &self.key_type)
            .field("private_key_pkcs8", &"..")
            .field("csr_pem", &self.csr_pem)
            .finish()
    }
}

/// Generates a key pair and a CSR whose subject is `CN=<common_name>` and whose subject
/// alternative names are the order's mailboxes (rfc822Name), as the S/MIME BR want them.
/// The addresses are taken as given: the caller has checked them (the portal passes its
/// parsed `EmailAddress`es).
pub fn generate<E: AsRef<str>>(
    key_type: KeyType,
    common_name: &str,
    emails: &[E],
) -> Result<GeneratedKey, KeygenError> {
    if emails.is_empty() {
        return Err(KeygenError::NoEmail);
    }
    if common_name.trim().is_empty() {
        return Err(KeygenError::NoCommonName);
    }
    // rcgen keeps a DER copy of the private key inside the key pair: wipe it on drop too.
    let key_pair = Zeroizing::new(match key_type {
        KeyType::Rsa3072 => KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_3072)?,
        KeyType::EcdsaP256 => KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?,
    });

    // Not `CertificateParams::default()`'s subject: it carries a placeholder common name.
    let mut subject = DistinguishedName::new();
    subject.push(DnType::CommonName, common_name);
    let mut params = CertificateParams::default();
    params.distinguished_name = subject;
    params.subject_alt_names = emails
        .iter()
        .map(|email| Ok(SanType::Rfc822Name(email.as_ref().try_into()?)))
        .collect::<Result<_, rcgen::Error>>()?;

    let csr = params.serialize_request(&*key_pair)?;
    Ok(GeneratedKey {
        key_type,
        private_key_pkcs8: Zeroizing::new(key_pair.serialize_der()),
        csr_der: csr.der().to_vec(),
        csr_pem: csr.pem()?,
    })
}

#[cfg(test)]
mod tests {
    use x509_parser::prelude::FromDer;

    use super::*;

    fn emails() -> [&'static str; 2] {
        ["ana.petrovic@uni.rs", "ana@pmf.uni.rs"]
    }

    #[test]
    fn p256_request_names_the_person_and_every_mailbox() {
        let key = generate(KeyType::EcdsaP256, "Ana Petrović", &emails()).unwrap();
        let (_, csr) =
            x509_parser::certification_request::X509CertificationRequest::from_der(key.csr_der())
                .unwrap();
        csr.verify_signature().unwrap();
        let info = &csr.certification_request_info;
        let cn = info.subject.iter_common_name().next().unwrap();
        assert_eq!(cn.as_str().unwrap(), "Ana Petrović");
        let sans: Vec<String> = csr
            .requested_extensions()
            .into_iter()
            .flatten()
            .filter_map(|ext| match ext {
                x509_parser::extensions::ParsedExtension::SubjectAlternativeName(san) => Some(
                    san.general_names
                        .iter()
                        .map(|name| name.to_string())
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(
            sans,
            [
                "RFC822Name(ana.petrovic@uni.rs)",
                "RFC822Name(ana@pmf.uni.rs)"
            ]
        );
        assert_eq!(
            csr.signature_algorithm.algorithm,
            x509_parser::oid_registry::OID_SIG_ECDSA_WITH_SHA256
        );
        assert!(
            key.csr_pem()
                .starts_with("-----BEGIN CERTIFICATE REQUEST-----")
        );
    }

    #[test]
    fn rsa_request_carries_a_3072_bit_key_signed_with_sha256() {
        let key = generate(KeyType::Rsa3072, "Đorđe Jovanović", &emails()).unwrap();
        let (_, csr) =
            x509_parser::certification_request::X509CertificationRequest::from_der(key.csr_der())
                .unwrap();
        csr.verify_signature().unwrap();
        assert_eq!(
            csr.signature_algorithm.algorithm,
            x509_parser::oid_registry::OID_PKCS1_SHA256WITHRSA
        );
        let spki = csr.certification_request_info.subject_pki.parsed().unwrap();
        match spki {
            x509_parser::public_key::PublicKey::RSA(rsa) => assert_eq!(rsa.key_size(), 3072),
            other => panic!("expected RSA, got {other:?}"),
        }
        // The private key is PKCS#8 that the same public key comes out of.
        let reloaded = KeyPair::try_from(key.private_key_pkcs8_der()).unwrap();
        assert_eq!(
            rcgen::PublicKeyData::subject_public_key_info(&reloaded),
            csr.certification_request_info.subject_pki.raw
        );
    }

    #[test]
    fn request_without_mailbox_or_name_is_refused() {
        assert!(matches!(
            generate::<&str>(KeyType::EcdsaP256, "Ana", &[]),
            Err(KeygenError::NoEmail)
        ));
        assert!(matches!(
            generate(KeyType::EcdsaP256, "  ", &emails()),
            Err(KeygenError::NoCommonName)
        ));
    }

    #[test]
    fn key_type_round_trips_through_its_form_value() {
        for key_type in [KeyType::Rsa3072, KeyType::EcdsaP256] {
            assert_eq!(KeyType::parse(key_type.as_str()), Some(key_type));
        }
        assert_eq!(KeyType::parse("rsa-1024"), None);
        assert_eq!(KeyType::default(), KeyType::Rsa3072);
    }

    #[test]
    fn debug_output_hides_the_private_key() {
        let key = generate(KeyType::EcdsaP256, "Ana", &emails()).unwrap();
        let debug = format!("{key:?}");
        assert!(debug.contains("private_key_pkcs8: \"..\""));
    }
}
