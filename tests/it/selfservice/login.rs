//! A person's self-service login: admitted to "My certificates", or refused with the
//! reason in their language (self-service off, affiliation not allowed, no `mail`, `mail`
//! outside the validated domains, preconditions not met, another institution's scope),
//! each refusal audited with the IdP, the assertion ID and the attributes used.
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::i18n::Lang;
use testkit::saml_idp::{MAIL, SCOPED_AFFILIATION};

use super::world::{ANA, SelfService, policy_fields};

/// `eduPersonEntitlement` as IdPs send it.
const ENTITLEMENT: &str = "urn:oid:1.3.6.1.4.1.5923.1.1.1.7";
use crate::helpers::html_unescape;
use crate::saml::world::assert_refused;

#[sqlx::test]
async fn an_admitted_person_lands_on_my_certificates_and_the_login_is_audited(pool: PgPool) {
    let world = SelfService::new(pool, "idp_mail").await;
    let person = world.etf_person(ANA).await;
    let page = person.get("/self-service/certificates").await;
    page.assert_ok();
    assert!(page.body.contains(ANA), "{}", page.body);
    assert!(page.body.contains("secure_email_sponsor/strict"));
    let login = world.audit_details("self_service.login").await;
    assert_eq!(login["idp"], world.federation.etf_idp.entity_id.as_str());
    assert!(
        login["assertion_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
    assert_eq!(login["mail"], ANA);
    assert_eq!(login["scoped_affiliations"][0], "staff@etf.bg.ac.rs");
    // The person has no account: the admins' pages are not theirs.
    let account = person.get("/account").await;
    assert_eq!(account.location(), Some("/login"));
}

#[sqlx::test]
async fn the_choice_lists_only_institutions_with_self_service_and_remembers_the_last(pool: PgPool) {
    let world = SelfService::new(pool, "idp_mail").await;
    let client = world.federation.app.client();
    let page = client.get("/self-service").await;
    page.assert_ok();
    assert!(page.body.contains(&world.federation.etf.to_string()));
    assert!(!page.body.contains(&world.federation.fon.to_string()));
    let none = client.get("/self-service?q=nowhere").await;
    assert!(!none.body.contains(&world.federation.etf.to_string()));
    // Typed in Cyrillic, the search still finds the Latin name.
    let cyrillic = client.get("/self-service?q=%D0%95%D0%A2%D0%A4").await;
    assert!(cyrillic.body.contains(&world.federation.etf.to_string()));
    let fon_choice = format!(
        "{} {}",
        world.federation.fon, world.federation.fon_idp.entity_id
    );
    let refused = client
        .post_form("/self-service/login", &[("choice", &fon_choice)])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    world
        .answer(
            &client,
            world.federation.etf,
            &world.federation.etf_idp,
            ANA,
        )
        .await;
    assert_eq!(
        client.cookie("__Host-tcs_self_service"),
        Some(world.federation.etf.to_string())
    );
    let again = client.get("/self-service").await;
    assert!(again.body.contains(" selected>"), "{}", again.body);
}

#[sqlx::test]
async fn self_service_switched_off_meanwhile_is_refused_in_the_persons_language(pool: PgPool) {
    let world = SelfService::new(pool, "idp_mail").await;
    let client = world.federation.app.client();
    client.post_form("/lang", &[("lang", "en")]).await;
    let spec = world
        .answer(
            &client,
            world.federation.etf,
            &world.federation.etf_idp,
            ANA,
        )
        .await;
    let mut off = policy_fields("idp_mail");
    off.retain(|(name, _)| *name != "enabled");
    let set = world
        .set_policy(world.federation.etf, &world.etf_admin.client, &off)
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let answer = world.post(&client, &world.federation.etf_idp, &spec).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(
        html_unescape(&answer.body).contains(Lang::English.t("self_service.refused.off")),
        "{}",
        answer.body
    );
    assert_eq!(
        world.audit_details("self_service.login_refused").await["reason"],
        "self_service_off"
    );
}

#[sqlx::test]
async fn an_affiliation_outside_the_policy_is_refused(pool: PgPool) {
    let world = SelfService::new(pool, "idp_mail").await;
    let (client, answer) = world
        .etf_login(ANA, |spec| {
            spec.set(SCOPED_AFFILIATION, &["affiliate@etf.bg.ac.rs"])
        })
        .await;
    assert_refused(
        &answer,
        StatusCode::FORBIDDEN,
        "self_service.refused.affiliation",
    );
    let refused = world.audit_details("self_service.login_refused").await;
    assert_eq!(refused["reason"], "affiliation_not_allowed");
    assert_eq!(refused["scoped_affiliations"][0], "affiliate@etf.bg.ac.rs");
    assert_eq!(refused["idp"], world.federation.etf_idp.entity_id.as_str());
    let page = client.get("/self-service/certificates").await;
    assert_eq!(page.location(), Some("/self-service"));
}

#[sqlx::test]
async fn an_answer_without_mail_is_refused(pool: PgPool) {
    let world = SelfService::new(pool, "idp_mail").await;
    let (client, answer) = world.etf_login(ANA, |spec| spec.remove(MAIL)).await;
    assert_refused(&answer, StatusCode::FORBIDDEN, "saml.refused.no_mail");
    assert_eq!(
        client.get("/self-service/certificates").await.location(),
        Some("/self-service")
    );
}

#[sqlx::test]
async fn a_mail_outside_the_validated_domains_is_refused(pool: PgPool) {
    let world = SelfService::new(pool, "idp_mail").await;
    let (_, answer) = world
        .etf_login(ANA, |spec| spec.set(MAIL, &["ana@gmail.com"]))
        .await;
    assert_refused(
        &answer,
        StatusCode::FORBIDDEN,
        "self_service.refused.mail_outside",
    );
    assert_eq!(
        world.audit_details("self_service.login_refused").await["reason"],
        "mail_outside_domains"
    );
}

#[sqlx::test]
async fn an_institution_without_the_tcs_preconditions_admits_no_one(pool: PgPool) {
    let world = SelfService::new(pool, "idp_mail").await;
    sqlx::query(
        "UPDATE institutions SET org_validated_until = now() - interval '1 day' WHERE id = $1",
    )
    .bind(world.federation.etf)
    .execute(&world.federation.app.pool)
    .await
    .unwrap();
    let (_, answer) = world.etf_login(ANA, |_| {}).await;
    assert_refused(
        &answer,
        StatusCode::FORBIDDEN,
        "self_service.refused.preconditions",
    );
}

#[sqlx::test]
async fn one_institutions_idp_asserting_anothers_scope_is_refused(pool: PgPool) {
    let world = SelfService::new(pool, "idp_mail").await;
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
    let set = world
        .set_policy(
            world.federation.fon,
            &fon_admin.client,
            &policy_fields("idp_mail"),
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let client = world.federation.app.client();
    // FON's IdP vouches for an ETF address and identifier, for a login at FON.
    let spec = world
        .answer(
            &client,
            world.federation.fon,
            &world.federation.fon_idp,
            ANA,
        )
        .await;
    let answer = world.post(&client, &world.federation.fon_idp, &spec).await;
    assert_refused(&answer, StatusCode::FORBIDDEN, "saml.refused.scope");
    assert_eq!(
        client.get("/self-service/certificates").await.location(),
        Some("/self-service")
    );
}

#[sqlx::test]
async fn the_required_entitlement_admits_whatever_the_affiliation(pool: PgPool) {
    let world = SelfService::new(pool, "idp_mail").await;
    let mut fields = policy_fields("idp_mail");
    fields.retain(|(name, _)| !name.starts_with("affiliation.") && *name != "entitlement");
    fields.push(("entitlement", "urn:mace:etf.bg.ac.rs:tcs"));
    let set = world
        .set_policy(world.federation.etf, &world.etf_admin.client, &fields)
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let (_, admitted) = world
        .etf_login(ANA, |spec| {
            spec.set(ENTITLEMENT, &["urn:mace:etf.bg.ac.rs:tcs"])
        })
        .await;
    assert_eq!(
        admitted.location(),
        Some("/self-service/certificates"),
        "{}",
        admitted.body
    );
    assert_eq!(
        world.audit_details("self_service.login").await["entitlements"][0],
        "urn:mace:etf.bg.ac.rs:tcs"
    );

    let (_, refused) = world.etf_login(ANA, |_| {}).await;
    assert_refused(
        &refused,
        StatusCode::FORBIDDEN,
        "self_service.refused.affiliation",
    );
}
