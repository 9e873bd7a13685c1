//! The REST API under `/api/v1` as an institution's systems use it: tokens made at the
//! command line, bearer requests, problem details for every refusal.
mod bad_input;
mod bench;
mod bulk;
mod departures;
mod docs;
mod document;
mod matrix;
mod order_list;
mod orders;
mod reads;
mod schemathesis;
mod tokens;
mod tokens_page;

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::TestApp;

pub const PROBLEM: &str = "application/problem+json";

/// The database URL of this test's own database, for the command line.
pub fn database_url(app: &TestApp) -> String {
    let database = app
        .pool
        .connect_options()
        .get_database()
        .unwrap()
        .to_owned();
    let base = std::env::var("DATABASE_URL").unwrap();
    format!("{}/{database}", base.rsplit_once('/').unwrap().0)
}

/// Runs `tcs-portal token create` against this test's database.
pub fn token_create(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tcs-portal"))
        .args(["token", "create"])
        .args(args)
        .env("DATABASE_URL", database_url(app))
        .env("TCS_LOG_FORMAT", "json")
        .output()
        .unwrap()
}

/// A token for the institution `slug` with `scopes`, made by the command line.
pub fn token(app: &TestApp, slug: &str, scopes: &str) -> String {
    let made = token_create(
        app,
        &["--institution", slug, "--name", "IDM", "--scopes", scopes],
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let token = String::from_utf8(made.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("tcs_"), "{token}");
    token
}

pub const ALL_SCOPES: &str = "orders:read,orders:write,orders:revoke,domains:read,people:write";

/// An answer of the API.
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map_or("", |value| value.to_str().unwrap())
    }

    /// The problem this answer carries, after checking it is one of `kind` and `status`.
    pub fn problem(&self, status: StatusCode, kind: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.header("content-type"), PROBLEM, "{}", self.body);
        let body = self.json();
        assert_eq!(
            body["type"],
            format!("tag:tcs.amres.ac.rs,2026:problem:{kind}"),
            "{body}"
        );
        assert_eq!(body["status"], status.as_u16(), "{body}");
        assert!(
            body["title"].as_str().is_some_and(|t| !t.is_empty()),
            "{body}"
        );
        body
    }
}

/// A request to the API: method, path, the token (if any), extra headers, raw body.
pub async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<(&str, Vec<u8>)>,
) -> Answer {
    let http = reqwest::Client::new();
    let mut request = http.request(method.parse().unwrap(), format!("{}{path}", app.base));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some((content_type, bytes)) = body {
        request = request.header("content-type", content_type).body(bytes);
    }
    let response = request.send().await.unwrap();
    Answer {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    }
}

pub fn orders_path(institution: Uuid) -> String {
    format!("/api/v1/institutions/{institution}/orders")
}

/// A complete order for the API, to be changed member by member.
pub fn order_body(email: &str) -> Value {
    json!({
        "product": "secure_email_sponsor",
        "profile_type": "strict",
        "emails": [email],
        "given_name": "Ana",
        "surname": "Anić",
        "validity_years": 1,
    })
}

/// Places an order with `token`; the answer as it came.
pub async fn place(
    app: &TestApp,
    token: &str,
    institution: Uuid,
    key: &str,
    body: &Value,
) -> Answer {
    call(
        app,
        "POST",
        &orders_path(institution),
        Some(token),
        &[("idempotency-key", key), ("accept-language", "en")],
        Some(("application/json", body.to_string().into_bytes())),
    )
    .await
}

