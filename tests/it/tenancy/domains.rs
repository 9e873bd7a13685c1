//! Domains: the allowed suffixes, normalisation, one owner, and safe removal.
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::TestApp;

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_admin_adds_a_normalised_domain_and_bad_names_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    let path = format!("/institutions/{}/domains", world.a);
    let admin = &world.admin_a.client;
    let added = admin.post_form(&path, &[("name", "EXAMPLE.ac.rs.")]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let page = admin.get(&path).await;
    assert!(page.body.contains("example.ac.rs"));
    let long_label = format!("{}.ac.rs", "a".repeat(64));
    let long_name = format!("{}.ac.rs", vec!["b".repeat(60); 5].join("."));
    for bad in [
        "*.x.ac.rs",
        "ac.rs",
        "exa mple.ac.rs",
        long_label.as_str(),
        long_name.as_str(),
        "xn--zz-garbage.ac.rs",
        "evil.com",
        "",
        "'; DROP TABLE domains;--.ac.rs",
    ] {
        let refused = admin.post_form(&path, &[("name", bad)]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        assert!(refused.body.contains("name-error"), "{bad:?}");
    }
    // A NUL is refused where requests enter, before the name's rules.
    let nul = admin.post_form(&path, &[("name", "a\0b.ac.rs")]).await;
    assert_eq!(nul.status, StatusCode::BAD_REQUEST);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM domains")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn idn_domains_are_stored_as_punycode_and_shown_in_unicode(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    let path = format!("/institutions/{}/domains", world.a);
    world
        .admin_a
        .client
        .post_form(&path, &[("name", "Šabac.ac.rs")])
        .await;
    let stored: String = sqlx::query_scalar("SELECT name FROM domains")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, "xn--abac-f6a.ac.rs");
    assert!(
        world
            .admin_a
            .client
            .get(&path)
            .await
            .body
            .contains("šabac.ac.rs")
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_domain_has_one_owner_and_the_refusal_names_nobody(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    world
        .admin_a
        .client
        .post_form(
            &format!("/institutions/{}/domains", world.a),
            &[("name", "fakultet.ac.rs")],
        )
        .await;
    let taken = world
        .admin_b
        .client
        .post_form(
            &format!("/institutions/{}/domains", world.b),
            &[("name", "FAKULTET.ac.rs")],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(!taken.body.contains("Elektrotehnički") && !taken.body.contains("etf-bg"));
    let again = world
        .admin_a
        .client
        .post_form(
            &format!("/institutions/{}/domains", world.a),
            &[("name", "fakultet.ac.rs")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    // Even staff cannot give it to B: the database enforces one owner.
    let by_staff = world
        .staff
        .client
        .post_form(
            &format!("/institutions/{}/domains", world.b),
            &[("name", "fakultet.ac.rs")],
        )
        .await;
    assert_eq!(by_staff.status, StatusCode::CONFLICT);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn staff_may_attach_any_domain_but_admins_only_under_the_suffixes(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    let path = format!("/institutions/{}/domains", world.a);
    assert_eq!(
        world
            .admin_a
            .client
            .post_form(&path, &[("name", "etf.rs")])
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        world
            .staff
            .client
            .post_form(&path, &[("name", "etf.rs")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        world
            .staff
            .client
            .post_form(&path, &[("name", "*.etf.rs")])
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn removing_a_domain_needs_its_name_typed_and_no_live_certificates(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    let admin = &world.admin_a.client;
    admin
        .post_form(
            &format!("/institutions/{}/domains", world.a),
            &[("name", "etf.bg.ac.rs")],
        )
        .await;
    let domain: uuid::Uuid = sqlx::query_scalar("SELECT id FROM domains")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    // A live certificate for a person at that domain.
    let order: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO certificate_orders (institution_id, status, common_name, not_after)
         VALUES ($1, 'issued', 'Petar Petrović', now() + interval '300 days') RETURNING id",
    )
    .bind(world.a)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO order_emails (institution_id, order_id, email, domain_id) VALUES ($1, $2, 'petar@etf.bg.ac.rs', $3)")
        .bind(world.a)
        .bind(order)
        .bind(domain)
        .execute(&app.pool)
        .await
        .unwrap();
    let path = format!("/institutions/{}/domains/{domain}/remove", world.a);
    let unconfirmed = admin.post_form(&path, &[("confirm_name", "etf.bg")]).await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let in_use = admin
        .post_form(&path, &[("confirm_name", "etf.bg.ac.rs")])
        .await;
    assert_eq!(in_use.status, StatusCode::CONFLICT);
    assert!(in_use.body.contains("Petar Petrović") && in_use.body.contains("petar@etf.bg.ac.rs"));
    // B cannot even see that the domain exists.
    let from_b = world
        .admin_b
        .client
        .post_form(
            &format!("/institutions/{}/domains/{domain}/remove", world.b),
            &[("confirm_name", "etf.bg.ac.rs")],
        )
        .await;
    assert_eq!(from_b.status, StatusCode::NOT_FOUND);
    sqlx::query("UPDATE certificate_orders SET status = 'revoked' WHERE id = $1")
        .bind(order)
        .execute(&app.pool)
        .await
        .unwrap();
    let removed = admin
        .post_form(&path, &[("confirm_name", "etf.bg.ac.rs")])
        .await;
    removed.assert_ok();
    assert!(
        !admin
            .get(&format!("/institutions/{}/domains", world.a))
            .await
            .body
            .contains("<td>etf.bg.ac.rs")
    );
    // The order keeps its history, and B may now register the name.
    let added = world
        .admin_b
        .client
        .post_form(
            &format!("/institutions/{}/domains", world.b),
            &[("name", "etf.bg.ac.rs")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    assert!(
        app.audit_actions()
            .await
            .contains(&"domain.removed".to_owned())
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_database_refuses_an_order_email_pointing_at_another_institutions_domain(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    world
        .admin_b
        .client
        .post_form(
            &format!("/institutions/{}/domains", world.b),
            &[("name", "pmf.uns.ac.rs")],
        )
        .await;
    let domain_b: uuid::Uuid = sqlx::query_scalar("SELECT id FROM domains")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let order_a: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO certificate_orders (institution_id, status, common_name) VALUES ($1, 'pending', 'X') RETURNING id",
    )
    .bind(world.a)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    for institution in [world.a, world.b] {
        let linked = sqlx::query("INSERT INTO order_emails (institution_id, order_id, email, domain_id) VALUES ($1, $2, 'x@pmf.uns.ac.rs', $3)")
            .bind(institution)
            .bind(order_a)
            .bind(domain_b)
            .execute(&app.pool)
            .await;
        assert!(linked.unwrap_err().to_string().contains("foreign key"));
    }
}
