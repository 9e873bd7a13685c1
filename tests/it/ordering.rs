//! The ordering engine against the in-process DigiCert sandbox: orders placed
//! through the service API reach DigiCert exactly once, whatever fails, and end
//! issued with a verified chain, or are refused with no side effect.
use std::time::Duration as StdDuration;

use clock::{Clock, SystemClock};
use digicert_sim::rate_limit::RateLimits as SandboxLimits;
use digicert_sim::state::OrderStatus as SandboxStatus;
use digicert_sim::{EmailValidationMode, RunningSandbox};
use pki::keygen::{self, KeyType};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use tcs_portal::domain::EmailAddress;
use tcs_portal::jobs::WorkerConfig;
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::world::{self, Drill};

pub(crate) use crate::world::DOMAIN;

/// A validated ETF with a worker running the ordering jobs with test-sized
/// back-offs until the world is dropped.
pub(crate) struct World {
    drill: Drill,
    stop: CancellationToken,
}

impl Drop for World {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl std::ops::Deref for World {
    type Target = Drill;

    fn deref(&self) -> &Drill {
        &self.drill
    }
}

/// ETF, registered, linked to its S/MIME-validated organization at DigiCert,
/// with `etf.bg.ac.rs` validated on both sides (DigiCert's real rate limits at
/// the sandbox), and the ordering jobs running.
pub(crate) async fn world(pool: PgPool, email_validation: EmailValidationMode) -> World {
    let sandbox = world::sandbox(SandboxLimits::default(), email_validation).await;
    let drill = Drill::new(pool.clone(), sandbox).await;
    let pipeline = world::pipeline(&pool, &drill.sandbox);
    let worker = world::worker(&pool, pipeline, 8, WorkerConfig::default().lease);
    let stop = CancellationToken::new();
    tokio::spawn(worker.run(stop.clone()));
    World { drill, stop }
}

async fn at_digicert(sandbox: &RunningSandbox, reference: &str) -> usize {
    world::at_sandbox(sandbox, |orders| {
        orders
            .filter(|order| order.comments.as_deref() == Some(reference))
            .count()
    })
    .await
}

async fn sandbox_status(sandbox: &RunningSandbox, reference: &str) -> Option<SandboxStatus> {
    world::at_sandbox(sandbox, |orders| {
        orders
            .filter(|order| order.comments.as_deref() == Some(reference))
            .map(|order| order.status)
            .next()
    })
    .await
}

pub(crate) async fn place(world: &World, local: &str) -> Uuid {
    let (email, csr) = world::recipient(local);
    let (status, body) = world.order(&email, &csr, &format!("key-{local}")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    Uuid::parse_str(body["order_id"].as_str().unwrap()).unwrap()
}

#[derive(Debug, sqlx::FromRow)]
struct Row {
    status: String,
    reference: String,
    digicert_status: Option<String>,
    digicert_order_id: Option<i64>,
    chain_pem: Option<String>,
    serial_number: Option<String>,
    not_after: Option<OffsetDateTime>,
    last_error: Option<String>,
    submit_attempts: i32,
}

async fn row(world: &World, id: Uuid) -> Row {
    sqlx::query_as(
        "SELECT status, reference, digicert_status, digicert_order_id, chain_pem, serial_number,
                not_after, last_error, submit_attempts
         FROM certificate_orders WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&world.app.pool)
    .await
    .unwrap()
}

/// Waits until every order has reached `status`, or fails after `limit`.
pub(crate) async fn until_all(world: &World, ids: &[Uuid], status: &str, limit: StdDuration) {
    world::until_in_status(&world.app.pool, ids, status, ids.len(), limit).await;
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test]
async fn an_order_goes_all_the_way_to_issued_with_a_verified_chain(pool: PgPool) {
    let world = world(pool, EmailValidationMode::Automatic).await;
    let id = place(&world, "petar").await;
    until_all(&world, &[id], "issued", StdDuration::from_secs(30)).await;
    let issued = row(&world, id).await;
    assert_eq!(issued.digicert_status.as_deref(), Some("issued"));
    assert!(issued.digicert_order_id.is_some());
    assert!(
        issued
            .serial_number
            .is_some_and(|serial| !serial.is_empty())
    );
    assert!(issued.not_after.is_some_and(|end| end > SystemClock.now()));
    let chain = issued.chain_pem.unwrap();
    let blocks = pki::pem::decode_all(&chain);
    assert!(blocks.len() >= 2, "leaf and issuers: {chain}");
    let ders: Vec<Vec<u8>> = blocks.into_iter().map(|block| block.der).collect();
    pki::pkcs12::CertificateChain::new(ders[0].clone(), ders[1..].to_vec()).unwrap();
    assert_eq!(at_digicert(&world.sandbox, &issued.reference).await, 1);
    assert!(
        world
            .app
            .audit_actions()
            .await
            .contains(&"order.placed".to_owned())
    );
}

#[sqlx::test]
async fn each_unmet_precondition_refuses_with_its_message_and_writes_nothing(pool: PgPool) {
    let world = world(pool.clone(), EmailValidationMode::Automatic).await;
    let (email, csr) = world::recipient("ana");
    let institution = world.institution;
    // What breaks one precondition, and the message that must say so.
    let cases: [(&str, &str); 5] = [
        (
            "UPDATE institutions SET tcs_status = 'applied' WHERE id = $1",
            "precondition.not_registered",
        ),
        (
            "UPDATE institutions SET digicert_org_id = NULL WHERE id = $1",
            "precondition.no_digicert_org",
        ),
        (
            "UPDATE institutions SET org_validation_status = 'pending' WHERE id = $1",
            "precondition.org_not_validated",
        ),
        (
            "UPDATE domains SET validation_status = 'expired' WHERE institution_id = $1",
            "precondition.domain_not_validated",
        ),
        // Nothing to break: the address itself is outside the domains.
        ("SELECT $1::uuid", "precondition.email_outside_domains"),
    ];
    let org_id = i64::try_from(world::organization_id(&world.sandbox).await).unwrap();
    for (break_it, message) in cases {
        sqlx::query(break_it)
            .bind(institution)
            .execute(&pool)
            .await
            .unwrap();
        let (to, csr) = if message == "precondition.email_outside_domains" {
            let outside = EmailAddress::parse("ana@elsewhere.ac.rs").unwrap();
            let key = keygen::generate(KeyType::EcdsaP256, "Ana", &[outside]).unwrap();
            ("ana@elsewhere.ac.rs".to_owned(), key.csr_pem().to_owned())
        } else {
            (email.clone(), csr.clone())
        };
        let (status, body) = world.order(&to, &csr, "refused").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["outcome"], "refused", "{body}");
        let unmet = body["unmet"].as_array().unwrap();
        assert!(
            unmet.iter().any(|u| u["message"] == message),
            "{message} in {body}"
        );
        assert_eq!(
            count(&pool, "SELECT count(*) FROM certificate_orders").await,
            0
        );
        assert_eq!(
            count(
                &pool,
                "SELECT count(*) FROM jobs WHERE kind LIKE 'digicert.%order'"
            )
            .await,
            0
        );
        // Repair everything before the next case breaks one thing.
        sqlx::query(
            "UPDATE institutions SET tcs_status = 'registered', digicert_org_id = $2,
                 org_validation_status = 'validated' WHERE id = $1",
        )
        .bind(institution)
        .bind(org_id)
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("UPDATE domains SET validation_status = 'validated' WHERE institution_id = $1")
            .bind(institution)
            .execute(&pool)
            .await
            .unwrap();
    }
}

#[sqlx::test]
async fn the_same_idempotency_key_twice_makes_one_order(pool: PgPool) {
    let world = world(pool.clone(), EmailValidationMode::Automatic).await;
    let (email, csr) = world::recipient("dupla");
    let (first, body) = world.order(&email, &csr, "double-click").await;
    assert_eq!(first, StatusCode::CREATED, "{body}");
    let (second, again) = world.order(&email, &csr, "double-click").await;
    assert_eq!(second, StatusCode::OK, "{again}");
    assert_eq!(again["outcome"], "duplicate");
    assert_eq!(again["order_id"], body["order_id"]);
    let id = Uuid::parse_str(body["order_id"].as_str().unwrap()).unwrap();
    until_all(&world, &[id], "issued", StdDuration::from_secs(30)).await;
    assert_eq!(
        count(&pool, "SELECT count(*) FROM certificate_orders").await,
        1
    );
    let reference = row(&world, id).await.reference;
    assert_eq!(at_digicert(&world.sandbox, &reference).await, 1);
    let all_at_digicert = world
        .sandbox
        .sandbox()
        .read(|state, _| state.accounts.iter().map(|a| a.orders.len()).sum::<usize>())
        .await;
    assert_eq!(all_at_digicert, 1);
}

#[sqlx::test]
async fn a_connection_dropped_after_digicert_created_the_order_never_makes_a_duplicate(
    pool: PgPool,
) {
    let world = world(pool, EmailValidationMode::Automatic).await;
    world
        .set_faults(json!({"drop_after_order_created": 3}))
        .await;
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(place(&world, &format!("drop{n}")).await);
    }
    until_all(&world, &ids, "issued", StdDuration::from_secs(60)).await;
    for id in ids {
        let issued = row(&world, id).await;
        assert_eq!(at_digicert(&world.sandbox, &issued.reference).await, 1);
        // The lost answer cost an attempt, and the next one adopted the order.
        assert!(issued.submit_attempts >= 2, "{issued:?}");
    }
    assert_eq!(
        set_faults_left(&world.sandbox).await,
        0,
        "every drop fault was used"
    );
}

