//! Departures over the API (issue 15 §4) with a `people:write` token: the Departures
//! page's service, its mails, grace period and audit, and undo during the grace period.
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;

use super::{call, count, departed, departures_path, get, placed, send, token};
use crate::helpers::TestApp;
use crate::orders::etf;

/// ETF with an order for Mila, and a `people:write` token of ETF.
async fn etf_with_mila(app: &TestApp) -> (crate::tenancy::TwoInstitutions, String) {
    let world = etf(app).await;
    let orders = token(app, "etf-bg", "orders:write");
    placed(app, &orders, world.a, "mila@etf.bg.ac.rs").await;
    (world, token(app, "etf-bg", "people:write"))
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_identity_system_marks_a_leaver_departed_lists_it_and_undoes_it_during_the_grace_period(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let (world, people) = etf_with_mila(&app).await;
    let path = departures_path(world.a);
    let departure = departed(&app, &people, world.a, "Mila@ETF.bg.ac.rs").await;

    let listed = get(&app, &people, &path).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let listed = listed.json();
    assert_eq!(listed[0]["id"], departure);
    assert_eq!(listed[0]["email"], "mila@etf.bg.ac.rs");
    assert_eq!(listed[0]["state"], "grace");
    assert_eq!(
        listed[0]["revoke_at"].as_i64().unwrap() - listed[0]["marked_at"].as_i64().unwrap(),
        7 * 24 * 3600,
        "the default grace period"
    );
    // The same as from the page: the person and the admins are mailed, it is audited.
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE recipient = 'mila@etf.bg.ac.rs'"
        )
        .await,
        2,
        "the order's link and the departure"
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM audit_events WHERE action = 'person.departed' AND actor_account_id IS NOT NULL").await,
        1
    );

    let again = send(
        &app,
        &people,
        "POST",
        &path,
        Some(&json!({"email": "mila@etf.bg.ac.rs"})),
    )
    .await;
    again.problem(StatusCode::CONFLICT, "conflict");

    let undo = format!("{path}/{departure}/undo");
    let undone = send(&app, &people, "POST", &undo, None).await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.body);
    assert_eq!(undone.json()["outcome"], "undone");
    assert_eq!(get(&app, &people, &path).await.json()[0]["state"], "undone");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM audit_events WHERE action = 'person.departure_undone'"
        )
        .await,
        1
    );
    send(&app, &people, "POST", &undo, None)
        .await
        .problem(StatusCode::CONFLICT, "conflict");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn another_institutions_departure_is_not_found_and_bad_addresses_are_field_errors(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let (world, people) = etf_with_mila(&app).await;
    let path = departures_path(world.a);
    let departure = departed(&app, &people, world.a, "mila@etf.bg.ac.rs").await;

    // PMF's token, on PMF's own path, with ETF's departure: as if it did not exist.
    let theirs = token(&app, "pmf-ns", "people:write");
    send(
        &app,
        &theirs,
        "POST",
        &format!("{}/{departure}/undo", departures_path(world.b)),
        None,
    )
    .await
    .problem(StatusCode::NOT_FOUND, "not-found");
    assert!(
        get(&app, &theirs, &departures_path(world.b))
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM departures WHERE state = 'grace'"
        )
        .await,
        1,
        "still departing"
    );

    for (body, status, kind) in [
        (
            json!({"email": "nije adresa"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-input",
        ),
        (
            json!({"email": "niko@etf.bg.ac.rs"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-input",
        ),
        (
            json!({"email": 42}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-input",
        ),
        (
            json!({"email": "mila@etf.bg.ac.rs", "grace_days": 0}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-input",
        ),
        (json!({}), StatusCode::UNPROCESSABLE_ENTITY, "invalid-input"),
        (
            json!("mila@etf.bg.ac.rs"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-input",
        ),
        (
            json!(["mila@etf.bg.ac.rs"]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-input",
        ),
    ] {
        let answer = send(&app, &people, "POST", &path, Some(&body)).await;
        answer.problem(status, kind);
    }
    let unknown = send(
        &app,
        &people,
        "POST",
        &path,
        Some(&json!({"email": "niko@etf.bg.ac.rs"})),
    )
    .await;
    let problem = unknown.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input");
    assert_eq!(
        problem["errors"]["email"],
        "No certificate of this institution names that address."
    );
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    call(
        &app,
        "POST",
        &path,
        Some(&people),
        &[],
        Some(("application/json", deep.into_bytes())),
    )
    .await
    .problem(StatusCode::BAD_REQUEST, "bad-request");
    let undo_garbage = send(
        &app,
        &people,
        "POST",
        &format!("{path}/not-a-uuid/undo"),
        None,
    )
    .await;
    assert!(
        undo_garbage.status.is_client_error(),
        "{}",
        undo_garbage.body
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM departures").await,
        1,
        "nothing else was marked"
    );
}
