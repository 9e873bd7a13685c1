//! The OpenAPI document itself: every API route in it, each operation named once.
use std::collections::BTreeSet;

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::TestApp;

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn every_api_route_is_documented_with_an_operation_id_of_its_own(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let answer = super::call(&app, "GET", "/api/v1/openapi.json", None, &[], None).await;
    assert_eq!(answer.status, StatusCode::OK);
    let document = answer.json();
    let mut documented = BTreeSet::new();
    let mut operation_ids = Vec::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            documented.insert((method.to_uppercase(), path.clone()));
            operation_ids.push(operation["operationId"].as_str().unwrap().to_owned());
        }
    }
    let routes: BTreeSet<(String, String)> = tcs_portal::web::routes()
        .list()
        .iter()
        .filter(|route| route.path.starts_with("/api/v1/institutions/"))
        .map(|route| (route.method.to_owned(), route.path.to_owned()))
        .collect();
    assert_eq!(documented, routes);
    let unique: BTreeSet<&String> = operation_ids.iter().collect();
    assert_eq!(unique.len(), operation_ids.len(), "{operation_ids:?}");
}
