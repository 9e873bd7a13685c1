//! Marking people departed by uploading a CSV list: every row reported by line, the good
//! ones marked, the bad and unknown ones named, nothing else changed; a forged upload
//! (no session token) is refused whole.
use reqwest::StatusCode;
use sqlx::PgPool;

use super::departures;
use crate::enrollment::{issued_with_server_key, world_issuing};
use crate::helpers::TestClient;
use crate::ordering::DOMAIN;

const BOUNDARY: &str = "tcs-departures-boundary";

async fn upload(
    client: &TestClient,
    path: &str,
    token: &str,
    csv: &[u8],
) -> crate::helpers::TestResponse {
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
             --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"odlasci.csv\"\r\n\
             Content-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(csv);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    client
        .post_raw(
            path,
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            body,
            &[],
        )
        .await
}

#[sqlx::test]
async fn a_csv_list_marks_the_known_addresses_and_reports_every_bad_row_by_line(pool: PgPool) {
    let world = world_issuing(pool).await;
    issued_with_server_key(&world, "spisak", "client_premium", "ecdsa-p256").await;
    let path = format!("{}/upload", departures(&world));
    let client = &world.admin.client;
    client.post_form_in("en", "/lang", &[("lang", "en")]).await;
    let token = client.csrf_token_for(&path).await;
    let csv =
        format!("\u{feff}adresa;ime\nSPISAK@{DOMAIN};Spisak\nniko@{DOMAIN};Niko\nnije adresa;X\n");
    let answer = upload(client, &path, &token, csv.as_bytes()).await;
    answer.assert_ok();
    let body = crate::helpers::html_unescape(&answer.body);
    assert!(body.contains("Marked as departed"), "{body}");
    assert!(
        body.contains("No certificate of this institution names that address"),
        "{body}"
    );
    assert!(body.contains("Type a valid e-mail address"), "{body}");
    assert!(
        body.contains("<td>4</td>"),
        "the bad row is named by its line: {body}"
    );
    let marked: Vec<String> = sqlx::query_scalar("SELECT email FROM departures")
        .fetch_all(&world.app.pool)
        .await
        .unwrap();
    assert_eq!(marked, vec![format!("spisak@{DOMAIN}")]);

    // Without the session's token nothing is read.
    let forged = upload(client, &path, "forged", csv.as_bytes()).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // Too large a list is refused whole, in words.
    let large = upload(client, &path, &token, &vec![b'a'; 50 * 1024]).await;
    assert_eq!(
        large.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        large.body
    );
    assert!(large.body.contains("48 KiB"), "{}", large.body);
}
