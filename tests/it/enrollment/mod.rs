//! The person's journey: the link from the mail, the mailbox proof, the key
//! (made by the portal or brought as a CSR), issuance by the sandbox through
//! the real ordering jobs, pickup, downloads, and revocation.
mod csr;
mod duplicates;
mod flow_tools;
mod guides;
mod links;
mod pickup;
mod product_texts;
mod revoke;
mod revoked_mail;
mod status;

use digicert_sim::EmailValidationMode;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::time::Duration as StdDuration;
use uuid::Uuid;

use crate::helpers::{TestClient, TestResponse};
use crate::ordering::{DOMAIN, World, until_all, world};

pub(crate) async fn world_issuing(pool: sqlx::PgPool) -> World {
    world(pool, EmailValidationMode::Automatic).await
}

/// The admin orders `product` for `local@etf.bg.ac.rs` without a CSR.
pub(crate) async fn order_for_person(world: &World, local: &str, product: &str) -> Uuid {
    let email = format!("{local}@{DOMAIN}");
    let (status, body) = crate::api::api_order(
        &world.app,
        world.institution,
        &format!("person-{local}"),
        &serde_json::json!({
            "product": product,
            "emails": [email],
            "given_name": "Đorđe",
            "surname": "Petrović",
            "validity_years": 1,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    Uuid::parse_str(body["order_id"].as_str().unwrap()).unwrap()
}

/// The token of the newest mail to `mailbox` that carries a person's link.
pub(crate) async fn token_from_mail(world: &World, mailbox: &str) -> String {
    let body: String = sqlx::query_scalar(
        "SELECT body_text FROM outbox WHERE recipient = $1 AND body_text LIKE '%/enroll/%'
         ORDER BY id DESC LIMIT 1",
    )
    .bind(mailbox)
    .fetch_one(&world.app.pool)
    .await
    .unwrap();
    let start = body.find("/enroll/").unwrap() + "/enroll/".len();
    body[start..].split_whitespace().next().unwrap().to_owned()
}

/// Opens the link in a fresh browser and confirms the mailbox.
pub(crate) async fn confirmed_person(world: &World, local: &str) -> TestClient {
    let token = token_from_mail(world, &format!("{local}@{DOMAIN}")).await;
    let person = world.app.client();
    let opened = person.get(&format!("/enroll/{token}")).await;
    assert_eq!(opened.location(), Some("/enroll"));
    let page = person.get("/enroll").await;
    page.assert_ok();
    let confirmed = person.post_form("/enroll/confirm", &[]).await;
    assert_eq!(confirmed.location(), Some("/enroll"), "{}", confirmed.body);
    person
}

/// Lets the portal make the key; returns the passphrase shown once.
pub(crate) async fn server_key(person: &TestClient, key_type: &str) -> String {
    let made = person
        .post_form("/enroll/key", &[("key_type", key_type)])
        .await;
    made.assert_ok();
    let shown = made
        .all_between("<code id=\"passphrase\">", "</code>")
        .pop()
        .expect("no passphrase on the page");
    without_tags(&shown)
}

/// The text of an HTML fragment.
pub(crate) fn without_tags(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// A person with a portal-made key whose certificate the sandbox issued.
pub(crate) async fn issued_with_server_key(
    world: &World,
    local: &str,
    product: &str,
    key_type: &str,
) -> (Uuid, TestClient, String) {
    let order = order_for_person(world, local, product).await;
    let person = confirmed_person(world, local).await;
    let passphrase = server_key(&person, key_type).await;
    until_all(world, &[order], "issued", StdDuration::from_secs(60)).await;
    (order, person, passphrase)
}

/// A download as bytes (the test client reads bodies as text).
pub(crate) struct Download {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

async fn raw(person: &TestClient, request: reqwest::RequestBuilder) -> Download {
    let cookie = person.session_cookie().expect("a session");
    let answer = request
        .header("cookie", format!("__Host-tcs_session={cookie}"))
        .send()
        .await
        .unwrap();
    Download {
        status: answer.status(),
        headers: answer.headers().clone(),
        bytes: answer.bytes().await.unwrap().to_vec(),
    }
}

/// The answer to the pickup form itself (a redirect, unless the key is gone).
pub(crate) async fn pickup(world: &World, person: &TestClient, passphrase: &str) -> Download {
    pickup_with(world, person, &[("passphrase", passphrase)]).await
}

/// Picks up with these fields as a browser does: the form's redirect, then the file.
pub(crate) async fn pickup_file(
    world: &World,
    person: &TestClient,
    fields: &[(&str, &str)],
) -> Download {
    let answer = pickup_with(world, person, fields).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", text(&answer));
    assert_eq!(answer.headers["location"], "/enroll");
    person.get("/enroll").await.assert_ok();
    download(world, person, "/enroll/certificate.p12").await
}

/// The pickup form posted with these fields (and the CSRF token).
pub(crate) async fn pickup_with(
    world: &World,
    person: &TestClient,
    fields: &[(&str, &str)],
) -> Download {
    let token = person.csrf_token().await;
    let mut fields = fields.to_vec();
    fields.push(("csrf_token", &token));
    let form = serde_urlencoded::to_string(&fields).unwrap();
    let request = plain_client()
        .post(format!("{}/enroll/pickup", world.app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form);
    raw(person, request).await
}

pub(crate) async fn download(world: &World, person: &TestClient, path: &str) -> Download {
    raw(
        person,
        plain_client().get(format!("{}{path}", world.app.base)),
    )
    .await
}

pub(crate) fn text(download: &Download) -> String {
    String::from_utf8_lossy(&download.bytes).into_owned()
}

pub(crate) async fn status_of(world: &World, order: Uuid) -> String {
    sqlx::query_scalar("SELECT status FROM certificate_orders WHERE id = $1")
        .bind(order)
        .fetch_one(&world.app.pool)
        .await
        .unwrap()
}

pub(crate) fn assert_gone(response: &TestResponse) {
    assert_eq!(response.status, StatusCode::GONE, "{}", response.body);
}

/// A client that shows redirects instead of following them, as the test client does.
fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}
