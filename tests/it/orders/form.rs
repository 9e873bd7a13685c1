//! The order form: preview, idempotent placing, refusals, "order again".
use reqwest::StatusCode;
use sqlx::PgPool;

use super::{
    DIGICERT_ORG, english, etf, fields, form_key, hidden, order, order_id_of, orders_in, with,
};
use crate::helpers::{TestApp, html_unescape};

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_preview_shows_the_digicert_request_with_the_ascii_name_and_writes_nothing(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let client = &world.admin_a.client;
    let form = client
        .get(&format!("/institutions/{}/orders/new", world.a))
        .await;
    assert!(
        form.body.contains("etf.bg.ac.rs"),
        "qualifying domain listed"
    );
    assert!(
        !form.body.contains("rcub.bg.ac.rs"),
        "expired domain not listed"
    );
    let key = hidden(&form.body, "idempotency_key");
    let preview = client
        .post_form(
            &format!("/institutions/{}/orders/new", world.a),
            &fields(&key, "Petar.Petrovic@ETF.bg.ac.rs", "preview"),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let body = html_unescape(&preview.body);
    for expected in [
        "Петар Петровић",
        "Petar Petrovic",
        "petar.petrovic@etf.bg.ac.rs",
        "POST /services/v2/order/certificate/secure_email_sponsor",
        "\"profile_type\": \"strict\"",
        "\"common_name_indicator\": \"given_name_surname\"",
        "\"first_name\": \"Петар\"",
        "\"years\": 1",
        &format!("\"id\": {DIGICERT_ORG}"),
    ] {
        assert!(body.contains(expected), "preview lacks {expected}: {body}");
    }
    // The confirm form carries the same key, so placing it is the one order.
    assert_eq!(hidden(&preview.body, "idempotency_key"), key);
    assert_eq!(orders_in(&app).await, 0);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_double_click_on_place_makes_one_order_and_both_land_on_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let client = &world.admin_a.client;
    let key = form_key(client, world.a).await;
    let path = format!("/institutions/{}/orders/new", world.a);
    let form = fields(&key, "ana.anic@etf.bg.ac.rs", "place");
    let (first, second) = tokio::join!(
        client.post_form(&path, &form),
        client.post_form(&path, &form)
    );
    let reload = client.post_form(&path, &form).await;
    for answer in [&first, &second, &reload] {
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    }
    let id = order_id_of(first.location().unwrap());
    assert_eq!(order_id_of(second.location().unwrap()), id);
    assert_eq!(order_id_of(reload.location().unwrap()), id);
    assert_eq!(orders_in(&app).await, 1);
    let shown = client.get(reload.location().unwrap()).await;
    assert!(
        shown.body.contains("had already placed this order"),
        "{}",
        shown.body
    );
    let (status, csr): (String, Option<String>) =
        sqlx::query_as("SELECT status, csr_pem FROM certificate_orders WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        status, "awaiting_person",
        "no CSR from the form: the person brings the key"
    );
    assert!(csr.is_none());
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn each_bad_input_is_refused_with_its_message_and_nothing_is_written(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let client = &world.admin_a.client;
    let key = form_key(client, world.a).await;
    let long_name = "a".repeat(10_000);
    // Latin "Petar" with a Cyrillic "а" (U+0430) in the middle.
    let spoofed = "Pet\u{0430}r";
    let cases: Vec<(&str, &str, &str, &str)> = vec![
        (
            "outside the domains",
            "emails",
            "ana@gmail.com",
            "not in any of the institution",
        ),
        (
            "expired domain",
            "emails",
            "ana@rcub.bg.ac.rs",
            "validation expired",
        ),
        ("only a period", "given_name", ".", "has no letters"),
        ("only a hyphen", "surname", "-", "has no letters"),
        (
            "10,000 characters",
            "surname",
            &long_name,
            "at most 64 characters",
        ),
        (
            "mixed scripts",
            "given_name",
            spoofed,
            "mixes Latin and Cyrillic",
        ),
        ("three years", "validity_years", "3", "at most 825 days"),
        (
            "days instead of years",
            "validity_years",
            "1095",
            "at most 825 days",
        ),
        ("no address", "emails", "", "at least one e-mail address"),
        (
            "unknown product",
            "product",
            "ssl_plus",
            "Choose one of the products",
        ),
    ];
    for step in ["preview", "place"] {
        for (what, field, value, message) in &cases {
            let form = with(fields(&key, "ana@etf.bg.ac.rs", step), field, value);
            let answer = client
                .post_form(&format!("/institutions/{}/orders/new", world.a), &form)
                .await;
            assert_eq!(
                answer.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{what} ({step}): {}",
                answer.body
            );
            assert!(
                html_unescape(&answer.body).contains(message),
                "{what} ({step}) lacks \"{message}\": {}",
                answer.body
            );
        }
    }
    assert_eq!(orders_in(&app).await, 0);
    assert!(
        !app.audit_actions()
            .await
            .contains(&"order.placed".to_owned())
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_suspended_institution_cannot_order(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let key = form_key(&world.admin_a.client, world.a).await;
    let suspended = world
        .staff
        .client
        .post_form(
            &format!("/staff/institutions/{}/status", world.a),
            &[("action", "suspend"), ("reason", "fees unpaid")],
        )
        .await;
    assert_eq!(
        suspended.status,
        StatusCode::SEE_OTHER,
        "{}",
        suspended.body
    );
    let path = format!("/institutions/{}/orders/new", world.a);
    // Its admin is stopped at the door…
    let admin = app.log_in(&world.admin_a).await;
    english(&admin).await;
    let refused = admin
        .post_form(&path, &fields(&key, "ana@etf.bg.ac.rs", "place"))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("suspend"));
    // …and staff acting for it meet the precondition.
    let staff_key = form_key(&world.staff.client, world.a).await;
    let refused = world
        .staff
        .client
        .post_form(&path, &fields(&staff_key, "ana@etf.bg.ac.rs", "place"))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("suspended in TCS"),
        "{}",
        refused.body
    );
    assert_eq!(orders_in(&app).await, 0);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn order_again_prefills_from_our_order_and_not_from_another_institutions(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let id = order(&world.admin_a.client, world.a, "ana@etf.bg.ac.rs").await;
    let again = world
        .admin_a
        .client
        .get(&format!("/institutions/{}/orders/new?again={id}", world.a))
        .await;
    assert_eq!(again.status, StatusCode::OK);
    let body = html_unescape(&again.body);
    assert!(body.contains(">ana@etf.bg.ac.rs</textarea>"), "{body}");
    assert!(body.contains("value=\"Петар\""));
    assert!(body.contains("value=\"Петровић\""));
    assert!(body.contains("value=\"secure_email_sponsor\" checked"));
    // A new key: placing the copy makes a second order.
    let first_key: String =
        sqlx::query_scalar("SELECT idempotency_key FROM certificate_orders WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_ne!(hidden(&again.body, "idempotency_key"), first_key);
    let other = world
        .admin_b
        .client
        .get(&format!("/institutions/{}/orders/new?again={id}", world.b))
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
}
