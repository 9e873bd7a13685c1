//! Mail signed with the key from the PKCS#12 verifies against the root, and mail encrypted to the certificate decrypts with that key (`openssl cms`).
use tcs_portal::pki::KeyType;

use super::test_ca::{Usage, issue_for_person, issue_for_person_with};
use super::tools::{Scratch, arg, run, run_ok};

const MESSAGE: &str = "Zdravo, ovo je potpisana poruka.\r\n";

fn assert_signed_message_round_trips(key_type: KeyType) {
    let issued = issue_for_person(key_type);
    let scratch = Scratch::new();
    let p12 = scratch.write("person.p12", &issued.pkcs12);
    let passin = format!("pass:{}", issued.passphrase.expose_secret());
    let key = scratch.path().join("key.pem");
    let cert = scratch.path().join("cert.pem");
    let extract = |what: &str, out: &std::path::Path| {
        run_ok(
            "openssl",
            &[
                "pkcs12",
                "-in",
                arg(&p12),
                what,
                "-nodes",
                "-passin",
                &passin,
                "-out",
                arg(out),
            ],
        );
    };
    extract("-nocerts", &key);
    extract("-clcerts", &cert);
    let intermediate = scratch.write("intermediate.der", &issued.ca.intermediate_der);
    let intermediate_pem = scratch.path().join("intermediate.pem");
    run_ok(
        "openssl",
        &[
            "x509",
            "-inform",
            "DER",
            "-in",
            arg(&intermediate),
            "-out",
            arg(&intermediate_pem),
        ],
    );
    let root = scratch.write("root.pem", &issued.ca.root_pem);
    let message = scratch.write("message.txt", MESSAGE);
    let signed = scratch.path().join("signed.eml");
    run_ok(
        "openssl",
        &[
            "cms",
            "-sign",
            "-in",
            arg(&message),
            "-signer",
            arg(&cert),
            "-inkey",
            arg(&key),
            "-certfile",
            arg(&intermediate_pem),
            "-md",
            "sha256",
            "-out",
            arg(&signed),
        ],
    );

    let verified = scratch.path().join("verified.txt");
    let verdict = run_ok(
        "openssl",
        &[
            "cms",
            "-verify",
            "-in",
            arg(&signed),
            "-CAfile",
            arg(&root),
            "-purpose",
            "smimesign",
            "-out",
            arg(&verified),
        ],
    );
    assert!(verdict.contains("Verification successful"), "{verdict}");
    assert_eq!(scratch.read("verified.txt"), MESSAGE.as_bytes());

    // The same message does not verify against a root that did not issue the chain.
    let stranger = super::test_ca::TestCa::new();
    let other_root = scratch.write("other-root.pem", &stranger.root_pem);
    let refused = run(
        "openssl",
        &[
            "cms",
            "-verify",
            "-in",
            arg(&signed),
            "-CAfile",
            arg(&other_root),
            "-out",
            arg(&verified),
        ],
    );
    assert!(
        !refused.success,
        "verified against a stranger's root:\n{}",
        refused.text
    );
}

#[test]
fn mail_signed_with_an_rsa_key_from_the_pkcs12_verifies() {
    assert_signed_message_round_trips(KeyType::Rsa3072);
}

#[test]
fn mail_signed_with_a_p256_key_from_the_pkcs12_verifies() {
    assert_signed_message_round_trips(KeyType::EcdsaP256);
}

fn assert_encrypted_message_round_trips(key_type: KeyType) {
    let issued = issue_for_person_with(key_type, Usage::SignAndEncrypt);
    let scratch = Scratch::new();
    let p12 = scratch.write("person.p12", &issued.pkcs12);
    let passin = format!("pass:{}", issued.passphrase.expose_secret());
    let key = scratch.path().join("key.pem");
    let cert = scratch.path().join("cert.pem");
    run_ok(
        "openssl",
        &[
            "pkcs12",
            "-in",
            arg(&p12),
            "-nocerts",
            "-nodes",
            "-passin",
            &passin,
            "-out",
            arg(&key),
        ],
    );
    run_ok(
        "openssl",
        &[
            "pkcs12",
            "-in",
            arg(&p12),
            "-clcerts",
            "-nokeys",
            "-passin",
            &passin,
            "-out",
            arg(&cert),
        ],
    );
    let message = scratch.write("message.txt", MESSAGE);
    let encrypted = scratch.path().join("encrypted.eml");
    run_ok(
        "openssl",
        &[
            "cms",
            "-encrypt",
            "-aes-256-cbc",
            "-in",
            arg(&message),
            "-out",
            arg(&encrypted),
            arg(&cert),
        ],
    );
    assert!(!String::from_utf8_lossy(&scratch.read("encrypted.eml")).contains("potpisana"));
    let decrypted = scratch.path().join("decrypted.txt");
    run_ok(
        "openssl",
        &[
            "cms",
            "-decrypt",
            "-in",
            arg(&encrypted),
            "-recip",
            arg(&cert),
            "-inkey",
            arg(&key),
            "-out",
            arg(&decrypted),
        ],
    );
    assert_eq!(scratch.read("decrypted.txt"), MESSAGE.as_bytes());
}

#[test]
fn mail_encrypted_to_an_rsa_certificate_decrypts_with_the_key_from_the_pkcs12() {
    assert_encrypted_message_round_trips(KeyType::Rsa3072);
}

#[test]
fn mail_encrypted_to_a_p256_certificate_decrypts_with_the_key_from_the_pkcs12() {
    assert_encrypted_message_round_trips(KeyType::EcdsaP256);
}
