//! Security properties every page shares: CSRF, headers, cookies, limits, errors.
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::domain::StaffRole;

use crate::helpers::{PASSWORD, TestApp};

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_post_without_the_csrf_token_is_refused_and_changes_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    let before = app.audit_actions().await.len();
    let body = serde_urlencoded::to_string([
        ("current_password", PASSWORD),
        ("new_password", "an attacker's pass-phrase"),
        ("new_password_confirm", "an attacker's pass-phrase"),
    ])
    .unwrap();
    let forged = user
        .client
        .post_raw(
            "/account/password",
            "application/x-www-form-urlencoded",
            body.clone(),
            &[],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(
        forged.body.contains("could not be verified")
            || forged.body.contains("nije mogao biti proveren")
    );
    let wrong_token = format!("{body}&csrf_token=not-the-token");
    let forged = user
        .client
        .post_raw(
            "/account/password",
            "application/x-www-form-urlencoded",
            wrong_token,
            &[],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.audit_actions().await.len(), before);
    app.log_in(&user).await;
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_cross_site_post_is_refused_even_with_a_valid_token(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client();
    let token = client.csrf_token().await;
    let body = serde_urlencoded::to_string([
        ("email", "a@b.rs"),
        ("password", "whatever12345"),
        ("csrf_token", &token),
    ])
    .unwrap();
    for headers in [
        vec![("sec-fetch-site", "cross-site")],
        vec![("origin", "https://evil.example")],
    ] {
        let refused = client
            .post_raw(
                "/login",
                "application/x-www-form-urlencoded",
                body.clone(),
                &headers,
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{headers:?}");
    }
    let same_origin = client
        .post_raw(
            "/login",
            "application/x-www-form-urlencoded",
            body,
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(same_origin.status, StatusCode::UNAUTHORIZED);
    assert!(!app.audit_actions().await.is_empty());
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn pages_carry_strict_security_headers_and_no_store(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    let page = user.client.get("/staff").await;
    let csp = page.header("content-security-policy");
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    assert_eq!(page.header("referrer-policy"), "no-referrer");
    assert_eq!(page.header("cache-control"), "no-store");
    assert!(!page.body.contains("<script>") && !page.body.contains("style=\""));
    assert!(!page.header("x-request-id").is_empty());
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_session_cookie_is_host_prefixed_secure_httponly_and_lax(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    let client = app.client();
    let login = client
        .post_form("/login", &[("email", &user.email), ("password", PASSWORD)])
        .await;
    assert_eq!(login.location(), Some("/mfa"));
    let cookie = login.header("set-cookie");
    assert!(cookie.starts_with("__Host-tcs_session="), "{cookie}");
    assert_host_cookie(cookie);
}

/// Secure, HttpOnly, SameSite=Lax, for the whole site and this host only.
fn assert_host_cookie(cookie: &str) {
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(
            cookie.contains(attribute),
            "{attribute} missing in {cookie}"
        );
    }
    assert!(!cookie.contains("Domain="));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn logout_clears_the_session_cookie_in_a_way_browsers_accept(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    let out = user.client.post_form("/logout", &[]).await;
    assert_eq!(out.location(), Some("/login"));
    let cleared = out
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap())
        .find(|value| value.starts_with("__Host-tcs_session="))
        .expect("no clearing cookie");
    // A __Host- cookie without Secure is ignored, and the old one kept.
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_host_cookie(cleared);
    assert_eq!(user.client.session_cookie(), None);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn every_error_status_carries_the_security_headers(pool: PgPool) {
    let app = TestApp::spawn_configured(pool, |settings| {
        // One for accepting the invitation, one for the 415, one for the 401.
        settings.clients.login_attempts_per_minute = 3;
    })
    .await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    let client = app.client();
    let token = client.csrf_token().await;
    let login = |extra: &str| format!("csrf_token={token}&email=a%40b.rs&password=x{extra}");
    let form = "application/x-www-form-urlencoded";
    let mut answers = vec![
        ("400 text", client.get("/login?q=%00").await),
        (
            "400 form",
            client.post_raw("/login", form, login("%FF"), &[]).await,
        ),
        (
            "403 csrf layer",
            client
                .post_raw(
                    "/login",
                    form,
                    login(""),
                    &[("sec-fetch-site", "cross-site")],
                )
                .await,
        ),
        (
            "403 token",
            client
                .post_raw("/lang", form, "lang=en".to_owned(), &[])
                .await,
        ),
        ("404", client.get("/no/such/page").await),
        ("404 static", client.get("/static/no-such-file.css").await),
        (
            "405",
            client.post_raw("/healthz", "text/plain", "", &[]).await,
        ),
        (
            "413",
            client
                .post_raw("/login", form, login(&"x".repeat(100_000)), &[])
                .await,
        ),
        (
            "415",
            client
                .post_raw("/login", "text/plain", login(""), &[])
                .await,
        ),
    ];
    let last_attempt = client.post_raw("/login", form, login(""), &[]).await;
    assert_eq!(last_attempt.status, StatusCode::UNAUTHORIZED);
    answers.push(("429", client.post_raw("/login", form, login(""), &[]).await));
    // With the database gone, a logged-in page can only fail.
    app.pool.close().await;
    answers.push(("500", user.client.get("/staff").await));
    let statuses: Vec<u16> = answers
        .iter()
        .map(|(_, answer)| answer.status.as_u16())
        .collect();
    assert_eq!(
        statuses,
        [400, 400, 403, 403, 404, 404, 405, 413, 415, 429, 500]
    );
    for (what, answer) in &answers {
        let csp = answer.header("content-security-policy");
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"),
            "{what}: {csp}"
        );
        assert_eq!(answer.header("x-content-type-options"), "nosniff", "{what}");
        assert_eq!(answer.header("x-frame-options"), "DENY", "{what}");
        assert_eq!(answer.header("referrer-policy"), "no-referrer", "{what}");
        assert_eq!(answer.header("cache-control"), "no-store", "{what}");
        assert!(
            answer.body.contains(answer.header("x-request-id")),
            "{what}: {}",
            answer.body
        );
    }
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_oversize_body_gets_413_and_changes_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client();
    let token = client.csrf_token().await;
    let body = format!(
        "csrf_token={token}&email=a%40b.rs&password={}",
        "x".repeat(200_000)
    );
    let refused = client
        .post_raw("/login", "application/x-www-form-urlencoded", body, &[])
        .await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(app.audit_actions().await.is_empty());
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn malformed_forms_get_400_without_echoing_the_input(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client();
    let token = client.csrf_token().await;
    for body in [
        format!("csrf_token={token}&password=<script>evil</script>"),
        format!("csrf_token={token}&email=a&email=<script>evil</script>&password=x"),
        format!("csrf_token={token}&csrf_token={token}&email=a&password=<script>evil</script>"),
    ] {
        let refused = client
            .post_raw("/login", "application/x-www-form-urlencoded", body, &[])
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(!refused.body.contains("<script>evil"));
    }
    // Broken percent-encoding that leaves invalid UTF-8 is refused, not guessed at.
    let broken = format!("csrf_token={token}&email=%E0%A4%A&password=%FF%FE<script>evil</script>");
    let refused = client
        .post_raw("/login", "application/x-www-form-urlencoded", broken, &[])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(!refused.body.contains("<script>evil"));
    let json = client
        .post_raw("/login", "application/json", "{\"email\":1}", &[])
        .await;
    assert_eq!(json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn hostile_input_in_login_fields_is_a_plain_refusal(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client();
    let long_email = format!("{}@amres.ac.rs", "a".repeat(10_000));
    for (email, password, status) in [
        (
            long_email.as_str(),
            "whatever whatever",
            StatusCode::UNAUTHORIZED,
        ),
        (
            "ana\0@amres.ac.rs",
            "pass\0word pass",
            StatusCode::BAD_REQUEST,
        ),
        (
            "' OR '1'='1' --@amres.ac.rs",
            "'; DROP TABLE accounts; --",
            StatusCode::UNAUTHORIZED,
        ),
        ("", "", StatusCode::UNAUTHORIZED),
    ] {
        let refused = client
            .post_form("/login", &[("email", email), ("password", password)])
            .await;
        assert_eq!(refused.status, status, "{email:?}");
        assert!(!refused.body.contains(&"a".repeat(300)));
    }
    let accounts: i64 = sqlx::query_scalar("SELECT count(*) FROM accounts")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(accounts, 0);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn error_pages_show_a_request_id_and_no_internals(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let missing = app.client().get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let request_id = missing.header("x-request-id").to_owned();
    assert!(!request_id.is_empty());
    assert!(missing.body.contains(&request_id));
    let wrong_method = app
        .client()
        .post_raw("/healthz", "text/plain", "", &[])
        .await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        wrong_method
            .body
            .contains(wrong_method.header("x-request-id"))
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn too_many_attempts_from_one_address_get_429(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client();
    let mut statuses = Vec::new();
    for _ in 0..25 {
        statuses.push(
            client
                .post_form(
                    "/login",
                    &[
                        ("email", "x@amres.ac.rs"),
                        ("password", "wrong wrong wrong"),
                    ],
                )
                .await
                .status,
        );
    }
    assert!(
        statuses[..20]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED)
    );
    assert!(
        statuses[20..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS)
    );
    app.clock.advance(time::Duration::minutes(1));
    let later = client
        .post_form(
            "/login",
            &[
                ("email", "x@amres.ac.rs"),
                ("password", "wrong wrong wrong"),
            ],
        )
        .await;
    assert_eq!(later.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_language_follows_the_browser_and_then_the_switch(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client();
    let serbian = client.get("/login").await;
    assert!(serbian.body.contains("<html lang=\"sr\">") && serbian.body.contains("Prijava"));
    let switched = client
        .post_form("/lang", &[("lang", "en"), ("back", "/login")])
        .await;
    assert_eq!(switched.location(), Some("/login"));
    let english = client.get("/login").await;
    assert!(english.body.contains("<html lang=\"en\">") && english.body.contains("Log in"));
    let open_redirect = client
        .post_form("/lang", &[("lang", "sr"), ("back", "//evil.example/x")])
        .await;
    assert_eq!(open_redirect.location(), Some("/"));
    let bad = client.post_form("/lang", &[("lang", "xx")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn malformed_ids_in_the_path_get_an_error_page_that_does_not_echo_them(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let staff = app
        .enrolled_staff("staff@amres.ac.rs", StaffRole::Staff)
        .await;
    for path in [
        "/staff/institutions/%3Cscript%3Ealert(1)%3C%2Fscript%3E/edit",
        "/institutions/%3Cscript%3E/domains",
    ] {
        let refused = staff.client.get(path).await;
        assert!(
            refused.status.is_client_error(),
            "{path}: {}",
            refused.status
        );
        assert!(refused.header("content-type").starts_with("text/html"));
        assert!(
            !refused.body.contains("<script>") && !refused.body.contains("%3Cscript"),
            "{}",
            refused.body
        );
        assert!(refused.body.contains(refused.header("x-request-id")));
    }
}
