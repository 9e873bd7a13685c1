//! The ACS against forged, stale, misdirected and out-of-scope answers: each is refused
//! with a message, logs no one in, and leaves a `saml.response_refused` audit event; the
//! honest answer is accepted.
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::StatusCode;
use sqlx::PgPool;
use testkit::saml_idp::{MAIL, ResponseSpec, SCOPED_AFFILIATION, SUBJECT_ID, Signed};

use super::world::{Federation, assert_refused, is_logged_in};
use crate::helpers::TestClient;

const ANA: &str = "ana@etf.bg.ac.rs";

async fn refused_with(
    federation: &Federation,
    client: &TestClient,
    encoded: &str,
    status: StatusCode,
    key: &str,
) {
    let answer = federation.post_answer(client, encoded).await;
    assert_refused(&answer, status, key);
    assert!(!is_logged_in(client).await);
    assert!(
        federation
            .app
            .audit_actions()
            .await
            .contains(&"saml.response_refused".to_owned())
    );
}

/// A fresh browser's login at ETF, and the honest answer for it that the test spoils.
async fn etf_login(federation: &Federation) -> (TestClient, ResponseSpec) {
    let client = federation.app.client();
    let spec = federation
        .login_answer(&client, federation.etf, &federation.etf_idp, ANA)
        .await;
    (client, spec)
}

async fn invalid(federation: &Federation, client: &TestClient, encoded: &str) {
    refused_with(
        federation,
        client,
        encoded,
        StatusCode::FORBIDDEN,
        "saml.refused.invalid",
    )
    .await;
}

#[sqlx::test]
async fn an_honest_answer_for_an_unlinked_identity_is_checked_and_then_refused_as_not_linked(
    pool: PgPool,
) {
    let federation = Federation::new(pool).await;
    let (client, spec) = etf_login(&federation).await;
    let answer = federation
        .post_answer(&client, &federation.etf_idp.encoded(&spec))
        .await;
    assert_refused(&answer, StatusCode::FORBIDDEN, "saml.refused.not_linked");
    assert!(
        federation
            .app
            .audit_actions()
            .await
            .contains(&"login.saml_refused".to_owned())
    );
}

#[sqlx::test]
async fn an_answer_signed_by_another_key_is_refused(pool: PgPool) {
    let federation = Federation::new(pool).await;
    let (client, mut spec) = etf_login(&federation).await;
    spec.issuer = federation.etf_idp.entity_id.clone();
    // FON's IdP signs an answer that claims to be ETF's.
    let forged = federation.fon_idp.encoded(&spec);
    invalid(&federation, &client, &forged).await;
}

#[sqlx::test]
async fn an_answer_changed_after_signing_is_refused(pool: PgPool) {
    let federation = Federation::new(pool).await;
    let (client, spec) = etf_login(&federation).await;
    let signed = federation.etf_idp.response_xml(&spec);
    let tampered = signed.replace("Ana", "Mallory");
    assert_ne!(signed, tampered);
    invalid(&federation, &client, &STANDARD.encode(tampered)).await;
}

#[sqlx::test]
async fn an_unsigned_answer_is_refused(pool: PgPool) {
    let federation = Federation::new(pool).await;
    let (client, mut spec) = etf_login(&federation).await;
    spec.signed = Signed::Nothing;
    invalid(&federation, &client, &federation.etf_idp.encoded(&spec)).await;
}

