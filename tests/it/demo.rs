//! `tcs-portal demo`: what it seeds before serving, checked against the real
//! portal of a test.
use std::sync::Arc;

use clock::{Clock, SystemClock};
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::audit::RequestMeta;
use tcs_portal::domain::RevocationReason;
use tcs_portal::services::ordering::{self, RevokeOutcome, Revoker};

use crate::helpers::TestApp;

const EVERY_STATE: [&str; 9] = [
    "awaiting_person",
    "canceled",
    "failed",
    "issued",
    "pending_validation",
    "queued",
    "rejected",
    "revoked",
    "submitted",
];

async fn states(app: &TestApp) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT status, count(*) FROM certificate_orders
         WHERE reference NOT LIKE 'demo-history-%' GROUP BY status ORDER BY status",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_demo_seeds_an_order_in_every_state_and_one_more_awaiting_per_run(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut settings = (*app.state.settings).clone();
    for _ in 0..2 {
        tcs_portal::demo::prepare(&app.pool, &mut settings, None, app.clock.now())
            .await
            .unwrap();
    }
    let seeded = states(&app).await;
    let names: Vec<&str> = seeded.iter().map(|(status, _)| status.as_str()).collect();
    assert_eq!(names, EVERY_STATE);
    let awaiting = seeded
        .iter()
        .find(|(status, _)| status == "awaiting_person");
    assert_eq!(awaiting.map(|(_, count)| *count), Some(2), "{seeded:?}");
    let issued: Vec<String> = sqlx::query_scalar(
        "SELECT chain_pem FROM certificate_orders
         WHERE status IN ('issued', 'revoked') AND reference NOT LIKE 'demo-history-%'",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(issued.len(), 3, "{seeded:?}");
    // Half a year of history in two institutions for the dashboards, seeded once.
    let history: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT count(*), count(DISTINCT date_trunc('month', created_at)) FROM certificate_orders
         WHERE reference LIKE 'demo-history-%' GROUP BY institution_id ORDER BY 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].0 + history[1].0, 550, "two runs, one history");
    assert!(
        history.iter().all(|(_, months)| *months >= 6),
        "{history:?}"
    );
    for chain in issued {
        let ders: Vec<Vec<u8>> = pki::pem::decode_all(&chain)
            .into_iter()
            .map(|block| block.der)
            .collect();
        pki::CertificateChain::new(ders[0].clone(), ders[1..].to_vec()).unwrap();
    }
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_printed_person_link_opens_the_persons_page(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut settings = (*app.state.settings).clone();
    let demo = tcs_portal::demo::prepare(&app.pool, &mut settings, None, app.clock.now())
        .await
        .unwrap();
    let path = demo
        .person_link
        .strip_prefix(settings.public_url.as_str())
        .unwrap();
    let mailed: String = sqlx::query_scalar(
        "SELECT body_text FROM outbox WHERE recipient = 'jelena.jovanovic@etf.bg.ac.rs'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(mailed.contains(&demo.person_link), "{mailed}");

    let person = app.client();
    let opened = person.get(path).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let page = person.get(opened.location().unwrap()).await;
    page.assert_ok();
    assert!(page.body.contains("/enroll/confirm"), "{}", page.body);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_issued_demo_order_is_known_to_digicert_and_can_be_revoked(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut settings = (*app.state.settings).clone();
    let demo = tcs_portal::demo::prepare(&app.pool, &mut settings, None, app.clock.now())
        .await
        .unwrap();
    // The portal as `demo` serves it: talking to the demo's sandbox.
    let state =
        tcs_portal::app::build_state(app.pool.clone(), settings, Arc::new(SystemClock)).unwrap();
    let (id, requested_by): (uuid::Uuid, uuid::Uuid) = sqlx::query_as(
        "SELECT id, requested_by FROM certificate_orders
         WHERE idempotency_key = 'demo-issued-petar.petrovic'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let order = tcs_portal::db::orders::unscoped_get(&app.pool, id.into())
        .await
        .unwrap()
        .unwrap();
    assert!(order.digicert_order_id.is_some(), "placed at DigiCert");
    let outcome = ordering::revoke_order(
        &state,
        &RequestMeta::default(),
        &order,
        Revoker::Admin(requested_by.into()),
        RevocationReason::Superseded,
        "trying the demo",
    )
    .await
    .unwrap();
    assert_eq!(outcome, RevokeOutcome::Revoked);
    // The revoked still was revoked at DigiCert too, not only in our table.
    let revoked_at_sandbox = crate::world::at_sandbox(&demo.sandbox, |orders| {
        orders
            .filter(|order| order.status == digicert_sim::state::OrderStatus::Revoked)
            .count()
    })
    .await;
    assert_eq!(
        revoked_at_sandbox, 2,
        "Stefan's from the seeding, Petar's now"
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_printed_api_token_reads_an_etf_order_through_the_api(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut settings = (*app.state.settings).clone();
    let demo = tcs_portal::demo::prepare(&app.pool, &mut settings, None, app.clock.now())
        .await
        .unwrap();
    let order: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM certificate_orders WHERE institution_id = $1 LIMIT 1")
            .bind(demo.api_institution.as_uuid())
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let answer = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/institutions/{}/orders/{order}",
            app.base, demo.api_institution
        ))
        .bearer_auth(secrecy::ExposeSecret::expose_secret(&demo.api_token))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_printed_bulk_orders_command_previews_the_sample_file_with_the_printed_token(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let mut settings = (*app.state.settings).clone();
    let demo = tcs_portal::demo::prepare(&app.pool, &mut settings, None, app.clock.now())
        .await
        .unwrap();
    let banner = tcs_portal::demo::banner(&settings, &demo);
    let printed = banner
        .split_whitespace()
        .find(|word| word.contains("/bulk-orders?preview=true"))
        .unwrap_or_else(|| panic!("no bulk-orders command in\n{banner}"))
        .trim_matches('\'');
    let path = printed.strip_prefix(settings.public_url.as_str()).unwrap();
    let sample = banner
        .split_whitespace()
        .find_map(|word| word.strip_prefix('@'))
        .unwrap();
    let answer = reqwest::Client::new()
        .post(format!("{}{path}", app.base))
        .bearer_auth(secrecy::ExposeSecret::expose_secret(&demo.api_token))
        .header("Content-Type", "text/csv")
        .body(std::fs::read(sample).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let preview: serde_json::Value = answer.json().await.unwrap();
    let rows = preview["results"].as_array().unwrap();
    assert_eq!(rows.len(), 5, "{preview}");
    assert!(
        rows.iter().all(|row| row["outcome"] != "invalid"),
        "{preview}"
    );
}
