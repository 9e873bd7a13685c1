//! The outbox: mail survives a crash between the write and the send.
use std::sync::Arc;

use clock::Clock;
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::config::{MailSettings, MailTransportKind};
use tcs_portal::domain::StaffRole;
use tcs_portal::mail::Mail;
use tcs_portal::mail::transport::Outgoing;
use tcs_portal::mail::worker::MAX_ATTEMPTS;

use crate::helpers::TestApp;

fn file_transport(dir: &std::path::Path) -> Outgoing {
    Outgoing::from_settings(&MailSettings {
        transport: MailTransportKind::File,
        smtp_url: None,
        from: "TCS portal <tcs@amres.ac.rs>".to_owned(),
        dir: dir.to_owned(),
    })
    .unwrap()
}

/// A file transport whose folder cannot be written: it fails like a dead SMTP
/// server until the blocking file at the returned path is replaced by a folder.
fn blocked_transport() -> (Outgoing, std::path::PathBuf) {
    let blocked = std::env::temp_dir().join(format!("tcs-mail-blocked-{}", uuid::Uuid::new_v4()));
    let outgoing = file_transport(&blocked);
    std::fs::remove_dir_all(&blocked).unwrap();
    std::fs::write(&blocked, b"not a folder").unwrap();
    (outgoing, blocked)
}

fn unblock(blocked: &std::path::Path) {
    std::fs::remove_file(blocked).unwrap();
    std::fs::create_dir_all(blocked).unwrap();
}

