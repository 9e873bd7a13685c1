//! The end of a grace period as the person and DigiCert see it: orders not issued yet are
//! canceled (at DigiCert too when it has them) rather than issued later, and the person's
//! links stop working; and the job that does it runs from the worker's own schedule.
use digicert_sim::EmailValidationMode;
use digicert_sim::state::OrderStatus as SandboxStatus;
use reqwest::StatusCode;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{audited, job_run, mark_departed, set_grace};
use crate::enrollment::{
    assert_gone, confirmed_person, issued_with_server_key, order_for_person, server_key, status_of,
    token_from_mail, world_issuing,
};
use crate::helpers::{eventually, eventually_or_explain};
use crate::ordering::{DOMAIN, World, world};

/// DigiCert's order number of `order`, once it has one.
async fn digicert_id(world: &World, order: Uuid) -> Option<u64> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT digicert_order_id FROM certificate_orders WHERE id = $1")
            .bind(order)
            .fetch_one(&world.app.pool)
            .await
            .unwrap();
    id.and_then(|id| u64::try_from(id).ok())
}

async fn sandbox_status(world: &World, digicert_id: u64) -> Option<SandboxStatus> {
    crate::world::at_sandbox(&world.sandbox, |orders| {
        orders
            .filter(|order| order.id == digicert_id)
            .map(|order| order.status)
            .next()
    })
    .await
}

/// An order of `local`@etf.bg.ac.rs that DigiCert has and has not issued: in a world
/// with manual e-mail validation, addresses wait at the sandbox.
async fn submitted_for(world: &World, local: &str) -> Uuid {
    let order = order_for_person(world, local, "client_premium").await;
    let browser = confirmed_person(world, local).await;
    server_key(&browser, "ecdsa-p256").await;
    eventually("DigiCert has the order", || async {
        digicert_id(world, order).await.is_some()
    })
    .await;
    order
}

