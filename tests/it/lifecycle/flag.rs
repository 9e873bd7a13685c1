//! A self-service login that no longer shows an allowed affiliation is refused, and the
//! person's self-service certificates are flagged for their admins; admitted again, the
//! flag goes.
use reqwest::StatusCode;
use sqlx::PgPool;
use testkit::saml_idp::SCOPED_AFFILIATION;

use crate::selfservice::world::{ANA, SelfService};

async fn flagged(world: &SelfService) -> bool {
    sqlx::query_scalar("SELECT affiliation_lost_at IS NOT NULL FROM certificate_orders")
        .fetch_one(&world.federation.app.pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn logging_in_without_an_allowed_affiliation_flags_the_persons_certificates(pool: PgPool) {
    let world = SelfService::new(pool, "idp_mail").await;
    let person = world.etf_person(ANA).await;
    let requested = SelfService::request(&person, "first").await;
    assert_eq!(requested.location(), Some("/enroll"), "{}", requested.body);
    assert!(!flagged(&world).await);

    let (_, answer) = world
        .etf_login(ANA, |spec| {
            spec.set(SCOPED_AFFILIATION, &["alum@etf.bg.ac.rs"])
        })
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert!(flagged(&world).await);
    let refused = world.audit_details("self_service.login_refused").await;
    assert_eq!(refused["flagged_orders"].as_array().map(Vec::len), Some(1));
    // The admins see it on their Departures page, with a way to mark the person departed.
    let page = world
        .etf_admin
        .client
        .get(&format!(
            "/institutions/{}/departures",
            world.federation.etf
        ))
        .await;
    page.assert_ok();
    assert!(page.body.contains("class=\"flagged\""), "{}", page.body);
    assert!(page.body.contains(ANA), "{}", page.body);

    // The affiliation back at the IdP, the next login clears the flag.
    world.etf_person(ANA).await;
    assert!(!flagged(&world).await);
}

#[sqlx::test]
async fn a_person_whose_affiliation_the_policy_no_longer_admits_cannot_order_in_the_same_session(
    pool: PgPool,
) {
    let world = SelfService::new(pool, "idp_mail").await;
    let person = world.etf_person(ANA).await;
    // The IdP's users are staff; the admins narrow the policy to students.
    let mut fields = crate::selfservice::world::policy_fields("idp_mail");
    fields.retain(|(name, _)| *name != "affiliation.staff");
    let set = world
        .set_policy(world.federation.etf, &world.etf_admin.client, &fields)
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let refused = SelfService::request(&person, "late").await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM certificate_orders")
        .fetch_one(&world.federation.app.pool)
        .await
        .unwrap();
    assert_eq!(orders, 0);
}