async fn queue(app: &TestApp, to: &str) -> i64 {
    let mut tx = app.pool.begin().await.unwrap();
    let id = Mail {
        to: to.to_owned(),
        subject: "Poziv / Invitation".to_owned(),
        body: "Zdravo / Hello".to_owned(),
    }
    .enqueue(&mut tx, app.clock.now())
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn queued_mail_is_delivered_once_and_marked_sent(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let dir = std::env::temp_dir().join(format!("tcs-mail-{}", uuid::Uuid::new_v4()));
    let outgoing = file_transport(&dir);
    let id = queue(&app, "ana@amres.ac.rs").await;
    let sent = tcs_portal::mail::worker::deliver_due(&app.pool, &outgoing, &app.clock)
        .await
        .unwrap();
    assert_eq!(sent, 1);
    let file = std::fs::read_to_string(dir.join(format!("{id:010}.eml"))).unwrap();
    assert!(file.contains("To: ana@amres.ac.rs") && file.contains("Zdravo / Hello"));
    let again = tcs_portal::mail::worker::deliver_due(&app.pool, &outgoing, &app.clock)
        .await
        .unwrap();
    assert_eq!(again, 0);
    std::fs::remove_dir_all(dir).ok();
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn mail_claimed_by_a_worker_that_died_is_sent_after_the_lease(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let dir = std::env::temp_dir().join(format!("tcs-mail-{}", uuid::Uuid::new_v4()));
    let outgoing = file_transport(&dir);
    let id = queue(&app, "ana@amres.ac.rs").await;
    // A worker claims the message and dies before sending it.
    let claimed =
        tcs_portal::db::outbox::claim(&app.pool, 10, app.clock.now(), time::Duration::minutes(5))
            .await
            .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        tcs_portal::mail::worker::deliver_due(&app.pool, &outgoing, &app.clock)
            .await
            .unwrap(),
        0
    );
    app.clock.advance(time::Duration::minutes(6));
    assert_eq!(
        tcs_portal::mail::worker::deliver_due(&app.pool, &outgoing, &app.clock)
            .await
            .unwrap(),
        1
    );
    assert!(dir.join(format!("{id:010}.eml")).exists());
    std::fs::remove_dir_all(dir).ok();
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_failed_delivery_is_retried_later_with_its_error_kept(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (outgoing, blocked) = blocked_transport();
    queue(&app, "ana@amres.ac.rs").await;
    assert_eq!(
        tcs_portal::mail::worker::deliver_due(&app.pool, &outgoing, &app.clock)
            .await
            .unwrap(),
        1
    );
    let (sent, error): (Option<time::OffsetDateTime>, Option<String>) =
        sqlx::query_as("SELECT sent_at, last_error FROM outbox")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(sent.is_none());
    assert!(error.unwrap().contains("cannot write"));
    assert_eq!(
        tcs_portal::mail::worker::deliver_due(&app.pool, &outgoing, &app.clock)
            .await
            .unwrap(),
        0
    );
    unblock(&blocked);
    app.clock.advance(time::Duration::minutes(2));
    assert_eq!(
        tcs_portal::mail::worker::deliver_due(&app.pool, &outgoing, &app.clock)
            .await
            .unwrap(),
        1
    );
    let sent: Option<time::OffsetDateTime> = sqlx::query_scalar("SELECT sent_at FROM outbox")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(sent.is_some());
    std::fs::remove_dir_all(blocked).ok();
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn mail_written_in_a_rolled_back_transaction_is_never_sent(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut tx = app.pool.begin().await.unwrap();
    Mail {
        to: "ana@amres.ac.rs".into(),
        subject: "x".into(),
        body: "y".into(),
    }
    .enqueue(&mut tx, app.clock.now())
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    let outgoing = Arc::new(file_transport(
        &std::env::temp_dir().join("tcs-mail-unused"),
    ));
    assert_eq!(
        tcs_portal::mail::worker::deliver_due(&app.pool, &outgoing, &app.clock)
            .await
            .unwrap(),
        0
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn mail_that_keeps_failing_is_given_up_and_staff_can_send_it_again(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (outgoing, blocked) = blocked_transport();
    let id = queue(&app, "nobody@unreachable.ac.rs").await;
    let deliver = || tcs_portal::mail::worker::deliver_due(&app.pool, &outgoing, &app.clock);
    for _ in 0..MAX_ATTEMPTS {
        assert_eq!(deliver().await.unwrap(), 1);
        app.clock.advance(time::Duration::hours(2));
    }
    // Given up: not tried again, however long one waits.
    app.clock.advance(time::Duration::days(1));
    assert_eq!(deliver().await.unwrap(), 0);

    // Staff come along a day later (their invitation is delivered elsewhere).
    let staff = app
        .enrolled_staff("staff@amres.ac.rs", StaffRole::Staff)
        .await;
    staff.client.post_form("/lang", &[("lang", "en")]).await;
    sqlx::query("UPDATE outbox SET sent_at = now() WHERE id <> $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let page = staff.client.get("/staff/operations").await;
    page.assert_ok();
    let section = page
        .all_between("id=\"undelivered-mail\"", "</section>")
        .concat();
    assert!(section.contains("nobody@unreachable.ac.rs"), "{section}");
    assert!(section.contains("Poziv / Invitation"), "{section}");
    assert!(section.contains("cannot write"), "{section}");
    assert!(
        !section.contains("Zdravo / Hello"),
        "the text stays hidden: {section}"
    );

    unblock(&blocked);
    let again = staff
        .client
        .post_form(&format!("/staff/mail/{id}/send-again"), &[])
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(deliver().await.unwrap(), 1);
    assert!(blocked.join(format!("{id:010}.eml")).exists());
    let twice = staff
        .client
        .post_form(&format!("/staff/mail/{id}/send-again"), &[])
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(
        app.audit_actions()
            .await
            .contains(&"mail.sent_again".to_owned())
    );
    let page = staff.client.get("/staff/operations").await;
    assert!(page.body.contains("None: every message was delivered"));
    std::fs::remove_dir_all(blocked).ok();
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_text_of_mail_delivered_over_a_week_ago_is_erased(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let dir = std::env::temp_dir().join(format!("tcs-mail-{}", uuid::Uuid::new_v4()));
    let outgoing = file_transport(&dir);
    let deliver = || tcs_portal::mail::worker::deliver_due(&app.pool, &outgoing, &app.clock);
    let old = queue(&app, "ana@amres.ac.rs").await;
    assert_eq!(deliver().await.unwrap(), 1);
    app.clock.advance(time::Duration::days(8));
    let recent = queue(&app, "ana@amres.ac.rs").await;
    assert_eq!(deliver().await.unwrap(), 1);
    let waiting = queue(&app, "ana@amres.ac.rs").await;

    let stop = tokio_util::sync::CancellationToken::new();
    tokio::spawn(tcs_portal::mail::worker::run_retention(
        app.pool.clone(),
        Arc::new(app.clock.clone()),
        stop.clone(),
    ));
    let text = |id: i64| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_as::<_, (String, String, String)>(
                "SELECT recipient, subject, body_text FROM outbox WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !text(old).await.2.is_empty() {
        assert!(std::time::Instant::now() < deadline, "never erased");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    stop.cancel();
    let (recipient, subject, _) = text(old).await;
    assert_eq!(
        (recipient.as_str(), subject.as_str()),
        ("ana@amres.ac.rs", "Poziv / Invitation"),
        "who got what, and when, stays"
    );
    assert_eq!(text(recent).await.2, "Zdravo / Hello", "a week is kept");
    assert_eq!(
        text(waiting).await.2,
        "Zdravo / Hello",
        "undelivered mail is kept"
    );
    std::fs::remove_dir_all(dir).ok();
}
