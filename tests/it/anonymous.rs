//! Visitors without a session: their visits and forms keep nothing on the
//! server, their CSRF tokens are bound to their browser and to one form, and a
//! session (with a fresh token) appears only when there is something to keep.
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::auth::csrf;
use tcs_portal::domain::StaffRole;

use crate::helpers::{PASSWORD, TestApp, TestClient};

async fn session_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// The token in the form posting to `action` on the page `body`.
fn form_token(body: &str, action: &str) -> String {
    let form = body
        .split("<form ")
        .find(|form| form.starts_with(&format!("action=\"{action}\"")))
        .unwrap_or_else(|| panic!("no form posting to {action}"));
    let marker = "name=\"csrf_token\" value=\"";
    let start = form.find(marker).unwrap() + marker.len();
    form[start..start + form[start..].find('"').unwrap()].to_owned()
}

async fn post_with_token(client: &TestClient, path: &str, token: &str, rest: &str) -> StatusCode {
    client
        .post_raw(
            path,
            "application/x-www-form-urlencoded",
            format!("csrf_token={token}&{rest}"),
            &[],
        )
        .await
        .status
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn anonymous_visits_and_failed_posts_create_no_session_rows(pool: PgPool) {
    // Every visit from 127.0.0.1: a budget for all of them.
    let app = TestApp::spawn_configured(pool, |settings| {
        settings.clients.login_attempts_per_minute = 1_000;
    })
    .await;
    for _ in 0..50 {
        // A new browser each time, as a crawler or a flood would be.
        let visitor = app.client();
        visitor.get("/login").await.assert_ok();
        let refused = visitor
            .post_form(
                "/login",
                &[
                    ("email", "nobody@amres.ac.rs"),
                    ("password", "wrong wrong wrong"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    }
    let visitor = app.client();
    let bogus = "b".repeat(43);
    for path in [
        format!("/invite/{bogus}"),
        "/invite".to_owned(),
        format!("/enroll/{bogus}"),
        "/enroll".to_owned(),
        "/enroll/chain.pem".to_owned(),
        "/".to_owned(),
        "/no/such/page".to_owned(),
    ] {
        let answer = visitor.get(&path).await;
        assert!(
            !answer.status.is_server_error(),
            "{path}: {}",
            answer.status
        );
    }
    for (path, fields) in [
        ("/lang", &[("lang", "en"), ("back", "/login")][..]),
        (
            "/invite",
            &[
                ("display_name", "X"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ][..],
        ),
        ("/enroll/confirm", &[][..]),
        ("/enroll/key", &[("key_type", "p256")][..]),
        ("/logout", &[][..]),
    ] {
        let answer = visitor.post_form(path, fields).await;
        assert!(
            !answer.status.is_server_error(),
            "{path}: {}",
            answer.status
        );
    }
    let forged = post_with_token(&visitor, "/login", "forged", "email=a%40b.rs&password=x").await;
    assert_eq!(forged, StatusCode::FORBIDDEN);
    // The language chosen without a session is kept in the browser.
    assert!(
        visitor
            .get("/login")
            .await
            .body
            .contains("<html lang=\"en\">")
    );
    assert_eq!(session_rows(&app).await, 0);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_anonymous_token_works_only_for_its_browser_and_its_form(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let visitor = app.client();
    let page = visitor.get("/login").await;
    let nonce_cookie = page.header("set-cookie");
    assert!(
        nonce_cookie.starts_with(csrf::NONCE_COOKIE),
        "{nonce_cookie}"
    );
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(nonce_cookie.contains(attribute), "{nonce_cookie}");
    }
    let login_token = form_token(&page.body, "/login");
    let lang_token = form_token(&page.body, "/lang");
    assert_ne!(login_token, lang_token);
    let login = "email=nobody%40amres.ac.rs&password=wrong+wrong+wrong";
    // The page's own token reaches the password check.
    assert_eq!(
        post_with_token(&visitor, "/login", &login_token, login).await,
        StatusCode::UNAUTHORIZED
    );
    // The token of another form of the same page is refused.
    assert_eq!(
        post_with_token(&visitor, "/login", &lang_token, login).await,
        StatusCode::FORBIDDEN
    );
    // Another browser's token, or this token from another browser, is refused.
    let other = app.client();
    let other_token = form_token(&other.get("/login").await.body, "/login");
    assert_eq!(
        post_with_token(&visitor, "/login", &other_token, login).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post_with_token(&app.client(), "/login", &login_token, login).await,
        StatusCode::FORBIDDEN
    );
    // A token made under another master key, with this browser's nonce, is refused.
    let nonce = visitor.cookie(csrf::NONCE_COOKIE).unwrap();
    let stranger_key = tcs_portal::crypto::MasterKey::from_base64(
        &tcs_portal::crypto::MasterKey::generate_base64(),
    )
    .unwrap();
    let forged = csrf::anonymous_token(&stranger_key, &nonce, "/login");
    assert_eq!(
        post_with_token(&visitor, "/login", &forged, login).await,
        StatusCode::FORBIDDEN
    );
    // No token, an empty one, or the nonce itself.
    let missing = visitor
        .post_raw(
            "/login",
            "application/x-www-form-urlencoded",
            login.to_owned(),
            &[],
        )
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert_eq!(
        post_with_token(&visitor, "/login", "", login).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post_with_token(&visitor, "/login", &nonce, login).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(session_rows(&app).await, 0);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_csrf_token_changes_at_login_and_at_the_second_factor(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    let client = app.client();
    let anonymous = form_token(&client.get("/login").await.body, "/login");
    let password = client
        .post_form("/login", &[("email", &user.email), ("password", PASSWORD)])
        .await;
    assert_eq!(password.location(), Some("/mfa"));
    let pending = form_token(&client.get("/mfa").await.body, "/mfa");
    assert_ne!(pending, anonymous);
    app.next_totp_step();
    let code = app.totp_now(&user.secret);
    let mfa = post_with_token(&client, "/mfa", &pending, &format!("code={code}")).await;
    assert_eq!(mfa, StatusCode::SEE_OTHER);
    let account = client.get("/account").await;
    let logged_in = form_token(&account.body, "/lang");
    assert_ne!(logged_in, pending);
    // The token from before the second factor no longer works.
    for stale in [&pending, &anonymous] {
        assert_eq!(
            post_with_token(&client, "/lang", stale, "lang=en").await,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        post_with_token(&client, "/lang", &logged_in, "lang=en").await,
        StatusCode::SEE_OTHER
    );
    // A password change is a privilege change too: a new token, shown at once.
    let changed = client
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "another long pass-phrase"),
                ("new_password_confirm", "another long pass-phrase"),
            ],
        )
        .await;
    changed.assert_ok();
    let renewed = form_token(&changed.body, "/lang");
    assert_ne!(renewed, logged_in);
    assert_eq!(
        post_with_token(&client, "/lang", &logged_in, "lang=en").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post_with_token(&client, "/lang", &renewed, "lang=en").await,
        StatusCode::SEE_OTHER
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_invitation_makes_a_session_only_when_accepted(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let token = app.invite_staff("nova@amres.ac.rs", StaffRole::Staff).await;
    let client = app.client();
    let opened = client.get(&format!("/invite/{token}")).await;
    assert_eq!(opened.location(), Some("/invite"));
    let cookie = opened.header("set-cookie");
    assert!(
        cookie.starts_with("__Host-tcs_invite=") && cookie.contains("Secure"),
        "{cookie}"
    );
    let form = client.get("/invite").await;
    form.assert_ok();
    let refused = client
        .post_form(
            "/invite",
            &[
                ("display_name", "Nova"),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(session_rows(&app).await, 0);
    let accepted = client
        .post_form(
            "/invite",
            &[
                ("display_name", "Nova"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(accepted.location(), Some("/mfa/enrol"));
    assert!(
        client.cookie("__Host-tcs_invite").is_none(),
        "the token cookie is cleared"
    );
    assert_eq!(session_rows(&app).await, 1);
}

#[sqlx::test]
async fn a_persons_link_makes_a_session_only_when_redeemed(pool: PgPool) {
    use crate::enrollment::{order_for_person, token_from_mail, world_issuing};
    let world = world_issuing(pool).await;
    order_for_person(&world, "mila", "client_premium").await;
    let token = token_from_mail(&world, "mila@etf.bg.ac.rs").await;
    let before = session_rows(&world.app).await;
    let person = world.app.client();
    let opened = person.get(&format!("/enroll/{token}")).await;
    assert_eq!(opened.location(), Some("/enroll"));
    let page = person.get("/enroll").await;
    page.assert_ok();
    assert!(page.body.contains("/enroll/confirm"));
    person.get("/enroll").await.assert_ok();
    assert_eq!(session_rows(&world.app).await, before);
    let confirmed = person.post_form("/enroll/confirm", &[]).await;
    assert_eq!(confirmed.location(), Some("/enroll"));
    assert_eq!(session_rows(&world.app).await, before + 1);
    assert!(person.cookie("__Host-tcs_link").is_none());
    person.get("/enroll").await.assert_ok();
}

/// Every template file under `dir`, with its text.
fn templates(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(templates(&path));
        } else {
            found.push((
                path.display().to_string(),
                std::fs::read_to_string(&path).unwrap(),
            ));
        }
    }
    found
}

#[test]
fn every_form_asks_for_the_token_of_a_route_that_takes_its_post() {
    let posts: std::collections::BTreeSet<&str> = tcs_portal::web::routes()
        .list()
        .iter()
        .filter(|route| route.method == "POST")
        .map(|route| route.path)
        .collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut purposes = 0;
    for (file, text) in templates(&dir) {
        let literal = |piece: &str| piece[..piece.find('"').unwrap()].to_owned();
        let mut named: Vec<String> = text.split("page.csrf(\"").skip(1).map(literal).collect();
        // post_button(page, format!(…), "<purpose>", "<label>")
        named.extend(
            text.split("post_button(page, format!(")
                .skip(1)
                .map(|call| literal(&call[call.find("), \"").unwrap() + 4..])),
        );
        let inputs = text.matches("name=\"csrf_token\"").count();
        assert!(
            text.matches("page.csrf(").count() >= inputs,
            "{file}: a form without a purpose"
        );
        for purpose in named {
            assert!(
                posts.contains(purpose.as_str()),
                "{file}: {purpose} takes no POST"
            );
            purposes += 1;
        }
    }
    assert!(purposes > 30, "{purposes}");
}
