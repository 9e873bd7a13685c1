//! Splitting PEM text from DigiCert into certificate blocks. Downloads use `\n`, PEMs
//! inside JSON use `\r\n`; both come out with `\n` line endings.

/// The certificate blocks of `text`, in order, each re-encoded with `\n` line endings.
/// Text between blocks (bag attributes, blank lines) is dropped, and so is an
/// unterminated or undecodable block.
pub fn certificate_blocks(text: &str) -> Vec<String> {
    pki::pem::decode_all(text)
        .into_iter()
        .filter(|block| block.label == "CERTIFICATE")
        .map(|block| pki::pem::encode("CERTIFICATE", &block.der))
        .collect()
}
