//! The order page: details, timeline, cancel, revoke, and the wall between
//! institutions on every order URL.
use std::time::Duration as StdDuration;

use clock::{Clock, SystemClock};
use digicert_sim::EmailValidationMode;
use pki::keygen::{self, KeyType};
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::domain::EmailAddress;
use uuid::Uuid;

use super::{DOMAIN, english, etf, order};
use crate::helpers::{TestApp, TestClient, html_unescape};

async fn status_of(app: &TestApp, id: Uuid) -> String {
    sqlx::query_scalar("SELECT status FROM certificate_orders WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn page(client: &TestClient, institution: Uuid, id: Uuid) -> String {
    let page = client
        .get(&format!("/institutions/{institution}/orders/{id}"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    html_unescape(&page.body)
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_order_page_shows_the_order_its_raw_digicert_status_and_its_timeline(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let id = order(&world.admin_a.client, world.a, "ana@etf.bg.ac.rs").await;
    sqlx::query("UPDATE certificate_orders SET digicert_status = 'needs_approval' WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let body = page(&world.admin_a.client, world.a, id).await;
    for expected in [
        "Waiting for the person",
        "<code class=\"digicert-status\">needs_approval</code>",
        "ana@etf.bg.ac.rs",
        "Secure Email (sponsor-validated)",
        "<code>order.placed</code>",
        &format!(
            "action=\"/institutions/{}/orders/{id}/resend-link\"",
            world.a
        ),
        &format!("action=\"/institutions/{}/orders/{id}/cancel\"", world.a),
        &format!("href=\"/institutions/{}/orders/new?again={id}\"", world.a),
        &format!(
            "href=\"/institutions/{}/orders?person=ana%40etf.bg.ac.rs\"",
            world.a
        ),
    ] {
        assert!(body.contains(expected), "page lacks {expected}");
    }
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_order_waiting_for_the_person_is_canceled_once_and_the_timeline_says_so(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let client = &world.admin_a.client;
    let id = order(client, world.a, "ana@etf.bg.ac.rs").await;
    let path = format!("/institutions/{}/orders/{id}/cancel", world.a);
    let canceled = client.post_form(&path, &[]).await;
    assert_eq!(canceled.status, StatusCode::SEE_OTHER, "{}", canceled.body);
    assert_eq!(status_of(&app, id).await, "canceled");
    let shown = client.get(canceled.location().unwrap()).await;
    assert!(shown.body.contains("The order was canceled"));
    assert!(shown.body.contains("<code>order.canceled</code>"));
    assert!(
        !shown.body.contains("/cancel\""),
        "no cancel button any more"
    );
    let again = client.post_form(&path, &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("can no longer be canceled"));
}

/// Places an order with a CSR through the JSON API: it is queued for DigiCert.
async fn queued(app: &TestApp, institution: Uuid, local: &str) -> Uuid {
    let email = format!("{local}@{DOMAIN}");
    let key = keygen::generate(
        KeyType::EcdsaP256,
        "Ana Anic",
        &[EmailAddress::parse(&email).unwrap()],
    )
    .unwrap();
    let (status, id) = crate::api::api_order(
        app,
        institution,
        local,
        &serde_json::json!({
            "product": "client_premium",
            "emails": [email],
            "given_name": "Ana",
            "surname": "Anić",
            "validity_years": 1,
            "csr": key.csr_pem(),
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{id}");
    let id = Uuid::parse_str(id["order_id"].as_str().unwrap()).unwrap();
    assert_eq!(status_of(app, id).await, "queued");
    id
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn cancel_and_the_submit_job_never_both_win(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let client = &world.admin_a.client;
    let now = SystemClock.now();
    // Canceled first: the submit job's attempt finds nothing to send.
    let first = queued(&app, world.a, "prvi").await;
    let canceled = client
        .post_form(
            &format!("/institutions/{}/orders/{first}/cancel", world.a),
            &[],
        )
        .await;
    assert_eq!(canceled.status, StatusCode::SEE_OTHER, "{}", canceled.body);
    let attempted = tcs_portal::db::orders::unscoped_record_attempt(&app.pool, first.into(), now)
        .await
        .unwrap();
    assert!(!attempted, "a canceled order counted a submission attempt");
    // The submit job went first: it is too late to cancel.
    let second = queued(&app, world.a, "drugi").await;
    assert!(
        tcs_portal::db::orders::unscoped_record_attempt(&app.pool, second.into(), now)
            .await
            .unwrap()
    );
    let refused = client
        .post_form(
            &format!("/institutions/{}/orders/{second}/cancel", world.a),
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(status_of(&app, second).await, "queued");
}

#[sqlx::test]
async fn revoking_needs_a_reason_and_a_second_revoke_is_refused(pool: PgPool) {
    let world = crate::ordering::world(pool, EmailValidationMode::Automatic).await;
    let id = crate::ordering::place(&world, "petar").await;
    crate::ordering::until_all(&world, &[id], "issued", StdDuration::from_secs(30)).await;
    let client = &world.admin.client;
    english(client).await;
    let path = format!("/institutions/{}/orders/{id}/revoke", world.institution);
    let no_reason = client.post_form(&path, &[("reason", "")]).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("Choose a reason"));
    assert_eq!(status_of(&world.app, id).await, "issued");
    let revoked = client
        .post_form(
            &path,
            &[("reason", "keyCompromise"), ("comment", "laptop stolen")],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
    assert_eq!(status_of(&world.app, id).await, "revoked");
    let twice = client
        .post_form(&path, &[("reason", "keyCompromise")])
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(
        twice
            .body
            .contains("Only an issued certificate can be revoked")
    );
    let body = page(client, world.institution, id).await;
    assert!(body.contains("<code>order.revoke</code>"));
}

#[sqlx::test]
async fn the_revocation_comment_is_kept_in_the_audit_log(pool: PgPool) {
    let world = crate::ordering::world(pool, EmailValidationMode::Automatic).await;
    let id = crate::ordering::place(&world, "komentar").await;
    crate::ordering::until_all(&world, &[id], "issued", StdDuration::from_secs(30)).await;
    let client = &world.admin.client;
    let path = format!("/institutions/{}/orders/{id}/revoke", world.institution);
    let comment = "Laptop ukraden u vozu; prijava policiji br. 17/2026";
    let revoked = client
        .post_form(&path, &[("reason", "keyCompromise"), ("comment", comment)])
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
    let details: serde_json::Value = sqlx::query_scalar(
        "SELECT details FROM audit_events WHERE action = 'order.revoke' AND target = $1",
    )
    .bind(format!("order:{id}"))
    .fetch_one(&world.app.pool)
    .await
    .unwrap();
    assert_eq!(details["comment"], comment, "{details}");
    assert_eq!(details["reason"], "keyCompromise", "{details}");
}

#[sqlx::test]
async fn a_revocation_comment_of_501_characters_is_refused_and_the_form_comes_back_as_typed(
    pool: PgPool,
) {
    let world = crate::ordering::world(pool, EmailValidationMode::Automatic).await;
    let id = crate::ordering::place(&world, "predugo").await;
    crate::ordering::until_all(&world, &[id], "issued", StdDuration::from_secs(30)).await;
    let client = &world.admin.client;
    english(client).await;
    let path = format!("/institutions/{}/orders/{id}/revoke", world.institution);
    let too_long = "ž".repeat(501);
    let refused = client
        .post_form(&path, &[("reason", "superseded"), ("comment", &too_long)])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = html_unescape(&refused.body);
    assert!(
        body.contains("The comment is too long: at most 500 characters."),
        "{body}"
    );
    assert!(
        body.contains(&format!("value=\"{too_long}\"")),
        "the comment was lost"
    );
    assert!(
        body.contains("value=\"superseded\" selected"),
        "the reason was lost"
    );
    assert_eq!(status_of(&world.app, id).await, "issued");
    let asked: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'order.revoke' AND target = $1",
    )
    .bind(format!("order:{id}"))
    .fetch_one(&world.app.pool)
    .await
    .unwrap();
    assert_eq!(asked, 0, "DigiCert was asked");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn another_institutions_order_is_not_found_at_every_order_url(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let id = order(&world.admin_a.client, world.a, "ana@etf.bg.ac.rs").await;
    let b = world.b;
    let client = &world.admin_b.client;
    for path in [
        format!("/institutions/{b}/orders/{id}"),
        format!("/institutions/{b}/orders/new?again={id}"),
    ] {
        assert_eq!(
            client.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for (path, form) in [
        (format!("/institutions/{b}/orders/{id}/cancel"), vec![]),
        (
            format!("/institutions/{b}/orders/{id}/revoke"),
            vec![("reason", "keyCompromise")],
        ),
        (format!("/institutions/{b}/orders/{id}/revoke"), vec![]),
    ] {
        let answer = client.post_form(&path, &form).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!answer.body.contains("ana@etf.bg.ac.rs"));
    }
    assert_eq!(status_of(&app, id).await, "awaiting_person");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_order_page_sends_the_persons_link_again(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let client = &world.admin_a.client;
    let id = order(client, world.a, "jelena@etf.bg.ac.rs").await;
    let mails = || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE recipient = $1")
            .bind("jelena@etf.bg.ac.rs")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        n
    };
    assert_eq!(mails().await, 1, "placing mailed the person their link");
    let path = format!("/institutions/{}/orders/{id}/resend-link", world.a);
    assert!(
        page(client, world.a, id)
            .await
            .contains(&format!("action=\"{path}\""))
    );
    let resent = client.post_form(&path, &[]).await;
    assert_eq!(resent.status, StatusCode::SEE_OTHER, "{}", resent.body);
    assert_eq!(
        resent.location(),
        Some(format!("/institutions/{}/orders/{id}", world.a).as_str())
    );
    assert_eq!(mails().await, 2);
    let body = page(client, world.a, id).await;
    assert!(
        body.contains("<code>enrollment.link_resent</code>"),
        "{body}"
    );
}
