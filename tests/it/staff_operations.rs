//! The staff operations page: the DigiCert connection check and failed jobs.
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::domain::StaffRole;

use crate::helpers::{SANDBOX_KEY, TestApp};

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn staff_see_the_connection_work_with_the_right_api_key(pool: PgPool) {
    let (_sandbox, app) = TestApp::spawn_with_sandbox(pool, SANDBOX_KEY).await;
    let staff = app.english_staff().await;
    let checked = staff
        .client
        .post_form("/staff/operations/digicert-check", &[])
        .await;
    checked.assert_ok();
    assert!(
        checked.body.contains("Connected to DigiCert"),
        "{}",
        checked.body
    );
    assert!(
        app.audit_actions()
            .await
            .contains(&"digicert.connection_checked".to_owned())
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_wrong_api_key_gets_a_clear_banner(pool: PgPool) {
    let (_sandbox, app) = TestApp::spawn_with_sandbox(pool, "revoked-key").await;
    let staff = app.english_staff().await;
    let checked = staff
        .client
        .post_form("/staff/operations/digicert-check", &[])
        .await;
    assert!(
        checked.body.contains("DigiCert rejected our API key"),
        "{}",
        checked.body
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn without_a_key_the_page_says_digicert_is_not_configured(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let staff = app.english_staff().await;
    let checked = staff
        .client
        .post_form("/staff/operations/digicert-check", &[])
        .await;
    assert!(checked.body.contains("DigiCert is not configured"));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_failed_job_is_shown_with_its_error_and_staff_can_retry_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let staff = app
        .enrolled_staff("staff@amres.ac.rs", StaffRole::Staff)
        .await;
    let auditor = app
        .enrolled_staff("revizor@amres.ac.rs", StaffRole::StaffAuditor)
        .await;
    let now = clock::Clock::now(&app.clock);
    let job = tcs_portal::jobs::NewJob::from_value(
        "digicert.place_order",
        serde_json::json!({"order": 7}),
    )
    .max_attempts(1);
    let id = tcs_portal::jobs::enqueue(&app.pool, &job, now)
        .await
        .unwrap()
        .unwrap();
    let claimed = tcs_portal::jobs::claim(
        &app.pool,
        "test-worker",
        &["digicert.place_order".to_owned()],
        1,
        time::Duration::minutes(1),
        now,
    )
    .await
    .unwrap();
    tcs_portal::jobs::fail_permanently(
        &app.pool,
        &claimed[0],
        "DigiCert answered 503 three times",
        now,
    )
    .await
    .unwrap();
    let page = staff.client.get("/staff/operations").await;
    page.assert_ok();
    assert!(
        page.body.contains("DigiCert answered 503 three times")
            && page.body.contains("digicert.place_order")
    );
    let refused = auditor
        .client
        .post_form(&format!("/staff/jobs/{id}/retry"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let retried = staff
        .client
        .post_form(&format!("/staff/jobs/{id}/retry"), &[])
        .await;
    assert_eq!(retried.status, StatusCode::SEE_OTHER);
    let state: String = sqlx::query_scalar("SELECT state FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(state, "queued");
    let again = staff
        .client
        .post_form(&format!("/staff/jobs/{id}/retry"), &[])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        app.audit_actions()
            .await
            .contains(&"job.retried".to_owned())
    );
}
