//! Every bad file of issue 14 §4 gets its message in the admin's language and a 4xx, and
//! keeps nothing; bad rows are refused one by one, each with its field's message.
use reqwest::StatusCode;
use sqlx::PgPool;

use super::{upload, uploaded};
use crate::helpers::TestApp;
use crate::orders::{DOMAIN, etf};

const HEADER: &str = "email,given name,surname,product,profile,validity\n";

async fn uploads(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM bulk_uploads")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn each_bad_file_is_refused_with_its_message_and_nothing_is_kept(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let world = etf(&app).await;
    let admin = &world.admin_a.client;
    let row = format!("ana@{DOMAIN},Ana,Anić,client_premium,,1\n");
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "10,001 rows",
            format!("{HEADER}{}", row.repeat(10_001)).into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "more than 10,000 rows",
        ),
        (
            "more than 5 MB",
            format!("{HEADER}{}", "x".repeat(6 * 1024 * 1024)).into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "larger than 5 MB",
        ),
        (
            "a binary file",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not UTF-8 text",
        ),
        (
            "control characters",
            format!("{HEADER}ana\0@{DOMAIN},Ana,Anić,client_premium,,1\n").into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "control characters",
        ),
        (
            "a 1 MB cell",
            format!(
                "{HEADER}{},Ana,Anić,client_premium,,1\n",
                "a".repeat(1024 * 1024)
            )
            .into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "longer than 4 KB, on line (2)",
        ),
        (
            "duplicate headers",
            format!("email,e-mail,given name,surname,product,validity\n{row}").into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "named twice (e-mail)",
        ),
        (
            "an unknown column",
            format!("email,given name,surname,product,validity,department\n{row}").into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "do not know (see the template) (department)",
        ),
        (
            "no rows",
            HEADER.as_bytes().to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "no rows",
        ),
    ];
    for (what, file, status, message) in cases {
        let answer = upload(admin, world.a, "bad.csv", &file).await;
        assert_eq!(answer.status, status, "{what}: {}", answer.body);
        assert!(answer.body.contains(message), "{what}: {}", answer.body);
        assert_eq!(uploads(&pool).await, 0, "{what} was kept");
    }
    let refused: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'bulk.refused'")
            .fetch_one(&pool)
            .await
            .unwrap();
    // The file over the body limit never reached the service.
    assert_eq!(refused, 7);
}

#[sqlx::test]
async fn bad_rows_are_refused_each_with_the_message_of_its_field(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let world = etf(&app).await;
    let admin = &world.admin_a.client;
    // Mixed line endings (LF, CRLF, CR) between the rows.
    let file = format!(
        "{HEADER}\
         =HYPERLINK(\"http://x\")@{DOMAIN},Ana,Anić,client_premium,,1\r\n\
         ana@{DOMAIN},@SUM(A1),Anić,client_premium,,1\r\
         ana@{DOMAIN},Ana,+381,client_premium,,1\n\
         ana@{DOMAIN},Ana,Anić,ssl_plus,,1\n\
         ana@{DOMAIN},Ana,Anić,secure_email_sponsor,,3\n\
         ana@elsewhere.ac.rs,Ana,Anić,client_premium,,1\n\
         ana@rcub.bg.ac.rs,Ana,Anić,client_premium,,1\n"
    );
    let id = uploaded(admin, world.a, &file).await;
    let preview = admin
        .get(&format!("/institutions/{}/bulk/{id}", world.a))
        .await;
    preview.assert_ok();
    let body = crate::helpers::html_unescape(&preview.body);
    assert!(
        body.contains(r#"<strong class="refused-count">7</strong>"#),
        "{body}"
    );
    for expected in [
        "email: Starts with =, +, - or @",
        "given name: Starts with =, +, - or @",
        "surname: Starts with =, +, - or @",
        "product: ",
        "profile: ",
        "validity: ",
        "elsewhere.ac.rs: ",
        "rcub.bg.ac.rs: ",
    ] {
        assert!(body.contains(expected), "{expected} missing");
    }
    let lines: Vec<u64> = preview
        .all_between("<tr class=\"row-refused\"><td>", "</td>")
        .iter()
        .map(|line| line.parse().unwrap())
        .collect();
    assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8]);
    // The result's cells that a spreadsheet would run are neutralised.
    let result = admin
        .get(&format!("/institutions/{}/bulk/{id}/result.csv", world.a))
        .await;
    assert!(result.body.contains("\"'=HYPERLINK"), "{}", result.body);
}
