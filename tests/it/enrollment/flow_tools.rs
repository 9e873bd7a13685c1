//! Certificates issued through the whole flow (order → link → confirm → key
//! made by the portal → sandbox issues → pickup) work where people use them:
//! OpenSSL opens the PKCS#12, NSS (Thunderbird's library) imports it and
//! validates it for S/MIME signing against the sandbox root, `openssl cms`
//! signs and verifies (and encrypts and decrypts where the product allows),
//! and the leaf passes pkilint.
use reqwest::StatusCode;
use sqlx::PgPool;
use std::path::PathBuf;

use super::*;
use crate::pki::tools::{Scratch, arg, run_ok};
use crate::sandbox::issuance::pkilint;

const MESSAGE: &str = "Zdravo, ovo je poruka iz celog toka.\r\n";

/// The picked-up PKCS#12 unpacked into files the tools take.
struct Collected {
    scratch: Scratch,
    p12: PathBuf,
    passin: String,
    key: PathBuf,
    leaf: PathBuf,
    intermediate: PathBuf,
    root: PathBuf,
}

async fn collect(world: &World, local: &str, product: &str, key_type: &str) -> Collected {
    let (order, person, passphrase) = issued_with_server_key(world, local, product, key_type).await;
    let file = pickup(world, &person, &passphrase).await;
    assert_eq!(file.status, StatusCode::OK, "{}", text(&file));
    assert_eq!(file.headers["cache-control"], "no-store");
    assert_eq!(file.headers["content-type"], "application/x-pkcs12");
    let serial: String =
        sqlx::query_scalar("SELECT serial_number FROM certificate_orders WHERE id = $1")
            .bind(order)
            .fetch_one(&world.app.pool)
            .await
            .unwrap();
    assert_eq!(
        file.headers["content-disposition"],
        format!(
            "attachment; filename=\"djordje-petrovic-{}.p12\"",
            serial.to_ascii_lowercase()
        )
        .as_str()
    );
    for path in ["/enroll/chain.pem", "/enroll/chain.p7b"] {
        let chain = download(world, &person, path).await;
        assert_eq!(chain.status, StatusCode::OK, "{path}");
        assert_eq!(chain.headers["cache-control"], "no-store");
    }
    let scratch = Scratch::new();
    let p12 = scratch.write("person.p12", &file.bytes);
    let passin = format!("pass:{passphrase}");
    let key = scratch.path().join("key.pem");
    let leaf = scratch.path().join("leaf.pem");
    for (what, out) in [("-nocerts", &key), ("-clcerts", &leaf)] {
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
    }
    let root = scratch.write("root.pem", world.sandbox.root_pem());
    let intermediate = scratch.write("intermediate.pem", world.sandbox.intermediate_pem());
    Collected {
        scratch,
        p12,
        passin,
        key,
        leaf,
        intermediate,
        root,
    }
}

fn assert_openssl_opens_a_strong_pkcs12(got: &Collected) {
    let info = run_ok(
        "openssl",
        &[
            "pkcs12",
            "-info",
            "-nokeys",
            "-in",
            arg(&got.p12),
            "-passin",
            &got.passin,
        ],
    );
    assert!(info.contains("MAC: sha256, Iteration 600000"), "{info}");
    for bag in ["PKCS7 Encrypted data", "Shrouded Keybag"] {
        let line = info.lines().find(|line| line.starts_with(bag)).unwrap();
        assert!(
            line.contains("PBES2, PBKDF2, AES-256-CBC, Iteration 600000, PRF hmacWithSHA256"),
            "{line}"
        );
    }
    assert_eq!(
        info.matches("-----BEGIN CERTIFICATE-----").count(),
        3,
        "{info}"
    );
}

fn assert_nss_imports_and_validates_for_signing(got: &Collected) {
    let dir = got.scratch.path().join("nssdb");
    std::fs::create_dir(&dir).unwrap();
    let db = format!("sql:{}", dir.display());
    run_ok("certutil", &["-N", "--empty-password", "-d", &db]);
    run_ok(
        "certutil",
        &[
            "-A",
            "-n",
            "sandbox-root",
            "-t",
            "C,C,C",
            "-i",
            arg(&got.root),
            "-d",
            &db,
        ],
    );
    let passphrase = got.passin.trim_start_matches("pass:");
    let import = run_ok(
        "pk12util",
        &["-i", arg(&got.p12), "-d", &db, "-W", passphrase, "-K", ""],
    );
    assert!(import.contains("PKCS12 IMPORT SUCCESSFUL"), "{import}");
    let listing = run_ok("certutil", &["-L", "-d", &db]);
    let nickname = listing
        .lines()
        .find(|line| line.trim_end().ends_with("u,u,u"))
        .unwrap_or_else(|| panic!("no certificate with a key in:\n{listing}"))
        .trim_end()
        .trim_end_matches("u,u,u")
        .trim_end()
        .to_owned();
    let verdict = run_ok("certutil", &["-V", "-u", "S", "-n", &nickname, "-d", &db]);
    assert!(verdict.contains("certificate is valid"), "{verdict}");
}

