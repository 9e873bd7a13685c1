//! The institution, its domains and a person's enrollment over the API: what the
//! dashboard and the order page show, with real data, and nothing secret.
use std::time::Duration as StdDuration;

use reqwest::StatusCode;
use sqlx::PgPool;
use uuid::Uuid;

use pki::keygen::{self, KeyType};
use serde_json::json;
use tcs_portal::domain::EmailAddress;

use super::{ALL_SCOPES, admin_token, get, order_body, orders_path, place, token};
use crate::enrollment::{
    confirmed_person, order_for_person, pickup, server_key, token_from_mail, world_issuing,
};
use crate::helpers::TestApp;
use crate::ordering::{DOMAIN, until_all};
use crate::orders::{EXPIRED_DOMAIN, etf};

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_token_reads_its_institution_and_what_blocks_ordering_as_the_dashboard_says(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    // Any scope reads the institution: here one that has nothing to do with it.
    let token = token(&app, "etf-bg", "domains:read");
    let path = format!("/api/v1/institutions/{}", world.a);
    let ready = get(&app, &token, &path).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    let body = ready.json();
    assert_eq!(body["id"], world.a.to_string());
    assert_eq!(body["slug"], "etf-bg");
    assert_eq!(body["tcs_status"], "registered");
    assert_eq!(body["digicert_organization"], true);
    assert_eq!(body["organization_validation"], "validated");
    assert_eq!(body["can_order"], true, "{body}");
    assert_eq!(body["blocked_by"], serde_json::json!([]));

    sqlx::query("UPDATE institutions SET org_validation_status = 'expired' WHERE id = $1")
        .bind(world.a)
        .execute(&app.pool)
        .await
        .unwrap();
    let blocked = get(&app, &token, &path).await.json();
    assert_eq!(blocked["can_order"], false);
    assert_eq!(
        blocked["blocked_by"][0]["message"],
        "precondition.org_not_validated"
    );
    assert!(
        blocked["blocked_by"][0]["detail"]
            .as_str()
            .is_some_and(|detail| !detail.is_empty()),
        "{blocked}"
    );
    // The dashboard names the same condition.
    let dashboard = world
        .admin_a
        .client
        .get(&format!("/institutions/{}", world.a))
        .await;
    let detail = blocked["blocked_by"][0]["detail"].as_str().unwrap();
    assert!(
        crate::helpers::html_unescape(&dashboard.body).contains(detail),
        "the dashboard does not say: {detail}"
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_domains_come_with_their_validation_state_and_dates_and_another_institutions_are_hidden(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token = token(&app, "etf-bg", "domains:read");
    let answer = get(
        &app,
        &token,
        &format!("/api/v1/institutions/{}/domains", world.a),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let domains = answer.json();
    let names: Vec<&str> = domains
        .as_array()
        .unwrap()
        .iter()
        .map(|domain| domain["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [DOMAIN, EXPIRED_DOMAIN], "by name");
    let current = |name: &str| {
        domains
            .as_array()
            .unwrap()
            .iter()
            .find(|domain| domain["name"] == name)
            .unwrap()
            .clone()
    };
    let valid = current(DOMAIN);
    assert_eq!(valid["validation_status"], "validated");
    assert_eq!(valid["current"], true);
    assert!(valid["validated_until"].as_i64().is_some());
    let lapsed = current(EXPIRED_DOMAIN);
    assert_eq!(lapsed["current"], false, "its validation ended yesterday");
    assert!(!answer.body.contains("dcv_token"), "{}", answer.body);

    let other = get(
        &app,
        &token,
        &format!("/api/v1/institutions/{}/domains", world.b),
    )
    .await;
    other.problem(StatusCode::NOT_FOUND, "not-found");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_enrollment_follows_the_person_from_link_to_pickup_and_never_shows_a_secret(
    pool: PgPool,
) {
    let world = world_issuing(pool).await;
    let app = &world.app;
    let token = admin_token(app, world.institution).await;
    let order = order_for_person(&world, "ana", "client_premium").await;
    let path = format!("{}/{order}/enrollment", orders_path(world.institution));
    let state = || async { get(app, &token, &path).await };

    let sent = state().await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let body = sent.json();
    assert_eq!(body["link"], "open");
    assert_eq!(body["mailbox_proved"], false);
    assert!(body["link_expires_at"].as_i64().unwrap() > body["link_sent_at"].as_i64().unwrap());
    assert_eq!(body["key_origin"], serde_json::Value::Null);
    let link = token_from_mail(&world, &format!("ana@{DOMAIN}")).await;
    assert!(!sent.body.contains(&link), "the link leaked");

    let person = confirmed_person(&world, "ana").await;
    let body = state().await.json();
    assert_eq!(body["link"], "used");
    assert_eq!(body["mailbox_proved"], true);
    assert!(body["mailbox_proved_at"].as_i64().is_some());

    let passphrase = server_key(&person, "ecdsa-p256").await;
    until_all(&world, &[order], "issued", StdDuration::from_secs(60)).await;
    let chosen = state().await;
    let body = chosen.json();
    assert_eq!(body["key_origin"], "server");
    assert_eq!(body["key_type"], "ecdsa-p256");
    assert_eq!(body["order_status"], "issued");
    assert_eq!(body["picked_up"], false);
    assert!(!chosen.body.contains(&passphrase), "the passphrase leaked");

    let picked = pickup(&world, &person, &passphrase).await;
    assert!(picked.status.is_redirection() || picked.status.is_success());
    let body = state().await.json();
    assert_eq!(body["picked_up"], true, "{body}");
    assert!(body["picked_up_at"].as_i64().is_some());
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_order_placed_with_a_csr_has_no_link_and_another_institutions_order_is_not_found(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token_a = token(&app, "etf-bg", ALL_SCOPES);
    let email = EmailAddress::parse("mila@etf.bg.ac.rs").unwrap();
    let key = keygen::generate(KeyType::EcdsaP256, "Mila", &[email]).unwrap();
    let mut body = order_body("mila@etf.bg.ac.rs");
    body["csr"] = json!(key.csr_pem());
    let answer = place(&app, &token_a, world.a, "with-csr", &body).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let order = Uuid::parse_str(answer.json()["order_id"].as_str().unwrap()).unwrap();
    let path = format!("{}/{order}/enrollment", orders_path(world.a));
    let none = get(&app, &token_a, &path).await;
    assert_eq!(none.status, StatusCode::OK, "{}", none.body);
    let none = none.json();
    assert_eq!(none["link"], "none");
    assert_eq!(none["mailbox_proved"], false);
    assert_eq!(none["order_status"], "queued");

    let token_b = token(&app, "pmf-ns", ALL_SCOPES);
    let theirs = format!("{}/{order}/enrollment", orders_path(world.b));
    get(&app, &token_b, &theirs)
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
}