#[sqlx::test]
async fn an_unsigned_assertion_injected_beside_a_signed_one_is_never_believed(pool: PgPool) {
    let federation = Federation::new(pool).await;
    let admin = federation
        .linked_admin("admin@etf.bg.ac.rs", "admin@etf.bg.ac.rs")
        .await;
    let (client, mut spec) = etf_login(&federation).await;
    // The signed assertion is about an unlinked person; the forged one, placed first and
    // unsigned, claims to be the linked admin.
    spec.signed = Signed::Assertion;
    let signed_assertion = federation.etf_idp.assertion_xml(&spec);
    let signed_only = federation
        .etf_idp
        .response_xml_around(&spec, &signed_assertion);
    let mut forged = spec.clone();
    forged.signed = Signed::Nothing;
    forged.assertion_id = format!("{}-evil", spec.assertion_id);
    forged.set(SUBJECT_ID, &["admin@etf.bg.ac.rs"]);
    forged.set(MAIL, &["admin@etf.bg.ac.rs"]);
    let injected = federation.etf_idp.assertion_xml(&forged);
    let status_end = "</samlp:Status>";
    let wrapped = signed_only.replacen(status_end, &format!("{status_end}{injected}"), 1);
    assert_ne!(wrapped, signed_only);
    let answer = federation
        .post_answer(&client, &STANDARD.encode(wrapped))
        .await;
    // Only the signed assertion is read: its (unlinked) person, not the injected admin.
    assert_refused(&answer, StatusCode::FORBIDDEN, "saml.refused.not_linked");
    assert!(!is_logged_in(&client).await);
    let admin_logins: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'login.saml_ok' AND actor_account_id = $1",
    )
    .bind(admin.account_id)
    .fetch_one(&federation.app.pool)
    .await
    .unwrap();
    assert_eq!(admin_logins, 0);
}

#[sqlx::test]
async fn an_assertion_for_another_audience_is_refused(pool: PgPool) {
    let federation = Federation::new(pool).await;
    let (client, mut spec) = etf_login(&federation).await;
    spec.audience = Some("https://other-sp.example.org/shibboleth".into());
    invalid(&federation, &client, &federation.etf_idp.encoded(&spec)).await;
}

#[sqlx::test]
async fn an_assertion_naming_no_audience_is_refused(pool: PgPool) {
    let federation = Federation::new(pool).await;
    let (client, mut spec) = etf_login(&federation).await;
    spec.audience = None;
    invalid(&federation, &client, &federation.etf_idp.encoded(&spec)).await;
}

#[sqlx::test]
async fn an_answer_addressed_to_another_acs_is_refused(pool: PgPool) {
    let federation = Federation::new(pool).await;
    let (client, mut spec) = etf_login(&federation).await;
    spec.destination = "https://other-sp.example.org/Shibboleth.sso/SAML2/POST".into();
    invalid(&federation, &client, &federation.etf_idp.encoded(&spec)).await;
}

#[sqlx::test]
async fn an_assertion_for_another_recipient_is_refused(pool: PgPool) {
    let federation = Federation::new(pool).await;
    let (client, mut spec) = etf_login(&federation).await;
    spec.recipient = "https://other-sp.example.org/Shibboleth.sso/SAML2/POST".into();
    spec.signed = Signed::Assertion;
    invalid(&federation, &client, &federation.etf_idp.encoded(&spec)).await;
}

#[sqlx::test]
async fn an_expired_assertion_is_refused(pool: PgPool) {
    let federation = Federation::new(pool).await;
    let (client, mut spec) = etf_login(&federation).await;
    spec.valid_from = -3600;
    spec.valid_until = -600;
    invalid(&federation, &client, &federation.etf_idp.encoded(&spec)).await;
}

#[sqlx::test]
async fn an_assertion_not_yet_valid_is_refused(pool: PgPool) {
    let federation = Federation::new(pool).await;
    let (client, mut spec) = etf_login(&federation).await;
    spec.valid_from = 600;
    spec.valid_until = 1200;
    invalid(&federation, &client, &federation.etf_idp.encoded(&spec)).await;
}

#[sqlx::test]
async fn a_replayed_assertion_is_refused_even_for_a_new_request(pool: PgPool) {
    let federation = Federation::new(pool).await;
    federation.linked_admin("admin@etf.bg.ac.rs", ANA).await;
    let (first_client, spec) = etf_login(&federation).await;
    let first = federation
        .post_answer(&first_client, &federation.etf_idp.encoded(&spec))
        .await;
    assert_eq!(first.location(), Some("/mfa"), "{}", first.body);
    // The attacker starts a login of their own and answers it with the same assertion.
    let (attacker, _) = etf_login(&federation).await;
    let mut replayed = spec.clone();
    replayed.in_response_to = Some(federation.last_request_id().await);
    refused_with(
        &federation,
        &attacker,
        &federation.etf_idp.encoded(&replayed),
        StatusCode::FORBIDDEN,
        "saml.refused.replayed",
    )
    .await;
}

