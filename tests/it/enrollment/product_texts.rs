//! What a certificate can and cannot do, said the same way wherever it is said: a
//! Digital Signature Plus holder is never promised encryption, and the lists name the
//! Secure Email profile.
use sqlx::PgPool;
use tcs_portal::i18n::Lang;

use super::*;

/// Whatever `text` promises once the sentences saying what the product cannot do are
/// taken out, lower case.
fn promised(text: &str) -> String {
    let mut promised = text.to_owned();
    for lang in Lang::ALL {
        promised = promised.replace(lang.t("order.product.signature.cannot"), "");
    }
    promised.to_lowercase()
}

/// A mail speaks both languages; a page the visitor's (Serbian here).
fn assert_promises_no_encryption(text: &str, what: &str, langs: &[Lang]) {
    for &lang in langs {
        assert!(
            text.contains(lang.t("order.product.signature.cannot")),
            "{what} says it cannot encrypt ({lang:?}):\n{text}"
        );
    }
    let promised = promised(text);
    assert!(
        !promised.contains("encrypt") && !promised.contains("šifr"),
        "{what} promises encryption:\n{text}"
    );
}

async fn newest_mail_to(world: &World, mailbox: &str) -> String {
    sqlx::query_scalar("SELECT body_text FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1")
        .bind(mailbox)
        .fetch_one(&world.app.pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn a_digital_signature_plus_holder_is_told_it_cannot_encrypt_and_never_promised_it(
    pool: PgPool,
) {
    let world = world_issuing(pool).await;
    let mailbox = format!("potpis@{DOMAIN}");
    let order = order_for_person(&world, "potpis", "client_digital_signature_plus").await;
    assert_promises_no_encryption(
        &newest_mail_to(&world, &mailbox).await,
        "the link mail",
        &Lang::ALL,
    );

    let token = token_from_mail(&world, &mailbox).await;
    let person = world.app.client();
    person.get(&format!("/enroll/{token}")).await;
    let confirm = person.get("/enroll").await;
    assert_promises_no_encryption(&confirm.body, "the confirmation page", &[Lang::Serbian]);
    person.post_form("/enroll/confirm", &[]).await;
    server_key(&person, "ecdsa-p256").await;
    until_all(&world, &[order], "issued", StdDuration::from_secs(60)).await;

    assert_promises_no_encryption(
        &newest_mail_to(&world, &mailbox).await,
        "the issued mail",
        &Lang::ALL,
    );
    assert_promises_no_encryption(
        &person.get("/enroll").await.body,
        "the person's page",
        &[Lang::Serbian],
    );
    let page = world
        .admin
        .client
        .get(&format!(
            "/institutions/{}/orders/{order}",
            world.institution
        ))
        .await;
    assert!(
        page.body
            .contains(Lang::Serbian.t("order.product.signature.cannot")),
        "the order page says what it cannot do:\n{}",
        page.body
    );
}

#[sqlx::test]
async fn the_orders_list_names_the_secure_email_profile(pool: PgPool) {
    let world = world_issuing(pool).await;
    let (status, answer) = crate::api::api_order(
        &world.app,
        world.institution,
        "profile-in-list",
        &serde_json::json!({
            "product": "secure_email_sponsor",
            "profile_type": "multipurpose",
            "emails": [format!("profil@{DOMAIN}")],
            "given_name": "Ana",
            "surname": "Anić",
            "validity_years": 1,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let list = world
        .admin
        .client
        .get(&format!("/institutions/{}/orders", world.institution))
        .await;
    list.assert_ok();
    assert!(
        list.body
            .contains(Lang::Serbian.t("order.profile_multipurpose")),
        "{}",
        list.body
    );
}