/// Places an order for `email` and returns its id.
pub async fn placed(app: &TestApp, token: &str, institution: Uuid, email: &str) -> Uuid {
    let answer = place(app, token, institution, email, &order_body(email)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    Uuid::parse_str(answer.json()["order_id"].as_str().unwrap()).unwrap()
}

pub async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

/// A token with every scope for `institution`, acting for its first admin, made in
/// process: for the tests that need an order placed, not the command line tried.
pub async fn admin_token(app: &TestApp, institution: Uuid) -> String {
    use clock::Clock;
    use secrecy::ExposeSecret;
    use tcs_portal::auth::api_token::{self, TokenRequest, TokenScope};
    let institution_id = institution.into();
    let created_by = tcs_portal::db::api_tokens::first_admin(&app.pool, institution_id)
        .await
        .unwrap()
        .expect("the institution has an admin");
    let request = TokenRequest {
        institution_id,
        name: "tests".to_owned(),
        scopes: TokenScope::ALL.to_vec(),
        expires_in_days: 365,
        allowed_networks: Vec::new(),
        created_by,
    };
    let issued = api_token::issue(
        &app.pool,
        &tcs_portal::audit::RequestMeta::default(),
        &request,
        tcs_portal::audit::AuditEvent::new("api_token.created").actor_label("tests"),
        app.clock.now(),
    )
    .await
    .unwrap()
    .unwrap();
    issued.token.expose_secret().to_owned()
}

/// `POST`s `body` (JSON) to `path` under `institution`'s API with a fresh admin token;
/// the status and the JSON answer (or the body as a JSON string when it is not JSON).
pub async fn api_post(
    app: &TestApp,
    institution: Uuid,
    path: &str,
    idempotency_key: Option<&str>,
    body: &Value,
) -> (StatusCode, Value) {
    let token = admin_token(app, institution).await;
    let mut headers = vec![("accept-language", "en")];
    if let Some(key) = idempotency_key {
        headers.push(("idempotency-key", key));
    }
    let answer = call(
        app,
        "POST",
        path,
        Some(&token),
        &headers,
        Some(("application/json", body.to_string().into_bytes())),
    )
    .await;
    let json = serde_json::from_str(&answer.body).unwrap_or_else(|_| json!(answer.body));
    (answer.status, json)
}

/// Places `order` (the API's JSON) for `institution`; the status and the answer.
pub async fn api_order(
    app: &TestApp,
    institution: Uuid,
    idempotency_key: &str,
    order: &Value,
) -> (StatusCode, Value) {
    api_post(
        app,
        institution,
        &orders_path(institution),
        Some(idempotency_key),
        order,
    )
    .await
}

/// A request in English with `token` and, if any, a JSON body.
pub async fn send(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Answer {
    call(
        app,
        method,
        path,
        Some(token),
        &[("accept-language", "en")],
        body.map(|body| ("application/json", body.to_string().into_bytes())),
    )
    .await
}

pub async fn get(app: &TestApp, token: &str, path: &str) -> Answer {
    send(app, token, "GET", path, None).await
}

pub fn departures_path(institution: Uuid) -> String {
    format!("/api/v1/institutions/{institution}/departures")
}

/// Marks the holder of `email` at `institution` as departed with `token`; the
/// departure's id.
pub async fn departed(app: &TestApp, token: &str, institution: Uuid, email: &str) -> String {
    let marked = send(
        app,
        token,
        "POST",
        &departures_path(institution),
        Some(&json!({ "email": email })),
    )
    .await;
    assert_eq!(marked.status, StatusCode::CREATED, "{}", marked.body);
    marked.json()["departure_id"].as_str().unwrap().to_owned()
}

/// A bulk upload of one row for `email`, placed by `token`; its id.
pub async fn uploaded(app: &TestApp, token: &str, institution: Uuid, email: &str) -> String {
    let upload = call(
        app,
        "POST",
        &bulk::bulk_path(institution),
        Some(token),
        &[("idempotency-key", "setup")],
        Some((
            "application/json",
            json!([bulk::bulk_row(email)]).to_string().into_bytes(),
        )),
    )
    .await;
    assert_eq!(upload.status, StatusCode::CREATED, "{}", upload.body);
    upload.json()["upload_id"].as_str().unwrap().to_owned()
}
