//! Mail signed with the key from the PKCS#12 verifies against the root, and mail encrypted to the certificate decrypts with that key (`openssl cms`).
use pki::KeyType;

use testkit::test_ca::{TestCa, Usage, issue_for_person, issue_for_person_with};

fn assert_signed_message_round_trips(key_type: KeyType) {
    let issued = issue_for_person(key_type);
    let stranger = TestCa::new();
    issued
        .delivered()
        .assert_cms_signs_and_verifies(issued.passphrase.expose_secret(), &stranger.root_pem);
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
    issued
        .delivered()
        .assert_cms_encrypts_and_decrypts(issued.passphrase.expose_secret());
}

#[test]
fn mail_encrypted_to_an_rsa_certificate_decrypts_with_the_key_from_the_pkcs12() {
    assert_encrypted_message_round_trips(KeyType::Rsa3072);
}

#[test]
fn mail_encrypted_to_a_p256_certificate_decrypts_with_the_key_from_the_pkcs12() {
    assert_encrypted_message_round_trips(KeyType::EcdsaP256);
}
