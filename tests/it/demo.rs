//! `tcs-portal demo`: what it seeds before serving, checked against the real
//! portal of a test.
use sqlx::PgPool;
use tcs_portal::clock::Clock;

use crate::helpers::TestApp;

const EVERY_STATE: [&str; 8] = [
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
        "SELECT status, count(*) FROM certificate_orders GROUP BY status ORDER BY status",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_demo_seeds_an_order_in_every_state_once_however_often_it_runs(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut settings = (*app.state.settings).clone();
    for _ in 0..2 {
        tcs_portal::demo::prepare(&app.pool, &mut settings, app.clock.now())
            .await
            .unwrap();
    }
    let seeded = states(&app).await;
    let names: Vec<&str> = seeded.iter().map(|(status, _)| status.as_str()).collect();
    assert_eq!(names, EVERY_STATE);
    let issued: Vec<String> = sqlx::query_scalar(
        "SELECT chain_pem FROM certificate_orders WHERE status IN ('issued', 'revoked')",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(issued.len(), 3, "{seeded:?}");
    for chain in issued {
        let ders: Vec<Vec<u8>> = tcs_portal::pki::pem::decode_all(&chain)
            .into_iter()
            .map(|block| block.der)
            .collect();
        tcs_portal::pki::CertificateChain::new(ders[0].clone(), ders[1..].to_vec()).unwrap();
    }
}