fn assert_cms_signs_and_verifies(got: &Collected) {
    let message = got.scratch.write("message.txt", MESSAGE);
    let signed = got.scratch.path().join("signed.eml");
    let verified = got.scratch.path().join("verified.txt");
    run_ok(
        "openssl",
        &[
            "cms",
            "-sign",
            "-in",
            arg(&message),
            "-signer",
            arg(&got.leaf),
            "-inkey",
            arg(&got.key),
            "-certfile",
            arg(&got.intermediate),
            "-md",
            "sha256",
            "-out",
            arg(&signed),
        ],
    );
    let verdict = run_ok(
        "openssl",
        &[
            "cms",
            "-verify",
            "-in",
            arg(&signed),
            "-CAfile",
            arg(&got.root),
            "-purpose",
            "smimesign",
            "-out",
            arg(&verified),
        ],
    );
    assert!(verdict.contains("Verification successful"), "{verdict}");
    assert_eq!(got.scratch.read("verified.txt"), MESSAGE.as_bytes());
}

fn assert_cms_encrypts_and_decrypts(got: &Collected) {
    let message = got.scratch.write("secret.txt", MESSAGE);
    let encrypted = got.scratch.path().join("encrypted.eml");
    let decrypted = got.scratch.path().join("decrypted.txt");
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
            arg(&got.leaf),
        ],
    );
    run_ok(
        "openssl",
        &[
            "cms",
            "-decrypt",
            "-in",
            arg(&encrypted),
            "-recip",
            arg(&got.leaf),
            "-inkey",
            arg(&got.key),
            "-out",
            arg(&decrypted),
        ],
    );
    assert_eq!(got.scratch.read("decrypted.txt"), MESSAGE.as_bytes());
}

fn leaf_text(got: &Collected) -> String {
    run_ok(
        "openssl",
        &["x509", "-noout", "-text", "-in", arg(&got.leaf)],
    )
}

fn assert_passes_pkilint(got: &Collected) {
    let pem = String::from_utf8(got.scratch.read("leaf.pem")).unwrap();
    let start = pem.find("-----BEGIN CERTIFICATE-----").unwrap();
    let (_, findings) = pkilint(&pem[start..]);
    assert!(findings.is_empty(), "pkilint findings: {findings:#?}");
}

#[sqlx::test]
async fn an_rsa_key_made_by_the_portal_works_in_openssl_nss_and_cms_and_passes_pkilint(
    pool: PgPool,
) {
    let world = world_issuing(pool).await;
    let got = collect(&world, "rsa", "client_email_security_plus", "rsa-3072").await;
    assert_openssl_opens_a_strong_pkcs12(&got);
    assert_nss_imports_and_validates_for_signing(&got);
    assert_cms_signs_and_verifies(&got);
    assert_cms_encrypts_and_decrypts(&got);
    let text = leaf_text(&got);
    assert!(text.contains("Public-Key: (3072 bit)"), "{text}");
    assert!(text.contains("Key Encipherment"), "{text}");
    assert_passes_pkilint(&got);
}

#[sqlx::test]
async fn a_signing_only_p256_certificate_signs_and_cannot_encrypt(pool: PgPool) {
    let world = world_issuing(pool).await;
    let got = collect(
        &world,
        "potpis",
        "client_digital_signature_plus",
        "ecdsa-p256",
    )
    .await;
    assert_openssl_opens_a_strong_pkcs12(&got);
    assert_nss_imports_and_validates_for_signing(&got);
    assert_cms_signs_and_verifies(&got);
    let text = leaf_text(&got);
    assert!(text.contains("NIST CURVE: P-256"), "{text}");
    assert!(!text.contains("Key Encipherment"), "{text}");
    assert!(!text.contains("Data Encipherment"), "{text}");
    assert_passes_pkilint(&got);
}
