//! The person's status page follows the order and refreshes without script
//! while DigiCert works, and stops refreshing once the order is final.
use digicert_sim::EmailValidationMode;
use sqlx::PgPool;
use std::time::Duration as StdDuration;

use super::*;

#[sqlx::test]
async fn the_page_refreshes_while_digicert_waits_for_the_mailbox_and_stops_once_rejected(
    pool: PgPool,
) {
    let world = world(pool, EmailValidationMode::Manual).await;
    let order = order_for_person(&world, "ceka", "client_premium").await;
    let person = confirmed_person(&world, "ceka").await;
    let choose = person.get("/enroll").await;
    assert!(
        !choose.body.contains("http-equiv=\"refresh\""),
        "nothing moves before the key"
    );
    server_key(&person, "ecdsa-p256").await;
    until_all(
        &world,
        &[order],
        "pending_validation",
        StdDuration::from_secs(60),
    )
    .await;
    let waiting = person.get("/enroll").await;
    waiting.assert_ok();
    assert!(
        waiting
            .body
            .contains("<meta http-equiv=\"refresh\" content=\"10\">"),
        "{}",
        waiting.body
    );
    assert!(waiting.body.contains("DigiCert čeka"), "{}", waiting.body);
    assert!(!waiting.body.contains("<script>"), "no inline script");

    let reference: String =
        sqlx::query_scalar("SELECT reference FROM certificate_orders WHERE id = $1")
            .bind(order)
            .fetch_one(&world.app.pool)
            .await
            .unwrap();
    world
        .sandbox
        .sandbox()
        .write(|state, _, _| {
            for theirs in state.accounts.iter_mut().flat_map(|a| a.orders.iter_mut()) {
                if theirs.comments.as_deref() == Some(reference.as_str()) {
                    theirs.status = digicert_sim::state::OrderStatus::Rejected;
                }
            }
            Ok(())
        })
        .await
        .unwrap();
    until_all(&world, &[order], "rejected", StdDuration::from_secs(60)).await;
    let over = person.get("/enroll").await;
    assert!(
        !over.body.contains("http-equiv=\"refresh\""),
        "{}",
        over.body
    );
    assert!(over.body.contains("odbio"), "{}", over.body);
}
