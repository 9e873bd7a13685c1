//! Domains: the allowed suffixes, normalisation, one owner, and safe removal.
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{TestApp, html_unescape};

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
        "INSERT INTO certificate_orders (institution_id, status, common_name) VALUES ($1, 'pending_validation', 'X') RETURNING id",
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

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_name_above_or_below_another_institutions_domain_is_refused_naming_nobody(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    let domains_a = format!("/institutions/{}/domains", world.a);
    let domains_b = format!("/institutions/{}/domains", world.b);
    let add = |client: &crate::helpers::TestClient, path: &str, name: &str| {
        let (client, path, name) = (client.clone(), path.to_owned(), name.to_owned());
        async move {
            client
                .post_form_in("en", &path, &[("name", name.as_str())])
                .await
        }
    };
    assert_eq!(
        add(&world.admin_a.client, &domains_a, "etf.bg.ac.rs")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        add(&world.admin_b.client, &domains_b, "pmf.uns.ac.rs")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    // Each refusal is shown on the refused institution's own page, which must not
    // name the institution that owns the other name.
    let a_names = ["Elektrotehnički", "etf-bg"];
    let b_names = ["Prirodno-matematički", "pmf-ns"];
    for (client, path, name, owner) in [
        (
            &world.admin_b.client,
            &domains_b,
            "sub.etf.bg.ac.rs",
            a_names,
        ),
        (
            &world.admin_b.client,
            &domains_b,
            "a.b.etf.bg.ac.rs",
            a_names,
        ),
        (&world.admin_a.client, &domains_a, "uns.ac.rs", b_names),
        (&world.admin_b.client, &domains_b, "bg.ac.rs", a_names),
        // Staff on the ordinary form are held to the same rule.
        (&world.staff.client, &domains_b, "sub.etf.bg.ac.rs", a_names),
    ] {
        let refused = add(client, path, name).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{name}");
        let body = html_unescape(&refused.body);
        assert!(
            body.contains("Another institution owns a name above or under this one"),
            "{name}: {body}"
        );
        for owner_name in owner {
            assert!(
                !body.contains(owner_name),
                "refusing {name} names {owner_name}"
            );
        }
    }
    // Its own subtree, and a sibling that is not under the name, are fine.
    for (client, path, name) in [
        (&world.admin_a.client, &domains_a, "rti.etf.bg.ac.rs"),
        (&world.admin_b.client, &domains_b, "xetf.bg.ac.rs"),
    ] {
        assert_eq!(
            add(client, path, name).await.status,
            StatusCode::SEE_OTHER,
            "{name}"
        );
    }
    // Now that B owns xetf.bg.ac.rs, the parent both names share is nobody's to take.
    let parent = add(&world.admin_a.client, &domains_a, "bg.ac.rs").await;
    assert_eq!(parent.status, StatusCode::CONFLICT);
    let current: Vec<(String, uuid::Uuid)> =
        sqlx::query_as("SELECT name, institution_id FROM domains ORDER BY name")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        current,
        vec![
            ("etf.bg.ac.rs".to_owned(), world.a),
            ("pmf.uns.ac.rs".to_owned(), world.b),
            ("rti.etf.bg.ac.rs".to_owned(), world.a),
            ("xetf.bg.ac.rs".to_owned(), world.b),
        ]
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn staff_may_assign_an_overlapping_name_only_explicitly_with_an_audited_reason(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    let added = world
        .admin_a
        .client
        .post_form(
            &format!("/institutions/{}/domains", world.a),
            &[("name", "etf.bg.ac.rs")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let assign = format!("/staff/institutions/{}/domains/assign", world.b);
    world.staff.client.get(&assign).await.assert_ok();
    // Admins (of B too) cannot reach the staff form.
    for client in [&world.admin_b.client, &world.admin_a.client] {
        assert_eq!(client.get(&assign).await.status, StatusCode::FORBIDDEN);
        let forged = client
            .post_form(
                &assign,
                &[("name", "sub.etf.bg.ac.rs"), ("reason", "mine now")],
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
    }
    // A reason is required; the very same name stays with its owner.
    let no_reason = world
        .staff
        .client
        .post_form(&assign, &[("name", "sub.etf.bg.ac.rs"), ("reason", "  ")])
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("reason-error"));
    let same_name = world
        .staff
        .client
        .post_form(
            &assign,
            &[("name", "etf.bg.ac.rs"), ("reason", "asked by B")],
        )
        .await;
    assert_eq!(same_name.status, StatusCode::CONFLICT);
    let assigned = world
        .staff
        .client
        .post_form(
            &assign,
            &[
                ("name", "sub.etf.bg.ac.rs"),
                ("reason", "the lab moved to PMF; ticket 4711"),
            ],
        )
        .await;
    assert_eq!(
        assigned.location(),
        Some(format!("/institutions/{}/domains", world.b).as_str())
    );
    let (owner, staff_assigned): (uuid::Uuid, bool) = sqlx::query_as(
        "SELECT institution_id, staff_assigned FROM domains WHERE name = 'sub.etf.bg.ac.rs'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((owner, staff_assigned), (world.b, true));
    let details: serde_json::Value = sqlx::query_scalar(
        "SELECT details FROM audit_events WHERE action = 'domain.assigned_by_staff'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(details["reason"], "the lab moved to PMF; ticket 4711");
    assert_eq!(details["overrides"][0]["name"], "etf.bg.ac.rs");
    assert_eq!(details["overrides"][0]["institution"], world.a.to_string());
    // A's admin still cannot take a name that now overlaps B's.
    let under_b = world
        .admin_a
        .client
        .post_form(
            &format!("/institutions/{}/domains", world.a),
            &[("name", "lab.sub.etf.bg.ac.rs")],
        )
        .await;
    assert_eq!(under_b.status, StatusCode::CONFLICT);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn two_institutions_adding_overlapping_names_at_once_cannot_both_succeed(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    let insert = "INSERT INTO domains (institution_id, name) VALUES ($1, $2)";
    let mut first = app.pool.begin().await.unwrap();
    sqlx::query(insert)
        .bind(world.a)
        .bind("etf.bg.ac.rs")
        .execute(&mut *first)
        .await
        .unwrap();
    // The second insert, of a name under the first, waits for the first transaction ...
    let pool = app.pool.clone();
    let b = world.b;
    let second = tokio::spawn(async move {
        sqlx::query(insert)
            .bind(b)
            .bind("sub.etf.bg.ac.rs")
            .execute(&pool)
            .await
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!second.is_finished(), "the second insert did not wait");
    // ... and, once it commits, sees its row and is refused.
    first.commit().await.unwrap();
    let refused = second.await.unwrap().unwrap_err();
    assert_eq!(
        refused
            .as_database_error()
            .and_then(|error| error.constraint()),
        Some("domains_one_owner_per_tree")
    );
    // Names that cannot overlap (another last-two-label pair) do not wait at all.
    let mut third = app.pool.begin().await.unwrap();
    sqlx::query(insert)
        .bind(world.a)
        .bind("etf.rs")
        .execute(&mut *third)
        .await
        .unwrap();
    tokio::time::timeout(
        std::time::Duration::from_secs(2),
        sqlx::query(insert)
            .bind(world.b)
            .bind("pmf.uns.ac.rs")
            .execute(&app.pool),
    )
    .await
    .expect("an unrelated name waited")
    .unwrap();
    third.commit().await.unwrap();
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn look_alike_and_invisible_domain_names_are_refused_with_a_field_error_in_both_languages(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    let path = format!("/institutions/{}/domains", world.a);
    for (name, english, serbian) in [
        // "еtf" with a Cyrillic е.
        (
            "\u{0435}tf.bg.ac.rs",
            "mixes letters of different alphabets",
            "meša slova različitih pisama",
        ),
        // Cyrillic ѕ, е, ѕ: reads as "ses".
        (
            "\u{0455}\u{0435}\u{0455}.ac.rs",
            "look like Latin ones",
            "izgledaju kao latinična",
        ),
        (
            "et\u{200B}f.bg.ac.rs",
            "invisible or text-direction characters",
            "nevidljive znakove",
        ),
        (
            "et\u{00AD}f.bg.ac.rs",
            "invisible or text-direction characters",
            "nevidljive znakove",
        ),
        (
            "\u{202E}sr.ca.gb.fte",
            "invisible or text-direction characters",
            "nevidljive znakove",
        ),
    ] {
        for (lang, message) in [("en", english), ("sr", serbian)] {
            let refused = world
                .admin_a
                .client
                .post_form_in(lang, &path, &[("name", name)])
                .await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
            assert!(refused.body.contains("name-error"), "{name:?}");
            assert!(
                html_unescape(&refused.body).contains(message),
                "{name:?} in {lang}: {}",
                refused.body
            );
        }
    }
    // A wholly Cyrillic name is a name like any other.
    let cyrillic = world
        .admin_a
        .client
        .post_form(&path, &[("name", "факултет.ac.rs")])
        .await;
    assert_eq!(cyrillic.status, StatusCode::SEE_OTHER);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM domains")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}
