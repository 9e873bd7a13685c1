//! Splitting PEM text from DigiCert into certificate blocks. Downloads use `\n`, PEMs
//! inside JSON use `\r\n`; both come out with `\n` line endings.

const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";

/// The certificate blocks of `text`, in order, each ending in `\n`. Text between blocks
/// (bag attributes, blank lines) is dropped; an unterminated block is dropped too.
pub fn certificate_blocks(text: &str) -> Vec<String> {
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut blocks = Vec::new();
    let mut rest = normalized.as_str();
    while let Some(start) = rest.find(BEGIN) {
        let from_begin = &rest[start..];
        let Some(end) = from_begin.find(END) else {
            break;
        };
        let block_end = end + END.len();
        let body: Vec<&str> = from_begin[..block_end]
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect();
        blocks.push(format!("{}\n", body.join("\n")));
        rest = &from_begin[block_end..];
    }
    blocks
}
