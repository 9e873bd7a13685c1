//! "Request a certificate": placed through the admins' parser and placement, marked as
//! self-service for the admins, the mailbox proved by the IdP's `mail` or by a mailed code,
//! and the browser sent on to the same key page a redeemed mail link leads to.
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::i18n::Lang;
use uuid::Uuid;

use super::world::{ANA, SelfService};
use crate::helpers::{TestClient, html_unescape};

async fn the_only_order(world: &SelfService) -> (Uuid, bool, String, String, String) {
    sqlx::query_as(
        "SELECT id, self_service, holder_stable_id, status, given_name FROM certificate_orders",
    )
    .fetch_one(&world.federation.app.pool)
    .await
    .unwrap()
}

async fn on_the_key_page(client: &TestClient) {
    let page = client.get("/enroll").await;
    page.assert_ok();
    assert!(
        html_unescape(&page.body).contains(Lang::Serbian.t("person.choose_intro")),
        "{}",
        page.body
    );
}

#[sqlx::test]
async fn with_the_idps_mail_trusted_the_order_is_placed_at_once_and_the_key_page_follows(
    pool: PgPool,
) {
    let world = SelfService::new(pool, "idp_mail").await;
    let person = world.etf_person(ANA).await;
    let requested = SelfService::request(&person, "first").await;
    assert_eq!(requested.location(), Some("/enroll"), "{}", requested.body);
    on_the_key_page(&person).await;

    let (order, self_service, holder, status, given_name) = the_only_order(&world).await;
    assert!(self_service);
    assert_eq!(holder, format!("subject-id:{ANA}"));
    assert_eq!(status, "awaiting_person");
    assert_eq!(given_name, "Ana");
    let proved = world.audit_details("self_service.mailbox_proved").await;
    assert_eq!(proved["proof"], "idp_mail");
    assert_eq!(proved["idp"], world.federation.etf_idp.entity_id.as_str());
    let placed = world.audit_details("order.placed").await;
    assert_eq!(
        placed["self_service"]["stable_id"],
        format!("subject-id:{ANA}")
    );
    // No link is mailed: the mailbox was proved before the order.
    let mails: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE recipient = $1")
        .bind(ANA)
        .fetch_one(&world.federation.app.pool)
        .await
        .unwrap();
    assert_eq!(mails, 0);

    // The same form posted again finds the same order.
    let again = SelfService::request(&person, "first").await;
    assert_eq!(again.location(), Some("/enroll"));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM certificate_orders")
        .fetch_one(&world.federation.app.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);

    // The admins see it marked, in their list and on its page.
    let marker = Lang::Serbian.t("self_service.marker");
    let admin = &world.etf_admin.client;
    let list = admin
        .get(&format!("/institutions/{}/orders", world.federation.etf))
        .await;
    assert!(list.body.contains(marker), "{}", list.body);
    let page = admin
        .get(&format!(
            "/institutions/{}/orders/{order}",
            world.federation.etf
        ))
        .await;
    assert!(page.body.contains(marker));
}

#[sqlx::test]
async fn otherwise_a_mailed_code_proves_the_mailbox_before_the_order(pool: PgPool) {
    let world = SelfService::new(pool, "mailed_code").await;
    let person = world.etf_person(ANA).await;
    let requested = SelfService::request(&person, "first").await;
    assert_eq!(requested.location(), Some("/self-service/certificates"));
    let page = person.get("/self-service/certificates").await;
    assert!(html_unescape(&page.body).contains(Lang::Serbian.t("self_service.code_sent")));
    let none: i64 = sqlx::query_scalar("SELECT count(*) FROM certificate_orders")
        .fetch_one(&world.federation.app.pool)
        .await
        .unwrap();
    assert_eq!(none, 0);
    let code = world.mailed_code(ANA).await;
    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let refused = person
        .post_form("/self-service/code", &[("code", wrong)])
        .await;
    assert_eq!(refused.location(), Some("/self-service/certificates"));
    let accepted = person
        .post_form("/self-service/code", &[("code", &code)])
        .await;
    assert_eq!(accepted.location(), Some("/enroll"), "{}", accepted.body);
    on_the_key_page(&person).await;
    assert_eq!(
        world.audit_details("self_service.mailbox_proved").await["proof"],
        "mailed_code"
    );
    let actions = world.federation.app.audit_actions().await;
    assert!(actions.contains(&"self_service.code_sent".to_owned()));
}

