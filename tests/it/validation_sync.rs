//! The validation sync against the in-process DigiCert sandbox: DigiCert's states
//! replace the cache, on demand and on schedule, and failures change nothing.
use std::time::Duration as StdDuration;

use clock::{Clock, SystemClock};
use digicert_sim::{AccountSeed, OrganizationSeed, RunningSandbox, SandboxOptions, ValidationSeed};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use tcs_portal::domain::{DomainName, EmailAddress, ValidationStatus};
use tcs_portal::services::preconditions::{self, Unmet};
use time::{Duration, OffsetDateTime};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::helpers::{TestApp, html_unescape};
use crate::tenancy::{TwoInstitutions, two_institutions};

const KEY: &str = "amres-key";

/// Whole seconds, as DigiCert's answers carry them.
fn in_days(days: i64) -> OffsetDateTime {
    let now = SystemClock.now();
    now.replace_nanosecond(0).unwrap_or(now) + Duration::days(days)
}

struct World {
    sandbox: RunningSandbox,
    app: TestApp,
    people: TwoInstitutions,
    org_until: OffsetDateTime,
    domain_until: OffsetDateTime,
}

/// ETF's organization is S/MIME-validated at DigiCert with `etf.ac.rs` validated
/// and `old.ac.rs` lapsed; our cache has ETF linked and three domains (the third,
/// `nowhere.ac.rs`, unknown to DigiCert), all still `none`.
async fn world(pool: PgPool, api_key: &str) -> World {
    let org_until = in_days(400);
    let domain_until = in_days(200);
    let sandbox = digicert_sim::start_in_process(
        SandboxOptions::default().with_account(
            AccountSeed::new(KEY)
                .with_organization(
                    OrganizationSeed::new("Elektrotehnicki fakultet")
                        .with_smime(ValidationSeed::Validated {
                            validated_until: Some(org_until),
                        })
                        .with_domain(
                            "etf.ac.rs",
                            ValidationSeed::Validated {
                                validated_until: Some(domain_until),
                            },
                        )
                        .with_domain("old.ac.rs", ValidationSeed::Expired),
                )
                .with_organization(
                    OrganizationSeed::new("Prirodno-matematicki fakultet")
                        .with_smime(ValidationSeed::Validated {
                            validated_until: Some(org_until),
                        })
                        .with_domain("pmf.ac.rs", ValidationSeed::default()),
                ),
        ),
    )
    .await
    .unwrap();
    let app = TestApp::spawn_with_digicert(pool, sandbox.base_url(), api_key).await;
    let people = two_institutions(&app).await;
    // Added before the link, so that adding does not submit them to DigiCert:
    // these tests are about a cache that disagrees with DigiCert.
    for name in ["etf.ac.rs", "old.ac.rs", "nowhere.ac.rs"] {
        let added = people
            .admin_a
            .client
            .post_form(
                &format!("/institutions/{}/domains", people.a),
                &[("name", name)],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    }
    link(&app, &sandbox, people.a, "Elektrotehnicki fakultet").await;
    for user in [&people.admin_a, &people.admin_b, &people.staff] {
        user.client.post_form("/lang", &[("lang", "en")]).await;
    }
    World {
        sandbox,
        app,
        people,
        org_until,
        domain_until,
    }
}

/// The sandbox's id of the organization called `name`, read with the right key
/// whatever key the portal has.
async fn org_id(sandbox: &RunningSandbox, name: &str) -> u64 {
    let answer: Value = reqwest::Client::new()
        .get(format!("{}/organization", sandbox.base_url()))
        .header("X-DC-DEVKEY", KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|org| org["name"] == name)
        .and_then(|org| org["id"].as_u64())
        .unwrap()
}

async fn link(app: &TestApp, sandbox: &RunningSandbox, institution: Uuid, org: &str) {
    let id = i64::try_from(org_id(sandbox, org).await).unwrap();
    sqlx::query("UPDATE institutions SET digicert_org_id = $1 WHERE id = $2")
        .bind(id)
        .bind(institution)
        .execute(&app.pool)
        .await
        .unwrap();
}

/// Tells the sandbox (as DigiCert's validation team) a new validation state.
async fn set_sandbox_state(sandbox: &RunningSandbox, path: &str, state: Value) {
    let answer = reqwest::Client::new()
        .put(format!("{}/accounts/{KEY}/{path}", sandbox.control_url()))
        .header("X-Sandbox-Key", sandbox.control_key())
        .json(&state)
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{}", answer.status());
}

async fn organization(
    app: &TestApp,
    id: Uuid,
) -> (String, Option<OffsetDateTime>, Option<OffsetDateTime>) {
    sqlx::query_as(
        "SELECT org_validation_status, org_validated_until, org_synced_at FROM institutions WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn domain(app: &TestApp, name: &str) -> (String, Option<OffsetDateTime>, Option<i64>) {
    sqlx::query_as(
        "SELECT validation_status, validated_until, digicert_domain_id FROM domains WHERE name = $1",
    )
    .bind(name)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// Presses "sync now" and follows the redirect.
async fn sync_now(world: &World) -> String {
    let client = &world.people.admin_a.client;
    let synced = client
        .post_form(&format!("/institutions/{}/sync", world.people.a), &[])
        .await;
    assert_eq!(synced.status, StatusCode::SEE_OTHER, "{}", synced.body);
    let page = client.get(synced.location().unwrap()).await;
    page.assert_ok();
    html_unescape(&page.body)
}

/// The preconditions for an order for `email`, evaluated on the cached rows.
async fn unmet_for(app: &TestApp, institution: Uuid, email: &str) -> Vec<Unmet> {
    let detail = {
        let (status, until, _) = organization(app, institution).await;
        let org: Option<i64> =
            sqlx::query_scalar("SELECT digicert_org_id FROM institutions WHERE id = $1")
                .bind(institution)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        tcs_portal::db::institutions::InstitutionDetail {
            id: institution.into(),
            slug: "etf-bg".into(),
            name_sr: "ETF".into(),
            name_en: "ETF".into(),
            short_name: "ETF".into(),
            registration_number: "07032501".into(),
            status: tcs_portal::domain::TcsStatus::Registered,
            tcs_registered_at: None,
            digicert_org_id: org,
            org_validation_status: ValidationStatus::parse(&status).unwrap(),
            org_validated_until: until,
            org_synced_at: None,
        }
    };
    let rows: Vec<(Uuid, String, ValidationStatus, Option<OffsetDateTime>, OffsetDateTime)> =
        sqlx::query_as(
        "SELECT id, name, validation_status, validated_until, created_at FROM domains WHERE institution_id = $1",
    )
    .bind(institution)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let domains: Vec<_> = rows
        .into_iter()
        .map(
            |(id, name, status, until, created_at)| tcs_portal::db::domains::Domain {
                id: id.into(),
                name: DomainName::parse(&name).unwrap(),
                validation_status: status,
                validated_until: until,
                dcv_method: None,
                digicert_domain_id: None,
                dcv_token: None,
                dcv_token_expires_at: None,
                created_at,
            },
        )
        .collect();
    let email = EmailAddress::parse(email).unwrap();
    preconditions::evaluate(&detail, &domains, &[email], clock::Clock::now(&app.clock))
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn sync_now_copies_digicerts_states_and_the_dashboard_says_ready_to_order(pool: PgPool) {
    let world = world(pool, KEY).await;
    let before = html_unescape(
        &world
            .people
            .admin_a
            .client
            .get(&format!("/institutions/{}", world.people.a))
            .await
            .body,
    );
    assert!(!before.contains("The institution meets the TCS conditions"));
    let page = sync_now(&world).await;
    assert!(page.contains("Synced with DigiCert"), "{page}");
    assert!(
        page.contains("The institution meets the TCS conditions"),
        "{page}"
    );
    let (status, until, synced_at) = organization(&world.app, world.people.a).await;
    assert_eq!(status, "validated");
    assert_eq!(until, Some(world.org_until));
    assert!(synced_at.is_some());
    let (status, until, digicert_id) = domain(&world.app, "etf.ac.rs").await;
    assert_eq!(
        (status.as_str(), until),
        ("validated", Some(world.domain_until))
    );
    assert!(digicert_id.is_some());
    assert_eq!(domain(&world.app, "old.ac.rs").await.0, "expired");
    assert_eq!(domain(&world.app, "nowhere.ac.rs").await.0, "none");
    assert!(
        unmet_for(&world.app, world.people.a, "ana@etf.ac.rs")
            .await
            .is_empty()
    );
    let details: Value =
        sqlx::query_scalar("SELECT details FROM audit_events WHERE action = 'validation.synced'")
            .fetch_one(&world.app.pool)
            .await
            .unwrap();
    assert_eq!(details["org"], "validated");
    assert_eq!(details["domains_changed"].as_array().unwrap().len(), 2);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_domain_digicert_no_longer_validates_is_corrected_in_the_cache_and_blocks_orders(
    pool: PgPool,
) {
    let world = world(pool, KEY).await;
    sync_now(&world).await;
    assert!(
        unmet_for(&world.app, world.people.a, "ana@etf.ac.rs")
            .await
            .is_empty()
    );
    let (_, _, digicert_id) = domain(&world.app, "etf.ac.rs").await;
    set_sandbox_state(
        &world.sandbox,
        &format!("domains/{}/validation", digicert_id.unwrap()),
        json!({"state": "expired"}),
    )
    .await;
    let page = sync_now(&world).await;
    assert!(page.contains("Synced with DigiCert"), "{page}");
    assert_eq!(domain(&world.app, "etf.ac.rs").await.0, "expired");
    assert_eq!(
        unmet_for(&world.app, world.people.a, "ana@etf.ac.rs").await,
        vec![Unmet::DomainNotValidated {
            email: "ana@etf.ac.rs".into(),
            domain: "etf.ac.rs".into(),
        }]
    );
    let details: Value = sqlx::query_scalar(
        "SELECT details FROM audit_events WHERE action = 'validation.synced' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&world.app.pool)
    .await
    .unwrap();
    assert_eq!(
        details["domains_changed"],
        json!([{"domain": "etf.ac.rs", "from": "validated", "to": "expired"}])
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_organization_validation_that_expired_at_digicert_blocks_orders_after_sync(
    pool: PgPool,
) {
    let world = world(pool, KEY).await;
    sync_now(&world).await;
    let org = org_id(&world.sandbox, "Elektrotehnicki fakultet").await;
    set_sandbox_state(
        &world.sandbox,
        &format!("organizations/{org}/validation"),
        json!({"state": "expired"}),
    )
    .await;
    let page = sync_now(&world).await;
    assert!(
        !page.contains("The institution meets the TCS conditions"),
        "{page}"
    );
    assert!(page.contains("S/MIME organization validation at DigiCert is missing or has expired"));
    assert_eq!(organization(&world.app, world.people.a).await.0, "expired");
    assert!(
        unmet_for(&world.app, world.people.a, "ana@etf.ac.rs")
            .await
            .contains(&Unmet::OrganizationNotValidated)
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_scheduled_job_syncs_every_linked_institution_through_the_worker(pool: PgPool) {
    let world = world(pool, KEY).await;
    link(
        &world.app,
        &world.sandbox,
        world.people.b,
        "Prirodno-matematicki fakultet",
    )
    .await;
    let unlinked = world
        .app
        .create_institution(
            &world.people.staff.client,
            "fon-bg",
            "Fakultet organizacionih nauka",
            true,
        )
        .await;
    let now = clock::Clock::now(&world.app.clock);
    let job = tcs_portal::jobs::NewJob::from_value(
        tcs_portal::services::background::SYNC_VALIDATIONS,
        json!({}),
    );
    tcs_portal::jobs::enqueue(&world.app.pool, &job, now)
        .await
        .unwrap();
    let stop = CancellationToken::new();
    let worker = tcs_portal::services::background::digicert_worker(&world.app.state).unwrap();
    let running = tokio::spawn(worker.run(stop.clone()));
    let mut done = false;
    for _ in 0..100 {
        let succeeded: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE kind = 'digicert.sync_validations' AND state = 'succeeded'",
        )
        .fetch_one(&world.app.pool)
        .await
        .unwrap();
        if succeeded == 1 {
            done = true;
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    stop.cancel();
    running.await.unwrap();
    assert!(done, "the sync job did not succeed");
    assert_eq!(
        organization(&world.app, world.people.a).await.0,
        "validated"
    );
    assert_eq!(
        organization(&world.app, world.people.b).await.0,
        "validated"
    );
    assert_eq!(organization(&world.app, unlinked).await.2, None);
    assert_eq!(domain(&world.app, "etf.ac.rs").await.0, "validated");
    let next: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM jobs WHERE dedup_key = 'recurring:digicert.sync_validations' AND run_at > $1",
    )
    .bind(now)
    .fetch_one(&world.app.pool)
    .await
    .unwrap();
    assert_eq!(next, 1, "the next scheduled sync is queued");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_wrong_api_key_gives_a_clear_message_and_changes_nothing(pool: PgPool) {
    let world = world(pool, "revoked-key").await;
    sqlx::query("UPDATE domains SET validation_status = 'validated', validated_until = now() + interval '30 days'")
        .execute(&world.app.pool)
        .await
        .unwrap();
    let page = sync_now(&world).await;
    assert!(page.contains("DigiCert rejected our API key"), "{page}");
    assert_eq!(
        organization(&world.app, world.people.a).await,
        ("unknown".into(), None, None)
    );
    assert_eq!(domain(&world.app, "nowhere.ac.rs").await.0, "validated");
    assert!(
        !world
            .app
            .audit_actions()
            .await
            .contains(&"validation.synced".to_owned())
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_sync_refused_for_the_api_key_puts_the_banner_on_the_staff_pages(pool: PgPool) {
    let world = world(pool, "revoked-key").await;
    let banner = "id=\"digicert-key-rejected\"";
    let before = world.people.staff.client.get("/staff").await;
    assert!(!before.body.contains(banner), "{}", before.body);
    sync_now(&world).await;
    for path in ["/staff", "/staff/operations"] {
        let page = world.people.staff.client.get(path).await;
        page.assert_ok();
        assert!(page.body.contains(banner), "{path}: {}", page.body);
    }
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_auditor_cannot_sync_and_another_institutions_admin_gets_404(pool: PgPool) {
    let world = world(pool, KEY).await;
    let auditor = world
        .app
        .enrolled_member(
            &world.people.staff.client,
            world.people.a,
            "revizor@etf.ac.rs",
            "auditor",
        )
        .await;
    let path = format!("/institutions/{}/sync", world.people.a);
    let refused = auditor.client.post_form(&path, &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let hidden = world.people.admin_b.client.post_form(&path, &[]).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(organization(&world.app, world.people.a).await.2, None);
    let staff = world.people.staff.client.post_form(&path, &[]).await;
    assert_eq!(
        staff.location(),
        Some(format!("/institutions/{}?sync=done", world.people.a).as_str())
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn every_digicert_call_of_a_sync_counts_against_the_shared_rate_limit(pool: PgPool) {
    let world = world(pool, KEY).await;
    sync_now(&world).await;
    let key = tcs_portal::jobs::rate_limit::RateKey::for_api_key(&secrecy::SecretString::from(
        KEY.to_owned(),
    ));
    let calls: i64 = sqlx::query_scalar("SELECT count(*) FROM rate_limit_calls WHERE key = $1")
        .bind(key.as_str())
        .fetch_one(&world.app.pool)
        .await
        .unwrap();
    // The organization (to see its registration number), sending the registration
    // number it lacked, the organization's validations and one page of domains.
    assert_eq!(calls, 4);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_key_blocked_after_a_429_gets_a_try_later_message_and_changes_nothing(pool: PgPool) {
    let world = world(pool, KEY).await;
    let key = tcs_portal::jobs::rate_limit::RateKey::for_api_key(&secrecy::SecretString::from(
        KEY.to_owned(),
    ));
    let now = clock::Clock::now(&world.app.clock);
    tcs_portal::jobs::rate_limit::block_until(&world.app.pool, &key, now + Duration::hours(1))
        .await
        .unwrap();
    let page = sync_now(&world).await;
    assert!(page.contains("too many requests"), "{page}");
    assert_eq!(organization(&world.app, world.people.a).await.2, None);
    assert_eq!(domain(&world.app, "etf.ac.rs").await.0, "none");
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_domains_tab_syncs_and_returns_to_itself_with_the_last_synced_time(pool: PgPool) {
    let world = world(pool, KEY).await;
    let client = &world.people.admin_a.client;
    let path = format!("/institutions/{}/domains", world.people.a);
    let before = client.get(&path).await;
    assert!(
        before.body.contains("Last synced with DigiCert: never"),
        "{}",
        before.body
    );
    let synced = client
        .post_form(
            &format!("/institutions/{}/sync", world.people.a),
            &[("back", "domains")],
        )
        .await;
    assert_eq!(
        synced.location(),
        Some(format!("{path}?sync=done").as_str())
    );
    let page = client.get(synced.location().unwrap()).await;
    assert!(page.body.contains("Synced with DigiCert"), "{}", page.body);
    assert!(!page.body.contains("Last synced with DigiCert: never"));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn without_digicert_configured_sync_now_says_so(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let people = two_institutions(&app).await;
    people
        .admin_a
        .client
        .post_form("/lang", &[("lang", "en")])
        .await;
    let synced = people
        .admin_a
        .client
        .post_form(&format!("/institutions/{}/sync", people.a), &[])
        .await;
    assert_eq!(synced.status, StatusCode::SEE_OTHER);
    let page = people.admin_a.client.get(synced.location().unwrap()).await;
    assert!(
        page.body.contains("DigiCert is not configured"),
        "{}",
        page.body
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_sync_gives_digicert_the_institutions_registration_number_once(pool: PgPool) {
    let world = world(pool, KEY).await;
    let org = org_id(&world.sandbox, "Elektrotehnicki fakultet").await;
    let at_digicert = || async {
        let answer: Value = reqwest::Client::new()
            .get(format!("{}/organization/{org}", world.sandbox.base_url()))
            .header("X-DC-DEVKEY", KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["registration_number"].as_str().map(str::to_owned)
    };
    // An institution registered before the portal sent registration numbers.
    assert_eq!(at_digicert().await, None);
    let ours: String =
        sqlx::query_scalar("SELECT registration_number FROM institutions WHERE id = $1")
            .bind(world.people.a)
            .fetch_one(&world.app.pool)
            .await
            .unwrap();

    sync_now(&world).await;
    assert_eq!(at_digicert().await.as_deref(), Some(ours.as_str()));
    sync_now(&world).await;
    let sent: Vec<Value> = sqlx::query_scalar(
        "SELECT details->'registration_number_sent' FROM audit_events
         WHERE action = 'validation.synced' ORDER BY id",
    )
    .fetch_all(&world.app.pool)
    .await
    .unwrap();
    assert_eq!(
        sent,
        vec![json!(ours), Value::Null],
        "sent by the first sync only, and audited"
    );
}
