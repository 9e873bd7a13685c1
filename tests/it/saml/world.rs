//! Two institutions, ETF and FON, each with a validated domain and an IdP of its own that
//! staff trusted through the staff page, and an ETF admin.
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::domain::StaffRole;
use tcs_portal::i18n::Lang;
use testkit::saml_idp::{ResponseSpec, TestIdp};
use uuid::Uuid;

use crate::helpers::{EnrolledUser, TestApp, TestClient, TestResponse, html_unescape};

pub const ETF_IDP: &str = "https://idp.etf.bg.ac.rs/idp/shibboleth";
pub const FON_IDP: &str = "https://idp.fon.bg.ac.rs/idp/shibboleth";

pub struct Federation {
    pub app: TestApp,
    pub staff: TestClient,
    pub etf: Uuid,
    pub fon: Uuid,
    /// Its metadata allows the scopes `etf.bg.ac.rs` and `rcub.bg.ac.rs` (the latter is
    /// not one of ETF's validated domains).
    pub etf_idp: TestIdp,
    /// Its metadata lists no scope: only FON's validated domains limit it.
    pub fon_idp: TestIdp,
}

pub async fn validated_domain(app: &TestApp, institution: Uuid, name: &str) {
    sqlx::query(
        "INSERT INTO domains (institution_id, name, validation_status, validated_until)
         VALUES ($1, $2, 'validated', now() + interval '1 year')",
    )
    .bind(institution)
    .bind(name)
    .execute(&app.pool)
    .await
    .unwrap();
}

/// Staff trust one IdP's metadata, pasted into the staff page.
pub async fn trust(staff: &TestClient, idp: &TestIdp) {
    let added = staff
        .post_form(
            "/staff/saml/sources",
            &[
                ("name", &idp.entity_id),
                ("kind", "single"),
                ("url", ""),
                ("metadata_xml", &idp.metadata_xml()),
                ("pinned_certificate", ""),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
}

pub async fn name_idps(staff: &TestClient, institution: Uuid, entity_ids: &str) -> TestResponse {
    staff
        .post_form(
            &format!("/staff/institutions/{institution}/idps"),
            &[("entity_ids", entity_ids)],
        )
        .await
}

impl Federation {
    pub async fn new(pool: PgPool) -> Self {
        let app = TestApp::spawn(pool).await;
        let staff = app
            .enrolled_staff("staff@amres.ac.rs", StaffRole::Staff)
            .await
            .client;
        let etf = app.create_institution(&staff, "etf", "ETF", true).await;
        let fon = app.create_institution(&staff, "fon", "FON", true).await;
        validated_domain(&app, etf, "etf.bg.ac.rs").await;
        validated_domain(&app, fon, "fon.bg.ac.rs").await;
        let etf_idp = TestIdp::new(ETF_IDP, &["etf.bg.ac.rs", "rcub.bg.ac.rs"]);
        let fon_idp = TestIdp::new(FON_IDP, &[]);
        trust(&staff, &etf_idp).await;
        trust(&staff, &fon_idp).await;
        let named = name_idps(&staff, etf, ETF_IDP).await;
        assert_eq!(named.status, StatusCode::SEE_OTHER, "{}", named.body);
        let named = name_idps(&staff, fon, FON_IDP).await;
        assert_eq!(named.status, StatusCode::SEE_OTHER, "{}", named.body);
        Self {
            app,
            staff,
            etf,
            fon,
            etf_idp,
            fon_idp,
        }
    }

    pub fn sp_entity_id(&self) -> String {
        format!("{}/saml/metadata", self.app.state.settings.public_url)
    }

    pub fn acs_url(&self) -> String {
        format!("{}/saml/acs", self.app.state.settings.public_url)
    }

    /// The ID of the newest AuthnRequest the portal sent.
    pub async fn last_request_id(&self) -> String {
        sqlx::query_scalar("SELECT request_id FROM saml_requests ORDER BY expires_at DESC LIMIT 1")
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
    }

    /// `client` chooses `institution` with `idp` on `path` (`/saml/login` or
    /// `/account/federated`) and is sent to the IdP; returns the request's ID.
    pub async fn start(
        &self,
        client: &TestClient,
        path: &str,
        institution: Uuid,
        idp: &TestIdp,
    ) -> String {
        let choice = format!("{institution} {}", idp.entity_id);
        let started = client.post_form(path, &[("choice", &choice)]).await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
        let location = started.location().unwrap();
        assert!(
            location.starts_with("https://idp.test/sso?SAMLRequest="),
            "{location}"
        );
        self.last_request_id().await
    }

    /// A login through `idp` for `institution` started by `client`, and the honest answer
    /// about `subject` that the test may then spoil.
    pub async fn login_answer(
        &self,
        client: &TestClient,
        institution: Uuid,
        idp: &TestIdp,
        subject: &str,
    ) -> ResponseSpec {
        let request_id = self.start(client, "/saml/login", institution, idp).await;
        idp.response(&request_id, &self.sp_entity_id(), &self.acs_url(), subject)
    }

    /// The IdP's answer, posted by the browser from the IdP's site.
    pub async fn post_answer(&self, client: &TestClient, encoded: &str) -> TestResponse {
        let body = serde_urlencoded::to_string([("SAMLResponse", encoded)]).unwrap();
        client
            .post_raw(
                "/saml/acs",
                "application/x-www-form-urlencoded",
                body,
                &[
                    ("origin", "https://idp.test"),
                    ("sec-fetch-site", "cross-site"),
                ],
            )
            .await
    }

    /// An ETF admin whose account is linked to `subject` at ETF's IdP.
    pub async fn linked_admin(&self, email: &str, subject: &str) -> EnrolledUser {
        let admin = self
            .app
            .enrolled_member(&self.staff, self.etf, email, "admin")
            .await;
        let request_id = self
            .start(&admin.client, "/account/federated", self.etf, &self.etf_idp)
            .await;
        let answer =
            self.etf_idp
                .response(&request_id, &self.sp_entity_id(), &self.acs_url(), subject);
        let linked = self
            .post_answer(&admin.client, &self.etf_idp.encoded(&answer))
            .await;
        assert_eq!(linked.location(), Some("/account"), "{}", linked.body);
        admin
    }
}

/// The answer refused the login with the message `key` (in Serbian, the default).
pub fn assert_refused(response: &TestResponse, status: StatusCode, key: &str) {
    assert_eq!(response.status, status, "{}", response.body);
    let message = Lang::Serbian.t(key);
    assert!(
        html_unescape(&response.body).contains(message),
        "expected «{message}» in {}",
        response.body
    );
}

/// Whether `client` is logged in (fully) after the answer.
pub async fn is_logged_in(client: &TestClient) -> bool {
    client.get("/account").await.status == StatusCode::OK
}