#[sqlx::test]
async fn a_product_or_profile_outside_the_policy_is_refused(pool: PgPool) {
    let world = SelfService::new(pool, "idp_mail").await;
    let person = world.etf_person(ANA).await;
    for choice in [
        "secure_email_sponsor/multipurpose",
        "client_premium",
        "nonsense",
    ] {
        let refused = person
            .post_form(
                "/self-service/certificates",
                &[("choice", choice), ("idempotency_key", "k")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{choice}");
        assert!(
            html_unescape(&refused.body)
                .contains(Lang::Serbian.t("self_service.request.not_offered"))
        );
    }
}

#[sqlx::test]
async fn my_certificates_shows_only_my_own_orders_and_opens_only_them(pool: PgPool) {
    let world = SelfService::new(pool, "idp_mail").await;
    let ana = world.etf_person(ANA).await;
    SelfService::request(&ana, "first").await;
    let (order, ..) = the_only_order(&world).await;
    let open = format!("/self-service/orders/{order}/open");

    let marko = world.etf_person("marko@etf.bg.ac.rs").await;
    let theirs = marko.get("/self-service/certificates").await;
    assert!(!theirs.body.contains(&order.to_string()));
    assert_eq!(
        marko.post_form(&open, &[]).await.status,
        StatusCode::NOT_FOUND
    );

    let fresh = world.etf_person(ANA).await;
    let mine = fresh.get("/self-service/certificates").await;
    assert!(mine.body.contains(&open), "{}", mine.body);
    let opened = fresh.post_form(&open, &[]).await;
    assert_eq!(opened.location(), Some("/enroll"));
    on_the_key_page(&fresh).await;
    let back = fresh.get("/enroll").await;
    assert!(back.body.contains(r#"href="/self-service/certificates""#));

    let out = fresh.post_form("/self-service/logout", &[]).await;
    assert_eq!(out.location(), Some("/self-service"));
    assert_eq!(
        fresh.get("/self-service/certificates").await.location(),
        Some("/self-service")
    );
    // Nothing is left behind: the order's pages are closed to this browser too.
    assert_eq!(fresh.get("/enroll").await.status, StatusCode::GONE);
}

/// `displayName` as IdPs send it.
const DISPLAY_NAME: &str = "urn:oid:2.16.840.1.113730.3.1.241";

/// `subject` logs in at ETF with the attributes `spoil` leaves, and requests Secure Email.
async fn request_as(
    world: &SelfService,
    subject: &str,
    spoil: impl FnOnce(&mut testkit::saml_idp::ResponseSpec),
) -> crate::helpers::TestResponse {
    let federation = &world.federation;
    let client = federation.app.client();
    let mut spec = world
        .answer(&client, federation.etf, &federation.etf_idp, subject)
        .await;
    spoil(&mut spec);
    let landed = world.post(&client, &federation.etf_idp, &spec).await;
    assert_eq!(
        landed.location(),
        Some("/self-service/certificates"),
        "{}",
        landed.body
    );
    SelfService::request(&client, "key").await
}

#[sqlx::test]
async fn a_cyrillic_display_name_from_the_idp_is_the_certificates_name(pool: PgPool) {
    let world = SelfService::new(pool, "idp_mail").await;
    let requested = request_as(&world, ANA, |spec| {
        spec.remove(testkit::saml_idp::GIVEN_NAME);
        spec.remove(testkit::saml_idp::SURNAME);
        spec.set(DISPLAY_NAME, &["Ана Анић"]);
    })
    .await;
    assert_eq!(requested.location(), Some("/enroll"), "{}", requested.body);
    let (given_name, surname, common_name): (String, String, String) =
        sqlx::query_as("SELECT given_name, surname, common_name FROM certificate_orders")
            .fetch_one(&world.federation.app.pool)
            .await
            .unwrap();
    assert_eq!((given_name.as_str(), surname.as_str()), ("Ана", "Анић"));
    assert_eq!(common_name, "Ана Анић");
}

#[sqlx::test]
async fn a_name_the_order_parser_refuses_is_explained_not_ordered(pool: PgPool) {
    let world = SelfService::new(pool, "idp_mail").await;
    let requested = request_as(&world, ANA, |spec| {
        spec.set(testkit::saml_idp::GIVEN_NAME, &["R2D2"]);
    })
    .await;
    assert_eq!(requested.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html_unescape(&requested.body).contains(Lang::Serbian.t("self_service.request.no_name"))
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM certificate_orders")
        .fetch_one(&world.federation.app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[sqlx::test]
async fn my_certificates_shows_each_orders_state_and_marks_one_about_to_expire(pool: PgPool) {
    let world = SelfService::new(pool, "idp_mail").await;
    let ana = world.etf_person(ANA).await;
    SelfService::request(&ana, "first").await;
    let waiting = ana.get("/self-service/certificates").await;
    assert!(html_unescape(&waiting.body).contains(Lang::Serbian.t("order.status.awaiting_person")));
    sqlx::query(
        "UPDATE certificate_orders SET status = 'issued', not_after = now() + interval '10 days'",
    )
    .execute(&world.federation.app.pool)
    .await
    .unwrap();
    let issued = html_unescape(&ana.get("/self-service/certificates").await.body);
    assert!(issued.contains(Lang::Serbian.t("order.status.issued")));
    assert!(issued.contains(Lang::Serbian.t("self_service.certificates.expiring")));
}
