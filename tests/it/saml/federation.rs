//! The SP's metadata, and which IdP metadata staff can make the portal trust: a federation
//! aggregate only when its signature verifies with the pinned certificate, and an
//! institution's IdPs only from trusted metadata.
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::i18n::Lang;
use testkit::saml_idp::{Signer, TestIdp, signed_aggregate};

use super::world::{Federation, name_idps};
use crate::helpers::{TestApp, TestClient, html_unescape};
use tcs_portal::domain::StaffRole;

#[sqlx::test]
async fn the_sp_metadata_names_its_acs_and_one_lasting_certificate(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let public_url = app.state.settings.public_url.clone();
    let first = app.client().get("/saml/metadata").await;
    first.assert_ok();
    assert_eq!(first.header("content-type"), "application/samlmetadata+xml");
    assert!(
        first
            .body
            .contains(&format!(r#"entityID="{public_url}/saml/metadata""#))
    );
    assert!(first.body.contains(&format!(
        r#"Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{public_url}/saml/acs""#
    )));
    assert!(first.body.contains(r#"use="signing""#));
    assert!(first.body.contains(r#"use="encryption""#));
    let again = app.client().get("/saml/metadata").await;
    assert_eq!(
        first.body.split("X509Certificate>").nth(1),
        again.body.split("X509Certificate>").nth(1)
    );
    let keys: i64 = sqlx::query_scalar("SELECT count(*) FROM saml_sp_keys")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(keys, 1);
}

async fn add_aggregate(
    staff: &TestClient,
    aggregate: &str,
    pinned_pem: &str,
) -> crate::helpers::TestResponse {
    staff
        .post_form(
            "/staff/saml/sources",
            &[
                ("name", "Test federation"),
                ("kind", "federation"),
                ("url", ""),
                ("metadata_xml", aggregate),
                ("pinned_certificate", pinned_pem),
            ],
        )
        .await
}

async fn trusted_scopes(app: &TestApp, entity_id: &str) -> Option<Vec<String>> {
    sqlx::query_scalar("SELECT scopes FROM saml_idps WHERE entity_id = $1")
        .bind(entity_id)
        .fetch_optional(&app.pool)
        .await
        .unwrap()
}

fn shows(body: &str, key: &str) -> bool {
    html_unescape(body).contains(Lang::Serbian.t(key))
}

#[sqlx::test]
async fn a_federation_aggregate_is_trusted_only_when_the_pinned_certificate_signed_it(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let staff = app
        .enrolled_staff("staff@amres.ac.rs", StaffRole::Staff)
        .await
        .client;
    let operator = Signer::new("AMRES federation");
    let impostor = Signer::new("not the federation");
    let idp = TestIdp::new("https://idp.etf.bg.ac.rs/idp/shibboleth", &["etf.bg.ac.rs"]);
    let aggregate = signed_aggregate(&operator, &[&idp]);

    let wrong_pin = add_aggregate(&staff, &aggregate, &impostor.certificate_pem()).await;
    assert_eq!(
        wrong_pin.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong_pin.body
    );
    assert!(shows(&wrong_pin.body, "saml.metadata.bad_signature"));
    let tampered = aggregate.replace("etf.bg.ac.rs</shibmd:Scope>", "fon.bg.ac.rs</shibmd:Scope>");
    assert_ne!(tampered, aggregate);
    let changed = add_aggregate(&staff, &tampered, &operator.certificate_pem()).await;
    assert!(shows(&changed.body, "saml.metadata.bad_signature"));
    assert_eq!(trusted_scopes(&app, &idp.entity_id).await, None);

    let added = add_aggregate(&staff, &aggregate, &operator.certificate_pem()).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_eq!(
        trusted_scopes(&app, &idp.entity_id).await,
        Some(vec!["etf.bg.ac.rs".to_owned()])
    );
    assert!(
        app.audit_actions()
            .await
            .contains(&"saml.metadata_source_added".to_owned())
    );
}

#[sqlx::test]
async fn an_institution_may_name_only_idps_from_trusted_metadata(pool: PgPool) {
    let federation = Federation::new(pool).await;
    let named = name_idps(
        &federation.staff,
        federation.etf,
        "https://idp.unknown.example.org/idp",
    )
    .await;
    assert_eq!(
        named.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        named.body
    );
    assert!(shows(&named.body, "saml.staff.unknown_idp"));
    let page = federation.staff.get("/staff/saml").await;
    page.assert_ok();
    assert!(page.body.contains(&federation.etf_idp.entity_id));
}

/// A federation's metadata server whose answer the test changes.
async fn metadata_server(body: std::sync::Arc<std::sync::Mutex<String>>) -> String {
    let app = axum::Router::new().route(
        "/metadata.xml",
        axum::routing::get(move || {
            let body = body.clone();
            async move { body.lock().unwrap().clone() }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}/metadata.xml")
}

#[sqlx::test]
async fn a_failed_scheduled_refresh_keeps_the_last_good_copy_and_tells_staff(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let staff = app
        .enrolled_staff("staff@amres.ac.rs", StaffRole::Staff)
        .await
        .client;
    let operator = Signer::new("AMRES federation");
    let idp = TestIdp::new("https://idp.etf.bg.ac.rs/idp/shibboleth", &["etf.bg.ac.rs"]);
    let served = std::sync::Arc::new(std::sync::Mutex::new(signed_aggregate(&operator, &[&idp])));
    let url = metadata_server(served.clone()).await;
    let added = staff
        .post_form(
            "/staff/saml/sources",
            &[
                ("name", "AMRES federation"),
                ("kind", "federation"),
                ("url", &url),
                ("metadata_xml", ""),
                ("pinned_certificate", &operator.certificate_pem()),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);

    // The next copy is signed by someone else: refused, the last good copy stays in use.
    let newcomer = TestIdp::new("https://idp.evil.example.org/idp", &["etf.bg.ac.rs"]);
    *served.lock().unwrap() = signed_aggregate(&Signer::new("impostor"), &[&idp, &newcomer]);
    let failed = tcs_portal::services::saml::trust::refresh_all(&app.state)
        .await
        .unwrap();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(trusted_scopes(&app, &idp.entity_id).await.is_some());
    assert_eq!(trusted_scopes(&app, &newcomer.entity_id).await, None);
    let alerts: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE recipient = 'staff@amres.ac.rs' AND body_text LIKE '%AMRES federation%'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(alerts, 1);
    let page = staff.get("/staff/saml").await;
    assert!(page.body.contains("signature"), "{}", page.body);
    assert!(
        app.audit_actions()
            .await
            .contains(&"saml.metadata_refresh_failed".to_owned())
    );

    // A good copy again: the newcomer, now signed by the federation, is trusted.
    *served.lock().unwrap() = signed_aggregate(&operator, &[&idp, &newcomer]);
    let failed = tcs_portal::services::saml::trust::refresh_all(&app.state)
        .await
        .unwrap();
    assert!(failed.is_empty(), "{failed:?}");
    assert!(trusted_scopes(&app, &newcomer.entity_id).await.is_some());
}

#[sqlx::test]
async fn the_login_choice_may_lead_its_form_to_the_listed_idps_and_no_other_page_may(pool: PgPool) {
    let federation = Federation::new(pool).await;
    let choice = federation.app.client().get("/saml/login").await;
    choice.assert_ok();
    assert!(choice.body.contains("ETF"));
    assert!(
        choice
            .header("content-security-policy")
            .contains("form-action 'self' https://idp.test;"),
        "{}",
        choice.header("content-security-policy")
    );
    let login = federation.app.client().get("/login").await;
    assert!(
        login
            .header("content-security-policy")
            .contains("form-action 'self';")
    );
}
