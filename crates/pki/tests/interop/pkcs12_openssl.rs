//! OpenSSL opens the PKCS#12 with the passphrase and sees the strong algorithms and the whole chain.
use pki::KeyType;
use pki::Passphrase;

use testkit::test_ca::issue_for_person;
use testkit::tools::arg;

#[test]
fn openssl_opens_an_rsa_pkcs12_with_aes256_pbkdf2_sha256_mac_and_three_certificates() {
    let issued = issue_for_person(KeyType::Rsa3072);
    issued
        .delivered()
        .assert_openssl_opens_a_strong_pkcs12(issued.passphrase.expose_secret());
}

#[test]
fn openssl_opens_a_p256_pkcs12_with_aes256_pbkdf2_sha256_mac_and_three_certificates() {
    let issued = issue_for_person(KeyType::EcdsaP256);
    issued
        .delivered()
        .assert_openssl_opens_a_strong_pkcs12(issued.passphrase.expose_secret());
}

#[test]
fn openssl_refuses_the_pkcs12_with_a_wrong_passphrase() {
    let issued = issue_for_person(KeyType::EcdsaP256);
    let wrong = Passphrase::generate();
    let info = issued.delivered().openssl_info(wrong.expose_secret());
    assert!(
        !info.success,
        "a wrong passphrase opened it:\n{}",
        info.text
    );
    assert!(info.text.contains("Mac verify error"), "{}", info.text);
}

#[test]
fn key_extracted_by_openssl_is_the_key_the_portal_made() {
    let issued = issue_for_person(KeyType::Rsa3072);
    let delivered = issued.delivered();
    let key_pem = delivered.extract_key(issued.passphrase.expose_secret());
    let key_der = delivered.scratch.path().join("key.der");
    testkit::tools::run_ok(
        "openssl",
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            arg(&key_pem),
            "-outform",
            "DER",
            "-out",
            arg(&key_der),
        ],
    );
    assert_eq!(
        delivered.scratch.read("key.der"),
        issued.key.private_key_pkcs8_der()
    );
}
