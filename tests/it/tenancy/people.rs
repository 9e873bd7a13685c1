//! People of an institution: invitations, roles, the last admin, and sessions.
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{TestApp, accept_path};

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
async fn an_admin_of_b_cannot_add_a_member_of_a_without_consent(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    sqlx::query("UPDATE accounts SET display_name = 'Ana Anić' WHERE id = $1")
        .bind(world.admin_a.account_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let people_b = format!("/institutions/{}/people", world.b);
    let invited = world
        .admin_b
        .client
        .post_form_in(
            "en",
            &people_b,
            &[
                ("email", "ana@etf.bg.ac.rs"),
                ("display_name", "Ana"),
                ("role", "admin"),
            ],
        )
        .await;
    invited.assert_ok();
    assert!(invited.body.contains("The invitation has been sent."));
    assert!(!invited.body.contains("already had an account"));
    // No membership yet: B's page shows the address B typed and nothing of Ana's
    // account, Ana cannot enter B, and B cannot act on her.
    let members: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM memberships WHERE institution_id = $1 AND account_id = $2",
    )
    .bind(world.b)
    .bind(world.admin_a.account_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(members, 0);
    let page_b = world.admin_b.client.get(&people_b).await;
    assert!(page_b.body.contains("ana@etf.bg.ac.rs"));
    assert!(!page_b.body.contains(&world.admin_a.account_id.to_string()));
    assert!(!page_b.body.contains("Ana Anić"));
    assert_eq!(
        world
            .admin_a
            .client
            .get(&format!("/institutions/{}", world.b))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let removal = world
        .admin_b
        .client
        .post_form(
            &format!("{people_b}/{}/remove", world.admin_a.account_id),
            &[],
        )
        .await;
    assert_eq!(removal.status, StatusCode::NOT_FOUND);
    // Ana, logged in with her second factor, finds the invitation and accepts it.
    assert_eq!(
        world.admin_a.client.get("/").await.location(),
        Some("/account/invitations")
    );
    let listed = world.admin_a.client.get("/account/invitations").await;
    assert!(listed.body.contains("Prirodno-matematički fakultet"));
    let accepted = world
        .admin_a
        .client
        .post_form(&accept_path(&world.admin_a.client).await, &[])
        .await;
    assert_eq!(
        accepted.location(),
        Some(format!("/institutions/{}", world.b).as_str())
    );
    world
        .admin_a
        .client
        .get(&format!("/institutions/{}", world.b))
        .await
        .assert_ok();
    let switcher = world.admin_a.client.get("/institutions").await;
    assert!(
        switcher.body.contains(&world.a.to_string())
            && switcher.body.contains(&world.b.to_string())
    );
    assert_eq!(
        world.admin_a.client.get("/").await.location(),
        Some("/institutions")
    );
    let audit_b = world
        .admin_b
        .client
        .get(&format!("/institutions/{}/audit", world.b))
        .await;
    assert!(
        audit_b.body.contains("invitation.created") && audit_b.body.contains("invitation.accepted")
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_declined_invitation_makes_no_member_and_cannot_be_accepted_later(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    world
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
        .await
        .assert_ok();
    let accept = accept_path(&world.admin_a.client).await;
    let decline = accept.replace("/accept", "/decline");
    let declined = world.admin_a.client.post_form(&decline, &[]).await;
    declined.assert_ok();
    assert!(
        !declined.body.contains("/accept"),
        "the declined invitation is still offered"
    );
    let late = world.admin_a.client.post_form(&accept, &[]).await;
    assert_eq!(late.status, StatusCode::GONE);
    assert_eq!(
        world
            .admin_a
            .client
            .get(&format!("/institutions/{}", world.b))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let pending = world
        .admin_b
        .client
        .get(&format!("/institutions/{}/people", world.b))
        .await;
    assert!(!pending.body.contains("ana@etf.bg.ac.rs"));
    assert!(
        app.audit_actions()
            .await
            .contains(&"invitation.declined".to_owned())
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn nobody_accepts_an_invitation_addressed_to_someone_else(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    world
        .admin_b
        .client
        .post_form(
            &format!("/institutions/{}/people", world.b),
            &[
                ("email", "ana@etf.bg.ac.rs"),
                ("display_name", "Ana"),
                ("role", "admin"),
            ],
        )
        .await
        .assert_ok();
    let accept = accept_path(&world.admin_a.client).await;
    // Staff, or B's own admin, holding the invitation's id gets the same "not open".
    for client in [&world.staff.client, &world.admin_b.client] {
        let taken = client.post_form(&accept, &[]).await;
        assert_eq!(taken.status, StatusCode::GONE);
    }
    let memberships: i64 =
        sqlx::query_scalar("SELECT count(*) FROM memberships WHERE institution_id = $1")
            .bind(world.b)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(memberships, 1);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_link_for_an_address_with_an_account_leads_to_logging_in_not_registering(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    world
        .admin_b
        .client
        .post_form(
            &format!("/institutions/{}/people", world.b),
            &[
                ("email", "ana@etf.bg.ac.rs"),
                ("display_name", "Ana"),
                ("role", "admin"),
            ],
        )
        .await
        .assert_ok();
    let token = app.invitation_token_from_mail("ana@etf.bg.ac.rs").await;
    let stranger = app.client();
    stranger.get(&format!("/invite/{token}")).await;
    let page = stranger.get("/invite").await;
    page.assert_ok();
    assert!(page.body.contains("/account/invitations"));
    assert!(!page.body.contains("name=\"password\""));
    // Registering anyway is refused, and creates neither an account nor a membership.
    let registered = stranger
        .post_form(
            "/invite",
            &[
                ("display_name", "Mallory"),
                ("password", "a quite different pass-phrase"),
                ("password_confirm", "a quite different pass-phrase"),
            ],
        )
        .await;
    assert_eq!(registered.status, StatusCode::CONFLICT);
    let memberships: i64 =
        sqlx::query_scalar("SELECT count(*) FROM memberships WHERE institution_id = $1")
            .bind(world.b)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(memberships, 1);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_admin_withdraws_an_invitation_and_its_link_stops_working(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    let people_a = format!("/institutions/{}/people", world.a);
    world
        .admin_a
        .client
        .post_form(
            &people_a,
            &[
                ("email", "novi@etf.bg.ac.rs"),
                ("display_name", "Novi"),
                ("role", "auditor"),
            ],
        )
        .await
        .assert_ok();
    let invitation: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM invitations WHERE email = 'novi@etf.bg.ac.rs'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let token = app.invitation_token_from_mail("novi@etf.bg.ac.rs").await;
    // Another institution's admin cannot withdraw it, even through their own path.
    for path in [
        format!(
            "/institutions/{}/invitations/{invitation}/withdraw",
            world.a
        ),
        format!(
            "/institutions/{}/invitations/{invitation}/withdraw",
            world.b
        ),
    ] {
        let refused = world.admin_b.client.post_form(&path, &[]).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{path}");
    }
    let withdrawn = world
        .admin_a
        .client
        .post_form(
            &format!(
                "/institutions/{}/invitations/{invitation}/withdraw",
                world.a
            ),
            &[],
        )
        .await;
    withdrawn.assert_ok();
    assert!(!withdrawn.body.contains("novi@etf.bg.ac.rs"));
    let person = app.client();
    person.get(&format!("/invite/{token}")).await;
    assert_eq!(person.get("/invite").await.status, StatusCode::GONE);
    assert!(
        app.audit_actions()
            .await
            .contains(&"invitation.withdrawn".to_owned())
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_answer_to_an_invitation_is_the_same_whether_an_account_exists_or_not(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    let people_b = format!("/institutions/{}/people", world.b);
    // Ana has an account (she is A's admin); nobody has one for the other address.
    let with_account = "ana@etf.bg.ac.rs";
    let without_account = "niko@etf.bg.ac.rs";
    let invite = |email: &'static str| {
        let client = world.admin_b.client.clone();
        let path = people_b.clone();
        async move {
            let started = std::time::Instant::now();
            let answer = client
                .post_form_in(
                    "en",
                    &path,
                    &[("email", email), ("display_name", "Ana"), ("role", "admin")],
                )
                .await;
            (answer, started.elapsed())
        }
    };
    // Word for word: the page, less the list of open invitations (which shows the
    // addresses B typed), and the mail, less the address and the link's token.
    let (first, _) = invite(with_account).await;
    let (second, _) = invite(without_account).await;
    assert_eq!(first.status, second.status);
    let without_pending = |body: &str| {
        let start = body.find("<section>").unwrap_or(body.len());
        let end = body[start..]
            .find("</section>")
            .map_or(body.len(), |end| start + end);
        format!("{}{}", &body[..start], &body[end..])
    };
    assert_eq!(without_pending(&first.body), without_pending(&second.body));
    // The two newest (Ana also got her own invitation into A earlier).
    let mails: Vec<(String, String)> = sqlx::query_as(
        "SELECT subject, body_text FROM outbox WHERE recipient = ANY($1) ORDER BY id DESC LIMIT 2",
    )
    .bind(vec![with_account, without_account])
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[0].0, mails[1].0);
    let without_link = |body: &str| {
        body.lines()
            .filter(|line| !line.contains("/invite/"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(without_link(&mails[0].1), without_link(&mails[1].1));
    // And in time: interleaved rounds, each address first every other round, so a
    // busy machine and the order of requests weigh on both alike.
    let mut times = (Vec::new(), Vec::new());
    for round in 0..21 {
        if round % 2 == 0 {
            times.0.push(invite(with_account).await.1);
            times.1.push(invite(without_account).await.1);
        } else {
            times.1.push(invite(without_account).await.1);
            times.0.push(invite(with_account).await.1);
        }
    }
    // The fastest of each is what the work itself costs; the medians carry the noise
    // of a busy machine and are only reported.
    let summary = |samples: &mut Vec<std::time::Duration>| {
        samples.sort();
        (samples[0], samples[samples.len() / 2])
    };
    let ((with, with_median), (without, without_median)) =
        (summary(&mut times.0), summary(&mut times.1));
    eprintln!(
        "invitation answer over 21 rounds: with an account fastest {with:?} median {with_median:?}, \
         without fastest {without:?} median {without_median:?}"
    );
    let (low, high) = (with.min(without), with.max(without));
    assert!(
        high - low < high / 2,
        "timing tells: with an account {with:?}, without {without:?}"
    );
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
async fn a_removed_or_demoted_member_loses_access_at_once_in_the_same_session(pool: PgPool) {
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
    let domains_a = format!("/institutions/{}/domains", world.a);
    let added = second
        .client
        .post_form(&domains_a, &[("name", "etf.bg.ac.rs")])
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
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
    // The very next request of the same session reads the new role: reading still
    // works, changing no longer does.
    second
        .client
        .get(&format!("/institutions/{}", world.a))
        .await
        .assert_ok();
    assert_eq!(
        second
            .client
            .post_form(&domains_a, &[("name", "rti.etf.bg.ac.rs")])
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
    for path in [format!("/institutions/{}", world.a), domains_a.clone()] {
        assert_eq!(
            second.client.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let actions = app.audit_actions().await;
    assert!(
        actions.contains(&"membership.role_changed".to_owned())
            && actions.contains(&"membership.removed".to_owned())
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_role_change_or_removal_in_b_does_not_log_the_person_out_of_a(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    app.join(&world.admin_a, &world.admin_b.client, world.b, "admin")
        .await;
    let person_b = format!(
        "/institutions/{}/people/{}",
        world.b, world.admin_a.account_id
    );
    let demoted = world
        .admin_b
        .client
        .post_form(&format!("{person_b}/role"), &[("role", "auditor")])
        .await;
    assert_eq!(demoted.status, StatusCode::SEE_OTHER);
    // In B the lost right stops at once ...
    assert_eq!(
        world
            .admin_a
            .client
            .post_form(
                &format!("/institutions/{}/domains", world.b),
                &[("name", "pmf.uns.ac.rs")]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // ... while the same session goes on working in A.
    let in_a = world
        .admin_a
        .client
        .post_form(
            &format!("/institutions/{}/domains", world.a),
            &[("name", "etf.bg.ac.rs")],
        )
        .await;
    assert_eq!(in_a.status, StatusCode::SEE_OTHER);
    let removed = world
        .admin_b
        .client
        .post_form(&format!("{person_b}/remove"), &[])
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        world
            .admin_a
            .client
            .get(&format!("/institutions/{}", world.b))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    world
        .admin_a
        .client
        .get(&format!("/institutions/{}/domains", world.a))
        .await
        .assert_ok();
    world.admin_a.client.get("/account").await.assert_ok();
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
