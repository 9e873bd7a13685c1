//! Pickup of the PKCS#12: the passphrase step happens once, wrong passphrases
//! are throttled, and the sealed key is wiped when saved or after the grace period.
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::services::enrollment::wipe::wipe_due;

use super::*;

async fn count(world: &World, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&world.app.pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn reloading_the_key_step_shows_no_passphrase_and_makes_no_second_key(pool: PgPool) {
    let world = world_issuing(pool).await;
    let order = order_for_person(&world, "reload", "client_premium").await;
    let person = confirmed_person(&world, "reload").await;
    let passphrase = server_key(&person, "ecdsa-p256").await;
    assert_eq!(passphrase.len(), 29, "five groups of five: {passphrase}");
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT sealed_private_key FROM enrollments")
        .fetch_one(&world.app.pool)
        .await
        .unwrap();
    let reload = person
        .post_form("/enroll/key", &[("key_type", "ecdsa-p256")])
        .await;
    assert_eq!(reload.location(), Some("/enroll"));
    assert!(!reload.body.contains(&passphrase));
    let page = person.get("/enroll").await;
    assert!(!page.body.contains(&passphrase));
    let after: Vec<u8> = sqlx::query_scalar("SELECT sealed_private_key FROM enrollments")
        .fetch_one(&world.app.pool)
        .await
        .unwrap();
    assert_eq!(sealed, after, "the key was not made again");
    assert_eq!(
        count(
            &world,
            "SELECT count(*) FROM audit_events WHERE action = 'enrollment.key_made'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &world,
            "SELECT count(*) FROM jobs WHERE kind = 'digicert.submit_order'"
        )
        .await,
        1
    );
    // The passphrase is nowhere in the database or the outbox.
    let everywhere: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM outbox WHERE body_text LIKE '%' || $1 || '%')
              + (SELECT count(*) FROM audit_events WHERE details::text LIKE '%' || $1 || '%')",
    )
    .bind(&passphrase)
    .fetch_one(&world.app.pool)
    .await
    .unwrap();
    assert_eq!(everywhere, 0);
    assert_ne!(status_of(&world, order).await, "awaiting_person");
}

/// Posts the pickup form, which answers with a redirect to the page; returns that page.
async fn answered(world: &World, person: &TestClient, passphrase: &str) -> String {
    let answer = pickup(world, person, passphrase).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", text(&answer));
    assert_eq!(answer.headers["location"], "/enroll");
    let page = person.get("/enroll").await;
    page.assert_ok();
    page.body
}

#[sqlx::test]
async fn the_sixth_wrong_passphrase_is_throttled_and_the_wait_grows(pool: PgPool) {
    let world = world_issuing(pool).await;
    let (_, person, passphrase) =
        issued_with_server_key(&world, "pogresno", "client_premium", "ecdsa-p256").await;
    let wrong = pki::Passphrase::generate();
    for attempt in 1..=5 {
        let page = answered(&world, &person, wrong.expose_secret()).await;
        assert!(page.contains("ne otvara vaš ključ"), "attempt {attempt}");
    }
    let sixth = answered(&world, &person, wrong.expose_secret()).await;
    assert!(sixth.contains("Previše pogrešnih lozinki"), "{sixth}");
    // While blocked even the right passphrase waits.
    let right_too_soon = answered(&world, &person, &passphrase).await;
    assert!(right_too_soon.contains("Previše pogrešnih lozinki"));
    // After a minute one more try is allowed; wrong again, the wait doubles.
    world.app.clock.advance(time::Duration::seconds(61));
    let seventh = answered(&world, &person, wrong.expose_secret()).await;
    assert!(seventh.contains("ne otvara vaš ključ"));
    world.app.clock.advance(time::Duration::seconds(61));
    assert!(
        answered(&world, &person, &passphrase)
            .await
            .contains("Previše pogrešnih lozinki")
    );
    world.app.clock.advance(time::Duration::seconds(61));
    let right = pickup_file(&world, &person, &[("passphrase", &passphrase)]).await;
    assert_eq!(right.status, StatusCode::OK, "{}", text(&right));
    assert_eq!(
        count(
            &world,
            "SELECT count(*) FROM audit_events WHERE action = 'enrollment.pickup_refused'"
        )
        .await,
        6
    );
}

#[sqlx::test]
async fn a_wrong_passphrase_is_told_once_and_a_reload_posts_nothing(pool: PgPool) {
    let world = world_issuing(pool).await;
    let (_, person, _) =
        issued_with_server_key(&world, "jednom", "client_premium", "ecdsa-p256").await;
    let wrong = pki::Passphrase::generate();
    let page = answered(&world, &person, wrong.expose_secret()).await;
    assert!(page.contains("ne otvara vaš ključ"), "{page}");
    // The browser reloads the page it was redirected to: a GET, no second attempt.
    let reloaded = person.get("/enroll").await;
    assert!(
        !reloaded.body.contains("ne otvara vaš ključ"),
        "the error stays once"
    );
    assert_eq!(
        count(
            &world,
            "SELECT count(*) FROM audit_events WHERE action = 'enrollment.pickup_refused'"
        )
        .await,
        1
    );
}

