//! The link from the mail: single use, expiring, re-sendable, and the later
//! access link from the "issued" mail.
use clock::Clock;
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::crypto::tokens;
use tcs_portal::domain::StaffRole;

use super::*;

#[sqlx::test]
async fn an_order_without_csr_mails_a_bilingual_link_whose_token_is_stored_only_hashed(
    pool: PgPool,
) {
    let world = world_issuing(pool).await;
    let order = order_for_person(&world, "mila", "client_premium").await;
    let mailbox = format!("mila@{DOMAIN}");
    let (subject, body): (String, String) =
        sqlx::query_as("SELECT subject, body_text FROM outbox WHERE recipient = $1")
            .bind(&mailbox)
            .fetch_one(&world.app.pool)
            .await
            .unwrap();
    assert!(subject.contains("sertifikat") && subject.contains("certificate"));
    assert!(
        body.contains("Poštovani") && body.contains("Dear"),
        "{body}"
    );
    let token = token_from_mail(&world, &mailbox).await;
    let (stored, expires): (Vec<u8>, time::OffsetDateTime) = sqlx::query_as(
        "SELECT link_token_hash, link_expires_at FROM enrollments WHERE order_id = $1",
    )
    .bind(order)
    .fetch_one(&world.app.pool)
    .await
    .unwrap();
    assert_eq!(stored, tokens::hash(&token));
    assert_eq!(token.len(), 43, "256 random bits in base64url");
    let days = (expires - world.app.clock.now()).whole_hours();
    assert!((7 * 24 - 1..=7 * 24).contains(&days), "{days} hours");
    assert_eq!(status_of(&world, order).await, "awaiting_person");
}

#[sqlx::test]
async fn confirming_records_the_mailbox_proof_with_time_and_ip(pool: PgPool) {
    let world = world_issuing(pool).await;
    let order = order_for_person(&world, "proof", "client_premium").await;
    let person = confirmed_person(&world, "proof").await;
    let (label, ip, target): (String, Option<String>, String) = sqlx::query_as(
        "SELECT actor_label, host(ip), target FROM audit_events
         WHERE action = 'enrollment.mailbox_confirmed'",
    )
    .fetch_one(&world.app.pool)
    .await
    .unwrap();
    assert_eq!(label, format!("proof@{DOMAIN}"));
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(target, format!("order:{order}"));
    let page = person.get("/enroll").await;
    page.assert_ok();
    assert!(page.body.contains("/enroll/key"), "{}", page.body);
}

#[sqlx::test]
async fn a_used_link_answers_410(pool: PgPool) {
    let world = world_issuing(pool).await;
    order_for_person(&world, "used", "client_premium").await;
    let token = token_from_mail(&world, &format!("used@{DOMAIN}")).await;
    let person = confirmed_person(&world, "used").await;
    // The person who used it, in the same browser, still reaches their page.
    person.get(&format!("/enroll/{token}")).await;
    person.get("/enroll").await.assert_ok();
    let someone = world.app.client();
    someone.get(&format!("/enroll/{token}")).await;
    super::assert_gone(&someone.get("/enroll").await);
    let again = someone.post_form("/enroll/confirm", &[]).await;
    super::assert_gone(&again);
}

#[sqlx::test]
async fn an_expired_link_answers_410(pool: PgPool) {
    let world = world_issuing(pool).await;
    order_for_person(&world, "late", "client_premium").await;
    let token = token_from_mail(&world, &format!("late@{DOMAIN}")).await;
    world
        .app
        .clock
        .advance(time::Duration::days(7) + time::Duration::minutes(1));
    let person = world.app.client();
    person.get(&format!("/enroll/{token}")).await;
    let page = person.get("/enroll").await;
    super::assert_gone(&page);
    assert!(page.body.contains("istekla"), "{}", page.body);
}

#[sqlx::test]
async fn resending_the_link_kills_the_old_one_at_once(pool: PgPool) {
    let world = world_issuing(pool).await;
    let order = order_for_person(&world, "again", "client_premium").await;
    let mailbox = format!("again@{DOMAIN}");
    let old = token_from_mail(&world, &mailbox).await;
    let resent = world
        .admin
        .client
        .post_form(
            &format!(
                "/institutions/{}/orders/{order}/resend-link",
                world.institution
            ),
            &[],
        )
        .await;
    assert_eq!(resent.status, StatusCode::SEE_OTHER, "{}", resent.body);
    assert_eq!(
        resent.location(),
        Some(format!("/institutions/{}/orders/{order}", world.institution).as_str())
    );
    let new = token_from_mail(&world, &mailbox).await;
    assert_ne!(new, old);
    let stale = world.app.client();
    stale.get(&format!("/enroll/{old}")).await;
    super::assert_gone(&stale.get("/enroll").await);
    confirmed_person(&world, "again").await;
    assert!(
        world
            .app
            .audit_actions()
            .await
            .contains(&"enrollment.link_resent".to_owned())
    );
}

#[sqlx::test]
async fn another_institutions_order_id_in_the_resend_url_is_404(pool: PgPool) {
    let world = world_issuing(pool).await;
    let order = order_for_person(&world, "theirs", "client_premium").await;
    let staff = world
        .app
        .enrolled_staff("drugi@amres.ac.rs", StaffRole::Staff)
        .await;
    let other = world
        .app
        .create_institution(&staff.client, "ftn-ns", "Fakultet tehničkih nauka", true)
        .await;
    let admin = world
        .app
        .enrolled_member(&staff.client, other, "admin@ftn.uns.ac.rs", "admin")
        .await;
    let mailbox = format!("theirs@{DOMAIN}");
    let before = token_from_mail(&world, &mailbox).await;
    let answer = admin
        .client
        .post_form(
            &format!("/institutions/{other}/orders/{order}/resend-link"),
            &[],
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);
    assert!(!answer.body.contains("theirs@"), "{}", answer.body);
    assert_eq!(token_from_mail(&world, &mailbox).await, before);
}

#[sqlx::test]
async fn the_issued_mail_carries_an_access_link_that_opens_the_pickup_page(pool: PgPool) {
    let world = world_issuing(pool).await;
    let (_, _, _) = issued_with_server_key(&world, "izdat", "client_premium", "ecdsa-p256").await;
    let mailbox = format!("izdat@{DOMAIN}");
    // The mail follows the issued status in the job's next step.
    let mut body = None;
    for _ in 0..100 {
        body = sqlx::query_scalar(
            "SELECT body_text FROM outbox WHERE recipient = $1 AND subject LIKE '%issued%'",
        )
        .bind(&mailbox)
        .fetch_optional(&world.app.pool)
        .await
        .unwrap();
        if body.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let body: String = body.expect("no issued mail");
    assert!(body.contains("izdat") && body.contains("issued"), "{body}");
    let token = token_from_mail(&world, &mailbox).await;
    // Another browser, later: the access link still opens the person's page.
    for _ in 0..2 {
        let browser = world.app.client();
        browser.get(&format!("/enroll/{token}")).await;
        let page = browser.get("/enroll").await;
        page.assert_ok();
        assert!(page.body.contains("/enroll/pickup"), "{}", page.body);
    }
}
