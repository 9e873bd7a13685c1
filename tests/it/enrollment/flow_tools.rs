//! Certificates issued through the whole flow (order → link → confirm → key
//! made by the portal → sandbox issues → pickup) work where people use them:
//! the same OpenSSL, NSS and `openssl cms` checks as on the test CA
//! (`pki::delivered`), against the sandbox's root, and the leaf passes pkilint.
use reqwest::StatusCode;
use sqlx::PgPool;
use testkit::delivered::Delivered;
use testkit::pkilint;
use testkit::test_ca::TestCa;

use super::*;

/// Orders, confirms, lets the portal make the key, waits for issuance and
/// picks up the PKCS#12; checks what the download itself must be.
async fn collect(world: &World, local: &str, product: &str, key_type: &str) -> (Delivered, String) {
    let (order, person, passphrase) = issued_with_server_key(world, local, product, key_type).await;
    let file = pickup_file(world, &person, &[("passphrase", &passphrase)]).await;
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
    let delivered = Delivered::new(
        &file.bytes,
        &world.sandbox.root_pem(),
        &world.sandbox.intermediate_pem(),
    );
    (delivered, passphrase)
}

fn assert_passes_pkilint(delivered: &Delivered, passphrase: &str) {
    let leaf = delivered.extract_leaf(passphrase);
    let pem = std::fs::read_to_string(leaf).unwrap();
    let start = pem.find("-----BEGIN CERTIFICATE-----").unwrap();
    let (_, findings) = pkilint::lint(&pem[start..]);
    assert!(findings.is_empty(), "pkilint findings: {findings:#?}");
}

#[sqlx::test]
async fn an_rsa_key_made_by_the_portal_works_in_openssl_nss_and_cms_and_passes_pkilint(
    pool: PgPool,
) {
    let world = world_issuing(pool).await;
    let (got, passphrase) = collect(&world, "rsa", "client_email_security_plus", "rsa-3072").await;
    got.assert_openssl_opens_a_strong_pkcs12(&passphrase);
    got.assert_nss_imports_and_validates_for_signing(&passphrase);
    got.assert_cms_signs_and_verifies(&passphrase, &TestCa::new().root_pem);
    got.assert_cms_encrypts_and_decrypts(&passphrase);
    let text = got.leaf_text(&passphrase);
    assert!(text.contains("Public-Key: (3072 bit)"), "{text}");
    assert!(text.contains("Key Encipherment"), "{text}");
    assert_passes_pkilint(&got, &passphrase);
}

#[sqlx::test]
async fn the_older_devices_file_opens_with_openssl_legacy_and_imports_into_nss(pool: PgPool) {
    let world = world_issuing(pool).await;
    let (_, person, passphrase) =
        issued_with_server_key(&world, "stari", "client_premium", "rsa-3072").await;
    let page = person.get("/enroll").await;
    assert!(
        page.body
            .contains(r#"<input type="radio" name="format" value="modern" checked>"#),
        "the modern file is the default"
    );
    assert!(page.body.contains("Za starije uređaje"), "{}", page.body);
    let file = pickup_file(
        &world,
        &person,
        &[("passphrase", &passphrase), ("format", "legacy")],
    )
    .await;
    assert_eq!(file.status, StatusCode::OK, "{}", text(&file));
    let disposition = file.headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.ends_with("-older-devices.p12\""),
        "{disposition}"
    );
    let got = Delivered::new(
        &file.bytes,
        &world.sandbox.root_pem(),
        &world.sandbox.intermediate_pem(),
    );
    got.assert_openssl_legacy_opens_a_compatibility_pkcs12(&passphrase);
    got.assert_nss_imports_and_validates_for_signing(&passphrase);
    got.assert_cms_signs_and_verifies(&passphrase, &TestCa::new().root_pem);
}

#[sqlx::test]
async fn a_signing_only_p256_certificate_signs_and_cannot_encrypt(pool: PgPool) {
    let world = world_issuing(pool).await;
    let (got, passphrase) = collect(
        &world,
        "potpis",
        "client_digital_signature_plus",
        "ecdsa-p256",
    )
    .await;
    got.assert_openssl_opens_a_strong_pkcs12(&passphrase);
    got.assert_nss_imports_and_validates_for_signing(&passphrase);
    got.assert_cms_signs_and_verifies(&passphrase, &TestCa::new().root_pem);
    let text = got.leaf_text(&passphrase);
    assert!(text.contains("NIST CURVE: P-256"), "{text}");
    assert!(!text.contains("Key Encipherment"), "{text}");
    assert!(!text.contains("Data Encipherment"), "{text}");
    assert_passes_pkilint(&got, &passphrase);
}
