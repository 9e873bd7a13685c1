//! The bulk figures of issue 14 §4, run by `bench/run.sh` (ignored in the suite for its
//! length): the preview of a 10,000-row CSV (ms and rows/s) and placing it (ms), in one
//! run; and 3,000 bulk orders drained to the sandbox within DigiCert's rate limits.
use std::time::Instant;

use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use tcs_portal::audit::RequestMeta;
use tcs_portal::services::enrollment::{self, key::CsrOutcome};
use uuid::Uuid;

use super::{confirm, orders_of, uploaded};
use crate::drills::burst;
use crate::helpers::TestApp;
use crate::orders::{DOMAIN, etf};
use crate::world::{self, Drill};

#[sqlx::test]
#[ignore = "a benchmark: bench/run.sh runs it"]
async fn bench_a_10000_row_file_is_previewed_and_placed(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let world = etf(&app).await;
    let admin = &world.admin_a.client;
    let mut file = String::from("email,given name,surname,product,profile,validity\n");
    for n in 0..10_000 {
        file.push_str(&format!(
            "osoba{n}@{DOMAIN},Petar,Petrović,secure_email_sponsor,strict,1\n"
        ));
    }
    let started = Instant::now();
    let id = uploaded(admin, world.a, &file).await;
    let preview = admin
        .get(&format!("/institutions/{}/bulk/{id}", world.a))
        .await;
    let preview_ms = started.elapsed().as_secs_f64() * 1000.0;
    assert!(
        preview
            .body
            .contains(r#"<strong class="ready-count">10000</strong>"#)
    );
    let started = Instant::now();
    let placed = confirm(admin, world.a, id, false).await;
    let place_ms = started.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    assert_eq!(orders_of(&pool, id).await.len(), 10_000);
    {
        println!(
            "BENCH bulk preview of 10000 rows (upload + preview page): {preview_ms:.0} ms, {:.0} rows/s",
            10_000.0 / (preview_ms / 1000.0)
        );
        println!("BENCH bulk placing of 10000 rows (one transaction): {place_ms:.0} ms");
    }
}

/// The pipeline's share of DigiCert's rate for bulk orders (issue 14 §4): one upload of
/// 3,000 rows placed through the API, each person's mailbox proved (set here: the proof
/// is not what is measured) and a CSR brought through the service the person's page
/// calls, then the job worker sends the orders to the sandbox over HTTP behind the
/// portal's shared limiter. DigiCert's windows are shortened as in the burst drill
/// (`drills::burst`), so the measure takes 72 s rather than hours.
#[sqlx::test]
#[ignore = "a benchmark: bench/run.sh runs it"]
async fn bench_3000_bulk_orders_drain_to_the_sandbox_within_the_rate_limit(pool: PgPool) {
    const ORDERS: usize = 3_000;
    let drill = Drill::new(pool.clone(), burst::limited_sandbox().await).await;
    let people: Vec<(String, String)> = (0..ORDERS)
        .map(|n| world::recipient(&format!("bulk{n}")))
        .collect();
    let rows: Vec<Value> = people
        .iter()
        .map(|(email, _)| {
            json!({
                "emails": [email],
                "given_name": "Petar",
                "surname": "Petrović",
                "product": "client_premium",
                "validity_years": 1,
            })
        })
        .collect();
    let (status, placed) = crate::api::api_post(
        &drill.app,
        drill.institution,
        &format!("/api/v1/institutions/{}/bulk-orders", drill.institution),
        Some("bench-drain"),
        &json!({ "rows": rows }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{placed}");
    let upload = Uuid::parse_str(placed["upload_id"].as_str().unwrap()).unwrap();
    let waiting: Vec<(Uuid, Uuid, i32)> = sqlx::query_as(
        "UPDATE enrollments e SET confirmed_at = now() FROM certificate_orders o
         WHERE o.id = e.order_id AND o.bulk_upload_id = $1
         RETURNING e.id, o.id, o.bulk_row",
    )
    .bind(upload)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(waiting.len(), ORDERS);
    let state = &drill.app.state;
    futures_util::stream::iter(&waiting)
        .for_each_concurrent(8, |(enrollment, _, row)| {
            let csr = &people[usize::try_from(*row).unwrap()].1;
            async move {
                let view = enrollment::load(state, (*enrollment).into())
                    .await
                    .unwrap()
                    .unwrap();
                let queued =
                    enrollment::key::submit_csr(state, &RequestMeta::default(), &view, csr)
                        .await
                        .unwrap();
                assert!(matches!(queued, CsrOutcome::Queued));
            }
        })
        .await;
    let orders: Vec<Uuid> = waiting.iter().map(|(_, order, _)| *order).collect();

    let drained = burst::drain(&pool, &drill).await;
    let at_sandbox = drill.at_sandbox(&orders).await;
    // The limits count DigiCert requests (placing an order, then following it), so the
    // rate is in requests; the orders that reached DigiCert in the same time are beside it.
    println!(
        "BENCH bulk drain of {ORDERS} bulk orders (DigiCert limits, windows shortened as in drill burst): \
         {:.1} requests/s achieved, {:.1}/s allowed, ratio {:.3}, {} x 429, {} orders at DigiCert after {:?}",
        drained.achieved,
        drained.allowed_rate,
        drained.achieved / drained.allowed_rate,
        drained.refused,
        at_sandbox.distinct,
        drained.span,
    );
    assert_eq!(drained.refused, 0, "the sandbox answered 429");
    assert_eq!(at_sandbox.duplicates(), 0);
    assert!(drained.achieved >= 0.9 * drained.allowed_rate);
}
