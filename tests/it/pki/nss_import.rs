//! NSS, the library inside Thunderbird, imports the PKCS#12 and accepts the certificate for S/MIME signing.
use tcs_portal::pki::{KeyType, Passphrase};

use super::test_ca::{Issued, PERSON_CN, issue_for_person};
use super::tools::{Scratch, arg, run, run_ok};

const ROOT_NICKNAME: &str = "tcs-test-root";

/// A fresh NSS database with the test root trusted for mail, as a profile would trust DigiCert's.
fn nss_db_trusting_root(scratch: &Scratch, issued: &Issued) -> String {
    let db = format!("sql:{}", scratch.path().join("nssdb").display());
    std::fs::create_dir(scratch.path().join("nssdb")).unwrap();
    run_ok("certutil", &["-N", "--empty-password", "-d", &db]);
    let root = scratch.write("root.pem", &issued.ca.root_pem);
    run_ok(
        "certutil",
        &[
            "-A",
            "-n",
            ROOT_NICKNAME,
            "-t",
            "C,C,C",
            "-i",
            arg(&root),
            "-d",
            &db,
        ],
    );
    db
}

fn pk12util_import(
    scratch: &Scratch,
    issued: &Issued,
    db: &str,
    passphrase: &str,
) -> super::tools::Ran {
    let p12 = scratch.write("person.p12", &issued.pkcs12);
    run(
        "pk12util",
        &["-i", arg(&p12), "-d", db, "-W", passphrase, "-K", ""],
    )
}

/// The nickname NSS gave the person's certificate: the one entry holding a private key (`u,u,u`).
fn user_nickname(db: &str) -> String {
    let listing = run_ok("certutil", &["-L", "-d", db]);
    let line = listing
        .lines()
        .find(|line| line.trim_end().ends_with("u,u,u"))
        .unwrap_or_else(|| panic!("no certificate with a key in:\n{listing}"));
    line.trim_end()
        .trim_end_matches("u,u,u")
        .trim_end()
        .to_owned()
}

fn assert_imports_and_validates_for_smime_signing(key_type: KeyType) {
    let issued = issue_for_person(key_type);
    let scratch = Scratch::new();
    let db = nss_db_trusting_root(&scratch, &issued);

    let import = pk12util_import(&scratch, &issued, &db, issued.passphrase.expose_secret());
    assert!(
        import.success,
        "pk12util refused the PKCS#12:\n{}",
        import.text
    );
    assert!(
        import.text.contains("PKCS12 IMPORT SUCCESSFUL"),
        "{}",
        import.text
    );

    let keys = run_ok("certutil", &["-K", "-d", &db]);
    assert_eq!(
        keys.matches("<").count(),
        1,
        "one private key expected:\n{keys}"
    );

    let nickname = user_nickname(&db);
    assert!(nickname.contains(PERSON_CN), "{nickname}");
    let verdict = run_ok("certutil", &["-V", "-u", "S", "-n", &nickname, "-d", &db]);
    assert!(verdict.contains("certificate is valid"), "{verdict}");
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
    let scratch = Scratch::new();
    let db = nss_db_trusting_root(&scratch, &issued);
    let wrong = Passphrase::generate();
    let import = pk12util_import(&scratch, &issued, &db, wrong.expose_secret());
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
