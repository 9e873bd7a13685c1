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
    let page = app.client().get("/login").await;
    let cookie = page.header("set-cookie");
    assert!(cookie.starts_with("__Host-tcs_session="), "{cookie}");
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(
            cookie.contains(attribute),
            "{attribute} missing in {cookie}"
        );
    }
    assert!(!cookie.contains("Domain="));
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
    // Broken percent-encoding decodes leniently and is then simply wrong.
    let lenient = format!("csrf_token={token}&email=%E0%A4%A&password=%FF%FE<script>evil</script>");
    let refused = client
        .post_raw("/login", "application/x-www-form-urlencoded", lenient, &[])
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
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
    for (email, password) in [
        (long_email.as_str(), "whatever whatever"),
        ("ana\0@amres.ac.rs", "pass\0word pass"),
        ("' OR '1'='1' --@amres.ac.rs", "'; DROP TABLE accounts; --"),
        ("", ""),
    ] {
        let refused = client
            .post_form("/login", &[("email", email), ("password", password)])
            .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{email:?}");
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
