//! A certificate's holder is mailed when it is revoked, whoever revoked it, and the mail
//! says why: the person themself, an administrator (with the reason), or DigiCert (as
//! the order's status sync sees it).
use clock::Clock;
use digicert::{OrderId, RevokeRequest};
use sqlx::PgPool;
use tcs_portal::i18n::Lang;
use tcs_portal::jobs::queue::{NewJob, enqueue};
use tcs_portal::services::ordering::{FOLLOW_ORDER, OrderJob};

use super::*;

async fn revoked_mails_to(world: &World, mailbox: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT body_text FROM outbox WHERE recipient = $1 AND subject LIKE '%opozvan%'
         ORDER BY id",
    )
    .bind(mailbox)
    .fetch_all(&world.app.pool)
    .await
    .unwrap()
}

fn says_in_both_languages(mail: &str, key: &str) {
    for lang in Lang::ALL {
        assert!(mail.contains(lang.t(key)), "{lang:?} {key}:\n{mail}");
    }
}

#[sqlx::test]
async fn the_person_who_revokes_is_mailed_that_they_did(pool: PgPool) {
    let world = world_issuing(pool).await;
    let (order, person, _) =
        issued_with_server_key(&world, "sam", "client_premium", "ecdsa-p256").await;
    person.post_form("/enroll/revoke", &[]).await;
    assert_eq!(status_of(&world, order).await, "revoked");
    let mails = revoked_mails_to(&world, &format!("sam@{DOMAIN}")).await;
    assert_eq!(mails.len(), 1, "one mail");
    says_in_both_languages(&mails[0], "mail.revoked.by_person");
}

#[sqlx::test]
async fn an_admins_revocation_is_mailed_to_the_holder_with_the_reason(pool: PgPool) {
    let world = world_issuing(pool).await;
    let (order, _, _) =
        issued_with_server_key(&world, "otisao", "client_premium", "ecdsa-p256").await;
    let revoked = world
        .admin
        .client
        .post_form(
            &format!("/institutions/{}/orders/{order}/revoke", world.institution),
            &[("reason", "affiliationChanged")],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
    let mails = revoked_mails_to(&world, &format!("otisao@{DOMAIN}")).await;
    assert_eq!(mails.len(), 1, "one mail");
    for lang in Lang::ALL {
        let why = lang.fill(
            "mail.revoked.by_admin",
            &[("reason", lang.t("order.revoke_reasons.affiliation_changed"))],
        );
        assert!(mails[0].contains(&why), "{lang:?}:\n{}", mails[0]);
    }
}

#[sqlx::test]
async fn a_revocation_by_digicert_seen_by_the_status_sync_is_mailed_once(pool: PgPool) {
    let world = world_issuing(pool).await;
    let (order, _, _) =
        issued_with_server_key(&world, "digicert", "client_premium", "ecdsa-p256").await;
    let digicert_id: i64 =
        sqlx::query_scalar("SELECT digicert_order_id FROM certificate_orders WHERE id = $1")
            .bind(order)
            .fetch_one(&world.app.pool)
            .await
            .unwrap();
    let client = world.app.state.digicert.clone().expect("the sandbox");
    client
        .revoke_order(
            OrderId(u64::try_from(digicert_id).unwrap()),
            &RevokeRequest {
                comments: "revoked by the CA".to_owned(),
                revocation_reason: None,
                skip_approval: true,
            },
        )
        .await
        .unwrap();
    for _ in 0..2 {
        enqueue(
            &world.app.pool,
            &NewJob::new(
                FOLLOW_ORDER,
                &OrderJob {
                    order_id: order.into(),
                },
            )
            .unwrap(),
            world.app.clock.now(),
        )
        .await
        .unwrap();
        until_all(&world, &[order], "revoked", StdDuration::from_secs(30)).await;
    }
    let mails = revoked_mails_to(&world, &format!("digicert@{DOMAIN}")).await;
    assert_eq!(mails.len(), 1, "one mail however often the sync looks");
    says_in_both_languages(&mails[0], "mail.revoked.by_digicert");
}
