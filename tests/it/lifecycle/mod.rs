//! Lifecycle follows identity (issue 15 §4): a departed person's certificates are revoked
//! at DigiCert (the sandbox) with reason "affiliation changed" when the grace period ends,
//! after mails to them and their admins; an admin can undo in time; a self-service login
//! without an allowed affiliation flags the person's certificates.
mod admin_orders;
mod cross_tenant;
mod csv_upload;
mod departing_person;
mod end;
mod flag;

use reqwest::StatusCode;
use sqlx::PgPool;
use uuid::Uuid;

use crate::enrollment::{issued_with_server_key, status_of, world_issuing};
use crate::ordering::{DOMAIN, World};

/// The departures page of the world's institution.
fn departures(world: &World) -> String {
    format!("/institutions/{}/departures", world.institution)
}

async fn mark_departed(world: &World, email: &str) -> crate::helpers::TestResponse {
    world
        .admin
        .client
        .post_form(&departures(world), &[("email", email)])
        .await
}

async fn set_grace(world: &World, days: &str) -> crate::helpers::TestResponse {
    world
        .admin
        .client
        .post_form(&format!("{}/grace", departures(world)), &[("days", days)])
        .await
}

/// What the scheduled job does on each run.
async fn job_run(world: &World) -> usize {
    tcs_portal::services::departures::revoke_due(&world.app.state)
        .await
        .unwrap()
}

/// The reasons the sandbox recorded for the revoked certificates of `order`.
async fn sandbox_revocations(world: &World, order: Uuid) -> Vec<String> {
    let digicert_id: i64 =
        sqlx::query_scalar("SELECT digicert_order_id FROM certificate_orders WHERE id = $1")
            .bind(order)
            .fetch_one(&world.app.pool)
            .await
            .unwrap();
    let digicert_id = u64::try_from(digicert_id).unwrap();
    world
        .sandbox
        .sandbox()
        .read(|state, _| {
            state
                .accounts
                .iter()
                .flat_map(|account| &account.certificates)
                .filter(|certificate| certificate.order_id == digicert_id)
                .filter_map(|certificate| certificate.revocation.as_ref())
                .map(|revocation| revocation.reason.clone())
                .collect()
        })
        .await
}

async fn audited(world: &World, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = $1")
        .bind(action)
        .fetch_one(&world.app.pool)
        .await
        .unwrap()
}

async fn mails_to(world: &World, recipient: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT body_text FROM outbox WHERE recipient = $1 ORDER BY id")
        .bind(recipient)
        .fetch_all(&world.app.pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn a_departed_persons_certificate_is_revoked_at_digicert_for_affiliation_changed_once_the_grace_period_ends(
    pool: PgPool,
) {
    let world = world_issuing(pool).await;
    let (order, _, _) =
        issued_with_server_key(&world, "odlazi", "client_premium", "ecdsa-p256").await;
    let person = format!("odlazi@{DOMAIN}");
    let before = mails_to(&world, &person).await.len();

    let marked = mark_departed(&world, &person.to_uppercase()).await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER, "{}", marked.body);
    let page = world.admin.client.get(&departures(&world)).await;
    assert!(page.body.contains(&person), "{}", page.body);

    // The person and the admins are told, in both languages, before anything happens.
    let to_person = mails_to(&world, &person).await;
    assert_eq!(to_person.len(), before + 1);
    let mail = to_person.last().unwrap();
    assert!(mail.contains("označila kao osobu koja je otišla"), "{mail}");
    assert!(mail.contains("has marked you as departed"), "{mail}");
    let admin_mails: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE recipient <> $1 AND body_text LIKE '%Dear administrator%'
           AND body_text LIKE '%' || $1 || ' has been marked as departed%'",
    )
    .bind(&person)
    .fetch_one(&world.app.pool)
    .await
    .unwrap();
    assert!(admin_mails >= 1);

    // Within the default seven days nothing is revoked.
    assert_eq!(job_run(&world).await, 0);
    assert_eq!(status_of(&world, order).await, "issued");
    world.app.clock.advance(time::Duration::days(7));
    assert_eq!(job_run(&world).await, 1);
    assert_eq!(status_of(&world, order).await, "revoked");
    assert_eq!(
        sandbox_revocations(&world, order).await,
        vec!["affiliationChanged".to_owned()]
    );
    // Exactly once: a later run has nothing left to do.
    assert_eq!(job_run(&world).await, 0);
    assert_eq!(sandbox_revocations(&world, order).await.len(), 1);
    assert_eq!(audited(&world, "person.departed").await, 1);
    assert_eq!(audited(&world, "person.departure_revoked").await, 1);
    assert_eq!(audited(&world, "order.revoke").await, 1);
}

#[sqlx::test]
async fn a_departure_undone_during_the_grace_period_revokes_nothing(pool: PgPool) {
    let world = world_issuing(pool).await;
    let (order, _, _) =
        issued_with_server_key(&world, "ostaje", "client_premium", "ecdsa-p256").await;
    let person = format!("ostaje@{DOMAIN}");
    mark_departed(&world, &person).await;
    let departure: Uuid = sqlx::query_scalar("SELECT id FROM departures")
        .fetch_one(&world.app.pool)
        .await
        .unwrap();
    let undone = world
        .admin
        .client
        .post_form(&format!("{}/{departure}/undo", departures(&world)), &[])
        .await;
    assert_eq!(undone.status, StatusCode::SEE_OTHER, "{}", undone.body);
    // Undone is final: a second undo is a conflict, not a success.
    let again = world
        .admin
        .client
        .post_form(&format!("{}/{departure}/undo", departures(&world)), &[])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    world.app.clock.advance(time::Duration::days(8));
    assert_eq!(job_run(&world).await, 0);
    assert_eq!(status_of(&world, order).await, "issued");
    assert!(sandbox_revocations(&world, order).await.is_empty());
    assert_eq!(audited(&world, "person.departure_undone").await, 1);
}

#[sqlx::test]
async fn with_a_grace_period_of_zero_the_next_job_run_revokes(pool: PgPool) {
    let world = world_issuing(pool).await;
    let (order, _, _) =
        issued_with_server_key(&world, "odmah", "client_premium", "ecdsa-p256").await;
    let set = set_grace(&world, "0").await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    mark_departed(&world, &format!("odmah@{DOMAIN}")).await;
    assert_eq!(job_run(&world).await, 1);
    assert_eq!(status_of(&world, order).await, "revoked");
    assert_eq!(audited(&world, "institution.departure_grace_set").await, 1);
}

#[sqlx::test]
async fn a_bad_grace_period_or_an_unknown_address_is_refused_and_nothing_is_stored(pool: PgPool) {
    let world = world_issuing(pool).await;
    for days in ["91", "-1", "sedam", ""] {
        let refused = set_grace(&world, days).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{days}");
    }
    let unknown = mark_departed(&world, &format!("niko@{DOMAIN}")).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown.body.contains("No certificate of this institution")
            || unknown.body.contains("Nijedan sertifikat"),
        "{}",
        unknown.body
    );
    let bad = mark_departed(&world, "not an address").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM departures")
        .fetch_one(&world.app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
    assert_eq!(audited(&world, "institution.departure_grace_set").await, 0);
}
