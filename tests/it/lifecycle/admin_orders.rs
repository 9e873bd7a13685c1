//! "My certificates" also lists the orders an admin placed for the person's address, but
//! only once the person proved the mailbox (or the policy trusts the IdP's `mail`).
use sqlx::PgPool;

use crate::selfservice::world::{ANA, SelfService};

/// An admin's Secure Email order for Ana; returns its id as the page shows it.
async fn admin_orders_for_ana(world: &SelfService) -> String {
    crate::orders::order(&world.etf_admin.client, world.federation.etf, ANA)
        .await
        .to_string()
}

#[sqlx::test]
async fn with_the_idps_mail_trusted_my_certificates_shows_the_admins_order_for_my_address(
    pool: PgPool,
) {
    let world = SelfService::new(pool, "idp_mail").await;
    let order = admin_orders_for_ana(&world).await;
    let person = world.etf_person(ANA).await;
    let page = person.get("/self-service/certificates").await;
    page.assert_ok();
    assert!(
        page.body.contains("status-awaiting_person"),
        "{}",
        page.body
    );
    // Shown, not opened: the admin's order has its own mailed link.
    assert!(
        !page
            .body
            .contains(&format!("/self-service/orders/{order}/open"))
    );
}

#[sqlx::test]
async fn with_a_mailed_code_the_admins_order_shows_only_after_the_code(pool: PgPool) {
    let world = SelfService::new(pool, "mailed_code").await;
    admin_orders_for_ana(&world).await;
    let person = world.etf_person(ANA).await;
    let before = person.get("/self-service/certificates").await;
    assert!(
        !before.body.contains("status-awaiting_person"),
        "{}",
        before.body
    );

    let requested = SelfService::request(&person, "first").await;
    assert_eq!(requested.location(), Some("/self-service/certificates"));
    let code = world.mailed_code(ANA).await;
    let accepted = person
        .post_form("/self-service/code", &[("code", &code)])
        .await;
    assert_eq!(accepted.location(), Some("/enroll"), "{}", accepted.body);
    let after = person.get("/self-service/certificates").await;
    // Both now: the person's own order and the admin's.
    assert_eq!(
        after.body.matches("status-awaiting_person").count(),
        2,
        "{}",
        after.body
    );
}