#[sqlx::test]
async fn after_pickup_the_page_says_what_happened_and_what_to_do_next(pool: PgPool) {
    let world = world_issuing(pool).await;
    let (_, person, passphrase) =
        issued_with_server_key(&world, "preuzeo", "client_premium", "ecdsa-p256").await;
    let wrong = pki::Passphrase::generate();
    answered(&world, &person, wrong.expose_secret()).await;
    let page = answered(&world, &person, &passphrase).await;
    assert!(
        page.contains("Datoteka sa sertifikatom se preuzima"),
        "{page}"
    );
    assert!(page.contains("Šta dalje"), "{page}");
    assert!(
        !page.contains("ne otvara vaš ključ"),
        "the earlier error is gone"
    );
    assert!(
        page.contains(r#"<meta http-equiv="refresh" content="1;url=/enroll/certificate.p12">"#),
        "the download starts without script: {page}"
    );
    let filename = page
        .split("<strong class=\"filename\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the file's name")
        .to_owned();
    assert!(filename.ends_with(".p12"), "{filename}");
    // A reload keeps the explanation but does not start the download again.
    let reloaded = person.get("/enroll").await;
    assert!(
        reloaded
            .body
            .contains("Datoteka sa sertifikatom se preuzima")
    );
    assert!(!reloaded.body.contains("url=/enroll/certificate.p12"));
    let file = download(&world, &person, "/enroll/certificate.p12").await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.headers["content-type"], "application/x-pkcs12");
    assert_eq!(file.headers["cache-control"], "no-store");
    assert!(
        file.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&filename)
    );
    // Saved: the file goes with the key.
    person.post_form("/enroll/saved", &[]).await;
    let after = download(&world, &person, "/enroll/certificate.p12").await;
    assert_eq!(after.status, StatusCode::GONE);
    assert!(
        !person
            .get("/enroll")
            .await
            .body
            .contains("Datoteka sa sertifikatom se preuzima")
    );
}

#[sqlx::test]
async fn the_passphrase_is_shown_large_in_groups_with_a_copy_button_that_needs_script(
    pool: PgPool,
) {
    let world = world_issuing(pool).await;
    order_for_person(&world, "grupe", "client_premium").await;
    let person = confirmed_person(&world, "grupe").await;
    let made = person
        .post_form("/enroll/key", &[("key_type", "ecdsa-p256")])
        .await;
    made.assert_ok();
    assert_eq!(
        made.body.matches("<span class=\"group\">").count(),
        5,
        "five groups of five: {}",
        made.body
    );
    assert!(made.body.contains("class=\"passphrase-box\""));
    // Without script there is no copy button to press; app.js shows it.
    assert!(
        made.body.contains(r#"data-copy="passphrase""#) && made.body.contains(" hidden>"),
        "{}",
        made.body
    );
    assert!(!made.body.contains("<script>"), "no inline script");
    let script = person.get("/static/app.js").await;
    assert!(script.body.contains("navigator.clipboard.writeText"));
}

#[sqlx::test]
async fn pickup_after_the_person_saved_the_file_is_410(pool: PgPool) {
    let world = world_issuing(pool).await;
    let (order, person, passphrase) =
        issued_with_server_key(&world, "sacuvao", "client_premium", "ecdsa-p256").await;
    let first = pickup_file(&world, &person, &[("passphrase", &passphrase)]).await;
    assert_eq!(first.status, StatusCode::OK);
    let saved = person.post_form("/enroll/saved", &[]).await;
    assert_eq!(saved.location(), Some("/enroll"), "{}", saved.body);
    let again = pickup(&world, &person, &passphrase).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(
        text(&again).contains("obrisan sa portala"),
        "{}",
        text(&again)
    );
    assert_eq!(
        count(
            &world,
            "SELECT count(*) FROM enrollments WHERE sealed_private_key IS NOT NULL"
        )
        .await,
        0
    );
    assert!(
        world
            .app
            .audit_actions()
            .await
            .contains(&"enrollment.key_wiped".to_owned())
    );
    // The chain stays available.
    let p7b = download(&world, &person, "/enroll/chain.p7b").await;
    assert_eq!(p7b.status, StatusCode::OK);
    // Collected: the admin can no longer re-send a link for it.
    let resend = world
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
    assert_eq!(resend.status, StatusCode::CONFLICT, "{}", resend.body);
}

#[sqlx::test]
async fn a_key_nobody_picked_up_is_wiped_after_the_grace_period(pool: PgPool) {
    let world = world_issuing(pool).await;
    let (_, person, passphrase) =
        issued_with_server_key(&world, "zaboravio", "client_premium", "ecdsa-p256").await;
    let grace = world.app.state.settings.enrollment.key_grace;
    assert_eq!(
        wipe_due(&world.app.pool, &world.app.clock, grace)
            .await
            .unwrap(),
        0,
        "not yet"
    );
    world.app.clock.advance(grace + time::Duration::hours(1));
    assert_eq!(
        wipe_due(&world.app.pool, &world.app.clock, grace)
            .await
            .unwrap(),
        1
    );
    let late = pickup(&world, &person, &passphrase).await;
    assert_eq!(late.status, StatusCode::GONE);
    let why: serde_json::Value = sqlx::query_scalar(
        "SELECT details FROM audit_events WHERE action = 'enrollment.key_wiped'",
    )
    .fetch_one(&world.app.pool)
    .await
    .unwrap();
    assert!(why["why"].as_str().unwrap().contains("grace"), "{why}");
}
