//! `/api/docs`: the reference page rendered from the OpenAPI document, offline.
use sqlx::PgPool;

use crate::helpers::{TestApp, html_unescape};

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_api_reference_shows_every_operation_of_the_openapi_document_with_its_scope_and_a_curl_example_without_login(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let visitor = app.client();
    let document: serde_json::Value =
        serde_json::from_str(&visitor.get("/api/v1/openapi.json").await.body).unwrap();
    let page = visitor
        .get_with("/api/docs", &[("accept-language", "en")])
        .await;
    page.assert_ok();
    let body = html_unescape(&page.body);
    let mut operations = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let method = method.to_uppercase();
            assert!(
                body.contains(&format!("<code>{method} {path}</code>")),
                "{method} {path} missing"
            );
            for scope in operation["security"][0]["bearer"].as_array().unwrap() {
                assert!(body.contains(scope.as_str().unwrap()), "{scope}");
            }
            // Every path parameter becomes a shell variable: `{order_id}` → `${ORDER_ID}`;
            // a query string may follow, so the URL is matched up to the path's end.
            let curl_path = path
                .split('/')
                .map(
                    |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) => format!("${{{}}}", name.to_uppercase()),
                        None => segment.to_owned(),
                    },
                )
                .collect::<Vec<_>>()
                .join("/");
            assert!(
                body.contains(&format!(
                    "curl -X {method} \"{}{curl_path}",
                    app.state.settings.public_url
                )),
                "{method} {path}: no curl example"
            );
        }
    }
    assert_eq!(
        body.matches("curl -X ").count(),
        operations,
        "one example per operation of the document, and no other"
    );
    // The order's fields, the idempotency header in the example, a problem type.
    for expected in [
        "validity_years",
        "-H \"Idempotency-Key: ${IDEMPOTENCY_KEY}\"",
        "\"product\": ",
        "tag:tcs.amres.ac.rs,2026:problem:insufficient-scope",
        "Authorization: Bearer ${TCS_TOKEN}",
    ] {
        assert!(body.contains(expected), "{expected} missing");
    }
    assert!(!body.contains("src=\"http"), "nothing from another origin");
}
