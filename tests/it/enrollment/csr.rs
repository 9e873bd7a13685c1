//! "I have a CSR": a good one sends the order on its way; each bad one is
//! refused with its exact reason, a 422, and nothing written.
use std::time::Duration as StdDuration;

use pki::keygen::{self, KeyType};
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::domain::EmailAddress;
use testkit::tools::{Scratch, arg, run_ok};

use super::*;

fn p256_csr_pem(email: &str) -> String {
    let email = EmailAddress::parse(email).unwrap();
    keygen::generate(KeyType::EcdsaP256, "Đorđe Petrović", &[email])
        .unwrap()
        .csr_pem()
        .to_owned()
}

/// A CSR made by `openssl req` with the given `-newkey` options.
fn openssl_csr(email: &str, newkey: &[&str]) -> String {
    let scratch = Scratch::new();
    let key = scratch.path().join("key.pem");
    let csr = scratch.path().join("csr.pem");
    let san = format!("subjectAltName=email:{email}");
    let mut args = vec!["req", "-new", "-nodes"];
    args.extend_from_slice(newkey);
    args.extend_from_slice(&[
        "-keyout",
        arg(&key),
        "-subj",
        "/CN=Dorde Petrovic",
        "-addext",
        &san,
        "-out",
        arg(&csr),
    ]);
    run_ok("openssl", &args);
    String::from_utf8(scratch.read("csr.pem")).unwrap()
}

/// Posts `csr` for a confirmed person reading English; asserts the refusal left
/// everything as it was and returns the page.
async fn refused(world: &World, local: &str, csr: &str) -> String {
    refused_in(world, local, csr, "en").await
}

/// [`refused`] for a person who chose the language `lang`.
async fn refused_in(world: &World, local: &str, csr: &str, lang: &str) -> String {
    let order = order_for_person(world, local, "client_premium").await;
    let person = confirmed_person(world, local).await;
    let chosen = person
        .post_form("/lang", &[("lang", lang), ("back", "/enroll")])
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
    let answer = person.post_form("/enroll/csr", &[("csr", csr)]).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert_eq!(status_of(world, order).await, "awaiting_person");
    let jobs: i64 =
        sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = 'digicert.submit_order'")
            .fetch_one(&world.app.pool)
            .await
            .unwrap();
    assert_eq!(jobs, 0);
    // The person can still choose.
    assert!(answer.body.contains("/enroll/key"));
    crate::helpers::html_unescape(&answer.body)
}

#[sqlx::test]
async fn a_pasted_csr_sends_the_order_to_digicert_and_it_is_issued(pool: PgPool) {
    let world = world_issuing(pool).await;
    let order = order_for_person(&world, "svoj", "client_premium").await;
    let person = confirmed_person(&world, "svoj").await;
    let csr = p256_csr_pem(&format!("svoj@{DOMAIN}"));
    let sent = person.post_form("/enroll/csr", &[("csr", &csr)]).await;
    assert_eq!(sent.location(), Some("/enroll"), "{}", sent.body);
    let again = person.post_form("/enroll/csr", &[("csr", &csr)]).await;
    assert_eq!(again.location(), Some("/enroll"), "a second CSR is ignored");
    until_all(&world, &[order], "issued", StdDuration::from_secs(60)).await;
    let page = person.get("/enroll").await;
    page.assert_ok();
    assert!(
        !page.body.contains("/enroll/pickup"),
        "no PKCS#12 for a CSR"
    );
    let pem = download(&world, &person, "/enroll/chain.pem").await;
    assert_eq!(pem.status, StatusCode::OK);
    assert_eq!(text(&pem).matches("BEGIN CERTIFICATE").count(), 3);
}

#[sqlx::test]
async fn a_der_csr_from_the_upload_button_is_accepted(pool: PgPool) {
    use base64::Engine;
    let world = world_issuing(pool).await;
    let order = order_for_person(&world, "der", "client_premium").await;
    let person = confirmed_person(&world, "der").await;
    let pem = p256_csr_pem(&format!("der@{DOMAIN}"));
    let der = &pki::pem::decode_all(&pem)[0].der;
    let base64 = base64::engine::general_purpose::STANDARD.encode(der);
    let sent = person.post_form("/enroll/csr", &[("csr", &base64)]).await;
    assert_eq!(sent.location(), Some("/enroll"), "{}", sent.body);
    // The world's worker takes the order on at once, so "queued" may already be past:
    // what counts is that the CSR sent it on its way to an issued certificate.
    until_all(&world, &[order], "issued", StdDuration::from_secs(60)).await;
}

