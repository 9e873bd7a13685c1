//! Bulk orders through the API: the page's CSV or the same rows as JSON, previewed
//! without keeping anything, placed once under an `Idempotency-Key`, followed through the
//! status resource; every bad body a problem, never a 500, and nothing written.
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use super::{ALL_SCOPES, Answer, call, count, token};
use crate::helpers::TestApp;
use crate::orders::{DOMAIN, etf};

const HEADER: &str = "email,given name,surname,product,profile,validity\n";

pub(crate) fn bulk_path(institution: Uuid) -> String {
    format!("/api/v1/institutions/{institution}/bulk-orders")
}

/// `POST`s `body` of `content_type` to the bulk operation with `query`.
async fn send(
    app: &TestApp,
    token: &str,
    institution: Uuid,
    query: &str,
    key: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> Answer {
    let mut headers = vec![("accept-language", "en")];
    if let Some(key) = key {
        headers.push(("idempotency-key", key));
    }
    call(
        app,
        "POST",
        &format!("{}{query}", bulk_path(institution)),
        Some(token),
        &headers,
        Some((content_type, body)),
    )
    .await
}

/// A JSON row of Secure Email for `email`.
pub(crate) fn bulk_row(email: &str) -> Value {
    json_row(email, "secure_email_sponsor")
}

/// A JSON row as the API takes it.
fn json_row(email: &str, product: &str) -> Value {
    json!({
        "emails": [email],
        "given_name": "Ana",
        "surname": "Anić",
        "product": product,
        "profile_type": "strict",
        "validity_years": 1,
    })
}

async fn written(app: &TestApp) -> (i64, i64) {
    (
        count(app, "SELECT count(*) FROM bulk_uploads").await,
        count(app, "SELECT count(*) FROM certificate_orders").await,
    )
}

/// Each row's outcome and errors, without its line (a file's line, a list's position).
fn verdicts(preview: &Value) -> Vec<(Value, Value, Value)> {
    preview["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["emails"].clone(),
                row["outcome"].clone(),
                row["errors"].clone(),
            )
        })
        .collect()
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_same_rows_as_csv_or_json_get_the_same_preview_and_nothing_is_placed(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token = token(&app, "etf-bg", ALL_SCOPES);
    let csv = format!(
        "{HEADER}ana@{DOMAIN},Ana,Anić,secure_email_sponsor,strict,1\n\
         ana@{DOMAIN},Ana,Anić,secure_email_sponsor,strict,1\n\
         mila@elsewhere.example,Ana,Anić,secure_email_sponsor,strict,1\n\
         pera@{DOMAIN},Ana,Anić,no_such_product,strict,1\n"
    );
    let json = json!({ "rows": [
        json_row(&format!("ana@{DOMAIN}"), "secure_email_sponsor"),
        json_row(&format!("ana@{DOMAIN}"), "secure_email_sponsor"),
        json_row("mila@elsewhere.example", "secure_email_sponsor"),
        json_row(&format!("pera@{DOMAIN}"), "no_such_product"),
    ]});
    let from_csv = send(
        &app,
        &token,
        world.a,
        "?preview=true",
        None,
        "text/csv",
        csv.into_bytes(),
    )
    .await;
    assert_eq!(from_csv.status, StatusCode::OK, "{}", from_csv.body);
    let from_json = send(
        &app,
        &token,
        world.a,
        "?preview=true",
        None,
        "application/json",
        json.to_string().into_bytes(),
    )
    .await;
    assert_eq!(from_json.status, StatusCode::OK, "{}", from_json.body);
    let (from_csv, from_json) = (from_csv.json(), from_json.json());
    // The same verdicts; a row repeated names the first one's line in its own input (the
    // file's line, the list's position).
    let (csv_verdicts, json_verdicts) = (verdicts(&from_csv), verdicts(&from_json));
    assert_eq!(csv_verdicts.len(), 4);
    for (row, (csv_row, json_row)) in csv_verdicts.iter().zip(&json_verdicts).enumerate() {
        if row == 1 {
            assert_eq!((&csv_row.0, &csv_row.1), (&json_row.0, &json_row.1));
            assert!(
                csv_row.2[0].as_str().unwrap().ends_with("line 2"),
                "{csv_row:?}"
            );
            assert!(
                json_row.2[0].as_str().unwrap().ends_with("line 1"),
                "{json_row:?}"
            );
        } else {
            assert_eq!(csv_row, json_row);
        }
    }
    let outcomes: Vec<&str> = from_csv["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["ready", "repeated", "unmet", "invalid"]);
    assert_eq!(from_csv["ready"], 1);
    assert_eq!(from_csv["refused"], 3);
    assert_eq!(from_csv["results"][0]["line"], 2);
    assert_eq!(from_json["results"][0]["line"], 1);
    assert_eq!(written(&app).await, (0, 0), "a preview wrote something");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn placing_twice_with_one_idempotency_key_places_one_set_of_orders_audited_as_the_token(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token = token(&app, "etf-bg", ALL_SCOPES);
    let rows = json!([
        json_row(&format!("ana@{DOMAIN}"), "secure_email_sponsor"),
        json_row(&format!("mila@{DOMAIN}"), "client_premium"),
    ]);
    let body = || rows.to_string().into_bytes();
    let refused = send(&app, &token, world.a, "", None, "application/json", body()).await;
    let problem = refused.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input");
    assert!(
        problem["errors"]["Idempotency-Key"].is_string(),
        "{problem}"
    );

    let first = send(
        &app,
        &token,
        world.a,
        "",
        Some("hr-2026-01"),
        "application/json",
        body(),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = send(
        &app,
        &token,
        world.a,
        "",
        Some("hr-2026-01"),
        "application/json",
        body(),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let (first, again) = (first.json(), again.json());
    assert_eq!(first["upload_id"], again["upload_id"]);
    assert_eq!(first["orders"], 2);
    assert_eq!(first["counts"]["awaiting_person"], 2);
    assert_eq!(written(&app).await, (1, 2));
    assert_eq!(
        count(&app, "SELECT count(*) FROM enrollments").await,
        2,
        "each person gets one link"
    );
    let label: String =
        sqlx::query_scalar("SELECT actor_label FROM audit_events WHERE action = 'bulk.placed'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(label.starts_with("API token IDM"), "{label}");

    let other_rows = json!([json_row(&format!("pera@{DOMAIN}"), "client_premium")]);
    let reused = send(
        &app,
        &token,
        world.a,
        "",
        Some("hr-2026-01"),
        "application/json",
        other_rows.to_string().into_bytes(),
    )
    .await;
    reused.problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(written(&app).await, (1, 2));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_file_with_refused_rows_is_placed_only_when_the_client_asks_for_the_valid_rows(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token = token(&app, "etf-bg", ALL_SCOPES);
    let csv = format!(
        "{HEADER}ana@{DOMAIN},Ana,Anić,secure_email_sponsor,strict,1\n\
         =cmd|' /C calc'!A0,Ana,Anić,secure_email_sponsor,strict,1\n"
    );
    let body = || csv.clone().into_bytes();
    let refused = send(&app, &token, world.a, "", Some("k1"), "text/csv", body()).await;
    let problem = refused.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input");
    assert_eq!(problem["refused"], 1, "{problem}");
    assert_eq!(problem["results"][1]["line"], 3, "{problem}");
    assert!(
        problem["results"][1]["errors"][0]
            .as_str()
            .unwrap()
            .contains("formula"),
        "{problem}"
    );
    assert_eq!(written(&app).await, (0, 0), "a refused file left something");

    let placed = send(
        &app,
        &token,
        world.a,
        "?valid_only=true",
        Some("k1"),
        "text/csv",
        body(),
    )
    .await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let placed = placed.json();
    assert_eq!(placed["orders"], 1);
    assert_eq!(placed["not_placed"], 1);
    assert_eq!(placed["results"][1]["state"], "not_placed");
    assert_eq!(written(&app).await, (1, 1));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_status_shows_each_row_as_the_pages_result_csv_does_and_only_to_its_institution(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token = token(&app, "etf-bg", ALL_SCOPES);
    let csv = format!(
        "{HEADER}ana@{DOMAIN},Ana,Anić,secure_email_sponsor,strict,1\n\
         mila@{DOMAIN},Mila,Milić,client_premium,,2\n\
         pera@elsewhere.example,Pera,Perić,client_premium,,2\n"
    );
    let placed = send(
        &app,
        &token,
        world.a,
        "?valid_only=true",
        Some("k"),
        "text/csv",
        csv.into_bytes(),
    )
    .await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let upload = placed.json()["upload_id"].as_str().unwrap().to_owned();

    let path = format!("{}/{upload}", bulk_path(world.a));
    let status = call(&app, "GET", &path, Some(&token), &[], None).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.body);
    let status = status.json();
    let result = world
        .admin_a
        .client
        .get(&format!(
            "/institutions/{}/bulk/{upload}/result.csv",
            world.a
        ))
        .await;
    result.assert_ok();
    let from_csv: Vec<(String, String)> = result
        .body
        .lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            (cells[2].to_owned(), cells[3].to_owned())
        })
        .collect();
    let from_api: Vec<(String, String)> = status["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["order_id"].as_str().unwrap_or_default().to_owned(),
                row["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(from_api, from_csv);
    assert_eq!(status["counts"]["awaiting_person"], 2);
    assert_eq!(status["not_placed"], 1);

    let other = super::token(&app, "pmf-ns", ALL_SCOPES);
    let theirs = format!("{}/{upload}", bulk_path(world.b));
    call(&app, "GET", &theirs, Some(&other), &[], None)
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn files_as_excel_writes_them_are_read_row_by_row(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token = token(&app, "etf-bg", ALL_SCOPES);
    // A BOM, semicolons, mixed line endings and a quoted cell over two lines.
    let csv = format!(
        "\u{FEFF}e-pošta;ime;prezime;proizvod;profil;važenje\r\n\
         \"ana@{DOMAIN}\nana.anic@{DOMAIN}\";Ana;Anić;client_premium;;1\r\
         mila@{DOMAIN};Mila;Milić;client_premium;;1\n"
    );
    let preview = send(
        &app,
        &token,
        world.a,
        "?preview=true",
        None,
        "text/csv; charset=utf-8",
        csv.into_bytes(),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let preview = preview.json();
    assert_eq!(preview["ready"], 2, "{preview}");
    assert_eq!(preview["results"][1]["line"], 4, "{preview}");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn each_bad_body_is_a_problem_never_a_server_error_and_writes_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token = token(&app, "etf-bg", ALL_SCOPES);
    let row = format!("ana@{DOMAIN},Ana,Anić,client_premium,,1\n");
    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let mut huge = json_row(&format!("ana@{DOMAIN}"), "client_premium");
    huge["validity_years"] = json!(1e300);
    let mut typed = json_row(&format!("ana@{DOMAIN}"), "client_premium");
    typed["emails"] = json!(42);
    let mut unknown = json_row(&format!("ana@{DOMAIN}"), "client_premium");
    unknown["department"] = json!("ETF");
    let mut nul = json_row(&format!("ana@{DOMAIN}"), "client_premium");
    nul["given_name"] = json!("A\u{0}na");
    let too_many: Vec<Value> = (0..10_001)
        .map(|n| json_row(&format!("p{n}@{DOMAIN}"), "client_premium"))
        .collect();
    let cases: Vec<(&str, &str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "10,001 rows",
            "text/csv",
            format!("{HEADER}{}", row.repeat(10_001)).into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "more than 10,000 rows",
        ),
        (
            "more than 5 MB",
            "text/csv",
            format!("{HEADER}{}", "x".repeat(6 * 1024 * 1024)).into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "larger than 5 MB",
        ),
        (
            "a binary file",
            "text/csv",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not UTF-8",
        ),
        (
            "a 1 MB cell",
            "text/csv",
            format!(
                "{HEADER}{},Ana,Anić,client_premium,,1\n",
                "a".repeat(1024 * 1024)
            )
            .into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "longer than 4 KB",
        ),
        (
            "duplicate headers",
            "text/csv",
            format!("email,E-mail,given name,surname,product,validity\n{row}").into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "named twice",
        ),
        (
            "JSON of 10,001 rows",
            "application/json",
            json!({ "rows": too_many }).to_string().into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "more than 10,000 rows",
        ),
        (
            "a wrong type",
            "application/json",
            json!([typed]).to_string().into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not a list of rows",
        ),
        (
            "an unknown field",
            "application/json",
            json!([unknown]).to_string().into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not a list of rows",
        ),
        (
            "deep nesting",
            "application/json",
            nested.into_bytes(),
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "a huge number",
            "application/json",
            json!([huge]).to_string().into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not a list of rows",
        ),
        (
            "a NUL in a name",
            "application/json",
            json!([nul]).to_string().into_bytes(),
            StatusCode::BAD_REQUEST,
            "not allowed",
        ),
        (
            "no rows",
            "application/json",
            b"[]".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "no rows",
        ),
        (
            "another media type",
            "application/octet-stream",
            row.clone().into_bytes(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "text/csv",
        ),
    ];
    for (what, content_type, body, status, message) in cases {
        for query in ["?preview=true", ""] {
            let answer = send(
                &app,
                &token,
                world.a,
                query,
                Some(what),
                content_type,
                body.clone(),
            )
            .await;
            assert_eq!(answer.status, status, "{what} {query}: {}", answer.body);
            assert_eq!(
                answer.header("content-type"),
                super::PROBLEM,
                "{what}: {}",
                answer.body
            );
            let detail = answer.json()["detail"].as_str().unwrap().to_owned();
            assert!(detail.contains(message), "{what}: {detail}");
        }
    }
    assert_eq!(written(&app).await, (0, 0));
}
