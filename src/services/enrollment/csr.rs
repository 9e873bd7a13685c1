//! Reads the CSR a person pastes: stricter than [`Csr::parse`] about what may
//! surround it, because a paste with two requests or with text after the end
//! is a sign the person copied the wrong thing, and they must be told.
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pki::csr::{Csr, CsrError, MIN_RSA_BITS};

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";

/// Why a person's CSR was refused; the text says exactly what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsrRefusal {
    #[error("{0}")]
    Csr(#[from] CsrError),
    #[error("the text holds {0} certificate requests; paste exactly one")]
    SeveralRequests(usize),
    #[error("there is text after the end of the certificate request")]
    TrailingText,
    #[error("the CSR is for {in_csr}, but the certificate is ordered for {ordered}")]
    WrongMailboxes { in_csr: String, ordered: String },
}

/// The longest detail taken from the person's own text into a message (a PEM label).
const ECHOED_DETAIL: usize = 60;

impl CsrRefusal {
    /// The catalogue text that says what is wrong, in the person's words rather than the
    /// parser's; its `{…}` are filled from [`Self::message_args`].
    pub fn message_key(&self) -> &'static str {
        match self {
            Self::Csr(CsrError::Empty) => "person.csr.empty",
            Self::Csr(CsrError::WrongPemLabel(_)) => "person.csr.wrong_label",
            Self::Csr(CsrError::PrivateKeyIncluded) => "person.csr.private_key",
            Self::Csr(CsrError::Malformed(_)) => "person.csr.malformed",
            Self::Csr(CsrError::TrailingData(_)) => "person.csr.trailing_data",
            Self::Csr(CsrError::KeyAlgorithmNotAllowed(_)) => "person.csr.key_algorithm",
            Self::Csr(CsrError::RsaKeyTooSmall { .. }) => "person.csr.rsa_too_small",
            Self::Csr(CsrError::RsaModulusNotByteAligned { .. }) => "person.csr.rsa_unaligned",
            Self::Csr(CsrError::RsaBadExponent) => "person.csr.rsa_exponent",
            Self::Csr(CsrError::CurveNotAllowed(_)) => "person.csr.curve",
            Self::Csr(CsrError::UnsupportedSignatureAlgorithm(_)) => {
                "person.csr.signature_algorithm"
            }
            Self::Csr(CsrError::BadSignature) => "person.csr.bad_signature",
            Self::SeveralRequests(_) => "person.csr.several",
            Self::TrailingText => "person.csr.trailing_text",
            Self::WrongMailboxes { .. } => "person.csr.wrong_mailboxes",
        }
    }

    /// The details the message names. A parser's own explanation (`Malformed`) is never
    /// among them: it means nothing to a person and may quote their input back.
    pub fn message_args(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Csr(CsrError::WrongPemLabel(label)) => {
                vec![("label", label.chars().take(ECHOED_DETAIL).collect())]
            }
            Self::Csr(CsrError::TrailingData(bytes)) => vec![("bytes", bytes.to_string())],
            Self::Csr(CsrError::KeyAlgorithmNotAllowed(algorithm))
            | Self::Csr(CsrError::UnsupportedSignatureAlgorithm(algorithm)) => {
                vec![("algorithm", algorithm.clone())]
            }
            Self::Csr(CsrError::RsaKeyTooSmall { bits }) => vec![
                ("bits", bits.to_string()),
                ("min", MIN_RSA_BITS.to_string()),
            ],
            Self::Csr(CsrError::RsaModulusNotByteAligned { bits }) => {
                vec![("bits", bits.to_string())]
            }
            Self::Csr(CsrError::CurveNotAllowed(curve)) => vec![("curve", curve.clone())],
            Self::SeveralRequests(count) => vec![("count", count.to_string())],
            Self::WrongMailboxes { in_csr, ordered } => {
                vec![("in_csr", in_csr.clone()), ("ordered", ordered.clone())]
            }
            Self::Csr(
                CsrError::Empty
                | CsrError::PrivateKeyIncluded
                | CsrError::Malformed(_)
                | CsrError::RsaBadExponent
                | CsrError::BadSignature,
            )
            | Self::TrailingText => Vec::new(),
        }
    }
}

/// Parses a pasted CSR (PEM, or DER as base64 without PEM lines, as the upload
/// button sends a binary file) and checks that it names exactly the order's
/// mailboxes.
pub fn read(input: &str, ordered: &[String]) -> Result<Csr, CsrRefusal> {
    let text = input.trim();
    let csr = if text.contains(BEGIN) {
        let blocks = text.matches(BEGIN).count();
        if blocks > 1 {
            return Err(CsrRefusal::SeveralRequests(blocks));
        }
        if let Some(end) = text.rfind(END) {
            let after_end = &text[end + END.len()..];
            // The END line closes with five dashes; whatever follows them is extra.
            let closing = after_end.find("-----").map_or(0, |at| at + 5);
            if !after_end[closing..].trim().is_empty() {
                return Err(CsrRefusal::TrailingText);
            }
        }
        Csr::parse(text.as_bytes())?
    } else {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        match STANDARD.decode(compact.as_bytes()) {
            Ok(der) => Csr::from_der(&der)?,
            Err(_) => Csr::parse(text.as_bytes())?,
        }
    };
    if !same_mailboxes(&csr, ordered) {
        return Err(CsrRefusal::WrongMailboxes {
            in_csr: csr.emails().join(", "),
            ordered: ordered.join(", "),
        });
    }
    Ok(csr)
}

/// Whether the CSR names exactly these mailboxes (in any order and case).
pub fn same_mailboxes<S: AsRef<str>>(csr: &Csr, ordered: &[S]) -> bool {
    let mut in_csr: Vec<String> = csr.emails().iter().map(|e| e.to_lowercase()).collect();
    let mut wanted: Vec<String> = ordered.iter().map(|e| e.as_ref().to_lowercase()).collect();
    in_csr.sort();
    wanted.sort();
    in_csr == wanted
}
