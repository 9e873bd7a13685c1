//! Reads the CSR a person pastes: stricter than [`Csr::parse`] about what may
//! surround it, because a paste with two requests or with text after the end
//! is a sign the person copied the wrong thing, and they must be told.
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use pki::csr::{Csr, CsrError};

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
