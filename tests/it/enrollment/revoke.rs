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

/// The code in the newest revocation-code mail to `mailbox`.
async fn mailed_code(world: &World, mailbox: &str) -> String {
    let body: String = sqlx::query_scalar(
        "SELECT body_text FROM outbox WHERE recipient = $1 AND subject LIKE '%kod za opoziv%'
         ORDER BY id DESC LIMIT 1",
    )
    .bind(mailbox)
    .fetch_one(&world.app.pool)
    .await
    .unwrap();
    body.lines()
        .map(str::trim)
        .find(|line| line.len() == 8 && line.bytes().all(|b| b.is_ascii_digit()))
        .expect("an eight-digit code")
        .to_owned()
}

#[sqlx::test]
async fn revoking_from_the_reusable_link_needs_a_fresh_code_mailed_to_the_address(pool: PgPool) {
    let world = world_issuing(pool).await;
    let mailbox = format!("prosledjeno@{DOMAIN}");
    let (order, _, _) =
        issued_with_server_key(&world, "prosledjeno", "client_premium", "ecdsa-p256").await;
    // Whoever holds the link from the "issued" mail (perhaps forwarded).
    let token = token_from_mail(&world, &mailbox).await;
    let holder = world.app.client();
    holder.get(&format!("/enroll/{token}")).await;
    let page = holder.get("/enroll").await;
    assert!(page.body.contains("/enroll/revoke/code"), "{}", page.body);

    let without = holder.post_form("/enroll/revoke", &[]).await;
    assert_eq!(without.location(), Some("/enroll"));
    assert_eq!(status_of(&world, order).await, "issued");
    assert!(
        holder
            .get("/enroll")
            .await
            .body
            .contains("Prvo zatražite kod")
    );

    let sent = holder.post_form("/enroll/revoke/code", &[]).await;
    assert_eq!(sent.location(), Some("/enroll"), "{}", sent.body);
    let code = mailed_code(&world, &mailbox).await;
    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    holder.post_form("/enroll/revoke", &[("code", wrong)]).await;
    assert_eq!(status_of(&world, order).await, "issued");
    assert!(
        holder
            .get("/enroll")
            .await
            .body
            .contains("pogrešan ili je istekao")
    );

    // Too late: the code has expired.
    world.app.clock.advance(time::Duration::minutes(16));
    holder.post_form("/enroll/revoke", &[("code", &code)]).await;
    assert_eq!(status_of(&world, order).await, "issued");

    holder.post_form("/enroll/revoke/code", &[]).await;
    let fresh = mailed_code(&world, &mailbox).await;
    let revoked = holder
        .post_form("/enroll/revoke", &[("code", &fresh)])
        .await;
    assert_eq!(revoked.location(), Some("/enroll"), "{}", revoked.body);
    assert_eq!(status_of(&world, order).await, "revoked");
    assert!(
        world
            .app
            .audit_actions()
            .await
            .contains(&"enrollment.revoke_code_sent".to_owned())
    );
}