#[sqlx::test]
async fn at_the_end_of_the_grace_period_orders_not_yet_issued_are_canceled_here_and_at_digicert_and_the_links_stop_working(
    pool: PgPool,
) {
    let world = world(pool, EmailValidationMode::Manual).await;
    let person = format!("odlazi@{DOMAIN}");
    let submitted = submitted_for(&world, "odlazi").await;
    let (status, body) = crate::api::api_order(
        &world.app,
        world.institution,
        "person-odlazi-second",
        &serde_json::json!({
            "product": "client_premium",
            "emails": [person],
            "given_name": "Đorđe",
            "surname": "Petrović",
            "validity_years": 1,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let waiting = Uuid::parse_str(body["order_id"].as_str().unwrap()).unwrap();
    let link = token_from_mail(&world, &person).await;
    assert_eq!(status_of(&world, waiting).await, "awaiting_person");

    assert_eq!(set_grace(&world, "0").await.status, StatusCode::SEE_OTHER);
    let marked = mark_departed(&world, &person).await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER, "{}", marked.body);
    // The person is told beforehand what the end of the grace period does, in both languages.
    let told: String = sqlx::query_scalar(
        "SELECT body_text FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(&person)
    .fetch_one(&world.app.pool)
    .await
    .unwrap();
    let told = told.split_whitespace().collect::<Vec<_>>().join(" ");
    for words in [
        "your orders not issued yet will be canceled then, and your pickup links will stop working",
        "otkazuju i vaši zahtevi koji još nisu izdati, a linkovi za preuzimanje prestaju da važe",
    ] {
        assert!(told.contains(words), "{told}");
    }
    assert_eq!(job_run(&world).await, 1);

    assert_eq!(status_of(&world, submitted).await, "canceled");
    assert_eq!(status_of(&world, waiting).await, "canceled");
    let at_digicert = digicert_id(&world, submitted).await.unwrap();
    assert_eq!(
        sandbox_status(&world, at_digicert).await,
        Some(SandboxStatus::Canceled)
    );
    // The link of the first mail no longer opens anything.
    let stranger = world.app.client();
    let opened = stranger.get(&format!("/enroll/{link}")).await;
    assert_eq!(opened.location(), Some("/enroll"));
    assert_gone(&stranger.get("/enroll").await);
    assert_eq!(audited(&world, "order.canceled").await, 2);
    let closed: serde_json::Value = sqlx::query_scalar(
        "SELECT details FROM audit_events WHERE action = 'person.departure_revoked'",
    )
    .fetch_one(&world.app.pool)
    .await
    .unwrap();
    assert_eq!(closed["canceled"].as_array().map(Vec::len), Some(2));
    assert!(closed["links_ended"].as_u64() >= Some(1), "{closed}");
    // Nothing is left for a later run.
    assert_eq!(job_run(&world).await, 0);
}

/// What the worker and the departure were doing, for a wait that timed out: every job
/// with its state, times and error, the departures, and the audit trail of revocations.
async fn worker_state(world: &World) -> String {
    let lines = |sql: &'static str| async move {
        let lines: Vec<String> = sqlx::query_scalar(sql)
            .fetch_all(&world.app.pool)
            .await
            .unwrap();
        lines.join("\n")
    };
    format!(
        "\nthe portal's clock: {}\njobs:\n{}\ndepartures:\n{}\nevents:\n{}",
        clock::Clock::now(&world.app.clock),
        lines(
            "SELECT format('%s: %s, due %s, %s attempts, lease until %s, error %s',
                           kind, state, run_at, attempts, locked_until, last_error)
             FROM jobs ORDER BY id"
        )
        .await,
        lines("SELECT format('%s, revoke at %s', state, revoke_at) FROM departures").await,
        lines(
            "SELECT action || ' ' || details::text FROM audit_events
             WHERE action LIKE 'order.%' OR action LIKE 'person.%' ORDER BY at"
        )
        .await,
    )
}

#[sqlx::test]
async fn the_worker_schedules_the_departures_job_itself_and_its_run_revokes_after_a_grace_period_of_zero(
    pool: PgPool,
) {
    let world = world_issuing(pool).await;
    let (order, _, _) =
        issued_with_server_key(&world, "odmah", "client_premium", "ecdsa-p256").await;
    assert_eq!(set_grace(&world, "0").await.status, StatusCode::SEE_OTHER);
    mark_departed(&world, &format!("odmah@{DOMAIN}")).await;

    let stop = CancellationToken::new();
    let worker = tcs_portal::services::background::digicert_worker(&world.app.state).unwrap();
    let running = tokio::spawn(worker.run(stop.clone()));
    let queued = || async {
        sqlx::query_scalar::<_, time::OffsetDateTime>(
            "SELECT run_at FROM jobs WHERE kind = 'people.revoke_departed' AND state = 'queued'",
        )
        .fetch_optional(&world.app.pool)
        .await
        .unwrap()
    };
    eventually_or_explain(
        "the worker queued the next run",
        || async { queued().await.is_some() },
        || worker_state(&world),
    )
    .await;
    // Not before its time: the grace period is over, but the run is not due yet.
    assert_eq!(status_of(&world, order).await, "issued");
    let due = queued().await.unwrap();
    world
        .app
        .clock
        .advance(due - clock::Clock::now(&world.app.clock));
    eventually_or_explain(
        "the scheduled run revoked the certificate",
        || async { status_of(&world, order).await == "revoked" },
        || worker_state(&world),
    )
    .await;
    let succeeded_once = || async {
        let succeeded: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE kind = 'people.revoke_departed' AND state = 'succeeded'",
        )
        .fetch_one(&world.app.pool)
        .await
        .unwrap();
        succeeded == 1
    };
    eventually_or_explain("the run succeeded", succeeded_once, || worker_state(&world)).await;
    stop.cancel();
    running.await.unwrap();
    assert_eq!(audited(&world, "person.departure_revoked").await, 1);
}

#[sqlx::test]
async fn a_departure_whose_order_digicert_cannot_cancel_stays_open_until_a_later_run_cancels_it(
    pool: PgPool,
) {
    let world = world(pool, EmailValidationMode::Manual).await;
    let submitted = submitted_for(&world, "kasni").await;
    assert_eq!(set_grace(&world, "0").await.status, StatusCode::SEE_OTHER);
    mark_departed(&world, &format!("kasni@{DOMAIN}")).await;

    world
        .set_faults(serde_json::json!({ "error_share": 1.0, "error_statuses": [503] }))
        .await;
    assert_eq!(job_run(&world).await, 0);
    world.set_faults(serde_json::json!({})).await;
    assert_ne!(status_of(&world, submitted).await, "canceled");
    assert_eq!(audited(&world, "order.cancel_refused").await, 1);
    assert_eq!(audited(&world, "person.departure_revoked").await, 0);

    assert_eq!(job_run(&world).await, 1);
    assert_eq!(status_of(&world, submitted).await, "canceled");
    let at_digicert = digicert_id(&world, submitted).await.unwrap();
    assert_eq!(
        sandbox_status(&world, at_digicert).await,
        Some(SandboxStatus::Canceled)
    );
}
