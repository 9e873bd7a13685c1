//! People of an institution: invitations, roles, the last admin, and sessions.
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::TestApp;

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_invited_admin_receives_a_bilingual_mail_and_lands_in_their_institution(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    let mail: String =
        sqlx::query_scalar("SELECT body_text FROM outbox WHERE recipient = 'ana@etf.bg.ac.rs'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(
        mail.contains("Poštovani")
            && mail.contains("Dear")
            && mail.contains("Elektrotehnički fakultet")
    );
    let home = world.admin_a.client.get("/").await;
    assert_eq!(
        home.location(),
        Some(format!("/institutions/{}", world.a).as_str())
    );
    world
        .admin_a
        .client
        .get(&format!("/institutions/{}", world.a))
        .await
        .assert_ok();
    let audit = world
        .admin_a
        .client
        .get(&format!("/institutions/{}/audit", world.a))
        .await;
    assert!(audit.body.contains("invitation.accepted"));
    assert!(!audit.body.contains("boris@pmf.uns.ac.rs"));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn inviting_a_member_again_is_refused_and_bad_invitations_change_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    let path = format!("/institutions/{}/people", world.a);
    let again = world
        .admin_a
        .client
        .post_form(
            &path,
            &[
                ("email", "ANA@etf.bg.ac.rs"),
                ("display_name", "Ana"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("email-error"));
    let long = format!("{}@etf.bg.ac.rs", "a".repeat(10_000));
    for (email, name, role) in [
        ("not-an-email", "X", "admin"),
        ("x@etf.bg.ac.rs", "", "admin"),
        ("x@etf.bg.ac.rs", "X", "owner"),
        (long.as_str(), "X", "admin"),
    ] {
        let refused = world
            .admin_a
            .client
            .post_form(
                &path,
                &[("email", email), ("display_name", name), ("role", role)],
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{email} {role}"
        );
    }
    let invitations: i64 =
        sqlx::query_scalar("SELECT count(*) FROM invitations WHERE institution_id = $1")
            .bind(world.a)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(invitations, 1);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_person_with_an_account_is_added_at_once_and_switches_institutions(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    let added = world
        .admin_b
        .client
        .post_form(
            &format!("/institutions/{}/people", world.b),
            &[
                ("email", "ana@etf.bg.ac.rs"),
                ("display_name", "Ana"),
                ("role", "auditor"),
            ],
        )
        .await;
    added.assert_ok();
    let switcher = world.admin_a.client.get("/institutions").await;
    assert!(
        switcher.body.contains(&world.a.to_string())
            && switcher.body.contains(&world.b.to_string())
    );
    assert_eq!(
        world.admin_a.client.get("/").await.location(),
        Some("/institutions")
    );
    world
        .admin_a
        .client
        .get(&format!("/institutions/{}", world.b))
        .await
        .assert_ok();
    // As an auditor of B, Ana cannot change B.
    let write = world
        .admin_a
        .client
        .post_form(
            &format!("/institutions/{}/domains", world.b),
            &[("name", "pmf.uns.ac.rs")],
        )
        .await;
    assert_eq!(write.status, StatusCode::FORBIDDEN);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_last_admin_can_be_neither_removed_nor_demoted(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    let base = format!(
        "/institutions/{}/people/{}",
        world.a, world.admin_a.account_id
    );
    let demote = world
        .admin_a
        .client
        .post_form(&format!("{base}/role"), &[("role", "auditor")])
        .await;
    assert_eq!(demote.status, StatusCode::CONFLICT);
    let remove = world
        .staff
        .client
        .post_form(&format!("{base}/remove"), &[])
        .await;
    assert_eq!(remove.status, StatusCode::CONFLICT);
    world
        .admin_a
        .client
        .get(&format!("/institutions/{}", world.a))
        .await
        .assert_ok();
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_removed_or_demoted_member_loses_access_at_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    let second = app
        .enrolled_member(
            &world.admin_a.client,
            world.a,
            "drugi@etf.bg.ac.rs",
            "admin",
        )
        .await;
    second
        .client
        .post_form(
            &format!("/institutions/{}/domains", world.a),
            &[("name", "etf.bg.ac.rs")],
        )
        .await;
    let demoted = world
        .admin_a
        .client
        .post_form(
            &format!(
                "/institutions/{}/people/{}/role",
                world.a, second.account_id
            ),
            &[("role", "auditor")],
        )
        .await;
    assert_eq!(demoted.status, StatusCode::SEE_OTHER);
    // The demotion ended their sessions; after logging in again they can only read.
    assert_eq!(
        second
            .client
            .get(&format!("/institutions/{}", world.a))
            .await
            .location(),
        Some("/login")
    );
    let again = app.log_in(&second).await;
    again
        .get(&format!("/institutions/{}", world.a))
        .await
        .assert_ok();
    assert_eq!(
        again
            .post_form(
                &format!("/institutions/{}/domains", world.a),
                &[("name", "rti.etf.bg.ac.rs")]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let removed = world
        .admin_a
        .client
        .post_form(
            &format!(
                "/institutions/{}/people/{}/remove",
                world.a, second.account_id
            ),
            &[],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        again
            .get(&format!("/institutions/{}", world.a))
            .await
            .location(),
        Some("/login")
    );
    let third = app.log_in(&second).await;
    assert_eq!(
        third
            .get(&format!("/institutions/{}", world.a))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let actions = app.audit_actions().await;
    assert!(
        actions.contains(&"membership.role_changed".to_owned())
            && actions.contains(&"membership.removed".to_owned())
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_auditor_cannot_forge_role_changes(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    let auditor = app
        .enrolled_member(
            &world.admin_a.client,
            world.a,
            "revizor@etf.bg.ac.rs",
            "auditor",
        )
        .await;
    let promote_self = auditor
        .client
        .post_form(
            &format!(
                "/institutions/{}/people/{}/role",
                world.a, auditor.account_id
            ),
            &[("role", "admin")],
        )
        .await;
    assert_eq!(promote_self.status, StatusCode::FORBIDDEN);
    let remove_admin = auditor
        .client
        .post_form(
            &format!(
                "/institutions/{}/people/{}/remove",
                world.a, world.admin_a.account_id
            ),
            &[],
        )
        .await;
    assert_eq!(remove_admin.status, StatusCode::FORBIDDEN);
    let role: String = sqlx::query_scalar("SELECT role FROM memberships WHERE account_id = $1")
        .bind(auditor.account_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(role, "auditor");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn another_institutions_ids_in_the_path_or_form_reach_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    // B's admin names A's admin under B's own institution: not a member there.
    let cross = world
        .admin_b
        .client
        .post_form(
            &format!(
                "/institutions/{}/people/{}/remove",
                world.b, world.admin_a.account_id
            ),
            &[],
        )
        .await;
    assert_eq!(cross.status, StatusCode::NOT_FOUND);
    // An institution id smuggled into the form or query is ignored: the path decides.
    let smuggled = world
        .admin_b
        .client
        .post_form(
            &format!(
                "/institutions/{}/domains?institution_id={}",
                world.b, world.a
            ),
            &[
                ("name", "smuggled.ac.rs"),
                ("institution_id", &world.a.to_string()),
            ],
        )
        .await;
    assert_eq!(smuggled.status, StatusCode::SEE_OTHER);
    let owner: uuid::Uuid =
        sqlx::query_scalar("SELECT institution_id FROM domains WHERE name = 'smuggled.ac.rs'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(owner, world.b);
    let audit = world
        .admin_b
        .client
        .get(&format!(
            "/institutions/{}/audit?institution={}",
            world.b, world.a
        ))
        .await;
    assert!(!audit.body.contains("ana@etf.bg.ac.rs"));
    for path in [
        format!("/institutions/{}", world.a),
        format!("/institutions/{}/audit", world.a),
        "/institutions/not-a-uuid".to_owned(),
    ] {
        assert_eq!(
            world.admin_b.client.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}
