//! OpenSSL opens the PKCS#12 with the passphrase and sees the strong algorithms and the whole chain.
use tcs_portal::pki::KeyType;
use tcs_portal::pki::Passphrase;

use super::test_ca::{Issued, issue_for_person};
use super::tools::{Scratch, arg, run, run_ok};

fn openssl_info(issued: &Issued, passphrase: &str) -> super::tools::Ran {
    let scratch = Scratch::new();
    let p12 = scratch.write("person.p12", &issued.pkcs12);
    run(
        "openssl",
        &[
            "pkcs12",
            "-info",
            "-nokeys",
            "-in",
            arg(&p12),
            "-passin",
            &format!("pass:{passphrase}"),
        ],
    )
}

fn assert_strong_pkcs12_with_whole_chain(issued: &Issued) {
    let info = openssl_info(issued, issued.passphrase.expose_secret());
    assert!(
        info.success,
        "openssl could not open the PKCS#12:\n{}",
        info.text
    );
    assert!(
        info.text.contains("MAC: sha256, Iteration 600000"),
        "{}",
        info.text
    );
    for bag in ["PKCS7 Encrypted data", "Shrouded Keybag"] {
        let line = info
            .text
            .lines()
            .find(|line| line.starts_with(bag))
            .unwrap_or_else(|| panic!("no {bag} line in:\n{}", info.text));
        assert!(
            line.contains("PBES2, PBKDF2, AES-256-CBC, Iteration 600000, PRF hmacWithSHA256"),
            "{line}"
        );
    }
    assert_eq!(
        info.text.matches("-----BEGIN CERTIFICATE-----").count(),
        3,
        "{}",
        info.text
    );
}

#[test]
fn openssl_opens_an_rsa_pkcs12_with_aes256_pbkdf2_sha256_mac_and_three_certificates() {
    assert_strong_pkcs12_with_whole_chain(&issue_for_person(KeyType::Rsa3072));
}

#[test]
fn openssl_opens_a_p256_pkcs12_with_aes256_pbkdf2_sha256_mac_and_three_certificates() {
    assert_strong_pkcs12_with_whole_chain(&issue_for_person(KeyType::EcdsaP256));
}

#[test]
fn openssl_refuses_the_pkcs12_with_a_wrong_passphrase() {
    let issued = issue_for_person(KeyType::EcdsaP256);
    let wrong = Passphrase::generate();
    let info = openssl_info(&issued, wrong.expose_secret());
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
    let scratch = Scratch::new();
    let p12 = scratch.write("person.p12", &issued.pkcs12);
    let key_pem = scratch.path().join("key.pem");
    run_ok(
        "openssl",
        &[
            "pkcs12",
            "-in",
            arg(&p12),
            "-nocerts",
            "-nodes",
            "-passin",
            &format!("pass:{}", issued.passphrase.expose_secret()),
            "-out",
            arg(&key_pem),
        ],
    );
    let key_der = scratch.path().join("key.der");
    run_ok(
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
    assert_eq!(scratch.read("key.der"), issued.key.private_key_pkcs8_der());
}
