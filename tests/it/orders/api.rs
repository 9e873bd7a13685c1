//! The order API reads orders and revocations by the same rules as the pages, and
//! answers every refusal as RFC 9457 problem details in the caller's language.
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::{etf, order};
use crate::helpers::{TestApp, TestResponse};

const PROBLEM: &str = "application/problem+json";

fn orders_path(institution: Uuid) -> String {
    format!("/api/v1/institutions/{institution}/orders")
}

/// A complete order for the API, to be changed field by field.
fn api_order<'a>(key: &'a str, emails: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("product", "secure_email_sponsor"),
        ("profile_type", "strict"),
        ("emails", emails),
        ("given_name", "Ana"),
        ("surname", "Anić"),
        ("validity_years", "1"),
        ("idempotency_key", key),
    ]
}

/// The problem an answer carries, after checking it is one of `kind` and `status`.
fn problem(answer: &TestResponse, status: StatusCode, kind: &str) -> Value {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.header("content-type"), PROBLEM, "{}", answer.body);
    let body: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(
        body["type"],
        format!("tag:tcs.amres.ac.rs,2026:problem:{kind}"),
        "{body}"
    );
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    body
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_api_refuses_a_junk_profile_type_by_field_and_nobody_is_mailed(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let admin = &world.admin_a.client;
    let form = api_order("junk-profile", "mila@etf.bg.ac.rs");
    let form = super::with(form, "profile_type", "superpurpose");
    let refused = admin.post_form_in("en", &orders_path(world.a), &form).await;
    let body = problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, "invalid-input");
    assert_eq!(
        body["errors"]["profile_type"], "Choose the Secure Email profile: strict or multipurpose.",
        "{body}"
    );
    assert!(
        !refused.body.contains("superpurpose"),
        "the input is echoed"
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM certificate_orders").await,
        0
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE recipient = 'mila@etf.bg.ac.rs'"
        )
        .await,
        0
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_api_reads_addresses_as_the_form_does_split_on_semicolons_and_each_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let emails = "mila@etf.bg.ac.rs; Mila@ETF.bg.ac.rs,mila.milic@etf.bg.ac.rs";
    let placed = world
        .admin_a
        .client
        .post_form(&orders_path(world.a), &api_order("split", emails))
        .await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let body: Value = serde_json::from_str(&placed.body).unwrap();
    let id = Uuid::parse_str(body["order_id"].as_str().unwrap()).unwrap();
    let kept: Vec<String> =
        sqlx::query_scalar("SELECT email FROM order_emails WHERE order_id = $1 ORDER BY email")
            .bind(id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(kept, ["mila.milic@etf.bg.ac.rs", "mila@etf.bg.ac.rs"]);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_api_refuses_a_revocation_reason_the_portal_does_not_offer_and_audits_the_refusal(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let admin = &world.admin_a.client;
    let id = order(admin, world.a, "mila@etf.bg.ac.rs").await;
    let path = format!("{}/{id}/revoke", orders_path(world.a));
    let refused = admin
        .post_form_in("sr", &path, &[("reason", "removeFromCRL\")")])
        .await;
    let body = problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, "invalid-input");
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
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn api_errors_are_problem_details_in_the_callers_language_never_a_debug_string(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let id = order(&world.admin_a.client, world.a, "mila@etf.bg.ac.rs").await;
    // Another institution's order: not found, in the language asked for.
    let theirs = format!("{}/{id}/revoke", orders_path(world.b));
    let client = &world.admin_b.client;
    for (lang, words) in [("en", "does not exist"), ("sr", "ne postoji")] {
        let answer = client
            .post_form_in(lang, &theirs, &[("reason", "keyCompromise")])
            .await;
        let body = problem(&answer, StatusCode::NOT_FOUND, "not-found");
        assert!(body["detail"].as_str().unwrap().contains(words), "{body}");
    }
    // Our own order, not issued yet: a conflict, audited as a refused revocation.
    let ours = format!("{}/{id}/revoke", orders_path(world.a));
    let answer = world
        .admin_a
        .client
        .post_form_in("en", &ours, &[("reason", "keyCompromise")])
        .await;
    let body = problem(&answer, StatusCode::CONFLICT, "conflict");
    assert_eq!(
        body["detail"],
        "Only an issued certificate can be revoked; this one is not (it may have been revoked already).",
        "{body}"
    );
    assert!(!answer.body.contains("NotIssued"), "{body}");
    let outcome: Value = sqlx::query_scalar(
        "SELECT details->'outcome' FROM audit_events WHERE action = 'order.revoke_refused'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(outcome, "not_issued");
}
