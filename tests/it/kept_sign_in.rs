//! What authenticating a request read is kept between requests (`auth::signed_in_cache`),
//! yet a change made anywhere counts from the very next request. Each change here is made
//! straight in the database, as another process of the portal would make it, after the
//! page was opened often enough for its reading to be kept.
use axum::http::StatusCode;
use sqlx::PgPool;

use crate::helpers::{TestApp, TestClient};
use crate::tenancy::two_institutions;

/// Opens `path` until its reading is kept: the first view may write the session (a new
/// row version), the second reads it afresh and keeps it, the third uses it.
async fn keep(client: &TestClient, path: &str) {
    for _ in 0..3 {
        client.get(path).await.assert_ok();
    }
}

/// Runs `sql` with `id` straight in the database, as another process of the portal would.
async fn change_elsewhere(app: &TestApp, sql: &str, id: uuid::Uuid) {
    let changed = sqlx::query(sql).bind(id).execute(&app.pool).await.unwrap();
    assert!(changed.rows_affected() > 0, "{sql} changed nothing");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_membership_ended_by_another_process_closes_the_institution_at_the_next_request(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = two_institutions(&app).await;
    let dashboard = format!("/institutions/{}", world.a);
    keep(&world.admin_a.client, &dashboard).await;
    change_elsewhere(
        &app,
        "UPDATE memberships SET status = 'removed' WHERE account_id = $1",
        world.admin_a.account_id,
    )
    .await;
    let after = world.admin_a.client.get(&dashboard).await;
    assert_eq!(after.status, StatusCode::NOT_FOUND, "{}", after.body);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_admin_made_auditor_by_another_process_can_no_longer_change_anything(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = two_institutions(&app).await;
    keep(&world.admin_a.client, &format!("/institutions/{}", world.a)).await;
    change_elsewhere(
        &app,
        "UPDATE memberships SET role = 'auditor' WHERE account_id = $1",
        world.admin_a.account_id,
    )
    .await;
    let added = world
        .admin_a
        .client
        .post_form(
            &format!("/institutions/{}/domains", world.a),
            &[("name", "etf.bg.ac.rs")],
        )
        .await;
    assert_eq!(added.status, StatusCode::FORBIDDEN, "{}", added.body);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_institution_suspended_by_another_process_is_closed_to_its_admin_at_the_next_request(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = two_institutions(&app).await;
    let dashboard = format!("/institutions/{}", world.a);
    keep(&world.admin_a.client, &dashboard).await;
    change_elsewhere(
        &app,
        "UPDATE institutions SET tcs_status = 'suspended' WHERE id = $1",
        world.a,
    )
    .await;
    let after = world.admin_a.client.get(&dashboard).await;
    assert_eq!(after.status, StatusCode::FORBIDDEN, "{}", after.body);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_session_ended_by_another_process_is_logged_out_at_the_next_request(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = two_institutions(&app).await;
    keep(&world.staff.client, "/staff").await;
    change_elsewhere(
        &app,
        "DELETE FROM tower_sessions.session WHERE account_id = $1",
        world.staff.account_id,
    )
    .await;
    assert_eq!(
        world.staff.client.get("/staff").await.location(),
        Some("/login")
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_staff_role_taken_away_by_another_process_closes_the_staff_pages_at_the_next_request(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = two_institutions(&app).await;
    keep(&world.staff.client, "/staff").await;
    change_elsewhere(
        &app,
        "UPDATE accounts SET staff_role = NULL WHERE id = $1",
        world.staff.account_id,
    )
    .await;
    assert_eq!(
        world.staff.client.get("/staff").await.status,
        StatusCode::FORBIDDEN
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_institution_renamed_by_another_process_shows_its_new_short_name_in_the_switcher_at_once(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = two_institutions(&app).await;
    keep(&world.admin_a.client, "/account").await;
    change_elsewhere(
        &app,
        "UPDATE institutions SET short_name = 'NOVO-IME' WHERE id = $1",
        world.a,
    )
    .await;
    let after = world.admin_a.client.get("/account").await;
    after.assert_ok();
    assert!(after.body.contains("NOVO-IME"), "{}", after.body);
}
