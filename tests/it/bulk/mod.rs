//! Bulk orders in the browser (issue 14 §3): a CSV uploaded, previewed row by row,
//! placed once in one transaction, followed to DigiCert by the job worker, and its result
//! downloaded; every bad file refused with its message and nothing kept.
mod bad_input;
mod bench;
mod placing;

use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::{TestClient, TestResponse};

/// Posts `file` as the upload form does (multipart, the CSRF token first).
pub(crate) async fn upload(
    client: &TestClient,
    institution: Uuid,
    file_name: &str,
    file: &[u8],
) -> TestResponse {
    let path = format!("/institutions/{institution}/bulk");
    let token = client.csrf_token_for(&path).await;
    let boundary = "tcs-bulk-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    client
        .post_raw(
            &path,
            &format!("multipart/form-data; boundary={boundary}"),
            body,
            &[],
        )
        .await
}

/// Uploads `file` and returns the new upload's id from the redirect to its preview.
pub(crate) async fn uploaded(client: &TestClient, institution: Uuid, file: &str) -> Uuid {
    let answer = upload(client, institution, "people.csv", file.as_bytes()).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let location = answer.location().unwrap().to_owned();
    location.rsplit('/').next().unwrap().parse().unwrap()
}

/// Confirms the upload, ticking "place the valid rows only" or not.
pub(crate) async fn confirm(
    client: &TestClient,
    institution: Uuid,
    upload: Uuid,
    valid_only: bool,
) -> TestResponse {
    let mut fields = vec![];
    if valid_only {
        fields.push(("valid_only", "1"));
    }
    client
        .post_form(
            &format!("/institutions/{institution}/bulk/{upload}/place"),
            &fields,
        )
        .await
}

pub(crate) async fn orders_of(pool: &sqlx::PgPool, upload: Uuid) -> Vec<Uuid> {
    sqlx::query_scalar(
        "SELECT id FROM certificate_orders WHERE bulk_upload_id = $1 ORDER BY bulk_row",
    )
    .bind(upload)
    .fetch_all(pool)
    .await
    .unwrap()
}
