//! A world to order certificates in, for the ordering tests and the drills: a
//! sandbox with a validated organization and domain, the portal over it with an
//! admin who orders, an ordering pipeline to run, and the counts a drill reports.
use std::sync::Arc;
use std::time::Duration as StdDuration;

use clock::{Clock, SystemClock};
use digicert::{CertCentral, ClientConfig, HttpCertCentral, RetryPolicy};
use digicert_sim::rate_limit::RateLimits as SandboxLimits;
use digicert_sim::{
    AccountSeed, EmailValidationMode, OrganizationSeed, RunningSandbox, SandboxOptions,
    ValidationSeed,
};
use futures_util::StreamExt;
use pki::keygen::{self, KeyType};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use tcs_portal::domain::EmailAddress;
use tcs_portal::jobs::{Backoff, Registry, Worker, WorkerConfig};
use tcs_portal::services::ordering::{FollowTiming, Pipeline};
use time::Duration;
use uuid::Uuid;

use crate::helpers::{EnrolledUser, TestApp};
use crate::tenancy::two_institutions;

pub const KEY: &str = "drill-key";
const ORG: &str = "Elektrotehnicki fakultet";
pub const DOMAIN: &str = "etf.bg.ac.rs";
/// Orders posted at once while filling the queue.
const PLACING_CONCURRENCY: usize = 8;

pub struct Drill {
    pub sandbox: RunningSandbox,
    pub app: TestApp,
    staff: EnrolledUser,
    pub admin: EnrolledUser,
    /// ETF, the institution that orders.
    pub institution: Uuid,
}

/// A sandbox with `limits` as its rate limits. With automatic email validation
/// it issues as soon as an order is placed.
pub async fn sandbox(limits: SandboxLimits, emails: EmailValidationMode) -> RunningSandbox {
    let until = SystemClock.now() + Duration::days(300);
    let validated = ValidationSeed::Validated {
        validated_until: Some(until),
    };
    digicert_sim::start_in_process(SandboxOptions {
        rate_limits: limits,
        ..SandboxOptions::default().with_account(
            AccountSeed::new(KEY)
                .with_email_validation(emails)
                .with_organization(
                    OrganizationSeed::new(ORG)
                        .with_smime(validated)
                        .with_domain(DOMAIN, validated),
                ),
        )
    })
    .await
    .unwrap()
}

/// No limits at all: for drills about faults, not about rates.
pub fn unlimited_sandbox() -> SandboxLimits {
    SandboxLimits { windows: vec![] }
}

impl Drill {
    /// The portal on `pool` over `sandbox`, with ETF registered, linked to its
    /// S/MIME-validated organization and owning its validated domain. No worker
    /// runs yet: the drill starts its own.
    pub async fn new(pool: PgPool, sandbox: RunningSandbox) -> Self {
        let app = TestApp::spawn_with_digicert(pool.clone(), sandbox.base_url(), KEY).await;
        let people = two_institutions(&app).await;
        let added = people
            .admin_a
            .client
            .post_form(
                &format!("/institutions/{}/domains", people.a),
                &[("name", DOMAIN)],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        link_validated(&pool, &sandbox, people.a).await;
        people
            .staff
            .client
            .post_form("/lang", &[("lang", "en")])
            .await;
        Self {
            sandbox,
            app,
            staff: people.staff,
            admin: people.admin_a,
            institution: people.a,
        }
    }

    /// Places `count` orders through the portal's order API; returns their ids.
    pub async fn place_orders(&self, count: usize) -> Vec<Uuid> {
        futures_util::stream::iter(0..count)
            .map(|n| self.place(n))
            .buffer_unordered(PLACING_CONCURRENCY)
            .collect()
            .await
    }

    async fn place(&self, n: usize) -> Uuid {
        let (email, csr) = recipient(&format!("drill{n}"));
        let (status, body) = self.order(&email, &csr, &format!("drill-{n}")).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        Uuid::parse_str(body["order_id"].as_str().unwrap()).unwrap()
    }

    /// Posts a Premium order for Petar Petrović at `email` with `csr` through the
    /// order API; returns the HTTP status and the JSON answer (or the body as a
    /// string when it is not JSON).
    pub async fn order(
        &self,
        email: &str,
        csr: &str,
        idempotency_key: &str,
    ) -> (StatusCode, Value) {
        crate::api::api_order(
            &self.app,
            self.institution,
            idempotency_key,
            &json!({
                "product": "client_premium",
                "emails": [email],
                "given_name": "Petar",
                "surname": "Petrović",
                "validity_years": 1,
                "csr": csr,
            }),
        )
        .await
    }

    /// What DigiCert (the sandbox) holds for `orders`, counted on its side.
    pub async fn at_sandbox(&self, orders: &[Uuid]) -> SandboxCount {
        let references: Vec<String> =
            sqlx::query_scalar("SELECT reference FROM certificate_orders WHERE id = ANY($1)")
                .bind(orders)
                .fetch_all(&self.app.pool)
                .await
                .unwrap();
        count_at_sandbox(&self.sandbox, &references).await
    }

    /// A staff page, in English, as AMRES staff see it.
    pub async fn staff_page(&self, path: &str) -> String {
        let page = self.staff.client.get(path).await;
        page.assert_ok();
        page.body
    }

    /// Sets the sandbox's fault switches through its control API.
    pub async fn set_faults(&self, faults: serde_json::Value) {
        let answer = reqwest::Client::new()
            .put(format!("{}/faults", self.sandbox.control_url()))
            .header("X-Sandbox-Key", self.sandbox.control_key())
            .json(&faults)
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success(), "{}", answer.status());
    }
}

