//! Staff registering, editing, listing and suspending institutions.
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::domain::StaffRole;

use crate::helpers::{TestApp, registration_number};

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn staff_registers_an_institution_and_it_is_audited(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let staff = app
        .enrolled_staff("staff@amres.ac.rs", StaffRole::Staff)
        .await;
    let id = app
        .create_institution(&staff.client, "etf-bg", "Elektrotehnički fakultet", true)
        .await;
    let page = staff.client.get(&format!("/institutions/{id}")).await;
    page.assert_ok();
    assert!(
        page.body.contains("Elektrotehnički fakultet")
            && page.body.contains(&registration_number("etf-bg"))
    );
    let institution: Option<uuid::Uuid> = sqlx::query_scalar(
        "SELECT institution_id FROM audit_events WHERE action = 'institution.created'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(institution, Some(id));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn colliding_slug_or_registration_number_and_bad_checksums_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let staff = app
        .enrolled_staff("staff@amres.ac.rs", StaffRole::Staff)
        .await;
    app.create_institution(&staff.client, "etf-bg", "ETF", true)
        .await;
    let number = registration_number("etf-bg");
    let other = registration_number("other");
    let mut wrong_check = registration_number("x");
    let last = wrong_check.pop().unwrap();
    wrong_check.push(if last == '9' {
        '0'
    } else {
        char::from(last as u8 + 1)
    });
    for (slug, mb, field, status) in [
        ("etf-bg", other.as_str(), "slug-error", StatusCode::CONFLICT),
        (
            "novi",
            number.as_str(),
            "registration_number-error",
            StatusCode::CONFLICT,
        ),
        (
            "novi",
            wrong_check.as_str(),
            "registration_number-error",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "novi",
            "1234567",
            "registration_number-error",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "Novi Sad!",
            other.as_str(),
            "slug-error",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let refused = staff
            .client
            .post_form(
                "/staff/institutions",
                &[
                    ("slug", slug),
                    ("name_sr", "Nova"),
                    ("name_en", "New"),
                    ("short_name", "N"),
                    ("registration_number", mb),
                ],
            )
            .await;
        assert_eq!(refused.status, status, "{slug} {mb}");
        assert!(
            refused.body.contains(field),
            "{slug} {mb}: {}",
            refused.body
        );
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM institutions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_list_searches_filters_and_pages_by_name(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let staff = app
        .enrolled_staff("staff@amres.ac.rs", StaffRole::Staff)
        .await;
    // 60 institutions straight into the table (the form is tested elsewhere).
    for n in 0..60 {
        sqlx::query(
            "INSERT INTO institutions (slug, name_sr, name_en, short_name, registration_number, tcs_status)
             VALUES ($1, $2, $2, $1, $3, CASE WHEN $4 THEN 'suspended' ELSE 'registered' END)",
        )
        .bind(format!("inst-{n:02}"))
        .bind(format!("Ustanova {n:02}"))
        .bind(registration_number(&format!("inst-{n:02}")))
        .bind(n % 10 == 0)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let first = staff.client.get("/staff/institutions").await;
    first.assert_ok();
    assert!(
        first.body.contains("Ustanova 00")
            && first.body.contains("Ustanova 49")
            && !first.body.contains("Ustanova 50")
    );
    let next = crate::helpers::html_unescape(
        &first
            .all_between("href=\"/staff/institutions?", "\"")
            .pop()
            .expect("a next page link"),
    );
    let second = staff
        .client
        .get(&format!("/staff/institutions?{next}"))
        .await;
    assert!(
        second.body.contains("Ustanova 50")
            && second.body.contains("Ustanova 59")
            && !second.body.contains("Ustanova 49")
    );
    let suspended = staff
        .client
        .get("/staff/institutions?status=suspended")
        .await;
    assert_eq!(suspended.body.matches("status-suspended").count(), 6);
    let search = staff
        .client
        .get("/staff/institutions?q=ustanova%2042")
        .await;
    assert!(search.body.contains("Ustanova 42") && !search.body.contains("Ustanova 41"));
    let hostile = staff
        .client
        .get("/staff/institutions?q=%27%20OR%201%3D1--&after_id=nope&status=x")
        .await;
    hostile.assert_ok();
    let nul = staff.client.get("/staff/institutions?status=%00").await;
    assert_eq!(nul.status, StatusCode::BAD_REQUEST);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn suspending_an_institution_closes_it_at_once_without_logging_its_admins_out_of_others(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    // A's admin is also an auditor of B.
    app.join(&world.admin_a, &world.admin_b.client, world.b, "auditor")
        .await;
    let no_reason = world
        .staff
        .client
        .post_form(
            &format!("/staff/institutions/{}/status", world.a),
            &[("action", "suspend"), ("reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    world
        .admin_a
        .client
        .get(&format!("/institutions/{}", world.a))
        .await
        .assert_ok();
    let suspended = world
        .staff
        .client
        .post_form(
            &format!("/staff/institutions/{}/status", world.a),
            &[("action", "suspend"), ("reason", "contract ended")],
        )
        .await;
    assert_eq!(suspended.status, StatusCode::SEE_OTHER);
    // The same session: A is closed to it at once, B stays open.
    let again = world.admin_a.client.clone();
    assert_eq!(
        again
            .get(&format!("/institutions/{}", world.a))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        again
            .post_form(
                &format!("/institutions/{}/domains", world.a),
                &[("name", "etf.bg.ac.rs")]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // B is untouched, for its own admin and for A's admin working there.
    world
        .admin_b
        .client
        .get(&format!("/institutions/{}", world.b))
        .await
        .assert_ok();
    again
        .get(&format!("/institutions/{}/people", world.b))
        .await
        .assert_ok();
    let reactivated = world
        .staff
        .client
        .post_form(
            &format!("/staff/institutions/{}/status", world.a),
            &[("action", "reactivate"), ("reason", "renewed")],
        )
        .await;
    assert_eq!(reactivated.status, StatusCode::SEE_OTHER);
    again
        .get(&format!("/institutions/{}", world.a))
        .await
        .assert_ok();
    let status: String = sqlx::query_scalar("SELECT tcs_status FROM institutions WHERE id = $1")
        .bind(world.a)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "registered");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn staff_link_a_digicert_organization_and_see_its_validation(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    let number = registration_number("etf-bg");
    let edit = |org: &'static str| {
        let client = world.staff.client.clone();
        let number = number.clone();
        let path = format!("/staff/institutions/{}", world.a);
        async move {
            client
                .post_form(
                    &path,
                    &[
                        ("slug", "etf-bg"),
                        ("name_sr", "ETF"),
                        ("name_en", "School of EE"),
                        ("short_name", "ETF"),
                        ("registration_number", &number),
                        ("registered", "on"),
                        ("digicert_org_id", org),
                    ],
                )
                .await
        }
    };
    assert_eq!(edit("90001").await.status, StatusCode::SEE_OTHER);
    sqlx::query("UPDATE institutions SET org_validation_status = 'validated', org_validated_until = now() + interval '400 days' WHERE id = $1")
        .bind(world.a)
        .execute(&app.pool)
        .await
        .unwrap();
    let page = world
        .admin_a
        .client
        .get(&format!("/institutions/{}", world.a))
        .await;
    assert!(page.body.contains("90001") && page.body.contains("validation-validated"));
    assert_eq!(edit("-5").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // B may not link the same DigiCert organization.
    let taken = world
        .staff
        .client
        .post_form(
            &format!("/staff/institutions/{}", world.b),
            &[
                ("slug", "pmf-ns"),
                ("name_sr", "PMF"),
                ("name_en", "PMF"),
                ("short_name", "PMF"),
                ("registration_number", &registration_number("pmf-ns")),
                ("digicert_org_id", "90001"),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_dashboard_says_what_stops_the_institution_from_ordering(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    let english = |body: &str, text: &str| body.contains(text);
    world
        .admin_a
        .client
        .post_form("/lang", &[("lang", "en")])
        .await;
    let page = world
        .admin_a
        .client
        .get(&format!("/institutions/{}", world.a))
        .await;
    assert!(
        english(&page.body, "not linked to a DigiCert organization"),
        "{}",
        page.body
    );
    sqlx::query("UPDATE institutions SET digicert_org_id = 7, org_validation_status = 'expired', org_validated_until = now() - interval '1 day' WHERE id = $1")
        .bind(world.a)
        .execute(&app.pool)
        .await
        .unwrap();
    let page = world
        .admin_a
        .client
        .get(&format!("/institutions/{}", world.a))
        .await;
    assert!(english(
        &page.body,
        "organization validation at DigiCert is missing or has expired"
    ));
    sqlx::query("UPDATE institutions SET org_validation_status = 'validated', org_validated_until = now() + interval '1 year' WHERE id = $1")
        .bind(world.a)
        .execute(&app.pool)
        .await
        .unwrap();
    let page = world
        .admin_a
        .client
        .get(&format!("/institutions/{}", world.a))
        .await;
    assert!(english(&page.body, "meets the TCS conditions"));
}
