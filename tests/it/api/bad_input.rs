//! Bad bodies and headers get a problem of their own kind, never a 500, and nothing is
//! written.
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;

use super::{ALL_SCOPES, call, count, order_body, orders_path, place, token};
use crate::helpers::TestApp;
use crate::orders::etf;

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn malformed_orders_are_refused_by_kind_and_nothing_is_ordered(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token = token(&app, "etf-bg", ALL_SCOPES);
    let path = orders_path(world.a);
    let send = |content_type: &'static str, body: Vec<u8>| {
        let (app, path, token) = (&app, path.clone(), token.clone());
        async move {
            call(
                app,
                "POST",
                &path,
                Some(&token),
                &[("idempotency-key", "bad")],
                Some((content_type, body)),
            )
            .await
        }
    };
    let mut with = order_body("mila@etf.bg.ac.rs");
    with["admin"] = json!(true);
    let mut wrong_type = order_body("mila@etf.bg.ac.rs");
    wrong_type["emails"] = json!("mila@etf.bg.ac.rs");
    let mut huge = order_body("mila@etf.bg.ac.rs");
    huge["validity_years"] = json!(1e300);
    let mut big_integer = order_body("mila@etf.bg.ac.rs");
    big_integer["validity_years"] = json!(u64::MAX);
    let positional = json!([
        "secure_email_sponsor",
        "strict",
        ["mila@etf.bg.ac.rs"],
        "Ana",
        "Anić",
        1,
        null
    ]);
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    for (what, content_type, body, status, kind) in [
        (
            "unknown field",
            "application/json",
            with.to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-input",
        ),
        (
            "wrong type",
            "application/json",
            wrong_type.to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-input",
        ),
        (
            "huge float",
            "application/json",
            huge.to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-input",
        ),
        (
            "an array of the fields in order",
            "application/json",
            positional.to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-input",
        ),
        (
            "huge integer",
            "application/json",
            big_integer.to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-input",
        ),
        (
            "deep nesting",
            "application/json",
            deep,
            StatusCode::BAD_REQUEST,
            "bad-request",
        ),
        (
            "not JSON",
            "application/json",
            "{\"product\":".to_owned(),
            StatusCode::BAD_REQUEST,
            "bad-request",
        ),
        (
            "a form",
            "application/x-www-form-urlencoded",
            "product=x".to_owned(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
        ),
        (
            "too large",
            "application/json",
            format!("{{\"product\":\"{}\"}}", "x".repeat(3 * 1024 * 1024)),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
        ),
    ] {
        let answer = send(content_type, body.into_bytes()).await;
        assert_eq!(answer.status, status, "{what}: {}", answer.body);
        answer.problem(status, kind);
    }
    assert_eq!(
        count(&app, "SELECT count(*) FROM certificate_orders").await,
        0
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_order_without_an_idempotency_key_is_refused_by_field(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token = token(&app, "etf-bg", ALL_SCOPES);
    let answer = call(
        &app,
        "POST",
        &orders_path(world.a),
        Some(&token),
        &[("accept-language", "en")],
        Some((
            "application/json",
            order_body("mila@etf.bg.ac.rs").to_string().into_bytes(),
        )),
    )
    .await;
    let body = answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input");
    assert!(
        body["errors"]["Idempotency-Key"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key header"),
        "{body}"
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM certificate_orders").await,
        0
    );
    // With a key but a junk profile: the form's parser answers, field by field.
    let mut junk = order_body("mila@etf.bg.ac.rs");
    junk["profile_type"] = json!("superpurpose");
    let refused = place(&app, &token, world.a, "junk", &junk).await;
    let body = refused.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input");
    assert_eq!(
        body["errors"]["profile_type"], "Choose the Secure Email profile: strict or multipurpose.",
        "{body}"
    );
    assert!(
        !refused.body.contains("superpurpose"),
        "the input is echoed"
    );
}