/// The address `local`@etf.bg.ac.rs and a CSR for it.
pub fn recipient(local: &str) -> (String, String) {
    let email = format!("{local}@{DOMAIN}");
    let parsed = EmailAddress::parse(&email).unwrap();
    let key = keygen::generate(KeyType::EcdsaP256, "Petar Petrovic", &[parsed]).unwrap();
    (email, key.csr_pem().to_owned())
}

/// The id of the seeded organization at the sandbox.
pub async fn organization_id(sandbox: &RunningSandbox) -> u64 {
    sandbox
        .sandbox()
        .read(|state, _| {
            state
                .accounts
                .iter()
                .flat_map(|account| &account.organizations)
                .find(|org| org.name == ORG)
                .map(|org| org.id)
        })
        .await
        .unwrap()
}

/// Links the institution to the sandbox's organization, validated on both sides,
/// with the institution's registration number at DigiCert: what a validation sync
/// leaves behind (`validation_sync` tests the sync itself).
async fn link_validated(pool: &PgPool, sandbox: &RunningSandbox, institution: Uuid) {
    let until = SystemClock.now() + Duration::days(300);
    let org_id = i64::try_from(organization_id(sandbox).await).unwrap();
    let registration_number: String =
        sqlx::query_scalar("SELECT registration_number FROM institutions WHERE id = $1")
            .bind(institution)
            .fetch_one(pool)
            .await
            .unwrap();
    // Written into the sandbox's state, not sent over HTTP: the drills count every
    // request the sandbox sees against what the portal's rate limiter admitted.
    sandbox
        .sandbox()
        .write(|state, _, _| {
            for org in state
                .accounts
                .iter_mut()
                .flat_map(|account| account.organizations.iter_mut())
                .filter(|org| org.name == ORG)
            {
                org.registration_number = Some(registration_number.clone());
            }
            Ok(())
        })
        .await
        .unwrap();
    sqlx::query(
        "UPDATE institutions SET digicert_org_id = $1, org_validation_status = 'validated',
             org_validated_until = $2 WHERE id = $3",
    )
    .bind(org_id)
    .bind(until)
    .bind(institution)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("UPDATE domains SET validation_status = 'validated', validated_until = $1")
        .bind(until)
        .execute(pool)
        .await
        .unwrap();
}

/// The orders at the sandbox carrying our references.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SandboxCount {
    /// Orders whose `comments` is one of the references.
    pub orders: usize,
    /// References found at least once.
    pub distinct: usize,
}

impl SandboxCount {
    pub fn duplicates(&self) -> usize {
        self.orders - self.distinct
    }
}

async fn count_at_sandbox(sandbox: &RunningSandbox, references: &[String]) -> SandboxCount {
    let wanted: std::collections::HashSet<&str> = references.iter().map(String::as_str).collect();
    at_sandbox(sandbox, |orders| {
        let mut seen = std::collections::HashSet::new();
        let mut count = 0;
        for reference in orders.filter_map(|order| order.comments.as_deref()) {
            if wanted.contains(reference) {
                count += 1;
                seen.insert(reference.to_owned());
            }
        }
        SandboxCount {
            orders: count,
            distinct: seen.len(),
        }
    })
    .await
}

