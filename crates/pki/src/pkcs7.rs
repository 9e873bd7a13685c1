//! PKCS#7 / CMS "certs-only" SignedData (RFC 5652 §5 with no signers), the `p7b` download format.

use super::der;

const SIGNED_DATA: &[u64] = &[1, 2, 840, 113549, 1, 7, 2];
const DATA: &[u64] = &[1, 2, 840, 113549, 1, 7, 1];

/// Builds a degenerate SignedData ContentInfo carrying `certificates` (each DER), in order.
pub fn certs_only(certificates: &[Vec<u8>]) -> Vec<u8> {
    // certificates [0] IMPLICIT CertificateSet. It is a SET OF, but the chain order is kept on
    // purpose: every consumer we target (OpenSSL, NSS, Windows) accepts it, and users read
    // `openssl pkcs7 -print_certs` output top-down.
    let certs = der::implicit_constructed(0, &certificates.concat());
    let signed_data = der::sequence(&[
        der::integer(1),
        der::set(&[]),
        der::sequence(&[der::oid(DATA)]),
        certs,
        der::set(&[]),
    ]);
    der::sequence(&[der::oid(SIGNED_DATA), der::explicit(0, &signed_data)])
}