async fn set_faults_left(sandbox: &RunningSandbox) -> u64 {
    let answer: Value = reqwest::Client::new()
        .get(format!("{}/faults", sandbox.control_url()))
        .header("X-Sandbox-Key", sandbox.control_key())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["drop_after_order_created"].as_u64().unwrap()
}

#[sqlx::test]
async fn fault_drill_with_thirty_percent_failures_issues_every_order_exactly_once(pool: PgPool) {
    const ORDERS: usize = 40;
    let world = world(pool.clone(), EmailValidationMode::Automatic).await;
    world
        .set_faults(json!({
            "error_share": 0.15,
            "error_statuses": [500, 502, 503],
            "timeout_share": 0.1,
            "timeout_ms": 2500,
            "drop_after_order_created": 8,
        }))
        .await;
    let started = std::time::Instant::now();
    let mut ids = Vec::new();
    for n in 0..ORDERS {
        ids.push(place(&world, &format!("drill{n}")).await);
    }
    until_all(&world, &ids, "issued", StdDuration::from_secs(240)).await;
    world.set_faults(json!({})).await;
    let mut attempts = 0;
    for id in &ids {
        let issued = row(&world, *id).await;
        assert_eq!(
            at_digicert(&world.sandbox, &issued.reference).await,
            1,
            "{issued:?}"
        );
        attempts += issued.submit_attempts;
    }
    let total = world
        .sandbox
        .sandbox()
        .read(|state, _| state.accounts.iter().map(|a| a.orders.len()).sum::<usize>())
        .await;
    assert_eq!(total, ORDERS);
    println!(
        "fault drill: {ORDERS} orders issued, {total} at DigiCert, {attempts} submit attempts, {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

#[sqlx::test]
async fn a_rejected_order_records_digicerts_reason_and_mails_the_admin_who_ordered(pool: PgPool) {
    let world = world(pool, EmailValidationMode::Manual).await;
    let id = place(&world, "odbijen").await;
    until_all(
        &world,
        &[id],
        "pending_validation",
        StdDuration::from_secs(30),
    )
    .await;
    let reference = row(&world, id).await.reference;
    world
        .sandbox
        .sandbox()
        .write(|state, _, _| {
            for order in state.accounts.iter_mut().flat_map(|a| a.orders.iter_mut()) {
                if order.comments.as_deref() == Some(reference.as_str()) {
                    order.status = SandboxStatus::Rejected;
                }
            }
            Ok(())
        })
        .await
        .unwrap();
    until_all(&world, &[id], "rejected", StdDuration::from_secs(30)).await;
    let rejected = row(&world, id).await;
    assert_eq!(rejected.digicert_status.as_deref(), Some("rejected"));
    assert!(
        rejected
            .last_error
            .is_some_and(|reason| reason.contains("rejected"))
    );
    assert!(rejected.chain_pem.is_none());
    let mail: (String, String, String) = sqlx::query_as(
        "SELECT recipient, body_text, subject FROM outbox WHERE subject LIKE '%rejected the order%'",
    )
    .fetch_one(&world.app.pool)
    .await
    .unwrap();
    assert_eq!(mail.0, world.admin.email);
    assert_eq!(
        mail.2,
        "AMRES TCS: DigiCert je odbio porudžbinu za odbijen@etf.bg.ac.rs \
         / DigiCert rejected the order for odbijen@etf.bg.ac.rs"
    );
    assert!(
        mail.1.contains("odbijena") && mail.1.contains("rejected"),
        "{}",
        mail.1
    );
    assert!(mail.1.contains("odbijen@etf.bg.ac.rs"), "{}", mail.1);
}

#[sqlx::test]
async fn revocation_reaches_digicert_and_only_then_marks_the_order_revoked(pool: PgPool) {
    let world = world(pool, EmailValidationMode::Automatic).await;
    let id = place(&world, "opozvan").await;
    until_all(&world, &[id], "issued", StdDuration::from_secs(30)).await;
    let reference = row(&world, id).await.reference;
    let (status, body) = crate::api::api_post(
        &world.app,
        world.institution,
        &format!(
            "/api/v1/institutions/{}/orders/{id}/revoke",
            world.institution
        ),
        None,
        &serde_json::json!({"reason": "keyCompromise", "comment": "lost laptop"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["outcome"], "revoked", "{body}");
    assert_eq!(
        sandbox_status(&world.sandbox, &reference).await,
        Some(SandboxStatus::Revoked)
    );
    assert_eq!(row(&world, id).await.status, "revoked");
}

#[sqlx::test]
async fn a_certificate_digicert_issues_with_the_wrong_profile_fails_the_order_with_the_reason_and_never_reaches_the_person(
    pool: PgPool,
) {
    let world = world(pool, EmailValidationMode::Automatic).await;
    // The sandbox plays a DigiCert that mixes up the profiles once: Premium is sold
    // multipurpose with clientAuth, and arrives strict with emailProtection only.
    let set = reqwest::Client::new()
        .put(format!(
            "{}/accounts/{}/settings",
            world.sandbox.control_url(),
            world::KEY
        ))
        .header("X-Sandbox-Key", world.sandbox.control_key())
        .json(&json!({"mis_issue_profiles": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let wrong = place(&world, "pogresan").await;
    until_all(&world, &[wrong], "failed", StdDuration::from_secs(30)).await;
    let failed = row(&world, wrong).await;
    assert!(
        failed.chain_pem.is_none(),
        "the wrong certificate is not kept"
    );
    let reason = failed.last_error.unwrap_or_default();
    assert!(
        reason.contains("wrong profile")
            && reason.contains("strict (emailProtection only)")
            && reason.contains("multipurpose (emailProtection and clientAuth)"),
        "{reason}"
    );
    // The next certificate is right and goes through.
    let right = place(&world, "ispravan").await;
    until_all(&world, &[right], "issued", StdDuration::from_secs(30)).await;
}

#[sqlx::test]
async fn a_certificate_ordered_through_the_portal_names_the_institution_by_its_registration_number(
    pool: PgPool,
) {
    let world = world(pool, EmailValidationMode::Automatic).await;
    // The world's link stands for a past sync; syncing again keeps DigiCert's number.
    let synced = world
        .admin
        .client
        .post_form(&format!("/institutions/{}/sync", world.institution), &[])
        .await;
    assert_eq!(synced.status, StatusCode::SEE_OTHER, "{}", synced.body);
    let id = place(&world, "mika").await;
    until_all(&world, &[id], "issued", StdDuration::from_secs(30)).await;
    let registration_number: String =
        sqlx::query_scalar("SELECT registration_number FROM institutions WHERE id = $1")
            .bind(world.institution)
            .fetch_one(&world.app.pool)
            .await
            .unwrap();
    let chain = row(&world, id).await.chain_pem.unwrap();
    let leaf = pki::pem::decode_all(&chain).remove(0).der;
    let (_, cert) =
        <x509_parser::certificate::X509Certificate<'_> as x509_parser::prelude::FromDer<
            '_,
            x509_parser::error::X509Error,
        >>::from_der(&leaf)
        .unwrap();
    let identifier = x509_parser::oid_registry::Oid::from(&[2, 5, 4, 97]).unwrap();
    let found: Vec<&str> = cert
        .subject()
        .iter_attributes()
        .filter(|attribute| attribute.attr_type() == &identifier)
        .filter_map(|attribute| attribute.as_str().ok())
        .collect();
    assert_eq!(found, vec![format!("NTRRS-{registration_number}")]);
}
