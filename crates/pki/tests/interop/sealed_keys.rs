//! A portal-made key sealed under the person's passphrase: it opens only with that passphrase and only for its order.
use pki::argon2_memory::Memory;
use pki::{KeyType, Passphrase, Pkcs12Format, UnsealError, build_pkcs12, seal, unseal};
use uuid::Uuid;

use testkit::test_ca::{PERSON_CN, issue_for_person};
use testkit::tools::{Scratch, arg, run_ok};

#[test]
fn sealed_key_unseals_with_the_typed_back_passphrase_into_a_pkcs12_openssl_opens() {
    let mut memory = Memory::new();
    let issued = issue_for_person(KeyType::EcdsaP256);
    let order = Uuid::new_v4();
    let sealed = seal(
        issued.key.private_key_pkcs8_der(),
        &issued.passphrase,
        order.as_bytes(),
        &mut memory,
    )
    .unwrap();
    let der = issued.key.private_key_pkcs8_der();
    assert!(!sealed.windows(der.len()).any(|window| window == der));

    // The person types it back in lower case with spaces instead of dashes.
    let typed = issued
        .passphrase
        .expose_secret()
        .to_lowercase()
        .replace('-', " ");
    let typed = Passphrase::parse(&typed).unwrap();
    let unsealed = unseal(&sealed, &typed, order.as_bytes(), &mut memory).unwrap();
    assert_eq!(unsealed.as_slice(), der);

    let pkcs12 = build_pkcs12(
        &unsealed,
        &issued.chain,
        PERSON_CN,
        &typed,
        Pkcs12Format::Modern,
    )
    .unwrap();
    let scratch = Scratch::new();
    let p12 = scratch.write("person.p12", pkcs12);
    run_ok(
        "openssl",
        &[
            "pkcs12",
            "-in",
            arg(&p12),
            "-nokeys",
            "-passin",
            &format!("pass:{}", issued.passphrase.expose_secret()),
        ],
    );
}

#[test]
fn wrong_passphrase_does_not_unseal_the_key() {
    let mut memory = Memory::new();
    let issued = issue_for_person(KeyType::EcdsaP256);
    let order = Uuid::new_v4();
    let sealed = seal(
        issued.key.private_key_pkcs8_der(),
        &issued.passphrase,
        order.as_bytes(),
        &mut memory,
    )
    .unwrap();
    assert_eq!(
        unseal(
            &sealed,
            &Passphrase::generate(),
            order.as_bytes(),
            &mut memory
        )
        .err(),
        Some(UnsealError::WrongPassphrase)
    );
}

#[test]
fn sealed_key_moved_to_another_order_does_not_open() {
    let mut memory = Memory::new();
    let issued = issue_for_person(KeyType::Rsa3072);
    let sealed = seal(
        issued.key.private_key_pkcs8_der(),
        &issued.passphrase,
        Uuid::new_v4().as_bytes(),
        &mut memory,
    )
    .unwrap();
    assert_eq!(
        unseal(
            &sealed,
            &issued.passphrase,
            Uuid::new_v4().as_bytes(),
            &mut memory
        )
        .err(),
        Some(UnsealError::Corrupt)
    );
}
