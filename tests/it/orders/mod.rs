//! What institution admins do with orders in the browser: the order form with
//! its preview, the list with filters, search, pages and CSV, and the order
//! page with its timeline and actions.
mod form;
pub mod list;
mod page;
mod staff;

use clock::{Clock, SystemClock};
use reqwest::StatusCode;
use time::Duration;
use uuid::Uuid;

use crate::helpers::{TestApp, TestClient, html_unescape};
use crate::tenancy::{TwoInstitutions, two_institutions};

pub const DOMAIN: &str = "etf.bg.ac.rs";
/// Validated once, expired since.
pub const EXPIRED_DOMAIN: &str = "rcub.bg.ac.rs";
pub const DIGICERT_ORG: i64 = 424_242;

/// ETF registered for TCS, linked to a validated DigiCert organization, with
/// `etf.bg.ac.rs` validated and `rcub.bg.ac.rs` whose validation expired.
pub async fn etf(app: &TestApp) -> TwoInstitutions {
    let world = two_institutions(app).await;
    for client in [
        &world.admin_a.client,
        &world.admin_b.client,
        &world.staff.client,
    ] {
        english(client).await;
    }
    for name in [DOMAIN, EXPIRED_DOMAIN] {
        let added = world
            .admin_a
            .client
            .post_form(
                &format!("/institutions/{}/domains", world.a),
                &[("name", name)],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    }
    let now = SystemClock.now();
    sqlx::query(
        "UPDATE institutions SET digicert_org_id = $1, org_validation_status = 'validated',
             org_validated_until = $2 WHERE id = $3",
    )
    .bind(DIGICERT_ORG)
    .bind(now + Duration::days(300))
    .bind(world.a)
    .execute(&app.pool)
    .await
    .unwrap();
    for (name, until) in [
        (DOMAIN, now + Duration::days(300)),
        (EXPIRED_DOMAIN, now - Duration::days(1)),
    ] {
        sqlx::query(
            "UPDATE domains SET validation_status = 'validated', validated_until = $1
             WHERE name = $2",
        )
        .bind(until)
        .bind(name)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    world
}

/// The messages the tests look for are the English ones.
pub async fn english(client: &TestClient) {
    let chosen = client
        .post_form("/lang", &[("lang", "en"), ("back", "/")])
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
}

/// Opens the order form and returns its idempotency key.
pub async fn form_key(client: &TestClient, institution: Uuid) -> String {
    let form = client
        .get(&format!("/institutions/{institution}/orders/new"))
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    hidden(&form.body, "idempotency_key")
}

/// The value of a hidden input on a page.
pub fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).expect("no such hidden field") + marker.len();
    let end = start + body[start..].find('"').unwrap();
    html_unescape(&body[start..end])
}

/// A complete, valid order form for `email`, to be changed field by field.
pub fn fields<'a>(key: &'a str, email: &'a str, step: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("product", "secure_email_sponsor"),
        ("profile_type", "strict"),
        ("emails", email),
        ("given_name", "Петар"),
        ("surname", "Петровић"),
        ("validity_years", "1"),
        ("idempotency_key", key),
        ("step", step),
    ]
}

/// Replaces one field of a form.
pub fn with<'a>(
    mut form: Vec<(&'a str, &'a str)>,
    name: &str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    for field in &mut form {
        if field.0 == name {
            field.1 = value;
        }
    }
    form
}

/// Places an order through the form; returns its id.
pub async fn order(client: &TestClient, institution: Uuid, email: &str) -> Uuid {
    let key = form_key(client, institution).await;
    let placed = client
        .post_form(
            &format!("/institutions/{institution}/orders/new"),
            &fields(&key, email, "place"),
        )
        .await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    order_id_of(placed.location().unwrap())
}

/// The order a redirect lands on.
pub fn order_id_of(location: &str) -> Uuid {
    let path = location.split('?').next().unwrap();
    Uuid::parse_str(path.rsplit('/').next().unwrap()).unwrap()
}

pub async fn orders_in(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM certificate_orders")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}