/// What `look` makes of every order at the sandbox, in any account.
pub async fn at_sandbox<R>(
    sandbox: &RunningSandbox,
    look: impl FnOnce(&mut dyn Iterator<Item = &digicert_sim::state::Order>) -> R,
) -> R {
    sandbox
        .sandbox()
        .read(|state, _| look(&mut state.accounts.iter().flat_map(|account| &account.orders)))
        .await
}

/// How many of `orders` are in `status`.
pub async fn count_in_status(pool: &PgPool, orders: &[Uuid], status: &str) -> usize {
    let done: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM certificate_orders WHERE id = ANY($1) AND status = $2",
    )
    .bind(orders)
    .bind(status)
    .fetch_one(pool)
    .await
    .unwrap_or(0);
    usize::try_from(done).unwrap()
}

/// Waits until at least `target` of the orders are in `status`, or fails after
/// `limit` saying how far it got. A database error (Postgres restarting) counts
/// as "not yet".
pub async fn until_in_status(
    pool: &PgPool,
    orders: &[Uuid],
    status: &str,
    target: usize,
    limit: StdDuration,
) {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let done = count_in_status(pool, orders, status).await;
        if done >= target {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {done} of {} orders {status} in {limit:?}, waiting for {target}",
            orders.len()
        );
        tokio::time::sleep(StdDuration::from_millis(250)).await;
    }
}

/// Waits until every order is issued.
pub async fn until_all_issued(pool: &PgPool, orders: &[Uuid], limit: StdDuration) {
    until_in_status(pool, orders, "issued", orders.len(), limit).await;
}

/// The line each drill prints.
pub fn report(drill: &str, orders: usize, issued: usize, sandbox: SandboxCount, faults: u64) {
    println!(
        "drill {drill}: {orders} orders, {issued} issued, {} distinct at sandbox, {} duplicates, \
         {faults} injected faults",
        sandbox.distinct,
        sandbox.duplicates()
    );
}

/// A CertCentral client for the sandbox with `api_key`, short timeouts and
/// quick retries.
pub fn client(sandbox: &RunningSandbox, api_key: &str) -> HttpCertCentral {
    let config = ClientConfig::new(sandbox.base_url(), api_key.to_owned().into())
        .with_timeouts(StdDuration::from_secs(1), StdDuration::from_secs(1))
        .with_retry(RetryPolicy {
            max_attempts: 3,
            base_delay: StdDuration::from_millis(20),
            max_delay: StdDuration::from_millis(100),
        });
    HttpCertCentral::new(config).unwrap()
}

/// The ordering pipeline over the sandbox with fast follow-ups and no rate limit.
pub fn pipeline(pool: &PgPool, sandbox: &RunningSandbox) -> Pipeline {
    pipeline_with(pool, Arc::new(client(sandbox, KEY)))
}

/// The ordering pipeline over `client` with fast follow-ups; the client's gate
/// sets the rate.
pub fn pipeline_with(pool: &PgPool, client: Arc<dyn CertCentral>) -> Pipeline {
    Pipeline::new(pool.clone(), client, Arc::new(SystemClock)).with_timing(FollowTiming {
        min_poll: Duration::milliseconds(100),
        max_poll: Duration::milliseconds(500),
    })
}

/// A worker running `pipeline` `concurrency` jobs at a time, polling often, with
/// test-sized back-offs and `lease`.
pub fn worker(pool: &PgPool, pipeline: Pipeline, concurrency: usize, lease: Duration) -> Worker {
    let config = WorkerConfig {
        concurrency,
        lease,
        idle_poll_min: Duration::milliseconds(10),
        idle_poll_max: Duration::milliseconds(50),
        backoff: Backoff {
            base: Duration::milliseconds(50),
            max: Duration::milliseconds(400),
        },
        maintenance_every: Duration::seconds(1),
        ..WorkerConfig::default()
    };
    Worker::new(
        pool.clone(),
        Arc::new(SystemClock),
        pipeline.register(Registry::new()),
        config,
    )
}
