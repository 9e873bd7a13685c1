//! Certificate signing requests from users: parse (PEM or DER), enforce the key rules of the
//! S/MIME Baseline Requirements §6.1.5 as DigiCert applies them, verify the self-signature, and
//! read the e-mail addresses. Every refusal is a [`CsrError`] saying exactly why.

use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_NIST_EC_P521,
    OID_PKCS1_RSAENCRYPTION,
};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;

use super::pem;

/// The smallest RSA modulus we accept (S/MIME BR §6.1.5).
pub const MIN_RSA_BITS: usize = 2048;

/// Why a CSR was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsrError {
    #[error("the CSR is empty")]
    Empty,
    #[error("the PEM block is a {0}, not a CERTIFICATE REQUEST")]
    WrongPemLabel(String),
    #[error("the text contains a private key; send only the CSR and keep the key secret")]
    PrivateKeyIncluded,
    #[error("the CSR is not valid PEM or DER: {0}")]
    Malformed(String),
    #[error("the CSR has {0} bytes after its end")]
    TrailingData(usize),
    #[error("the key algorithm {0} is not allowed; use RSA or ECDSA")]
    KeyAlgorithmNotAllowed(String),
    #[error("the RSA key has {bits} bits; at least {MIN_RSA_BITS} are required")]
    RsaKeyTooSmall { bits: usize },
    #[error("the RSA modulus has {bits} bits, which is not a multiple of 8")]
    RsaModulusNotByteAligned { bits: usize },
    #[error("the RSA public exponent must be an odd number of at least 3")]
    RsaBadExponent,
    #[error("the elliptic curve {0} is not allowed; use P-256, P-384 or P-521")]
    CurveNotAllowed(String),
    #[error("the CSR signature algorithm is not supported: {0}")]
    UnsupportedSignatureAlgorithm(String),
    #[error("the CSR signature does not match its public key")]
    BadSignature,
}

/// An allowed elliptic curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
    P521,
}

/// The public key of an accepted CSR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Rsa { bits: usize },
    Ec(Curve),
}

impl KeyKind {
    /// Key size in bits as DigiCert reports it in `certificate.key_size`.
    pub fn bits(self) -> usize {
        match self {
            KeyKind::Rsa { bits } => bits,
            KeyKind::Ec(Curve::P256) => 256,
            KeyKind::Ec(Curve::P384) => 384,
            KeyKind::Ec(Curve::P521) => 521,
        }
    }
}

/// A CSR that parsed, follows the key rules and carries a valid self-signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Csr {
    der: Vec<u8>,
    spki_der: Vec<u8>,
    key: KeyKind,
    emails: Vec<String>,
    common_name: Option<String>,
}

impl Csr {
    /// Parses a CSR given as PEM text (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`,
    /// line breaks optional, other text around it allowed) or as raw DER, then checks the key
    /// rules and the signature. Text that also holds a private key is refused.
    pub fn parse(input: &[u8]) -> Result<Self, CsrError> {
        let has_pem = input.windows(10).any(|w| w == b"-----BEGIN");
        // DER is a SEQUENCE (0x30) of binary bytes: its last byte may well be
        // a space or a newline, which trimming would cut off.
        if input.first() == Some(&0x30) && !has_pem {
            return Self::from_der(input);
        }
        let trimmed = trim_ascii(input);
        if trimmed.is_empty() {
            return Err(CsrError::Empty);
        }
        let der = if has_pem {
            let text = std::str::from_utf8(trimmed)
                .map_err(|_| CsrError::Malformed("the PEM text is not UTF-8".into()))?;
            let blocks = pem::decode_all(text);
            // Someone who pastes key and CSR together has exposed the key: refuse loudly.
            if blocks.iter().any(|b| b.label.contains("PRIVATE KEY")) {
                return Err(CsrError::PrivateKeyIncluded);
            }
            let first_label = blocks.first().map(|b| b.label.clone());
            match blocks
                .into_iter()
                .find(|b| b.label == "CERTIFICATE REQUEST" || b.label == "NEW CERTIFICATE REQUEST")
            {
                Some(block) => block.der,
                None => {
                    return Err(match first_label {
                        Some(label) => CsrError::WrongPemLabel(label),
                        None => CsrError::Malformed("the PEM block cannot be decoded".into()),
                    });
                }
            }
        } else {
            trimmed.to_vec()
        };
        Self::from_der(&der)
    }

