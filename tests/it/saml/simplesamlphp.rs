//! The portal with a real IdP, SimpleSAMLphp: each takes the other's metadata (the IdP
//! reads the portal's /saml/metadata, staff add the IdP's metadata by its URL), an admin
//! links their identity at the IdP and then logs in through it.
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::domain::StaffRole;
use testkit::simplesamlphp::{IdpUser, SimpleSamlPhp, installed};

use super::world::{name_idps, validated_domain};
use crate::helpers::{TestApp, TestClient, TestResponse};

/// The browser posts the IdP's answer to the portal.
async fn post_answer(client: &TestClient, saml_response: &str) -> TestResponse {
    let body = serde_urlencoded::to_string([("SAMLResponse", saml_response)]).unwrap();
    client
        .post_raw("/saml/acs", "application/x-www-form-urlencoded", body, &[])
        .await
}

#[sqlx::test]
async fn an_admin_links_their_identity_at_simplesamlphp_and_then_logs_in_through_it(pool: PgPool) {
    assert!(
        installed(),
        "SimpleSAMLphp is missing: run scripts/install-tools.sh"
    );
    let app = TestApp::spawn(pool).await;
    let staff = app
        .enrolled_staff("staff@amres.ac.rs", StaffRole::Staff)
        .await
        .client;
    let etf = app.create_institution(&staff, "etf", "ETF", true).await;
    validated_domain(&app, etf, "etf.bg.ac.rs").await;

    let sp_metadata = app.client().get("/saml/metadata").await;
    sp_metadata.assert_ok();
    let idp = SimpleSamlPhp::start(
        0,
        &sp_metadata.body,
        &["etf.bg.ac.rs"],
        &[IdpUser::person(
            "jovana",
            "lozinka-za-test",
            "etf.bg.ac.rs",
            "Jovana",
            "Jovanović",
        )],
    )
    .await;
    let added = staff
        .post_form(
            "/staff/saml/sources",
            &[
                ("name", "ETF IdP"),
                ("kind", "single"),
                ("url", &idp.metadata_url()),
                ("metadata_xml", ""),
                ("pinned_certificate", ""),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let scopes: Vec<String> =
        sqlx::query_scalar("SELECT scopes FROM saml_idps WHERE entity_id = $1")
            .bind(idp.entity_id())
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(scopes, vec!["etf.bg.ac.rs".to_owned()]);
    let named = name_idps(&staff, etf, &idp.entity_id()).await;
    assert_eq!(named.status, StatusCode::SEE_OTHER, "{}", named.body);
    let choice = format!("{etf} {}", idp.entity_id());

    let admin = app
        .enrolled_member(&staff, etf, "admin@etf.bg.ac.rs", "admin")
        .await;
    let to_idp = admin
        .client
        .post_form("/account/federated", &[("choice", &choice)])
        .await;
    let answer = idp
        .log_in(to_idp.location().unwrap(), "jovana", "lozinka-za-test")
        .await;
    let linked = post_answer(&admin.client, &answer).await;
    assert_eq!(linked.location(), Some("/account"), "{}", linked.body);

    let browser = app.client();
    let to_idp = browser
        .post_form("/saml/login", &[("choice", &choice)])
        .await;
    let answer = idp
        .log_in(to_idp.location().unwrap(), "jovana", "lozinka-za-test")
        .await;
    let logged_in = post_answer(&browser, &answer).await;
    assert_eq!(logged_in.location(), Some("/mfa"), "{}", logged_in.body);
    app.next_totp_step();
    let mfa = browser
        .post_form("/mfa", &[("code", &app.totp_now(&admin.secret))])
        .await;
    assert_eq!(mfa.location(), Some("/"), "{}", mfa.body);
    browser
        .get(&format!("/institutions/{etf}"))
        .await
        .assert_ok();
    idp.stop().await;
}
