//! Invitations: single use, expiring, and the password policy at acceptance.
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::domain::StaffRole;

use crate::helpers::{PASSWORD, TestApp};

async fn account_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM accounts")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_invitation_token_is_stored_only_as_a_hash(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let token = app.invite_staff("ana@amres.ac.rs", StaffRole::Staff).await;
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM invitations")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, tcs_portal::crypto::tokens::hash(&token));
    assert!(!String::from_utf8_lossy(&stored).contains(&token));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_link_moves_the_token_out_of_the_address_bar(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let token = app.invite_staff("ana@amres.ac.rs", StaffRole::Staff).await;
    let client = app.client();
    let opened = client.get(&format!("/invite/{token}")).await;
    assert_eq!(opened.location(), Some("/invite"));
    let form = client.get("/invite").await;
    form.assert_ok();
    assert!(form.body.contains("ana@amres.ac.rs"));
    assert!(!form.body.contains(&token));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_used_invitation_cannot_be_used_again(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let token = app.invite_staff("ana@amres.ac.rs", StaffRole::Staff).await;
    let first = app.client();
    first.get(&format!("/invite/{token}")).await;
    let accepted = first
        .post_form(
            "/invite",
            &[
                ("display_name", "Ana"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(accepted.location(), Some("/mfa/enrol"));
    let second = app.client();
    second.get(&format!("/invite/{token}")).await;
    assert_eq!(second.get("/invite").await.status, StatusCode::GONE);
    let again = second
        .post_form(
            "/invite",
            &[
                ("display_name", "Eve"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::GONE);
    assert_eq!(account_count(&app).await, 1);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_expired_invitation_is_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let token = app.invite_staff("ana@amres.ac.rs", StaffRole::Staff).await;
    app.clock.advance(time::Duration::hours(73));
    let client = app.client();
    client.get(&format!("/invite/{token}")).await;
    let page = client.get("/invite").await;
    assert_eq!(page.status, StatusCode::GONE);
    let posted = client
        .post_form(
            "/invite",
            &[
                ("display_name", "Ana"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::GONE);
    assert_eq!(account_count(&app).await, 0);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn garbage_tokens_get_the_same_answer_as_used_ones(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client();
    for token in [
        "x",
        "%00",
        "' OR 1=1 --",
        &"A".repeat(43),
        &"z".repeat(5000),
    ] {
        let opened = client.get(&format!("/invite/{}", urlencode(token))).await;
        assert!(
            opened.status == StatusCode::SEE_OTHER || opened.status.is_client_error(),
            "{token}"
        );
        assert_eq!(
            client.get("/invite").await.status,
            StatusCode::GONE,
            "{token}"
        );
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn short_common_and_mismatched_passwords_are_refused_with_field_errors(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let token = app.invite_staff("ana@amres.ac.rs", StaffRole::Staff).await;
    let client = app.client();
    client.get(&format!("/invite/{token}")).await;
    for (password, confirm, message) in [
        ("short", "short", "at least 12"),
        ("1qaz2wsx3edc", "1qaz2wsx3edc", "most common"),
        ("a long pass-phrase", "a long pass-phrasE", "not the same"),
    ] {
        let refused = client
            .post_raw(
                "/invite",
                "application/x-www-form-urlencoded",
                serde_urlencoded::to_string([
                    ("display_name", "Ana"),
                    ("password", password),
                    ("password_confirm", confirm),
                    ("csrf_token", &client.csrf_token_for("/invite").await),
                ])
                .unwrap(),
                &[("accept-language", "en")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.body.contains(message),
            "{message}: {}",
            refused.body
        );
        assert!(refused.body.contains("aria-describedby=\"password-error\""));
    }
    assert_eq!(account_count(&app).await, 0);
    // The invitation still works after the refusals.
    let accepted = client
        .post_form(
            "/invite",
            &[
                ("display_name", "Ana"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(accepted.location(), Some("/mfa/enrol"));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_64_character_and_longer_password_is_accepted(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let token = app.invite_staff("ana@amres.ac.rs", StaffRole::Staff).await;
    let client = app.client();
    client.get(&format!("/invite/{token}")).await;
    let long = "Žuta kuća na ćošku, pored stare lipe i zelene klupe, gleda na reku ".repeat(2);
    assert!(long.chars().count() > 100);
    let accepted = client
        .post_form(
            "/invite",
            &[
                ("display_name", "Ana"),
                ("password", &long),
                ("password_confirm", &long),
            ],
        )
        .await;
    assert_eq!(accepted.location(), Some("/mfa/enrol"));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn names_with_nul_or_only_spaces_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let token = app.invite_staff("ana@amres.ac.rs", StaffRole::Staff).await;
    let client = app.client();
    client.get(&format!("/invite/{token}")).await;
    // A NUL is refused where requests enter (400); the rest by the name's rules.
    let nul = client
        .post_form(
            "/invite",
            &[
                ("display_name", "Ana\0Anić"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(nul.status, StatusCode::BAD_REQUEST);
    for name in ["   ", &"N".repeat(10_000)] {
        let refused = client
            .post_form(
                "/invite",
                &[
                    ("display_name", name),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        assert!(refused.body.contains("display_name-error"));
    }
    assert_eq!(account_count(&app).await, 0);
}
