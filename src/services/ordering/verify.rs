//! Checks a downloaded `pem_all` before it is stored: the chain parses and links
//! up, the leaf carries the CSR's public key and exactly the order's addresses.
use pki::csr::Csr;
use pki::pkcs12::CertificateChain;
use time::OffsetDateTime;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the download holds no certificate")]
    Empty,
    #[error("the chain does not verify: {0}")]
    Chain(String),
    #[error("the order's CSR is missing or unreadable")]
    Csr,
    #[error("the certificate's public key is not the CSR's")]
    KeyMismatch,
    #[error("the certificate's addresses {found:?} are not the order's {ordered:?}")]
    EmailMismatch {
        found: Vec<String>,
        ordered: Vec<String>,
    },
}

/// What the portal keeps of a verified certificate.
#[derive(Debug, Clone)]
pub struct Verified {
    pub chain_pem: String,
    pub serial_hex: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

pub fn verify(pem_all: &str, csr_pem: &str, emails: &[String]) -> Result<Verified, VerifyError> {
    let mut certs = pki::pem::decode_all(pem_all)
        .into_iter()
        .filter(|block| block.label == "CERTIFICATE")
        .map(|block| block.der);
    let leaf = certs.next().ok_or(VerifyError::Empty)?;
    let chain = CertificateChain::new(leaf, certs.collect())
        .map_err(|error| VerifyError::Chain(error.to_string()))?;
    let csr = Csr::parse(csr_pem.as_bytes()).map_err(|_| VerifyError::Csr)?;
    let (_, cert) = X509Certificate::from_der(chain.leaf_der())
        .map_err(|error| VerifyError::Chain(error.to_string()))?;
    if cert.public_key().raw != csr.public_key_der() {
        return Err(VerifyError::KeyMismatch);
    }
    let mut found: Vec<String> = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|name| match name {
                    GeneralName::RFC822Name(email) => Some(email.to_lowercase()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let mut ordered: Vec<String> = emails.iter().map(|e| e.to_lowercase()).collect();
    found.sort();
    found.dedup();
    ordered.sort();
    ordered.dedup();
    if found != ordered {
        return Err(VerifyError::EmailMismatch { found, ordered });
    }
    Ok(Verified {
        chain_pem: chain.to_pem(),
        serial_hex: cert.raw_serial_as_string().replace(':', ""),
        not_before: cert.validity().not_before.to_datetime(),
        not_after: cert.validity().not_after.to_datetime(),
    })
}
