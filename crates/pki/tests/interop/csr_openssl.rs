//! OpenSSL reads the portal's certificate requests: valid signature, the key size asked for, SHA-256, every mailbox.
use pki::keygen::{self, KeyType};

use testkit::tools::{Scratch, arg, run_ok};

const EMAILS: [&str; 2] = ["ljiljana.petrovic@uni.example.rs", "lp@pmf.uni.example.rs"];

fn openssl_reads_request(key_type: KeyType) -> String {
    let key = keygen::generate(key_type, "Ljiljana Petrovic", &EMAILS).unwrap();
    let scratch = Scratch::new();
    let pem = scratch.write("request.pem", key.csr_pem());
    let der = scratch.write("request.der", key.csr_der());
    let from_der = run_ok(
        "openssl",
        &[
            "req",
            "-in",
            arg(&der),
            "-inform",
            "DER",
            "-noout",
            "-verify",
        ],
    );
    assert!(from_der.contains("verify OK"), "{from_der}");
    let text = run_ok(
        "openssl",
        &["req", "-in", arg(&pem), "-noout", "-verify", "-text"],
    );
    assert!(text.contains("verify OK"), "{text}");
    assert!(text.contains("Subject: CN = Ljiljana Petrovic"), "{text}");
    let sans = EMAILS.map(|email| format!("email:{email}")).join(", ");
    assert!(text.contains(&sans), "{sans} missing from:\n{text}");
    text
}

#[test]
fn openssl_reads_an_rsa_3072_request_signed_with_sha256() {
    let text = openssl_reads_request(KeyType::Rsa3072);
    assert!(text.contains("Public-Key: (3072 bit)"), "{text}");
    assert!(text.contains("Exponent: 65537"), "{text}");
    assert!(
        text.contains("Signature Algorithm: sha256WithRSAEncryption"),
        "{text}"
    );
}

#[test]
fn openssl_reads_a_p256_request_signed_with_sha256() {
    let text = openssl_reads_request(KeyType::EcdsaP256);
    assert!(text.contains("NIST CURVE: P-256"), "{text}");
    assert!(
        text.contains("Signature Algorithm: ecdsa-with-SHA256"),
        "{text}"
    );
}
