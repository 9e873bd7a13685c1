//! Issue 15 §3: an admin links their account to their federated identity while logged in
//! with password and second factor, and afterwards logs in through their IdP; the portal's
//! second factor follows unless the IdP asserts the REFEDS MFA profile.
use reqwest::StatusCode;
use sqlx::PgPool;
use testkit::saml_idp::REFEDS_MFA;

use super::world::{Federation, assert_refused, is_logged_in};

const ADMIN: &str = "admin@etf.bg.ac.rs";
const ADMIN_AT_IDP: &str = "jovana@etf.bg.ac.rs";

#[sqlx::test]
async fn a_linked_admin_logs_in_through_the_idp_and_then_gives_the_portals_second_factor(
    pool: PgPool,
) {
    let federation = Federation::new(pool).await;
    let admin = federation.linked_admin(ADMIN, ADMIN_AT_IDP).await;
    let account = admin.client.get("/account").await;
    assert!(account.body.contains(&federation.etf_idp.entity_id));

    let browser = federation.app.client();
    let spec = federation
        .login_answer(&browser, federation.etf, &federation.etf_idp, ADMIN_AT_IDP)
        .await;
    let answer = federation
        .post_answer(&browser, &federation.etf_idp.encoded(&spec))
        .await;
    assert_eq!(answer.location(), Some("/mfa"), "{}", answer.body);
    assert!(!is_logged_in(&browser).await);
    federation.app.next_totp_step();
    let code = federation.app.totp_now(&admin.secret);
    let mfa = browser.post_form("/mfa", &[("code", &code)]).await;
    assert_eq!(mfa.location(), Some("/"), "{}", mfa.body);
    let institution = browser
        .get(&format!("/institutions/{}", federation.etf))
        .await;
    institution.assert_ok();
    let actions = federation.app.audit_actions().await;
    assert!(actions.contains(&"saml.identity_linked".to_owned()));
    assert!(actions.contains(&"login.saml_ok".to_owned()));
}

#[sqlx::test]
async fn an_idp_asserting_refeds_mfa_logs_the_admin_in_without_the_portals_second_factor(
    pool: PgPool,
) {
    let federation = Federation::new(pool).await;
    federation.linked_admin(ADMIN, ADMIN_AT_IDP).await;
    let browser = federation.app.client();
    let mut spec = federation
        .login_answer(&browser, federation.etf, &federation.etf_idp, ADMIN_AT_IDP)
        .await;
    spec.authn_context = REFEDS_MFA.to_owned();
    let answer = federation
        .post_answer(&browser, &federation.etf_idp.encoded(&spec))
        .await;
    assert_eq!(answer.location(), Some("/"), "{}", answer.body);
    assert!(is_logged_in(&browser).await);
}

#[sqlx::test]
async fn an_identity_linked_to_one_account_cannot_be_linked_to_another(pool: PgPool) {
    let federation = Federation::new(pool).await;
    federation.linked_admin(ADMIN, ADMIN_AT_IDP).await;
    let other = federation
        .app
        .enrolled_member(
            &federation.staff,
            federation.etf,
            "drugi@etf.bg.ac.rs",
            "admin",
        )
        .await;
    let request_id = federation
        .start(
            &other.client,
            "/account/federated",
            federation.etf,
            &federation.etf_idp,
        )
        .await;
    let spec = federation.etf_idp.response(
        &request_id,
        &federation.sp_entity_id(),
        &federation.acs_url(),
        ADMIN_AT_IDP,
    );
    let answer = federation
        .post_answer(&other.client, &federation.etf_idp.encoded(&spec))
        .await;
    assert_refused(
        &answer,
        StatusCode::CONFLICT,
        "saml.refused.linked_elsewhere",
    );
    assert!(
        federation
            .app
            .audit_actions()
            .await
            .contains(&"saml.identity_link_refused".to_owned())
    );
}
