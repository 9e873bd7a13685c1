//! Orders through the API follow the form's rules: the same parser for addresses and
//! revocation reasons, the same refusals, audited the same way.
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use super::{ALL_SCOPES, call, order_body, orders_path, place, placed, token};
use crate::helpers::TestApp;
use crate::orders::etf;

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_api_reads_addresses_as_the_form_does_each_once_whatever_its_case(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token = token(&app, "etf-bg", ALL_SCOPES);
    let mut body = order_body("mila@etf.bg.ac.rs");
    body["emails"] = json!([
        "mila@etf.bg.ac.rs",
        "Mila@ETF.bg.ac.rs",
        "mila.milic@etf.bg.ac.rs"
    ]);
    let answer = place(&app, &token, world.a, "split", &body).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let id = Uuid::parse_str(answer.json()["order_id"].as_str().unwrap()).unwrap();
    let kept: Vec<String> =
        sqlx::query_scalar("SELECT email FROM order_emails WHERE order_id = $1 ORDER BY email")
            .bind(id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(kept, ["mila.milic@etf.bg.ac.rs", "mila@etf.bg.ac.rs"]);
    // The audit says the order came through the token, and for which admin.
    let (label, actor): (Option<String>, Option<Uuid>) = sqlx::query_as(
        "SELECT actor_label, actor_account_id FROM audit_events
         WHERE action = 'order.placed' AND target = 'order:' || $1",
    )
    .bind(id.to_string())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(
        label
            .as_deref()
            .unwrap_or_default()
            .starts_with("API token IDM"),
        "{label:?}"
    );
    assert!(actor.is_some());
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_api_refuses_a_revocation_reason_the_portal_does_not_offer_and_audits_the_refusal(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token = token(&app, "etf-bg", ALL_SCOPES);
    let id = placed(&app, &token, world.a, "mila@etf.bg.ac.rs").await;
    let revoke = |reason: &str| {
        let (app, token) = (&app, token.clone());
        let body = json!({ "reason": reason }).to_string().into_bytes();
        let path = format!("{}/{id}/revoke", orders_path(world.a));
        async move {
            call(
                app,
                "POST",
                &path,
                Some(&token),
                &[("accept-language", "sr")],
                Some(("application/json", body)),
            )
            .await
        }
    };
    let refused = revoke("removeFromCRL\")").await;
    let body = refused.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input");
    assert_eq!(
        body["errors"]["reason"], "Izaberite razlog opoziva.",
        "{body}"
    );
    assert!(
        !refused.body.contains("removeFromCRL"),
        "the input is echoed"
    );
    let details: Value = sqlx::query_scalar(
        "SELECT details FROM audit_events WHERE action = 'order.revoke_refused' AND target = $1",
    )
    .bind(format!("order:{id}"))
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        details["invalid"]["reason"], "order.revoke_reason_required",
        "{details}"
    );
    // A good reason, but the order is not issued yet: a conflict, not a 500.
    let body = revoke("keyCompromise")
        .await
        .problem(StatusCode::CONFLICT, "conflict");
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_order_not_yet_sent_can_be_canceled_once_and_then_it_is_a_conflict(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token = token(&app, "etf-bg", ALL_SCOPES);
    let id = placed(&app, &token, world.a, "mila@etf.bg.ac.rs").await;
    let path = format!("{}/{id}/cancel", orders_path(world.a));
    let canceled = call(&app, "POST", &path, Some(&token), &[], None).await;
    assert_eq!(canceled.status, StatusCode::OK, "{}", canceled.body);
    let shown = call(
        &app,
        "GET",
        &format!("{}/{id}", orders_path(world.a)),
        Some(&token),
        &[],
        None,
    )
    .await;
    assert_eq!(shown.json()["status"], "canceled", "{}", shown.body);
    call(&app, "POST", &path, Some(&token), &[], None)
        .await
        .problem(StatusCode::CONFLICT, "conflict");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn resending_the_link_through_the_api_mails_the_person_a_new_one(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token = token(&app, "etf-bg", ALL_SCOPES);
    let id = placed(&app, &token, world.a, "mila@etf.bg.ac.rs").await;
    let path = format!("{}/{id}/resend-link", orders_path(world.a));
    let sent = call(&app, "POST", &path, Some(&token), &[], None).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert_eq!(sent.json()["outcome"], "sent");
    let mails = super::count(
        &app,
        "SELECT count(*) FROM outbox WHERE recipient = 'mila@etf.bg.ac.rs'",
    )
    .await;
    assert_eq!(mails, 2, "the order's link, then the new one");
}
