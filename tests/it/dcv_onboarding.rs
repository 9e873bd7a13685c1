//! Onboarding with DigiCert against the in-process sandbox: a new domain is
//! submitted for DNS TXT validation and shows the exact record, "check now"
//! validates it once the record is in place, staff submit the organization for
//! S/MIME validation, and DigiCert's refusals give a message, not a 500.
use clock::{Clock, SystemClock};
use digicert_sim::{AccountSeed, OrganizationSeed, RunningSandbox, SandboxOptions, ValidationSeed};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{EnrolledUser, TestApp, TestClient, html_unescape};
use crate::tenancy::{TwoInstitutions, two_institutions};

const KEY: &str = "amres-key";
const ORG: &str = "Elektrotehnicki fakultet";

struct World {
    sandbox: RunningSandbox,
    app: TestApp,
    people: TwoInstitutions,
    org_id: i64,
}

/// ETF's organization exists at DigiCert never submitted for S/MIME and with no domains;
/// ETF is linked to it; everyone reads English.
async fn world(pool: PgPool) -> World {
    let sandbox = digicert_sim::start_in_process(
        SandboxOptions::default().with_account(
            AccountSeed::new(KEY)
                .with_organization(OrganizationSeed::new(ORG).with_smime(ValidationSeed::None)),
        ),
    )
    .await
    .unwrap();
    let app = TestApp::spawn_with_digicert(pool, sandbox.base_url(), KEY).await;
    let people = two_institutions(&app).await;
    let orgs = digicert_get(&sandbox, "/organization").await;
    let org_id = orgs["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|org| org["name"] == ORG)
        .and_then(|org| org["id"].as_i64())
        .unwrap();
    link(&app, people.a, org_id).await;
    for user in [&people.admin_a, &people.admin_b, &people.staff] {
        user.client.post_form("/lang", &[("lang", "en")]).await;
    }
    World {
        sandbox,
        app,
        people,
        org_id,
    }
}

async fn link(app: &TestApp, institution: Uuid, org_id: i64) {
    sqlx::query("UPDATE institutions SET digicert_org_id = $1 WHERE id = $2")
        .bind(org_id)
        .bind(institution)
        .execute(&app.pool)
        .await
        .unwrap();
}

/// Reads DigiCert's side with the account's key.
async fn digicert_get(sandbox: &RunningSandbox, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{}{path}", sandbox.base_url()))
        .header("X-DC-DEVKEY", KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Plays "the TXT record is now visible in DNS" at the sandbox.
async fn publish_token(sandbox: &RunningSandbox, digicert_domain_id: i64) {
    let answer = reqwest::Client::new()
        .post(format!(
            "{}/accounts/{KEY}/domains/{digicert_domain_id}/publish-token",
            sandbox.control_url()
        ))
        .header("X-Sandbox-Key", sandbox.control_key())
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{}", answer.status());
}

#[derive(Debug)]
struct Row {
    id: Uuid,
    status: String,
    digicert_domain_id: Option<i64>,
    dcv_method: Option<String>,
    token: Option<String>,
}

async fn row(app: &TestApp, name: &str) -> Row {
    let (id, status, digicert_domain_id, dcv_method, token): (
        Uuid,
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
    ) = sqlx::query_as(
        "SELECT id, validation_status, digicert_domain_id, dcv_method, dcv_token
         FROM domains WHERE name = $1 AND removed_at IS NULL",
    )
    .bind(name)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    Row {
        id,
        status,
        digicert_domain_id,
        dcv_method,
        token,
    }
}

async fn add_domain(user: &EnrolledUser, institution: Uuid, name: &str) -> String {
    let added = user
        .client
        .post_form(
            &format!("/institutions/{institution}/domains"),
            &[("name", name)],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page = user.client.get(added.location().unwrap()).await;
    page.assert_ok();
    html_unescape(&page.body)
}

async fn check_now(client: &TestClient, institution: Uuid, domain: Uuid) -> (StatusCode, String) {
    let checked = client
        .post_form(
            &format!("/institutions/{institution}/domains/{domain}/check"),
            &[],
        )
        .await;
    if checked.status != StatusCode::SEE_OTHER {
        return (checked.status, checked.body);
    }
    let page = client.get(checked.location().unwrap()).await;
    (page.status, html_unescape(&page.body))
}

async fn audit_count(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = $1")
        .bind(action)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_admins_new_domain_goes_to_digicert_and_shows_the_exact_txt_record(pool: PgPool) {
    let world = world(pool).await;
    let page = add_domain(&world.people.admin_a, world.people.a, "etf.bg.ac.rs").await;
    let ours = row(&world.app, "etf.bg.ac.rs").await;
    let digicert_id = ours
        .digicert_domain_id
        .expect("stored DigiCert's domain id");
    assert_eq!(ours.status, "pending");
    assert_eq!(ours.dcv_method.as_deref(), Some("dns-txt-token"));

    let theirs = digicert_get(
        &world.sandbox,
        &format!("/domain/{digicert_id}?include_dcv=true&include_validation=true"),
    )
    .await;
    assert_eq!(theirs["name"], "etf.bg.ac.rs");
    assert_eq!(theirs["dcv_method"], "dns-txt-token");
    assert_eq!(theirs["organization"]["id"].as_i64(), Some(world.org_id));
    let token = theirs["dcv_token"]["token"].as_str().unwrap();
    assert_eq!(ours.token.as_deref(), Some(token));

    assert!(page.contains("submitted to DigiCert"), "{page}");
    assert!(
        page.contains(&format!("<code class=\"dcv-token\">{token}</code>")),
        "{page}"
    );
    assert!(page.contains("<code class=\"dcv-name\">etf.bg.ac.rs</code>"));
    assert!(page.contains("<code>TXT</code>"));
    assert!(page.contains("Check now"));
    assert_eq!(
        audit_count(&world.app, "domain.submitted_to_digicert").await,
        1
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn check_now_validates_the_domain_only_once_digicert_sees_the_record(pool: PgPool) {
    let world = world(pool).await;
    let admin = &world.people.admin_a;
    add_domain(admin, world.people.a, "etf.bg.ac.rs").await;
    let ours = row(&world.app, "etf.bg.ac.rs").await;

    let (status, page) = check_now(&admin.client, world.people.a, ours.id).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("did not find the TXT record yet"), "{page}");
    assert_eq!(row(&world.app, "etf.bg.ac.rs").await.status, "pending");

    publish_token(&world.sandbox, ours.digicert_domain_id.unwrap()).await;
    let (status, page) = check_now(&admin.client, world.people.a, ours.id).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("the domain is validated"), "{page}");
    let after = row(&world.app, "etf.bg.ac.rs").await;
    assert_eq!(after.status, "validated");
    assert_eq!(after.token, None);
    assert!(!page.contains("dcv-token"), "the record is no longer shown");
    assert_eq!(audit_count(&world.app, "domain.dcv_checked").await, 1);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn once_the_txt_value_expired_the_button_gets_a_new_one_from_digicert(pool: PgPool) {
    let world = world(pool).await;
    let admin = &world.people.admin_a;
    add_domain(admin, world.people.a, "etf.bg.ac.rs").await;
    let before = row(&world.app, "etf.bg.ac.rs").await;
    world.app.clock.advance(time::Duration::days(31));
    // A month later the session has lapsed too.
    let client = world.app.log_in(admin).await;
    client.post_form("/lang", &[("lang", "en")]).await;
    let page = html_unescape(
        &client
            .get(&format!("/institutions/{}/domains", world.people.a))
            .await
            .body,
    );
    assert!(page.contains("Get a new value"), "{page}");

    let (status, page) = check_now(&client, world.people.a, before.id).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("DigiCert issued a new one"), "{page}");
    let after = row(&world.app, "etf.bg.ac.rs").await;
    let theirs = digicert_get(
        &world.sandbox,
        &format!(
            "/domain/{}?include_dcv=true",
            after.digicert_domain_id.unwrap()
        ),
    )
    .await;
    let token = theirs["dcv_token"]["token"].as_str().unwrap();
    assert_ne!(after.token, before.token);
    assert_eq!(after.token.as_deref(), Some(token));
    assert!(page.contains(&format!("<code class=\"dcv-token\">{token}</code>")));
    assert_eq!(audit_count(&world.app, "domain.dcv_token_renewed").await, 1);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_digicert_refusal_keeps_the_domain_with_a_message_and_the_button_retries(pool: PgPool) {
    let world = world(pool).await;
    // A link to an organization DigiCert does not have makes `POST /domain` fail.
    link(&world.app, world.people.a, world.org_id + 1000).await;
    let page = add_domain(&world.people.admin_a, world.people.a, "etf.bg.ac.rs").await;
    assert!(page.contains("DigiCert does not know"), "{page}");
    let ours = row(&world.app, "etf.bg.ac.rs").await;
    assert_eq!(ours.digicert_domain_id, None);
    assert_eq!(ours.status, "none");
    assert!(page.contains("Submit to DigiCert"), "{page}");

    link(&world.app, world.people.a, world.org_id).await;
    let (status, page) = check_now(&world.people.admin_a.client, world.people.a, ours.id).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("submitted to DigiCert"), "{page}");
    assert!(
        row(&world.app, "etf.bg.ac.rs")
            .await
            .digicert_domain_id
            .is_some()
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn check_now_is_for_the_institutions_admins_only(pool: PgPool) {
    let world = world(pool).await;
    add_domain(&world.people.admin_a, world.people.a, "etf.bg.ac.rs").await;
    let ours = row(&world.app, "etf.bg.ac.rs").await;
    let auditor = world
        .app
        .enrolled_member(
            &world.people.staff.client,
            world.people.a,
            "revizor@etf.bg.ac.rs",
            "auditor",
        )
        .await;
    let path = format!("/institutions/{}/domains/{}/check", world.people.a, ours.id);
    assert_eq!(
        auditor.client.post_form(&path, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        world
            .people
            .admin_b
            .client
            .post_form(&path, &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // B's admin cannot reach A's domain through B's own institution either.
    let through_b = format!("/institutions/{}/domains/{}/check", world.people.b, ours.id);
    assert_eq!(
        world
            .people
            .admin_b
            .client
            .post_form(&through_b, &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(audit_count(&world.app, "domain.dcv_checked").await, 0);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn staff_submit_the_organization_for_smime_validation(pool: PgPool) {
    let world = world(pool).await;
    let path = format!("/staff/institutions/{}/submit-validation", world.people.a);
    let dashboard = world
        .people
        .staff
        .client
        .get(&format!("/institutions/{}", world.people.a))
        .await;
    assert!(dashboard.body.contains(&path), "{}", dashboard.body);

    let submitted = world.people.staff.client.post_form(&path, &[]).await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.body
    );
    let page = world
        .people
        .staff
        .client
        .get(submitted.location().unwrap())
        .await;
    assert!(
        page.body
            .contains("submitted to DigiCert for S/MIME validation"),
        "{}",
        page.body
    );
    let theirs = digicert_get(
        &world.sandbox,
        &format!("/organization/{}/validation", world.org_id),
    )
    .await;
    assert_eq!(
        theirs["validations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|validation| validation["type"] == "smime")
            .map(|validation| validation["status"].clone()),
        Some(json!("pending")),
        "{theirs}"
    );
    assert_eq!(
        audit_count(&world.app, "organization.validation_submitted").await,
        1
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn only_staff_admins_submit_an_organization(pool: PgPool) {
    let world = world(pool).await;
    let path = format!("/staff/institutions/{}/submit-validation", world.people.a);
    let staff_auditor = world
        .app
        .enrolled_staff(
            "revizor@amres.ac.rs",
            tcs_portal::domain::StaffRole::StaffAuditor,
        )
        .await;
    assert_eq!(
        staff_auditor.client.post_form(&path, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        world
            .people
            .admin_a
            .client
            .post_form(&path, &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let unknown = format!("/staff/institutions/{}/submit-validation", Uuid::new_v4());
    assert_eq!(
        world
            .people
            .staff
            .client
            .post_form(&unknown, &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let theirs = digicert_get(
        &world.sandbox,
        &format!("/organization/{}/validation", world.org_id),
    )
    .await;
    assert!(
        theirs["validations"]
            .as_array()
            .is_none_or(|validations| validations.is_empty()),
        "{theirs}"
    );
    assert_eq!(
        audit_count(&world.app, "organization.validation_submitted").await,
        0
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn submitting_an_unlinked_organization_says_so_without_calling_digicert(pool: PgPool) {
    let world = world(pool).await;
    let submitted = world
        .people
        .staff
        .client
        .post_form(
            &format!("/staff/institutions/{}/submit-validation", world.people.b),
            &[],
        )
        .await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER);
    let page = world
        .people
        .staff
        .client
        .get(submitted.location().unwrap())
        .await;
    assert!(
        page.body
            .contains("not linked to a DigiCert organization yet"),
        "{}",
        page.body
    );
}

/// The warning mails in the outbox, as (recipient, body), in order.
async fn warnings_sent(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT recipient, body_text FROM outbox
         WHERE subject LIKE '%validation expires%' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn expiry_warnings_go_out_once_per_threshold_even_run_concurrently(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let people = two_institutions(&app).await;
    let start = SystemClock.now();
    let days = |n: i64| start + time::Duration::days(n);
    sqlx::query(
        "UPDATE institutions SET org_validation_status = 'validated', org_validated_until = $2
         WHERE id = $1",
    )
    .bind(people.a)
    .bind(days(50))
    .execute(&app.pool)
    .await
    .unwrap();
    for (institution, name, until) in [
        (people.a, "etf.bg.ac.rs", days(40)),
        (people.b, "pmf.uns.ac.rs", days(100)),
    ] {
        sqlx::query(
            "INSERT INTO domains (institution_id, name, validation_status, validated_until)
             VALUES ($1, $2, 'validated', $3)",
        )
        .bind(institution)
        .bind(name)
        .bind(until)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let send = |now| {
        tcs_portal::services::expiry_warnings::send_due(&app.pool, now, "https://tcs.example")
    };

    // 50 and 40 days left: both cross 60 days; the domain 100 days out does not.
    let (first, second) = tokio::join!(send(start), send(start));
    assert_eq!(first.unwrap() + second.unwrap(), 2);
    assert_eq!(send(start).await.unwrap(), 0);
    let sent = warnings_sent(&app).await;
    let mut recipients: Vec<&str> = sent.iter().map(|(to, _)| to.as_str()).collect();
    recipients.sort_unstable();
    assert_eq!(
        recipients,
        [
            "ana@etf.bg.ac.rs",
            "ana@etf.bg.ac.rs",
            "staff@amres.ac.rs",
            "staff@amres.ac.rs"
        ]
    );
    let (_, body) = &sent[0];
    let serbian = body.find("ističe").expect("Serbian text");
    let english = body.find("expires on").expect("English text");
    assert!(serbian < english, "Serbian first: {body}");

    // 25 and 15 days left: the 30-day warnings, once each.
    let (first, second) = tokio::join!(send(days(25)), send(days(25)));
    assert_eq!(first.unwrap() + second.unwrap(), 2);
    assert_eq!(warnings_sent(&app).await.len(), 8);
    // 15 and 5 days left: only the domain crosses 7 days.
    assert_eq!(send(days(35)).await.unwrap(), 1);
    assert_eq!(send(days(35)).await.unwrap(), 0);
    let sent = warnings_sent(&app).await;
    assert_eq!(sent.len(), 10);
    assert!(sent.iter().all(|(to, _)| to != "boris@pmf.uns.ac.rs"));
    assert!(sent[8].1.contains("etf.bg.ac.rs"), "{}", sent[8].1);
    assert_eq!(audit_count(&app, "validation.expiry_warned").await, 5);
}
