//! The institution's self-service policy page: admins set it (audited with the old and the
//! new values), bad input comes back with field errors in the admin's language, and an
//! admin of another institution finds nothing.
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::i18n::Lang;

use super::world::{SelfService, policy_fields};
use crate::helpers::html_unescape;

#[sqlx::test]
async fn an_admin_sets_the_policy_and_the_audit_keeps_old_and_new(pool: PgPool) {
    let world = SelfService::new(pool, "mailed_code").await;
    let path = format!("/institutions/{}/self-service", world.federation.etf);
    let page = world.etf_admin.client.get(&path).await;
    page.assert_ok();
    assert!(
        page.body.contains(r#"name="affiliation.student" checked"#),
        "{}",
        page.body
    );
    let first = world.audit_details("self_service.policy_set").await;
    assert_eq!(first["old"], serde_json::Value::Null);
    assert_eq!(first["new"]["mailbox_proof"], "mailed_code");

    let set = world
        .set_policy(
            world.federation.etf,
            &world.etf_admin.client,
            &policy_fields("idp_mail"),
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let second = world.audit_details("self_service.policy_set").await;
    assert_eq!(second["old"]["mailbox_proof"], "mailed_code");
    assert_eq!(second["new"]["mailbox_proof"], "idp_mail");
    assert_eq!(
        second["new"]["affiliations"],
        serde_json::json!(["staff", "student"])
    );
}

#[sqlx::test]
async fn bad_input_comes_back_with_field_errors_in_both_languages(pool: PgPool) {
    let world = SelfService::new(pool, "mailed_code").await;
    let admin = &world.etf_admin.client;
    let bad = [
        ("enabled", "on"),
        ("validity_years", "5"),
        ("mailbox_proof", "trust-me"),
    ];
    for lang in [Lang::Serbian, Lang::English] {
        admin.post_form("/lang", &[("lang", lang.code())]).await;
        let refused = world.set_policy(world.federation.etf, admin, &bad).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let body = html_unescape(&refused.body);
        for key in [
            "error.self_service.nobody",
            "error.self_service.no_product",
            "error.self_service.mailbox_proof",
            "error.order.validity",
        ] {
            assert!(body.contains(lang.t(key)), "{key} missing in {body}");
        }
    }
    // Nothing changed.
    assert_eq!(
        world.audit_details("self_service.policy_set").await["new"]["mailbox_proof"],
        "mailed_code"
    );
}

#[sqlx::test]
async fn another_institutions_admin_finds_no_policy_page(pool: PgPool) {
    let world = SelfService::new(pool, "mailed_code").await;
    let fon_admin = world
        .federation
        .app
        .enrolled_member(
            &world.federation.staff,
            world.federation.fon,
            "admin@fon.bg.ac.rs",
            "admin",
        )
        .await;
    let path = format!("/institutions/{}/self-service", world.federation.etf);
    assert_eq!(
        fon_admin.client.get(&path).await.status,
        StatusCode::NOT_FOUND
    );
    let changed = world
        .set_policy(
            world.federation.etf,
            &fon_admin.client,
            &policy_fields("idp_mail"),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn the_grace_period_set_on_the_policy_page_is_the_departures_one_and_out_of_bounds_is_explained(
    pool: PgPool,
) {
    let world = SelfService::new(pool, "mailed_code").await;
    let admin = &world.etf_admin.client;
    let departures = format!("/institutions/{}/departures", world.federation.etf);
    let policy_page = format!("/institutions/{}/self-service", world.federation.etf);
    let shown = admin.get(&policy_page).await;
    assert!(
        shown
            .body
            .contains(r#"name="grace_days" type="number" min="0" max="90" value="7""#),
        "{}",
        shown.body
    );

    let mut fields = policy_fields("mailed_code");
    fields.retain(|(name, _)| *name != "grace_days");
    fields.push(("grace_days", "0"));
    let set = world.set_policy(world.federation.etf, admin, &fields).await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let on_departures = admin.get(&departures).await;
    assert!(
        on_departures.body.contains(r#"value="0" required"#),
        "{}",
        on_departures.body
    );
    assert_eq!(
        world.audit_details("institution.departure_grace_set").await,
        serde_json::json!({ "old": 7, "new": 0 })
    );

    for lang in [Lang::Serbian, Lang::English] {
        admin.post_form("/lang", &[("lang", lang.code())]).await;
        for days in ["91", "-1", "sedam"] {
            let mut bad = policy_fields("idp_mail");
            bad.retain(|(name, _)| *name != "grace_days");
            bad.push(("grace_days", days));
            let refused = world.set_policy(world.federation.etf, admin, &bad).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{days}");
            assert!(
                html_unescape(&refused.body).contains(lang.t("departures.bad_grace")),
                "{}",
                refused.body
            );
        }
    }
    // Neither the grace period nor the policy changed.
    assert!(
        admin
            .get(&departures)
            .await
            .body
            .contains(r#"value="0" required"#)
    );
    assert_eq!(
        world.audit_details("self_service.policy_set").await["new"]["mailbox_proof"],
        "mailed_code"
    );
}
