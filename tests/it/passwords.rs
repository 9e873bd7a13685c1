//! The password policy wherever a password is set (registering through an invitation,
//! which is also how staff enrol, and the account page), and the account page's own
//! throttle on wrong current passwords.
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::domain::StaffRole;

use crate::helpers::{PASSWORD, TestApp, TestClient, html_unescape};

/// A client holding a fresh staff invitation for ana.anic@amres.ac.rs.
async fn invited(app: &TestApp) -> TestClient {
    let token = app
        .invite_staff("ana.anic@amres.ac.rs", StaffRole::Staff)
        .await;
    let client = app.client();
    client.get(&format!("/invite/{token}")).await;
    client
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn repeats_and_the_own_email_are_refused_at_registration_with_the_reason_in_both_languages(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let client = invited(&app).await;
    let nines = "9".repeat(29);
    for (password, english, serbian) in [
        ("aaaaaaaaaaaa", "Repeated characters", "Ponovljeni znakovi"),
        (nines.as_str(), "Repeated characters", "Ponovljeni znakovi"),
        (
            "ana.anic@amres.ac.rs",
            "your own e-mail address or name",
            "vaše adrese e-pošte ili imena",
        ),
        (
            "AnaAnic2024!",
            "your own e-mail address or name",
            "vaše adrese e-pošte ili imena",
        ),
    ] {
        for (lang, message) in [("en", english), ("sr", serbian)] {
            let refused = client
                .post_form_in(
                    lang,
                    "/invite",
                    &[
                        ("display_name", "Ana Anić"),
                        ("password", password),
                        ("password_confirm", password),
                    ],
                )
                .await;
            assert_eq!(
                refused.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{password}"
            );
            assert!(
                html_unescape(&refused.body).contains(message),
                "{password} in {lang}: {}",
                refused.body
            );
            assert!(refused.body.contains("aria-describedby=\"password-error\""));
        }
    }
    let accounts: i64 = sqlx::query_scalar("SELECT count(*) FROM accounts")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(accounts, 0);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_account_page_refuses_the_current_password_the_own_email_and_repeats(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana.anic@amres.ac.rs", StaffRole::Staff)
        .await;
    for (new, english, serbian) in [
        (
            PASSWORD,
            "must differ from the current one",
            "mora se razlikovati od trenutne",
        ),
        (
            "ana.anic@amres.ac.rs",
            "your own e-mail address or name",
            "vaše adrese e-pošte ili imena",
        ),
        ("aaaaaaaaaaaa", "Repeated characters", "Ponovljeni znakovi"),
    ] {
        for (lang, message) in [("en", english), ("sr", serbian)] {
            let refused = user
                .client
                .post_form_in(
                    lang,
                    "/account/password",
                    &[
                        ("current_password", PASSWORD),
                        ("new_password", new),
                        ("new_password_confirm", new),
                    ],
                )
                .await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{new}");
            assert!(
                html_unescape(&refused.body).contains(message),
                "{new} in {lang}: {}",
                refused.body
            );
            assert!(
                refused
                    .body
                    .contains("aria-describedby=\"new_password-error\"")
            );
        }
    }
    // Nothing changed: the old password still logs in.
    app.log_in(&user).await;
    assert!(
        !app.audit_actions()
            .await
            .contains(&"account.password_changed".to_owned())
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn wrong_current_passwords_close_the_form_for_a_while_but_never_lock_the_login(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana.anic@amres.ac.rs", StaffRole::Staff)
        .await;
    let new = "a brand new pass-phrase";
    let attempt = |current: &'static str| {
        let client = user.client.clone();
        async move {
            client
                .post_form_in(
                    "en",
                    "/account/password",
                    &[
                        ("current_password", current),
                        ("new_password", new),
                        ("new_password_confirm", new),
                    ],
                )
                .await
        }
    };
    for _ in 0..4 {
        let wrong = attempt("not my password!").await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.body.contains("The current password is wrong."));
    }
    let fifth = attempt("not my password!").await;
    assert_eq!(fifth.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(fifth.body.contains("this form is closed for 15 minutes"));
    // Closed means closed: even the right current password waits.
    let right_but_closed = attempt(PASSWORD).await;
    assert_eq!(right_but_closed.status, StatusCode::TOO_MANY_REQUESTS);
    // Logging in is not affected at all, on this session or a new one.
    user.client.get("/account").await.assert_ok();
    app.log_in(&user).await;
    let (failed_logins, locked_until): (i32, Option<time::OffsetDateTime>) =
        sqlx::query_as("SELECT failed_logins, locked_until FROM accounts WHERE id = $1")
            .bind(user.account_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((failed_logins, locked_until), (0, None));
    // After the pause the form works again.
    app.clock.advance(time::Duration::minutes(16));
    let client = app.log_in(&user).await;
    let changed = client
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new),
                ("new_password_confirm", new),
            ],
        )
        .await;
    changed.assert_ok();
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"account.password_form_closed".to_owned()));
    assert!(!actions.contains(&"account.locked".to_owned()));
}
