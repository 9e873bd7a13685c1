//! NSS, the library inside Thunderbird, imports the PKCS#12 and accepts the certificate for S/MIME signing.
use pki::{KeyType, Passphrase};

use testkit::test_ca::{PERSON_CN, issue_for_person};
use testkit::tools::run;

fn assert_imports_and_validates_for_smime_signing(key_type: KeyType) {
    let issued = issue_for_person(key_type);
    let nickname = issued
        .delivered()
        .assert_nss_imports_and_validates_for_signing(issued.passphrase.expose_secret());
    assert!(nickname.contains(PERSON_CN), "{nickname}");
}

#[test]
fn nss_imports_an_rsa_pkcs12_and_validates_it_for_smime_signing() {
    assert_imports_and_validates_for_smime_signing(KeyType::Rsa3072);
}

#[test]
fn nss_imports_a_p256_pkcs12_and_validates_it_for_smime_signing() {
    assert_imports_and_validates_for_smime_signing(KeyType::EcdsaP256);
}

#[test]
fn nss_refuses_the_pkcs12_with_a_wrong_passphrase() {
    let issued = issue_for_person(KeyType::EcdsaP256);
    let delivered = issued.delivered();
    let db = delivered.nss_db_trusting_root();
    let wrong = Passphrase::generate();
    let import = delivered.pk12util_import(&db, wrong.expose_secret());
    assert!(
        !import.success,
        "a wrong passphrase imported it:\n{}",
        import.text
    );
    let keys = run("certutil", &["-K", "-d", &db]);
    assert!(
        !keys.text.contains('<'),
        "a key was imported anyway:\n{}",
        keys.text
    );
}