    /// Like [`Csr::parse`] for DER input only.
    pub fn from_der(der: &[u8]) -> Result<Self, CsrError> {
        let (rest, csr) = X509CertificationRequest::from_der(der)
            .map_err(|e| CsrError::Malformed(e.to_string()))?;
        if !rest.is_empty() {
            return Err(CsrError::TrailingData(rest.len()));
        }
        let info = &csr.certification_request_info;
        // Key rules first: a 1024-bit key must be refused as too small, not as a signature
        // failure (the verifier refuses such short RSA keys too).
        let key = check_key(info)?;
        match csr.verify_signature() {
            Ok(()) => {}
            // x509-parser has no P-521 verifier; aws-lc-rs (already our crypto) does.
            Err(x509_parser::error::X509Error::SignatureUnsupportedAlgorithm)
                if key == KeyKind::Ec(Curve::P521) =>
            {
                verify_p521(&csr)?
            }
            Err(x509_parser::error::X509Error::SignatureUnsupportedAlgorithm) => {
                return Err(CsrError::UnsupportedSignatureAlgorithm(
                    csr.signature_algorithm.algorithm.to_id_string(),
                ));
            }
            Err(_) => return Err(CsrError::BadSignature),
        }
        let mut emails: Vec<String> = Vec::new();
        for attr in info.subject.iter_email() {
            if let Ok(value) = attr.as_str() {
                push_unique(&mut emails, value);
            }
        }
        if let Some(extensions) = csr.requested_extensions() {
            for ext in extensions {
                if let ParsedExtension::SubjectAlternativeName(san) = ext {
                    for name in &san.general_names {
                        if let GeneralName::RFC822Name(value) = name {
                            push_unique(&mut emails, value);
                        }
                    }
                }
            }
        }
        let common_name = info
            .subject
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .map(str::to_string);
        Ok(Csr {
            der: der.to_vec(),
            spki_der: info.subject_pki.raw.to_vec(),
            key,
            emails,
            common_name,
        })
    }

    /// The whole CSR, DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The CSR as PEM text.
    pub fn to_pem(&self) -> String {
        pem::encode("CERTIFICATE REQUEST", &self.der)
    }

    /// The SubjectPublicKeyInfo, DER: the only part of the CSR a CA puts into the certificate.
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki_der
    }

    pub fn key(&self) -> KeyKind {
        self.key
    }

    /// Addresses from the subject `emailAddress` and the requested rfc822Name SANs, in order,
    /// without duplicates (compared case-insensitively).
    pub fn emails(&self) -> &[String] {
        &self.emails
    }

    pub fn common_name(&self) -> Option<&str> {
        self.common_name.as_deref()
    }
}

fn check_key(
    info: &x509_parser::certification_request::X509CertificationRequestInfo<'_>,
) -> Result<KeyKind, CsrError> {
    let spki = &info.subject_pki;
    let algorithm = &spki.algorithm.algorithm;
    if *algorithm == OID_PKCS1_RSAENCRYPTION {
        let Ok(PublicKey::RSA(rsa)) = spki.parsed() else {
            return Err(CsrError::Malformed(
                "the RSA public key cannot be parsed".into(),
            ));
        };
        let bits = significant_bits(rsa.modulus);
        if bits < MIN_RSA_BITS {
            return Err(CsrError::RsaKeyTooSmall { bits });
        }
        if !bits.is_multiple_of(8) {
            return Err(CsrError::RsaModulusNotByteAligned { bits });
        }
        let exponent_odd = rsa.exponent.last().is_some_and(|b| b & 1 == 1);
        let exponent_at_least_3 = significant_bits(rsa.exponent) >= 2;
        if !exponent_odd || !exponent_at_least_3 {
            return Err(CsrError::RsaBadExponent);
        }
        Ok(KeyKind::Rsa { bits })
    } else if *algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok())
            .ok_or_else(|| CsrError::CurveNotAllowed("(no named curve)".into()))?;
        if curve == OID_EC_P256 {
            Ok(KeyKind::Ec(Curve::P256))
        } else if curve == OID_NIST_EC_P384 {
            Ok(KeyKind::Ec(Curve::P384))
        } else if curve == OID_NIST_EC_P521 {
            Ok(KeyKind::Ec(Curve::P521))
        } else {
            Err(CsrError::CurveNotAllowed(curve.to_id_string()))
        }
    } else {
        Err(CsrError::KeyAlgorithmNotAllowed(algorithm.to_id_string()))
    }
}

