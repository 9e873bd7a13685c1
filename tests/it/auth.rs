//! Login, the second factor, sessions and their lifetimes.
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::domain::StaffRole;

use crate::helpers::{PASSWORD, TestApp};

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn invited_staff_sets_password_enrols_totp_and_reaches_staff_home(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    let home = user.client.get("/").await;
    assert_eq!(home.location(), Some("/staff"));
    let staff = user.client.get("/staff").await;
    staff.assert_ok();
    assert!(staff.body.contains("Test Person"));
    let actions = app.audit_actions().await;
    for expected in ["invitation.created", "invitation.accepted", "mfa.enrolled"] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} missing from {actions:?}"
        );
    }
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn enrolled_staff_logs_in_with_password_and_fresh_totp(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    let client = app.log_in(&user).await;
    client.get("/staff").await.assert_ok();
    assert!(
        app.audit_actions()
            .await
            .contains(&"login.succeeded".to_owned())
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_password_stored_with_older_parameters_still_logs_in_and_is_stored_anew(pool: PgPool) {
    use argon2::password_hash::PasswordHasher as _;
    use argon2::{Algorithm, Argon2, Params, Version};
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    // As the portal stored passwords before: OWASP's 19 MiB, 2 passes.
    let older = Params::new(19 * 1024, 2, 1, None).unwrap();
    let stored = Argon2::new(Algorithm::Argon2id, Version::V0x13, older)
        .hash_password(PASSWORD.as_bytes())
        .unwrap()
        .to_string();
    let password_hash = || async {
        sqlx::query_scalar::<_, String>("SELECT password_hash FROM accounts WHERE id = $1")
            .bind(user.account_id)
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    sqlx::query("UPDATE accounts SET password_hash = $2 WHERE id = $1")
        .bind(user.account_id)
        .bind(&stored)
        .execute(&app.pool)
        .await
        .unwrap();

    // A wrong password changes nothing; the right one logs in and is stored anew.
    let refused = app
        .client()
        .post_form(
            "/login",
            &[("email", &user.email), ("password", "not it at all")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(password_hash().await, stored);
    app.log_in(&user).await.get("/staff").await.assert_ok();
    let upgraded = password_hash().await;
    assert!(
        upgraded.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"),
        "{upgraded}"
    );
    // The new hash is the same password, and the sessions of before go on.
    app.log_in(&user).await.get("/staff").await.assert_ok();
    user.client.get("/staff").await.assert_ok();
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn wrong_password_and_unknown_email_get_the_same_refusal(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    let client = app.client();
    let wrong = client
        .post_form(
            "/login",
            &[
                ("email", "ana@amres.ac.rs"),
                ("password", "not the password at all"),
            ],
        )
        .await;
    let unknown = client
        .post_form(
            "/login",
            &[("email", "nobody@amres.ac.rs"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let message = |body: &str| {
        body.split("role=\"alert\">")
            .nth(1)
            .map(|s| s.split('<').next().unwrap_or("").to_owned())
    };
    assert!(message(&wrong.body).is_some());
    assert_eq!(message(&wrong.body), message(&unknown.body));
    assert!(client.get("/staff").await.location() == Some("/login"));
    let failed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'login.failed'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(failed, 2);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn five_wrong_passwords_lock_the_account_and_then_back_off(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    let client = app.client();
    for _ in 0..5 {
        let attempt = client
            .post_form(
                "/login",
                &[("email", &user.email), ("password", "wrong wrong wrong")],
            )
            .await;
        assert_eq!(attempt.status, StatusCode::UNAUTHORIZED);
    }
    let right_but_locked = client
        .post_form("/login", &[("email", &user.email), ("password", PASSWORD)])
        .await;
    assert_eq!(right_but_locked.status, StatusCode::UNAUTHORIZED);
    assert!(
        app.audit_actions()
            .await
            .contains(&"account.locked".to_owned())
    );
    // The first lock lasts one minute; after it the right password works again.
    app.clock.advance(time::Duration::seconds(61));
    let after = client
        .post_form("/login", &[("email", &user.email), ("password", PASSWORD)])
        .await;
    assert_eq!(after.location(), Some("/mfa"));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_totp_code_cannot_be_used_twice(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    app.next_totp_step();
    let code = app.totp_now(&user.secret);
    let first = app.client();
    first
        .post_form("/login", &[("email", &user.email), ("password", PASSWORD)])
        .await;
    assert_eq!(
        first.post_form("/mfa", &[("code", &code)]).await.location(),
        Some("/")
    );
    let second = app.client();
    second
        .post_form("/login", &[("email", &user.email), ("password", PASSWORD)])
        .await;
    let replay = second.post_form("/mfa", &[("code", &code)]).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert!(replay.body.contains("already been used") || replay.body.contains("već iskorišćen"));
    assert_eq!(second.get("/staff").await.location(), Some("/mfa"));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_code_enrolment_used_is_a_replay_at_the_next_login(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    let client = app.client();
    client
        .post_form("/login", &[("email", &user.email), ("password", PASSWORD)])
        .await;
    let same_step = client
        .post_form("/mfa", &[("code", &app.totp_now(&user.secret))])
        .await;
    assert_eq!(same_step.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn wrong_and_expired_totp_codes_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    let client = app.client();
    client
        .post_form("/login", &[("email", &user.email), ("password", PASSWORD)])
        .await;
    app.next_totp_step();
    let stale = app.totp_now(&user.secret);
    app.clock.advance(time::Duration::minutes(2));
    assert_eq!(
        client.post_form("/mfa", &[("code", &stale)]).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        client.post_form("/mfa", &[("code", "12345")]).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        client
            .post_form("/mfa", &[("code", "abc'; --")])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let actions = app.audit_actions().await;
    assert_eq!(actions.iter().filter(|a| *a == "mfa.failed").count(), 3);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_recovery_code_logs_in_exactly_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    let code = user.recovery_codes[3].to_lowercase();
    let first = app.client();
    first
        .post_form("/login", &[("email", &user.email), ("password", PASSWORD)])
        .await;
    assert_eq!(
        first.post_form("/mfa", &[("code", &code)]).await.location(),
        Some("/")
    );
    let again = app.client();
    again
        .post_form("/login", &[("email", &user.email), ("password", PASSWORD)])
        .await;
    assert_eq!(
        again.post_form("/mfa", &[("code", &code)]).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn nothing_but_the_second_factor_is_reachable_after_the_password(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    let client = app.client();
    client
        .post_form("/login", &[("email", &user.email), ("password", PASSWORD)])
        .await;
    for path in ["/", "/staff", "/staff/audit", "/account"] {
        assert_eq!(client.get(path).await.location(), Some("/mfa"), "{path}");
    }
    let change = client
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "x new pass-phrase"),
                ("new_password_confirm", "x new pass-phrase"),
            ],
        )
        .await;
    assert_eq!(change.location(), Some("/mfa"));
    client.get("/mfa").await.assert_ok();
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_session_id_changes_at_login_and_at_the_second_factor(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    let client = app.client();
    // Visiting the login page makes no session at all.
    client.get("/login").await.assert_ok();
    assert_eq!(client.session_cookie(), None);
    // An id planted in the browser before login (session fixation) is replaced.
    let token = client.csrf_token().await;
    let anonymous = tower_sessions::session::Id::default().to_string();
    client.set_session_cookie(&anonymous);
    let body = serde_urlencoded::to_string([
        ("email", user.email.as_str()),
        ("password", PASSWORD),
        ("csrf_token", &token),
    ])
    .unwrap();
    let password = client
        .post_raw("/login", "application/x-www-form-urlencoded", body, &[])
        .await;
    assert_eq!(password.location(), Some("/mfa"), "{}", password.body);
    let after_password = client.session_cookie().unwrap();
    app.next_totp_step();
    client
        .post_form("/mfa", &[("code", &app.totp_now(&user.secret))])
        .await;
    let after_mfa = client.session_cookie().unwrap();
    assert_ne!(anonymous, after_password);
    assert_ne!(after_password, after_mfa);
    // A copy of the pre-login cookie (fixation) is worthless.
    let attacker = app.client();
    attacker.set_session_cookie(&anonymous);
    assert_eq!(attacker.get("/staff").await.location(), Some("/login"));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn logout_ends_the_session(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    let cookie = user.client.session_cookie().unwrap();
    let out = user.client.post_form("/logout", &[]).await;
    assert_eq!(out.location(), Some("/login"));
    let replayed = app.client();
    replayed.set_session_cookie(&cookie);
    assert_eq!(replayed.get("/staff").await.location(), Some("/login"));
    assert!(app.audit_actions().await.contains(&"logout".to_owned()));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn changing_the_password_ends_every_other_session(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    let other = app.log_in(&user).await;
    let new = "a brand new pass-phrase";
    let changed = user
        .client
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
    user.client.get("/account").await.assert_ok();
    assert_eq!(other.get("/account").await.location(), Some("/login"));
    let old = app
        .client()
        .post_form("/login", &[("email", &user.email), ("password", PASSWORD)])
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    assert!(
        app.audit_actions()
            .await
            .contains(&"account.password_changed".to_owned())
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_wrong_current_password_changes_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    let refused = user
        .client
        .post_form(
            "/account/password",
            &[
                ("current_password", "not my password!"),
                ("new_password", "another pass-phrase"),
                ("new_password_confirm", "another pass-phrase"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let too_short = user
        .client
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "short"),
                ("new_password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(too_short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_short.body.contains("aria-invalid=\"true\""));
    app.log_in(&user).await;
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn sessions_end_after_thirty_idle_minutes(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    app.clock.advance(time::Duration::minutes(29));
    user.client.get("/staff").await.assert_ok();
    app.clock.advance(time::Duration::minutes(29));
    user.client.get("/staff").await.assert_ok();
    app.clock.advance(time::Duration::minutes(31));
    assert_eq!(user.client.get("/staff").await.location(), Some("/login"));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn sessions_end_twelve_hours_after_login_even_when_busy(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    for _ in 0..(12 * 60 / 20) {
        app.clock.advance(time::Duration::minutes(20));
        if user.client.get("/staff").await.status != StatusCode::OK {
            break;
        }
    }
    assert_eq!(user.client.get("/staff").await.location(), Some("/login"));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn disabling_an_account_ends_its_sessions(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    sqlx::query("UPDATE accounts SET status = 'disabled' WHERE email = $1")
        .bind(&user.email)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(user.client.get("/staff").await.location(), Some("/login"));
    let again = app
        .client()
        .post_form("/login", &[("email", &user.email), ("password", PASSWORD)])
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn regenerated_recovery_codes_replace_the_old_ones(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    let page = user.client.post_form("/account/recovery-codes", &[]).await;
    page.assert_ok();
    let fresh = page.all_between("<code class=\"recovery-code\">", "</code>");
    assert_eq!(fresh.len(), 10);
    let old = app.client();
    old.post_form("/login", &[("email", &user.email), ("password", PASSWORD)])
        .await;
    assert_eq!(
        old.post_form("/mfa", &[("code", &user.recovery_codes[0])])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        old.post_form("/mfa", &[("code", &fresh[0])])
            .await
            .location(),
        Some("/")
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_totp_seed_is_sealed_at_rest_and_bound_to_its_row(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let user = app
        .enrolled_staff("ana@amres.ac.rs", StaffRole::Staff)
        .await;
    let (id, sealed): (uuid::Uuid, Vec<u8>) =
        sqlx::query_as("SELECT id, totp_secret_sealed FROM accounts WHERE email = $1")
            .bind(&user.email)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(
        !sealed
            .windows(user.secret.len())
            .any(|w| w == user.secret.as_slice())
    );
    let key = &app.state.master_key;
    assert_eq!(
        key.open(&sealed, format!("accounts/{id}/totp").as_bytes())
            .unwrap()
            .as_slice(),
        user.secret.as_slice()
    );
    assert!(
        key.open(
            &sealed,
            format!("accounts/{}/totp", uuid::Uuid::new_v4()).as_bytes()
        )
        .is_err()
    );
}
