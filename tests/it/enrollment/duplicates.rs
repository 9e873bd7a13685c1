//! Ordering for an address that already holds a live certificate of the same product
//! warns the admin on the preview, with a link to that order; another product does not.
use sqlx::PgPool;

use super::*;
use crate::orders::{fields, form_key, with};

async fn preview(world: &World, email: &str, product: &str, profile: &str) -> String {
    let client = &world.admin.client;
    let key = form_key(client, world.institution).await;
    let form = with(
        with(fields(&key, email, "preview"), "product", product),
        "profile_type",
        profile,
    );
    let answer = client
        .post_form(
            &format!("/institutions/{}/orders/new", world.institution),
            &form,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body
}

#[sqlx::test]
async fn the_preview_warns_of_a_live_certificate_of_the_same_product_with_a_link(pool: PgPool) {
    let world = world_issuing(pool).await;
    let (order, _, _) =
        issued_with_server_key(&world, "dupli", "client_premium", "ecdsa-p256").await;
    let email = format!("dupli@{DOMAIN}");
    let same = preview(&world, &email, "client_premium", "").await;
    assert!(same.contains("duplicate-warning"), "{same}");
    assert!(
        same.contains(&format!(
            "href=\"/institutions/{}/orders/{order}\"",
            world.institution
        )),
        "{same}"
    );
    let other = preview(&world, &email, "secure_email_sponsor", "strict").await;
    assert!(
        !other.contains("duplicate-warning"),
        "another product is no duplicate"
    );
    let stranger = preview(&world, &format!("neko@{DOMAIN}"), "client_premium", "").await;
    assert!(!stranger.contains("duplicate-warning"));
    // Revoked, it is no longer live.
    world
        .admin
        .client
        .post_form(
            &format!("/institutions/{}/orders/{order}/revoke", world.institution),
            &[("reason", "superseded")],
        )
        .await;
    let after = preview(&world, &email, "client_premium", "").await;
    assert!(!after.contains("duplicate-warning"));
}