fn verify_p521(csr: &X509CertificationRequest<'_>) -> Result<(), CsrError> {
    use aws_lc_rs::signature::{self, UnparsedPublicKey};
    use x509_parser::oid_registry::{
        OID_SIG_ECDSA_WITH_SHA256, OID_SIG_ECDSA_WITH_SHA384, OID_SIG_ECDSA_WITH_SHA512,
    };
    let oid = &csr.signature_algorithm.algorithm;
    let algorithm = if *oid == OID_SIG_ECDSA_WITH_SHA512 {
        &signature::ECDSA_P521_SHA512_ASN1
    } else if *oid == OID_SIG_ECDSA_WITH_SHA384 {
        &signature::ECDSA_P521_SHA384_ASN1
    } else if *oid == OID_SIG_ECDSA_WITH_SHA256 {
        &signature::ECDSA_P521_SHA256_ASN1
    } else {
        return Err(CsrError::UnsupportedSignatureAlgorithm(oid.to_id_string()));
    };
    let info = &csr.certification_request_info;
    let point = info.subject_pki.subject_public_key.data.as_ref();
    UnparsedPublicKey::new(algorithm, point)
        .verify(info.raw, csr.signature_value.data.as_ref())
        .map_err(|_| CsrError::BadSignature)
}

/// Bit length of an unsigned big-endian integer, ignoring leading zero bytes.
fn significant_bits(bytes: &[u8]) -> usize {
    let Some(first) = bytes.iter().position(|b| *b != 0) else {
        return 0;
    };
    (bytes.len() - first - 1) * 8 + (8 - bytes[first].leading_zeros() as usize)
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|e| e.eq_ignore_ascii_case(value)) {
        list.push(value.to_string());
    }
}

