//! The chain downloads (P7B, PEM) read back in OpenSSL, and a chain or key that does not fit is refused before it is packaged.
use pki::keygen::{self, KeyType};
use pki::{CertificateChain, DeliveryError, Passphrase, Pkcs12Format, build_pkcs12};

use testkit::test_ca::{
    INTERMEDIATE_CN, PERSON_CN, PERSON_EMAIL, ROOT_CN, TestCa, issue_for_person,
};
use testkit::tools::{Scratch, arg, run_ok};

#[test]
fn p7b_prints_the_three_certificates_of_the_chain() {
    let issued = issue_for_person(KeyType::EcdsaP256);
    let scratch = Scratch::new();
    let p7b = scratch.write("chain.p7b", issued.chain.to_p7b());
    let printed = run_ok(
        "openssl",
        &["pkcs7", "-print_certs", "-inform", "DER", "-in", arg(&p7b)],
    );
    let subjects: Vec<&str> = printed
        .lines()
        .filter(|line| line.starts_with("subject="))
        .collect();
    assert_eq!(subjects.len(), 3, "{printed}");
    for cn in [PERSON_CN, INTERMEDIATE_CN, ROOT_CN] {
        let cn = openssl_escaped(cn);
        assert!(
            subjects.iter().any(|subject| subject.contains(&cn)),
            "{cn} missing from:\n{printed}"
        );
    }
    assert_eq!(printed.matches("-----BEGIN CERTIFICATE-----").count(), 3);
}

/// How OpenSSL prints a UTF-8 name by default: bytes outside ASCII as `\XX`.
fn openssl_escaped(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii() {
                char::from(byte).to_string()
            } else {
                format!("\\{byte:02X}")
            }
        })
        .collect()
}

#[test]
fn pem_chain_lets_openssl_verify_the_leaf_for_smime_signing() {
    let issued = issue_for_person(KeyType::Rsa3072);
    let pem = issued.chain.to_pem();
    assert_eq!(pem.matches("-----BEGIN CERTIFICATE-----").count(), 3);
    let scratch = Scratch::new();
    let chain = scratch.write("chain.pem", &pem);
    let root = scratch.write("root.pem", &issued.ca.root_pem);
    let leaf_pem = pem
        .split_inclusive("-----END CERTIFICATE-----\n")
        .next()
        .unwrap();
    let leaf = scratch.write("leaf.pem", leaf_pem);
    let verdict = run_ok(
        "openssl",
        &[
            "verify",
            "-purpose",
            "smimesign",
            "-CAfile",
            arg(&root),
            "-untrusted",
            arg(&chain),
            arg(&leaf),
        ],
    );
    assert!(verdict.contains("leaf.pem: OK"), "{verdict}");
}

#[test]
fn chain_out_of_order_is_refused() {
    let issued = issue_for_person(KeyType::EcdsaP256);
    let refused = CertificateChain::new(
        issued.chain.leaf_der().to_vec(),
        vec![
            issued.ca.root_der.clone(),
            issued.ca.intermediate_der.clone(),
        ],
    );
    assert!(
        matches!(refused, Err(DeliveryError::BrokenChain(0))),
        "{refused:?}"
    );
}

#[test]
fn chain_with_another_cas_intermediate_is_refused() {
    let issued = issue_for_person(KeyType::EcdsaP256);
    let stranger = TestCa::new();
    let refused = CertificateChain::new(
        issued.chain.leaf_der().to_vec(),
        vec![stranger.intermediate_der.clone(), stranger.root_der.clone()],
    );
    assert!(
        matches!(refused, Err(DeliveryError::BrokenChain(0))),
        "{refused:?}"
    );
}

#[test]
fn someone_elses_key_is_not_packaged_with_the_certificate() {
    let issued = issue_for_person(KeyType::EcdsaP256);
    let other = keygen::generate(KeyType::EcdsaP256, PERSON_CN, &[PERSON_EMAIL]).unwrap();
    let refused = build_pkcs12(
        other.private_key_pkcs8_der(),
        &issued.chain,
        PERSON_CN,
        &Passphrase::generate(),
        Pkcs12Format::Modern,
    );
    assert!(
        matches!(refused, Err(DeliveryError::KeyMismatch)),
        "{refused:?}"
    );
}