#[sqlx::test]
async fn garbage_instead_of_a_csr_is_refused(pool: PgPool) {
    let world = world_issuing(pool).await;
    let page = refused(&world, "smece", "this is not a certificate request").await;
    assert!(
        page.contains("This is not a CSR in PEM or DER form"),
        "{page}"
    );
}

/// Issue 12: the refusal is in the person's language, and the parser's own words
/// (`Der(InvalidLength)` and the like) never reach the page.
#[sqlx::test]
async fn a_serbian_reader_is_told_why_a_broken_csr_was_refused_in_serbian_without_parser_internals(
    pool: PgPool,
) {
    let world = world_issuing(pool).await;
    // Base64 of a DER header that promises 256 bytes and has none: the DER parser's
    // complaint names its own internals.
    let page = refused_in(&world, "kratak", "MIIBAA==", "sr").await;
    assert!(page.contains("CSR je odbijen:"), "{page}");
    assert!(page.contains("Ovo nije CSR u PEM ili DER obliku"), "{page}");
    for internal in ["Der(", "Length", "not valid PEM or DER", "The CSR"] {
        assert!(!page.contains(internal), "{internal} in {page}");
    }
}

#[sqlx::test]
async fn a_serbian_reader_gets_the_details_of_a_refusal_in_serbian(pool: PgPool) {
    let world = world_issuing(pool).await;
    let csr = openssl_csr(&format!("slab2@{DOMAIN}"), &["-newkey", "rsa:1024"]);
    let page = refused_in(&world, "slab2", &csr, "sr").await;
    assert!(
        page.contains("RSA ključ ima 1024 bita; potrebno je najmanje 2048."),
        "{page}"
    );
}

#[sqlx::test]
async fn a_csr_with_a_bad_signature_is_refused(pool: PgPool) {
    let world = world_issuing(pool).await;
    let pem = p256_csr_pem(&format!("potpis@{DOMAIN}"));
    let mut der = pki::pem::decode_all(&pem).remove(0).der;
    // Change the signed name, not the signature bytes.
    let at = der.windows(4).position(|w| w == b"Petr").unwrap();
    der[at] = b'Q';
    let tampered = pki::pem::encode("CERTIFICATE REQUEST", &der);
    let page = refused(&world, "potpis", &tampered).await;
    assert!(page.contains("signature does not match"), "{page}");
}

#[sqlx::test]
async fn an_rsa_1024_csr_is_refused(pool: PgPool) {
    let world = world_issuing(pool).await;
    let csr = openssl_csr(&format!("slab@{DOMAIN}"), &["-newkey", "rsa:1024"]);
    let page = refused(&world, "slab", &csr).await;
    assert!(page.contains("1024 bits; at least 2048"), "{page}");
}

#[sqlx::test]
async fn a_secp256k1_csr_is_refused(pool: PgPool) {
    let world = world_issuing(pool).await;
    let csr = openssl_csr(
        &format!("kriva@{DOMAIN}"),
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
    );
    let page = refused(&world, "kriva", &csr).await;
    assert!(page.contains("curve 1.3.132.0.10 is not allowed"), "{page}");
}

#[sqlx::test]
async fn a_csr_for_another_mailbox_is_refused(pool: PgPool) {
    let world = world_issuing(pool).await;
    let csr = p256_csr_pem(&format!("neko.drugi@{DOMAIN}"));
    let page = refused(&world, "pravi", &csr).await;
    assert!(
        page.contains(&format!(
            "The CSR is for neko.drugi@{DOMAIN}, but the certificate is ordered for pravi@{DOMAIN}"
        )),
        "{page}"
    );
}

#[sqlx::test]
async fn a_pem_csr_with_trailing_junk_is_refused(pool: PgPool) {
    let world = world_issuing(pool).await;
    let csr = format!(
        "{}\nand some more text\n",
        p256_csr_pem(&format!("rep@{DOMAIN}"))
    );
    let page = refused(&world, "rep", &csr).await;
    assert!(page.contains("text after the end"), "{page}");
}

#[sqlx::test]
async fn two_csrs_in_one_paste_are_refused(pool: PgPool) {
    let world = world_issuing(pool).await;
    let one = p256_csr_pem(&format!("dva@{DOMAIN}"));
    let page = refused(&world, "dva", &format!("{one}{one}")).await;
    assert!(page.contains("holds 2 certificate requests"), "{page}");
}
