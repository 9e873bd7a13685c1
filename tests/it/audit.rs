//! The audit log: append-only, hash-chained, readable by staff with filters.
use sqlx::PgPool;
use tcs_portal::domain::StaffRole;

use crate::helpers::TestApp;

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_database_refuses_to_change_or_delete_audit_events(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.invite_staff("ana@amres.ac.rs", StaffRole::Staff).await;
    for statement in [
        "UPDATE audit_events SET action = 'nothing.happened'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ] {
        let error = sqlx::query(statement).execute(&app.pool).await.unwrap_err();
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
    assert_eq!(
        app.audit_actions().await,
        vec!["invitation.created".to_owned()]
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_chain_verifies_and_names_the_first_tampered_row(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    assert_eq!(
        tcs_portal::db::audit::first_broken_row(&app.pool)
            .await
            .unwrap(),
        None
    );
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM audit_events ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(ids.len() >= 3);
    // Someone with database superuser rights edits history behind the portal's back.
    sqlx::query("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete")
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_events SET actor_label = 'someone else' WHERE id = $1")
        .bind(ids[1])
        .execute(&app.pool)
        .await
        .unwrap();
    let broken = tcs_portal::db::audit::first_broken_row(&app.pool)
        .await
        .unwrap();
    assert_eq!(broken.map(|(id, _)| id), Some(ids[1]));
    // Deleting a row instead breaks the chain at its successor.
    sqlx::query("UPDATE audit_events SET actor_label = NULL WHERE id = $1")
        .bind(ids[1])
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        tcs_portal::db::audit::first_broken_row(&app.pool)
            .await
            .unwrap(),
        None
    );
    sqlx::query("DELETE FROM audit_events WHERE id = $1")
        .bind(ids[1])
        .execute(&app.pool)
        .await
        .unwrap();
    let broken = tcs_portal::db::audit::first_broken_row(&app.pool)
        .await
        .unwrap();
    assert_eq!(broken.map(|(id, _)| id), Some(ids[2]));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn concurrent_writers_still_form_one_chain(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..20 {
        let pool = app.pool.clone();
        tasks.spawn(async move {
            let mut tx = pool.begin().await.unwrap();
            tcs_portal::audit::AuditEvent::new("test.concurrent")
                .actor_label(format!("writer {n}"))
                .record(&mut tx, &tcs_portal::audit::RequestMeta::default())
                .await
                .unwrap();
            tx.commit().await.unwrap();
        });
    }
    while tasks.join_next().await.is_some() {}
    assert_eq!(tcs_portal::db::audit::count(&app.pool).await.unwrap(), 20);
    assert_eq!(
        tcs_portal::db::audit::first_broken_row(&app.pool)
            .await
            .unwrap(),
        None
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn staff_read_the_log_filtered_by_action_and_actor(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    app.client()
        .post_form(
            "/login",
            &[
                ("email", "mallory@amres.ac.rs"),
                ("password", "guess guess guess"),
            ],
        )
        .await;
    let all = user.client.get("/staff/audit").await;
    all.assert_ok();
    assert!(all.body.contains("mfa.enrolled") && all.body.contains("login.failed"));
    let failed = user.client.get("/staff/audit?action=login.failed").await;
    assert!(failed.body.contains("mallory@amres.ac.rs") && !failed.body.contains("mfa.enrolled"));
    let by_actor = user.client.get("/staff/audit?actor=ana%40amres").await;
    assert!(by_actor.body.contains("mfa.enrolled") && !by_actor.body.contains("mallory"));
    let bad_date = user.client.get("/staff/audit?from=yesterday").await;
    bad_date.assert_ok();
    assert!(bad_date.body.contains("role=\"alert\""));
    let hostile = user
        .client
        .get("/staff/audit?actor=%27%3B%20DROP%20TABLE%20audit_events%3B--&before=1%20OR%201%3D1")
        .await;
    hostile.assert_ok();
    assert!(tcs_portal::db::audit::count(&app.pool).await.unwrap() > 0);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn staff_auditors_read_the_log_and_anonymous_visitors_are_sent_to_login(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let auditor = app
        .enrolled_staff("rev@amres.ac.rs", StaffRole::StaffAuditor)
        .await;
    auditor.client.get("/staff/audit").await.assert_ok();
    assert!(
        auditor.client.get("/staff").await.body.contains("auditor")
            || auditor.client.get("/staff").await.body.contains("revizor")
    );
    assert_eq!(
        app.client().get("/staff/audit").await.location(),
        Some("/login")
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn every_auth_event_is_audited_with_ip_and_request_id(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    user.client.post_form("/logout", &[]).await;
    let (ip, request_id): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT host(ip), request_id FROM audit_events WHERE action = 'mfa.enrolled'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(request_id.map(|id| id.len()), Some(36));
    let actions = app.audit_actions().await;
    for expected in ["invitation.accepted", "mfa.enrolled", "logout"] {
        assert!(actions.contains(&expected.to_owned()), "{expected}");
    }
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn audit_event_ids_follow_each_other_without_gaps(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for email in ["a@amres.ac.rs", "b@amres.ac.rs", "c@amres.ac.rs"] {
        app.invite_staff(email, StaffRole::Staff).await;
    }
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM audit_events ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(ids, vec![ids[0], ids[0] + 1, ids[0] + 2]);
}
