//! The person revokes their own certificate; DigiCert (the sandbox) confirms,
//! and the serial shows up in its CRL.
use reqwest::StatusCode;
use sqlx::PgPool;
use testkit::tools::{Scratch, arg, run_ok};

use super::*;

#[sqlx::test]
async fn a_person_revokes_for_key_compromise_and_the_serial_is_in_the_sandbox_crl(pool: PgPool) {
    let world = world_issuing(pool).await;
    let (order, person, _) =
        issued_with_server_key(&world, "ukraden", "client_premium", "ecdsa-p256").await;
    let revoked = person.post_form("/enroll/revoke", &[]).await;
    assert_eq!(revoked.location(), Some("/enroll"), "{}", revoked.body);
    assert_eq!(status_of(&world, order).await, "revoked");
    let page = person.get("/enroll").await;
    assert!(page.body.contains("je opozvan"), "{}", page.body);
    assert!(
        !page.body.contains("http-equiv=\"refresh\""),
        "a final state stops refreshing"
    );

    let serial: String =
        sqlx::query_scalar("SELECT serial_number FROM certificate_orders WHERE id = $1")
            .bind(order)
            .fetch_one(&world.app.pool)
            .await
            .unwrap();
    let crl = reqwest::get(format!(
        "{}/pki/TERENASSLCA3-SANDBOX.crl",
        world.sandbox.origin()
    ))
    .await
    .unwrap()
    .bytes()
    .await
    .unwrap();
    let scratch = Scratch::new();
    let path = scratch.write("int.crl", &crl);
    let listing = run_ok(
        "openssl",
        &[
            "crl",
            "-inform",
            "DER",
            "-noout",
            "-text",
            "-in",
            arg(&path),
        ],
    );
    let wanted = serial.trim_start_matches('0').to_ascii_uppercase();
    assert!(
        listing.contains(&format!("Serial Number: {wanted}")),
        "{wanted} not in:\n{listing}"
    );
    // DigiCert ignores revocation_reason for client certificates, so the CRL entry has
    // no reason code; the portal keeps the person's reason in its audit log.

    let (label, details): (String, serde_json::Value) = sqlx::query_as(
        "SELECT actor_label, details FROM audit_events WHERE action = 'order.revoke'",
    )
    .fetch_one(&world.app.pool)
    .await
    .unwrap();
    assert_eq!(label, format!("ukraden@{DOMAIN}"));
    assert_eq!(details["reason"], "keyCompromise");
}

#[sqlx::test]
async fn revoking_twice_gets_a_clear_409(pool: PgPool) {
    let world = world_issuing(pool).await;
    let (_, person, _) =
        issued_with_server_key(&world, "dvaput", "client_premium", "ecdsa-p256").await;
    let first = person.post_form("/enroll/revoke", &[]).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let second = person.post_form("/enroll/revoke", &[]).await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.body);
    assert!(second.body.contains("ne može opozvati"), "{}", second.body);
}

#[sqlx::test]
async fn a_revoked_certificates_sealed_key_is_wiped_at_once(pool: PgPool) {
    let world = world_issuing(pool).await;
    let (order, person, _) =
        issued_with_server_key(&world, "izgubljen", "client_premium", "ecdsa-p256").await;
    let keys_held = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM enrollments WHERE order_id = $1 AND sealed_private_key IS NOT NULL",
        )
        .bind(order)
        .fetch_one(&world.app.pool)
        .await
        .unwrap()
    };
    assert_eq!(keys_held().await, 1, "the key waits for its pickup");
    let revoked = person.post_form("/enroll/revoke", &[]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
    assert_eq!(keys_held().await, 0, "no hourly sweep needed");
    let details: serde_json::Value = sqlx::query_scalar(
        "SELECT details FROM audit_events WHERE action = 'enrollment.key_wiped'",
    )
    .fetch_one(&world.app.pool)
    .await
    .unwrap();
    assert_eq!(details["why"], "the certificate was revoked");
    let pickup = person
        .post_form("/enroll/pickup", &[("passphrase", "whatever it was")])
        .await;
    assert_eq!(pickup.status, StatusCode::GONE, "{}", pickup.body);
}
