//! Schemathesis (PyPI) against the running portal: every operation of
//! `/api/v1/openapi.json`, with examples and generated bad inputs, under a token made
//! by the command line; no server error and no answer outside its documented schema.
use sqlx::PgPool;

use super::{ALL_SCOPES, departed, placed, token, uploaded};
use crate::helpers::TestApp;
use crate::orders::etf;

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn schemathesis_finds_no_server_error_and_no_schema_violation(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token = token(&app, "etf-bg", ALL_SCOPES);
    let order = placed(&app, &token, world.a, "mila@etf.bg.ac.rs").await;
    let departure = departed(&app, &token, world.a, "mila@etf.bg.ac.rs").await;
    let upload = uploaded(&app, &token, world.a, "pera@etf.bg.ac.rs").await;
    let schema = format!("{}/api/v1/openapi.json", app.base);
    let run = tokio::task::spawn_blocking(move || {
        std::process::Command::new("schemathesis")
            .env("TCS_INSTITUTION_ID", world.a.to_string())
            .env("TCS_ORDER_ID", order.to_string())
            .env("TCS_DEPARTURE_ID", departure)
            .env("TCS_UPLOAD_ID", upload)
            .args([
                "--config-file",
                concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/it/api/schemathesis.toml"
                ),
                "run",
                &schema,
                "--checks",
                "not_a_server_error,response_schema_conformance",
                "--max-examples",
                "25",
                "--phases",
                "examples,coverage,fuzzing",
                "--workers",
                "1",
                "--seed",
                "14",
                "--no-color",
                "--header",
                &format!("Authorization: Bearer {token}"),
            ])
            .output()
            .expect("schemathesis is installed by scripts/install-tools.sh")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    println!("{stdout}");
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
}
