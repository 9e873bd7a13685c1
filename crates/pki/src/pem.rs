//! PEM encoding and decoding (RFC 7468) with LF line endings, 64-column base64.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Encodes DER bytes as one PEM block with the given label.
pub fn encode(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// One decoded PEM block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub label: String,
    pub der: Vec<u8>,
}

/// Decodes every PEM block in `text`. Tolerates CRLF, missing line breaks inside the base64
/// (DigiCert accepts CSRs "without line breaks") and surrounding text.
pub fn decode_all(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let Some(label_end) = after.find("-----") else {
            break;
        };
        let label = after[..label_end].to_string();
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(body_end) = body_start.find(&end_marker) else {
            break;
        };
        let body: String = body_start[..body_end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if let Ok(der) = STANDARD.decode(body.as_bytes()) {
            blocks.push(Block { label, der });
        }
        rest = &body_start[body_end + end_marker.len()..];
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_accepts_crlf_and_single_line() {
        let der: Vec<u8> = (0..=255u8).collect();
        let pem = encode("CERTIFICATE", &der);
        assert!(pem.lines().all(|l| l.len() <= 64));
        assert_eq!(
            decode_all(&pem),
            vec![Block {
                label: "CERTIFICATE".into(),
                der: der.clone()
            }]
        );
        let crlf = pem.replace('\n', "\r\n");
        assert_eq!(decode_all(&crlf)[0].der, der);
        let single = pem.replace('\n', "");
        assert_eq!(decode_all(&single)[0].der, der);
    }
}
