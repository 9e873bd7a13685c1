//! The API's authorization matrix: every operation, with no token and with tokens that
//! are expired, revoked, another institution's, short of the scope, or of a suspended
//! institution, and with a valid one.
use reqwest::StatusCode;
use sqlx::PgPool;

use serde_json::json;

use super::bulk::{bulk_path, bulk_row};
use super::{ALL_SCOPES, Answer, call, departed, order_body, orders_path, placed, token, uploaded};
use crate::helpers::TestApp;
use crate::orders::etf;

/// Every operation of the API: method, path under institution A (`{order}` is A's
/// order, `{departure}` A's departure, `{upload}` its bulk upload), the scope it needs
/// (`None`: any), and its JSON body.
fn operations(
    a: uuid::Uuid,
    order: uuid::Uuid,
    departure: &str,
    upload: &str,
) -> Vec<(&'static str, String, Option<&'static str>, Option<String>)> {
    let institution = format!("/api/v1/institutions/{a}");
    let orders = orders_path(a);
    let bulk = bulk_path(a);
    let departures = format!("{institution}/departures");
    vec![
        ("GET", institution.clone(), None, None),
        (
            "GET",
            format!("{institution}/domains"),
            Some("domains:read"),
            None,
        ),
        ("GET", orders.clone(), Some("orders:read"), None),
        (
            "POST",
            bulk.clone(),
            Some("orders:write"),
            Some(json!([bulk_row("bulk@etf.bg.ac.rs")]).to_string()),
        ),
        ("GET", format!("{bulk}/{upload}"), Some("orders:read"), None),
        (
            "POST",
            orders.clone(),
            Some("orders:write"),
            Some(order_body("nova@etf.bg.ac.rs").to_string()),
        ),
        (
            "GET",
            format!("{orders}/{order}"),
            Some("orders:read"),
            None,
        ),
        (
            "GET",
            format!("{orders}/{order}/enrollment"),
            Some("orders:read"),
            None,
        ),
        (
            "POST",
            format!("{orders}/{order}/resend-link"),
            Some("orders:write"),
            None,
        ),
        (
            "POST",
            format!("{orders}/{order}/cancel"),
            Some("orders:write"),
            None,
        ),
        (
            "POST",
            format!("{orders}/{order}/revoke"),
            Some("orders:revoke"),
            Some(r#"{"reason":"keyCompromise"}"#.to_owned()),
        ),
        ("GET", departures.clone(), Some("people:write"), None),
        (
            "POST",
            departures.clone(),
            Some("people:write"),
            Some(r#"{"email":"mila@etf.bg.ac.rs"}"#.to_owned()),
        ),
        (
            "POST",
            format!("{departures}/{departure}/undo"),
            Some("people:write"),
            None,
        ),
    ]
}

/// Every scope but `scope`.
fn all_but(scope: &str) -> String {
    ALL_SCOPES
        .split(',')
        .filter(|other| *other != scope)
        .collect::<Vec<_>>()
        .join(",")
}

async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&String>,
) -> Answer {
    call(
        app,
        method,
        path,
        token,
        &[("idempotency-key", "matrix")],
        body.map(|body| ("application/json", body.clone().into_bytes())),
    )
    .await
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn every_api_operation_refuses_every_bad_token_and_admits_a_good_one(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let setup = token(&app, "etf-bg", ALL_SCOPES);
    let order = placed(&app, &setup, world.a, "mila@etf.bg.ac.rs").await;
    placed(&app, &setup, world.a, "nada@etf.bg.ac.rs").await;
    let departure = departed(&app, &setup, world.a, "nada@etf.bg.ac.rs").await;
    let upload = uploaded(&app, &setup, world.a, "pera@etf.bg.ac.rs").await;
    let operations = operations(world.a, order, &departure, &upload);
    assert_eq!(
        operations.len(),
        tcs_portal::web::routes()
            .list()
            .iter()
            .filter(|route| route.path.starts_with("/api/v1/institutions/"))
            .count(),
        "every API operation is in the matrix"
    );
    for (method, path, scope, body) in operations {
        let body = body.as_ref();
        let what = format!("{method} {path}");
        send(&app, method, &path, None, body)
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthorized");
        send(&app, method, &path, Some("tcs_notatoken"), body)
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthorized");

        let revoked = token(&app, "etf-bg", ALL_SCOPES);
        sqlx::query("UPDATE api_tokens SET revoked_at = now() WHERE revoked_at IS NULL AND last_used_at IS NULL")
            .execute(&app.pool)
            .await
            .unwrap();
        send(&app, method, &path, Some(&revoked), body)
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthorized");

        let expired = token(&app, "etf-bg", ALL_SCOPES);
        sqlx::query("UPDATE api_tokens SET created_at = created_at - interval '2 days', expires_at = created_at - interval '1 day' WHERE revoked_at IS NULL AND last_used_at IS NULL")
            .execute(&app.pool)
            .await
            .unwrap();
        send(&app, method, &path, Some(&expired), body)
            .await
            .problem(StatusCode::UNAUTHORIZED, "unauthorized");

        let other = token(&app, "pmf-ns", ALL_SCOPES);
        send(&app, method, &path, Some(&other), body)
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");

        let valid = match scope {
            Some(scope) => {
                let short = token(&app, "etf-bg", &all_but(scope));
                send(&app, method, &path, Some(&short), body)
                    .await
                    .problem(StatusCode::FORBIDDEN, "insufficient-scope");
                token(&app, "etf-bg", scope)
            }
            // Any scope will do: the narrowest token there is, one scope, no more.
            None => token(&app, "etf-bg", "domains:read"),
        };
        sqlx::query("UPDATE institutions SET tcs_status = 'suspended' WHERE id = $1")
            .bind(world.a)
            .execute(&app.pool)
            .await
            .unwrap();
        send(&app, method, &path, Some(&valid), body)
            .await
            .problem(StatusCode::FORBIDDEN, "institution-suspended");
        sqlx::query("UPDATE institutions SET tcs_status = 'registered' WHERE id = $1")
            .bind(world.a)
            .execute(&app.pool)
            .await
            .unwrap();

        let admitted = send(&app, method, &path, Some(&valid), body).await;
        assert!(
            !matches!(
                admitted.status,
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
            ) && !admitted.status.is_server_error(),
            "{what}: {} {}",
            admitted.status,
            admitted.body
        );
    }
    // Nothing a refused token asked for happened: the setup's two orders and its bulk
    // upload's one, one more order and one more bulk upload from the valid token; the
    // setup's departure and one more from the valid token.
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM certificate_orders")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(orders, 5);
    let departures: i64 = sqlx::query_scalar("SELECT count(*) FROM departures")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(departures, 2);
}
