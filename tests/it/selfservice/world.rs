//! The SAML federation of `saml::world` (ETF and FON, each with a validated domain and its
//! own trusted IdP), both meeting the TCS preconditions, an ETF admin, and a person's
//! self-service login.
use reqwest::StatusCode;
use sqlx::PgPool;
use testkit::saml_idp::{ResponseSpec, TestIdp};
use uuid::Uuid;

use crate::helpers::{EnrolledUser, TestApp, TestClient, TestResponse};
use crate::saml::world::{Federation, name_idps, trust};

pub const ANA: &str = "ana@etf.bg.ac.rs";

pub struct SelfService {
    pub federation: Federation,
    pub etf_admin: EnrolledUser,
}

/// The institution's DigiCert organization, validated for a year.
pub async fn meets_preconditions(pool: &PgPool, institution: Uuid) {
    sqlx::query(
        "UPDATE institutions
         SET digicert_org_id = (SELECT coalesce(max(digicert_org_id), 4241) + 1 FROM institutions),
             org_validation_status = 'validated', org_validated_until = now() + interval '1 year'
         WHERE id = $1",
    )
    .bind(institution)
    .execute(pool)
    .await
    .unwrap();
}

/// The policy form's fields: students and staff, Secure Email strict, one year; the
/// departures' grace period left at its default.
pub fn policy_fields(mailbox_proof: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("enabled", "on"),
        ("affiliation.student", "on"),
        ("affiliation.staff", "on"),
        ("product.secure_email_sponsor", "on"),
        ("profile.strict", "on"),
        ("entitlement", ""),
        ("validity_years", "1"),
        ("mailbox_proof", mailbox_proof),
        ("grace_days", "7"),
    ]
}

/// Staff trust `idp` and name it for `institution`, which meets the preconditions; its
/// `admin` switches self-service on (the IdP's `mail` trusted); then `subject` logs in
/// through it in a new browser, which lands on "My certificates". For worlds other than
/// [`SelfService`] (the authorization matrix).
pub async fn self_service_person(
    app: &TestApp,
    staff: &TestClient,
    admin: &TestClient,
    institution: Uuid,
    idp: &TestIdp,
    subject: &str,
) -> TestClient {
    trust(staff, idp).await;
    let named = name_idps(staff, institution, &idp.entity_id).await;
    assert_eq!(named.status, StatusCode::SEE_OTHER, "{}", named.body);
    meets_preconditions(&app.pool, institution).await;
    let set = admin
        .post_form(
            &format!("/institutions/{institution}/self-service"),
            &policy_fields("idp_mail"),
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let client = app.client();
    let choice = format!("{institution} {}", idp.entity_id);
    let started = client
        .post_form("/self-service/login", &[("choice", &choice)])
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let request_id: String =
        sqlx::query_scalar("SELECT request_id FROM saml_requests ORDER BY expires_at DESC LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let public_url = &app.state.settings.public_url;
    let spec = idp.response(
        &request_id,
        &format!("{public_url}/saml/metadata"),
        &format!("{public_url}/saml/acs"),
        subject,
    );
    let body = serde_urlencoded::to_string([("SAMLResponse", idp.encoded(&spec))]).unwrap();
    let landed = client
        .post_raw(
            "/saml/acs",
            "application/x-www-form-urlencoded",
            body,
            &[
                ("origin", "https://idp.test"),
                ("sec-fetch-site", "cross-site"),
            ],
        )
        .await;
    assert_eq!(
        landed.location(),
        Some("/self-service/certificates"),
        "{}",
        landed.body
    );
    client
}

impl SelfService {
    /// ETF has self-service on for students and staff, with `mailbox_proof`.
    pub async fn new(pool: PgPool, mailbox_proof: &'static str) -> Self {
        let federation = Federation::new(pool).await;
        meets_preconditions(&federation.app.pool, federation.etf).await;
        meets_preconditions(&federation.app.pool, federation.fon).await;
        let etf_admin = federation
            .app
            .enrolled_member(
                &federation.staff,
                federation.etf,
                "admin@etf.bg.ac.rs",
                "admin",
            )
            .await;
        let world = Self {
            federation,
            etf_admin,
        };
        let set = world
            .set_policy(
                world.federation.etf,
                &world.etf_admin.client,
                &policy_fields(mailbox_proof),
            )
            .await;
        assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
        world
    }

    pub async fn set_policy(
        &self,
        institution: Uuid,
        admin: &TestClient,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        admin
            .post_form(&format!("/institutions/{institution}/self-service"), fields)
            .await
    }

    /// `client` chooses `institution` on "Log in with your institution"; the honest answer
    /// of `idp` about `subject`, which the test may spoil.
    pub async fn answer(
        &self,
        client: &TestClient,
        institution: Uuid,
        idp: &TestIdp,
        subject: &str,
    ) -> ResponseSpec {
        let federation = &self.federation;
        let request_id = federation
            .start(client, "/self-service/login", institution, idp)
            .await;
        idp.response(
            &request_id,
            &federation.sp_entity_id(),
            &federation.acs_url(),
            subject,
        )
    }

    pub async fn post(
        &self,
        client: &TestClient,
        idp: &TestIdp,
        spec: &ResponseSpec,
    ) -> TestResponse {
        self.federation
            .post_answer(client, &idp.encoded(spec))
            .await
    }

    /// `subject` logs in at ETF through self-service in a fresh browser, with the IdP's
    /// honest answer changed by `spoil` first: the browser and the ACS's answer.
    pub async fn etf_login(
        &self,
        subject: &str,
        spoil: impl FnOnce(&mut ResponseSpec),
    ) -> (TestClient, TestResponse) {
        let client = self.federation.app.client();
        let idp = &self.federation.etf_idp;
        let mut spec = self
            .answer(&client, self.federation.etf, idp, subject)
            .await;
        spoil(&mut spec);
        let answer = self.post(&client, idp, &spec).await;
        (client, answer)
    }

    /// A browser in which `subject` logged in at ETF through self-service.
    pub async fn etf_person(&self, subject: &str) -> TestClient {
        let (client, landed) = self.etf_login(subject, |_| {}).await;
        assert_eq!(
            landed.location(),
            Some("/self-service/certificates"),
            "{}",
            landed.body
        );
        client
    }

    /// The person requests Secure Email (strict).
    pub async fn request(client: &TestClient, key: &str) -> TestResponse {
        client
            .post_form(
                "/self-service/certificates",
                &[
                    ("choice", "secure_email_sponsor/strict"),
                    ("idempotency_key", key),
                ],
            )
            .await
    }

    /// The eight-digit code of the newest mail to `recipient`.
    pub async fn mailed_code(&self, recipient: &str) -> String {
        let body: String = sqlx::query_scalar(
            "SELECT body_text FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(recipient)
        .fetch_one(&self.federation.app.pool)
        .await
        .unwrap();
        body.split_whitespace()
            .find(|word| word.len() == 8 && word.chars().all(|c| c.is_ascii_digit()))
            .unwrap()
            .to_owned()
    }

    /// The details of the newest audit event `action`.
    pub async fn audit_details(&self, action: &str) -> serde_json::Value {
        sqlx::query_scalar(
            "SELECT details FROM audit_events WHERE action = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(action)
        .fetch_one(&self.federation.app.pool)
        .await
        .unwrap()
    }
}