#[sqlx::test]
async fn the_same_answer_posted_twice_is_refused_the_second_time(pool: PgPool) {
    let federation = Federation::new(pool).await;
    let (client, spec) = etf_login(&federation).await;
    let encoded = federation.etf_idp.encoded(&spec);
    federation.post_answer(&client, &encoded).await;
    refused_with(
        &federation,
        &client,
        &encoded,
        StatusCode::FORBIDDEN,
        "saml.refused.unsolicited",
    )
    .await;
}

#[sqlx::test]
async fn an_unsolicited_answer_is_refused(pool: PgPool) {
    let federation = Federation::new(pool).await;
    let client = federation.app.client();
    let mut spec = federation.etf_idp.response(
        "_never-requested",
        &federation.sp_entity_id(),
        &federation.acs_url(),
        ANA,
    );
    refused_with(
        &federation,
        &client,
        &federation.etf_idp.encoded(&spec),
        StatusCode::FORBIDDEN,
        "saml.refused.unsolicited",
    )
    .await;
    // Nor without InResponseTo (IdP-initiated), from a browser that did start a login.
    let (started, _) = etf_login(&federation).await;
    spec.in_response_to = None;
    invalid(&federation, &started, &federation.etf_idp.encoded(&spec)).await;
}

#[sqlx::test]
async fn an_answer_to_another_browsers_request_is_refused(pool: PgPool) {
    let federation = Federation::new(pool).await;
    let (_victim, spec) = etf_login(&federation).await;
    let (attacker, _) = etf_login(&federation).await;
    // The answer to the victim's request, posted by the attacker's browser.
    invalid(&federation, &attacker, &federation.etf_idp.encoded(&spec)).await;
}

#[sqlx::test]
async fn fons_idp_asserting_an_etf_identity_is_refused(pool: PgPool) {
    let federation = Federation::new(pool).await;
    let client = federation.app.client();
    let spec = federation
        .login_answer(&client, federation.fon, &federation.fon_idp, ANA)
        .await;
    refused_with(
        &federation,
        &client,
        &federation.fon_idp.encoded(&spec),
        StatusCode::FORBIDDEN,
        "saml.refused.scope",
    )
    .await;
}

#[sqlx::test]
async fn a_login_through_an_idp_the_institution_does_not_name_is_not_started(pool: PgPool) {
    let federation = Federation::new(pool).await;
    let client = federation.app.client();
    let choice = format!("{} {}", federation.etf, federation.fon_idp.entity_id);
    let started = client
        .post_form("/saml/login", &[("choice", &choice)])
        .await;
    assert_eq!(
        started.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        started.body
    );
}

#[sqlx::test]
async fn a_scope_the_idp_may_assert_but_outside_the_validated_domains_is_refused(pool: PgPool) {
    let federation = Federation::new(pool).await;
    let (client, mut spec) = etf_login(&federation).await;
    spec.set(SUBJECT_ID, &["ana@rcub.bg.ac.rs"]);
    refused_with(
        &federation,
        &client,
        &federation.etf_idp.encoded(&spec),
        StatusCode::FORBIDDEN,
        "saml.refused.scope",
    )
    .await;
}

#[sqlx::test]
async fn a_scope_under_a_validated_domain_but_outside_the_metadata_scopes_is_refused(pool: PgPool) {
    let federation = Federation::new(pool).await;
    let (client, mut spec) = etf_login(&federation).await;
    spec.set(SCOPED_AFFILIATION, &["staff@lab.etf.bg.ac.rs"]);
    refused_with(
        &federation,
        &client,
        &federation.etf_idp.encoded(&spec),
        StatusCode::FORBIDDEN,
        "saml.refused.scope",
    )
    .await;
}

#[sqlx::test]
async fn an_answer_without_mail_is_refused(pool: PgPool) {
    let federation = Federation::new(pool).await;
    let (client, mut spec) = etf_login(&federation).await;
    spec.remove(MAIL);
    refused_with(
        &federation,
        &client,
        &federation.etf_idp.encoded(&spec),
        StatusCode::FORBIDDEN,
        "saml.refused.no_mail",
    )
    .await;
}
