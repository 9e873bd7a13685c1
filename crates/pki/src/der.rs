//! A minimal DER writer for the few structures rcgen does not build for us
//! (certificate policies, AIA, PKCS#7 certs-only). Only definite-length encodings.

/// Encodes one TLV with the given tag byte.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let first = bytes
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(bytes.len() - 1);
        let significant = &bytes[first..];
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
    out
}

/// SEQUENCE of already-encoded elements.
pub fn sequence(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// SET of already-encoded elements. DER requires SET OF members sorted by encoding.
pub fn set(parts: &[Vec<u8>]) -> Vec<u8> {
    let mut sorted = parts.to_vec();
    sorted.sort();
    tlv(0x31, &sorted.concat())
}

/// A small non-negative INTEGER.
pub fn integer(value: u32) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let first = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len() - 1);
    let mut content = bytes[first..].to_vec();
    if content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    tlv(0x02, &content)
}

/// OBJECT IDENTIFIER from its arcs (the first two arcs must be valid, as in every OID we use).
pub fn oid(arcs: &[u64]) -> Vec<u8> {
    let mut content = Vec::new();
    if arcs.len() >= 2 {
        push_base128(&mut content, arcs[0] * 40 + arcs[1]);
        for arc in &arcs[2..] {
            push_base128(&mut content, *arc);
        }
    }
    tlv(0x06, &content)
}

fn push_base128(out: &mut Vec<u8>, mut value: u64) {
    let mut stack = vec![(value & 0x7f) as u8];
    value >>= 7;
    while value > 0 {
        stack.push(0x80 | (value & 0x7f) as u8);
        value >>= 7;
    }
    out.extend(stack.iter().rev());
}

/// `[n] EXPLICIT` constructed context tag around an encoded element.
pub fn explicit(n: u8, inner: &[u8]) -> Vec<u8> {
    tlv(0xa0 | n, inner)
}

/// `[n] IMPLICIT` constructed context tag (replaces a SET/SEQUENCE tag) over raw content.
pub fn implicit_constructed(n: u8, content: &[u8]) -> Vec<u8> {
    tlv(0xa0 | n, content)
}

/// `[n] IMPLICIT` primitive context tag, e.g. a GeneralName uniformResourceIdentifier.
pub fn implicit_primitive(n: u8, content: &[u8]) -> Vec<u8> {
    tlv(0x80 | n, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_known_oid_and_long_lengths() {
        // id-kp-emailProtection 1.3.6.1.5.5.7.3.4
        assert_eq!(
            oid(&[1, 3, 6, 1, 5, 5, 7, 3, 4]),
            vec![6, 8, 0x2b, 6, 1, 5, 5, 7, 3, 4]
        );
        // 2.16.840.1.114412 has multi-byte arcs
        assert_eq!(
            oid(&[2, 16, 840, 1, 114412]),
            vec![6, 7, 0x60, 0x86, 0x48, 0x01, 0x86, 0xfd, 0x6c]
        );
        let long = tlv(0x04, &[0u8; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(integer(128), vec![2, 2, 0, 128]);
        assert_eq!(integer(1), vec![2, 1, 1]);
    }
}