fn trim_ascii(input: &[u8]) -> &[u8] {
    let start = input
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(input.len());
    let end = input
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &input[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, KeyPair};

    fn csr_for(key: &KeyPair, email: &str) -> String {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .subject_alt_names
            .push(rcgen::SanType::Rfc822Name(email.try_into().unwrap()));
        params.serialize_request(key).unwrap().pem().unwrap()
    }

    #[test]
    fn a_der_csr_ending_in_a_whitespace_byte_is_read_whole() {
        let der = std::iter::repeat_with(|| {
            let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
            Csr::parse(csr_for(&key, "ana@example.edu").as_bytes())
                .unwrap()
                .der()
                .to_vec()
        })
        .take(10_000)
        .find(|der| der.last().is_some_and(u8::is_ascii_whitespace))
        .expect("a signature ending in a whitespace byte within 10,000 keys");
        assert_eq!(Csr::parse(&der).unwrap().der(), der);
    }

    #[test]
    fn accepts_p256_and_reads_emails_from_pem_and_der() {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let pem_text = csr_for(&key, "Jane@Example.edu");
        let csr = Csr::parse(pem_text.as_bytes()).unwrap();
        assert_eq!(csr.key(), KeyKind::Ec(Curve::P256));
        assert_eq!(csr.emails(), ["Jane@Example.edu".to_string()]);
        let der = Csr::parse(csr.der()).unwrap();
        assert_eq!(der, csr);
        let with_text = format!("Certificate Request:\n    Data: ...\n{pem_text}");
        assert_eq!(
            Csr::parse(with_text.as_bytes()).unwrap(),
            csr,
            "text around the PEM"
        );
        let one_line = pem_text.replace('\n', "");
        assert_eq!(Csr::parse(one_line.as_bytes()).unwrap(), csr);
    }

    #[test]
    fn refuses_garbage_wrong_label_and_tampered_signature() {
        assert_eq!(Csr::parse(b"  \n"), Err(CsrError::Empty));
        assert!(matches!(Csr::parse(b"hello"), Err(CsrError::Malformed(_))));
        let with_key = format!(
            "{}{}",
            pem::encode("PRIVATE KEY", b"k"),
            pem::encode("CERTIFICATE REQUEST", b"r")
        );
        assert_eq!(
            Csr::parse(with_key.as_bytes()),
            Err(CsrError::PrivateKeyIncluded)
        );
        let cert_pem = pem::encode("CERTIFICATE", b"xyz");
        assert_eq!(
            Csr::parse(cert_pem.as_bytes()),
            Err(CsrError::WrongPemLabel("CERTIFICATE".into()))
        );
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap();
        let mut der = Csr::parse(csr_for(&key, "a@b.org").as_bytes())
            .unwrap()
            .der()
            .to_vec();
        // Change the signed content, not the signature: flipping signature bytes can
        // also break the signature's own DER and give a parse error instead.
        let at = der
            .windows(7)
            .position(|window| window == b"a@b.org")
            .unwrap();
        der[at + 2] = b'c';
        assert_eq!(Csr::parse(&der), Err(CsrError::BadSignature));
    }

    /// A CSR with a hand-made RSA key and a dummy signature: key rules are checked before the
    /// signature, so this is enough to reach them.
    fn rsa_csr_der(modulus: &[u8], exponent: &[u8]) -> Vec<u8> {
        use crate::der;
        let rsa_oid = der::oid(&[1, 2, 840, 113549, 1, 1, 1]);
        let null = der::tlv(0x05, &[]);
        let key = der::sequence(&[der::tlv(0x02, modulus), der::tlv(0x02, exponent)]);
        let spki = der::sequence(&[
            der::sequence(&[rsa_oid, null.clone()]),
            der::tlv(0x03, &[&[0u8][..], &key].concat()),
        ]);
        let info = der::sequence(&[
            der::integer(0),
            der::sequence(&[]),
            spki,
            der::explicit(0, &[]),
        ]);
        let sig_alg = der::sequence(&[der::oid(&[1, 2, 840, 113549, 1, 1, 11]), null]);
        der::sequence(&[info, sig_alg, der::tlv(0x03, &[0, 1, 2, 3])])
    }

    #[test]
    fn enforces_rsa_size_alignment_and_exponent_before_the_signature() {
        let mut modulus_2048 = vec![0x00, 0xc1];
        modulus_2048.extend([0x11; 255]);
        let mut modulus_1024 = vec![0x00, 0xc1];
        modulus_1024.extend([0x11; 127]);
        let mut modulus_2049 = vec![0x01];
        modulus_2049.extend([0x11; 256]);
        let f4 = [0x01, 0x00, 0x01];
        assert_eq!(
            Csr::from_der(&rsa_csr_der(&modulus_1024, &f4)),
            Err(CsrError::RsaKeyTooSmall { bits: 1024 })
        );
        assert_eq!(
            Csr::from_der(&rsa_csr_der(&modulus_2049, &f4)),
            Err(CsrError::RsaModulusNotByteAligned { bits: 2049 })
        );
        assert_eq!(
            Csr::from_der(&rsa_csr_der(&modulus_2048, &[0x01, 0x00, 0x00])),
            Err(CsrError::RsaBadExponent),
            "even exponent"
        );
        assert_eq!(
            Csr::from_der(&rsa_csr_der(&modulus_2048, &[0x01])),
            Err(CsrError::RsaBadExponent),
            "exponent 1"
        );
        // A good key with a dummy signature gets as far as the signature check.
        assert_eq!(
            Csr::from_der(&rsa_csr_der(&modulus_2048, &f4)),
            Err(CsrError::BadSignature)
        );
    }

    #[test]
    fn refuses_ed25519_keys() {
        let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        let err = Csr::parse(csr_for(&key, "a@b.org").as_bytes()).unwrap_err();
        assert_eq!(err, CsrError::KeyAlgorithmNotAllowed("1.3.101.112".into()));
    }

    #[test]
    fn counts_bits_of_big_endian_integers() {
        assert_eq!(significant_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(significant_bits(&[0x01, 0x00, 0x01]), 17);
        assert_eq!(significant_bits(&[0x03]), 2);
        assert_eq!(significant_bits(&[]), 0);
    }
}
