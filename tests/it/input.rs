//! Text the portal never accepts (NUL, invalid UTF-8) is refused where requests
//! enter, with a 400 in the visitor's language: never a 500, never U+FFFD.
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::domain::StaffRole;

use crate::helpers::{TestApp, TestClient, TestResponse, registration_number};
use crate::orders::{etf, fields, form_key, with};

const REFUSAL_EN: &str = "characters that are not allowed";
const REFUSAL_SR: &str = "znakove koji nisu dozvoljeni";

fn assert_refused(response: &TestResponse, what: &str) {
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{what}: {}",
        response.body
    );
    assert!(
        response.body.contains(REFUSAL_EN) || response.body.contains(REFUSAL_SR),
        "{what}: {}",
        response.body
    );
    assert_eq!(
        response.header("x-content-type-options"),
        "nosniff",
        "{what}"
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_nul_byte_in_the_fields_the_probe_found_is_a_400_not_a_500(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let admin = &world.admin_a.client;
    let staff = &world.staff.client;
    let a = world.a;
    for (client, path) in [
        (admin, format!("/institutions/{a}/orders?q=ana%00")),
        (admin, format!("/institutions/{a}/orders?person=%00")),
        (admin, format!("/institutions/{a}/orders.csv?q=%00")),
        (admin, format!("/institutions/{a}/orders.csv?person=x%00")),
        (staff, "/staff/orders?q=%00".to_owned()),
        (staff, "/staff/orders?person=%00".to_owned()),
        (staff, "/staff/orders?institution=etf%00".to_owned()),
        (staff, "/staff/orders.csv?q=%00".to_owned()),
        (staff, "/staff/orders.csv?person=%00".to_owned()),
        (staff, "/staff/orders.csv?institution=%00".to_owned()),
    ] {
        assert_refused(&client.get(&path).await, &path);
    }
    let form_path = format!("/institutions/{a}/orders/new");
    let api_path = format!("/api/v1/institutions/{a}/orders");
    let key = form_key(admin, a).await;
    for (field, value) in [("idempotency_key", "key\0"), ("profile_type", "strict\0")] {
        let form = with(fields(&key, "ana@etf.bg.ac.rs", "place"), field, value);
        assert_refused(&admin.post_form(&form_path, &form).await, field);
        let api = with(fields("api-key", "ana@etf.bg.ac.rs", "place"), field, value);
        let refused = admin.post_form(&api_path, &api).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        let body: serde_json::Value = serde_json::from_str(&refused.body).unwrap();
        assert!(
            body["detail"].as_str().unwrap().contains(REFUSAL_EN)
                || body["detail"].as_str().unwrap().contains(REFUSAL_SR),
            "{body}"
        );
    }
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM certificate_orders")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(orders, 0);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn invalid_utf8_in_a_name_is_refused_not_turned_into_a_replacement_character(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let staff = app
        .enrolled_staff("staff@amres.ac.rs", StaffRole::Staff)
        .await;
    let token = staff.client.csrf_token_for("/staff/institutions").await;
    let number = registration_number("etf-bg");
    for name in ["Fakultet%FF", "Fakultet%C0%80", "Fakultet%ED%A0%80"] {
        let body = format!(
            "csrf_token={token}&slug=etf-bg&name_sr={name}&name_en=ETF&short_name=ETF\
             &registration_number={number}"
        );
        let refused = staff
            .client
            .post_raw(
                "/staff/institutions",
                "application/x-www-form-urlencoded",
                body,
                &[("accept-language", "en")],
            )
            .await;
        assert_refused(&refused, name);
    }
    let institutions: i64 = sqlx::query_scalar("SELECT count(*) FROM institutions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(institutions, 0);
    // Serbian in either script is text like any other.
    let created = staff
        .client
        .post_form(
            "/staff/institutions",
            &[
                ("slug", "etf-bg"),
                ("name_sr", "Електротехнички факултет"),
                ("name_en", "School of Electrical Engineering"),
                ("short_name", "ETF"),
                ("registration_number", &number),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
}

/// The inputs the sweep sends, each where it fits: in the query, in a path
/// segment, in a form body and in a JSON body.
const BAD_QUERIES: &[&str] = &["q=%00", "q=%FF", "q=%C0%80", "q=%ED%A0%80", "%00=x"];
const BAD_FORMS: &[&str] = &["q=%00", "q=%FF", "q=%C0%AF", "q=%ED%B0%80", "q%00=1"];
const BAD_JSON: &[&[u8]] = &[
    br#"{"q":"\u0000"}"#,
    br#"{"q":"\ud800"}"#,
    br#"{"q":"\udc00x"}"#,
    b"{\"q\":\"\xff\"}",
    b"{\"q\":\"\xc0\x80\"}",
];

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn every_route_refuses_nul_and_invalid_utf8_in_query_path_form_and_json(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let a = world.a.to_string();
    let visitors: [(&str, TestClient); 3] = [
        ("anonymous", app.client()),
        ("admin of A", world.admin_a.client.clone()),
        ("staff", world.staff.client.clone()),
    ];
    let mut checked = 0;
    for route in tcs_portal::web::routes().list() {
        let path = route
            .path
            .replace("{institution_id}", &a)
            .replace("{name}", "style.css")
            .replace(['{', '}'], "");
        // A path with a NUL or a broken byte sequence in its last segment.
        let bad_paths = [format!("{path}%00"), format!("{path}%FF")];
        for (who, client) in &visitors {
            let mut answers = Vec::new();
            for query in BAD_QUERIES {
                let target = format!("{path}?{query}");
                answers.push((
                    target.clone(),
                    send(client, route.method, &target, None).await,
                ));
            }
            for bad_path in &bad_paths {
                answers.push((
                    bad_path.clone(),
                    send(client, route.method, bad_path, None).await,
                ));
            }
            if route.method == "POST" {
                let token = client.csrf_token_for(&path).await;
                for form in BAD_FORMS {
                    let body = format!("csrf_token={token}&{form}");
                    let answer = client
                        .post_raw(&path, "application/x-www-form-urlencoded", body, &[])
                        .await;
                    answers.push((format!("{path} form {form}"), answer));
                }
            }
            for json in BAD_JSON {
                answers.push((
                    format!("{path} json {}", String::from_utf8_lossy(json)),
                    send(client, route.method, &path, Some(json)).await,
                ));
            }
            for (what, answer) in answers {
                let what = format!("{} {what} as {who}", route.method);
                assert!(!answer.status.is_server_error(), "{what}: {}", answer.body);
                assert_eq!(
                    answer.status,
                    StatusCode::BAD_REQUEST,
                    "{what}: {}",
                    answer.body
                );
                if path.starts_with("/api/") {
                    assert!(
                        answer
                            .header("content-type")
                            .starts_with("application/problem+json"),
                        "{what}"
                    );
                } else {
                    assert!(
                        answer.header("content-type").starts_with("text/html"),
                        "{what}"
                    );
                }
                assert!(
                    !answer.header("content-security-policy").is_empty(),
                    "{what}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "{checked}");
    // The chosen language holds on the refusal too.
    let english = app.client();
    english
        .post_form("/lang", &[("lang", "en"), ("back", "/")])
        .await;
    let refused = english.get("/login?email=%FF").await;
    assert!(refused.body.contains(REFUSAL_EN), "{}", refused.body);
    let serbian = app.client().get("/login?email=%FF").await;
    assert!(serbian.body.contains(REFUSAL_SR), "{}", serbian.body);
}

async fn send(client: &TestClient, method: &str, path: &str, json: Option<&[u8]>) -> TestResponse {
    match (method, json) {
        ("GET", None) => client.get(path).await,
        (_, Some(json)) => {
            // JSON goes as a POST whatever the route's method: the check runs before routing.
            client
                .post_raw(path, "application/json", json.to_vec(), &[])
                .await
        }
        (_, None) => {
            let token = client
                .csrf_token_for(path.split('?').next().unwrap_or(path))
                .await;
            client
                .post_raw(
                    path,
                    "application/x-www-form-urlencoded",
                    format!("csrf_token={token}"),
                    &[],
                )
                .await
        }
    }
}
