//! Checks a downloaded `pem_all` before it is stored: the chain parses and links
//! up, the leaf carries the CSR's public key, exactly the order's addresses, and the
//! use (EKU and S/MIME profile) of the product and profile ordered.
use pki::csr::Csr;

use super::request::PromisedUse;
use pki::pkcs12::CertificateChain;
use time::OffsetDateTime;
use x509_parser::extensions::{GeneralName, ParsedExtension};
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
    #[error(
        "DigiCert issued the wrong profile: the certificate says {found}, the order asked for {ordered}; it was not handed out"
    )]
    WrongUse { found: String, ordered: String },
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

pub fn verify(
    pem_all: &str,
    csr_pem: &str,
    emails: &[String],
    promised: PromisedUse,
) -> Result<Verified, VerifyError> {
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
    let issued = issued_use(&cert);
    if issued != Some(promised) {
        return Err(VerifyError::WrongUse {
            found: issued.map_or_else(|| "no S/MIME profile".to_owned(), describe),
            ordered: describe(promised),
        });
    }
    Ok(Verified {
        chain_pem: chain.to_pem(),
        serial_hex: cert.raw_serial_as_string().replace(':', ""),
        not_before: cert.validity().not_before.to_datetime(),
        not_after: cert.validity().not_after.to_datetime(),
    })
}

/// The S/MIME BR policy `2.23.140.1.5.<type>.<generation>` of a leaf: generation 2 is
/// multipurpose, 3 strict (legacy, generation 1, is no longer issued).
const SMIME_POLICY_PREFIX: &[u64] = &[2, 23, 140, 1, 5];

/// What the leaf says about its use; `None` when its EKU holds anything but emailProtection
/// and clientAuth, or it has no single S/MIME BR policy of a known generation.
fn issued_use(cert: &X509Certificate<'_>) -> Option<PromisedUse> {
    let eku = cert.extended_key_usage().ok().flatten()?.value;
    if !eku.email_protection
        || eku.any
        || eku.server_auth
        || eku.code_signing
        || eku.time_stamping
        || eku.ocsp_signing
        || !eku.other.is_empty()
    {
        return None;
    }
    let mut generations = cert.extensions().iter().filter_map(|extension| {
        let ParsedExtension::CertificatePolicies(policies) = extension.parsed_extension() else {
            return None;
        };
        let generations: Vec<u64> = policies
            .iter()
            .filter_map(|policy| {
                let arcs: Vec<u64> = policy.policy_id.iter()?.collect();
                (arcs.len() == 7 && arcs.starts_with(SMIME_POLICY_PREFIX)).then(|| arcs[6])
            })
            .collect();
        Some(generations)
    });
    let multipurpose = match generations.next()?.as_slice() {
        [2] => true,
        [3] => false,
        _ => return None,
    };
    Some(PromisedUse {
        multipurpose,
        client_auth: eku.client_auth,
    })
}

fn describe(use_: PromisedUse) -> String {
    let profile = if use_.multipurpose {
        "multipurpose"
    } else {
        "strict"
    };
    let eku = if use_.client_auth {
        "emailProtection and clientAuth"
    } else {
        "emailProtection only"
    };
    format!("{profile} ({eku})")
}
