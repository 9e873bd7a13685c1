//! The authorization matrix: every route of the router, as every kind of visitor.
//!
//! A route missing from `EXPECTED` fails the test, so no route can be added
//! without deciding who may use it. Requests carry a valid CSRF token and no
//! other fields: for visitors who may use a route, that yields a validation
//! error or a refusal with no effect (the target account is institution A's
//! last admin), so one set of visitors can walk every route in turn.
use std::collections::BTreeSet;

use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::domain::StaffRole;

use testkit::saml_idp::TestIdp;

use crate::helpers::{TestApp, TestClient, TestResponse};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone, logged in or not.
    Public,
    /// Anyone logged in (the MFA pages send the fully logged-in home).
    LoggedIn,
    /// Staff and staff auditors.
    StaffRead,
    /// Full staff only.
    StaffWrite,
    /// Logging out: everyone ends on the login page.
    Logout,
    /// Institution A's admins and auditors, staff and staff auditors.
    TenantRead,
    /// Institution A's admins and full staff.
    TenantWrite,
    /// Institution A's own admins only: a token acts for the admin who made it, so staff
    /// (no admin of A) see A's tokens and revoke them but make none.
    TenantOwnAdmin,
    /// The IdP's answer (SAML ACS): refused to everyone who brings no answer to a request
    /// of theirs, whoever they are.
    IdpAnswer,
    /// A self-service person's own pages (issue 15 §2): persons of any institution; everyone
    /// else is sent to "Log in with your institution".
    Person,
    /// One of self-service person A's own orders: theirs to open, not found for person B.
    PersonsOwnOrder,
    /// Ending a self-service login: everyone ends on "Log in with your institution".
    PersonLogout,
    /// The API: a bearer token only, so every visitor here (who brings cookies at most) is
    /// unauthenticated. Tokens have their own matrix (`api::matrix`).
    Bearer,
}

const EXPECTED: &[(&str, &str, Access)] = &[
    ("GET", "/", Access::LoggedIn),
    ("GET", "/static/{name}", Access::Public),
    ("GET", "/healthz", Access::Public),
    ("GET", "/readyz", Access::Public),
    ("POST", "/lang", Access::Public),
    ("GET", "/login", Access::Public),
    ("POST", "/login", Access::Public),
    ("POST", "/logout", Access::Logout),
    ("GET", "/saml/metadata", Access::Public),
    ("GET", "/saml/login", Access::Public),
    ("POST", "/saml/login", Access::Public),
    ("POST", "/saml/acs", Access::IdpAnswer),
    ("GET", "/self-service", Access::Public),
    ("POST", "/self-service/login", Access::Public),
    ("GET", "/self-service/certificates", Access::Person),
    ("POST", "/self-service/certificates", Access::Person),
    ("POST", "/self-service/code", Access::Person),
    (
        "POST",
        "/self-service/orders/{order_id}/open",
        Access::PersonsOwnOrder,
    ),
    ("POST", "/self-service/logout", Access::PersonLogout),
    ("GET", "/mfa", Access::LoggedIn),
    ("POST", "/mfa", Access::LoggedIn),
    ("GET", "/mfa/enrol", Access::LoggedIn),
    ("POST", "/mfa/enrol", Access::LoggedIn),
    ("GET", "/invite/{token}", Access::Public),
    ("GET", "/invite", Access::Public),
    ("POST", "/invite", Access::Public),
    ("GET", "/enroll/{token}", Access::Public),
    ("GET", "/enroll", Access::Public),
    ("POST", "/enroll/confirm", Access::Public),
    ("POST", "/enroll/key", Access::Public),
    ("POST", "/enroll/csr", Access::Public),
    ("POST", "/enroll/pickup", Access::Public),
    ("POST", "/enroll/saved", Access::Public),
    ("GET", "/enroll/certificate.p12", Access::Public),
    ("GET", "/enroll/certificate.mobileconfig", Access::Public),
    ("GET", "/guides", Access::Public),
    ("GET", "/guides/{guide}", Access::Public),
    ("GET", "/enroll/chain.pem", Access::Public),
    ("GET", "/enroll/chain.p7b", Access::Public),
    ("POST", "/enroll/revoke", Access::Public),
    ("POST", "/enroll/revoke/code", Access::Public),
    ("GET", "/account", Access::LoggedIn),
    ("POST", "/account/password", Access::LoggedIn),
    ("POST", "/account/recovery-codes", Access::LoggedIn),
    ("GET", "/account/federated", Access::LoggedIn),
    ("POST", "/account/federated", Access::LoggedIn),
    ("GET", "/account/invitations", Access::LoggedIn),
    (
        "POST",
        "/account/invitations/{invitation_id}/accept",
        Access::LoggedIn,
    ),
    (
        "POST",
        "/account/invitations/{invitation_id}/decline",
        Access::LoggedIn,
    ),
    ("GET", "/staff", Access::StaffRead),
    (
        "GET",
        "/staff/dashboard/orders-by-product.csv",
        Access::StaffRead,
    ),
    (
        "GET",
        "/staff/dashboard/orders-by-outcome.csv",
        Access::StaffRead,
    ),
    (
        "GET",
        "/staff/dashboard/certificates-ending.csv",
        Access::StaffRead,
    ),
    (
        "GET",
        "/staff/dashboard/validations-ending.csv",
        Access::StaffRead,
    ),
    ("GET", "/staff/audit", Access::StaffRead),
    ("GET", "/staff/institutions", Access::StaffRead),
    ("POST", "/staff/institutions", Access::StaffWrite),
    ("GET", "/staff/institutions/new", Access::StaffWrite),
    (
        "GET",
        "/staff/institutions/{institution_id}/edit",
        Access::StaffWrite,
    ),
    (
        "POST",
        "/staff/institutions/{institution_id}",
        Access::StaffWrite,
    ),
    (
        "POST",
        "/staff/institutions/{institution_id}/status",
        Access::StaffWrite,
    ),
    (
        "POST",
        "/staff/institutions/{institution_id}/submit-validation",
        Access::StaffWrite,
    ),
    (
        "GET",
        "/staff/institutions/{institution_id}/domains/assign",
        Access::StaffWrite,
    ),
    (
        "POST",
        "/staff/institutions/{institution_id}/domains/assign",
        Access::StaffWrite,
    ),
    (
        "POST",
        "/staff/accounts/{account_id}/status",
        Access::StaffWrite,
    ),
    ("GET", "/staff/saml", Access::StaffRead),
    ("POST", "/staff/saml/sources", Access::StaffWrite),
    (
        "POST",
        "/staff/saml/sources/{source_id}/refresh",
        Access::StaffWrite,
    ),
    (
        "POST",
        "/staff/institutions/{institution_id}/idps",
        Access::StaffWrite,
    ),
    ("POST", "/staff/saml/sp-key/rollover", Access::StaffWrite),
    ("POST", "/staff/saml/sp-key/finish", Access::StaffWrite),
    ("GET", "/staff/api-tokens", Access::StaffRead),
    // A's token: staff revoke it here, or find it revoked already (409).
    (
        "POST",
        "/staff/api-tokens/{token_id}/revoke",
        Access::StaffWrite,
    ),
    ("GET", "/staff/orders", Access::StaffRead),
    ("GET", "/staff/orders.csv", Access::StaffRead),
    ("GET", "/staff/operations", Access::StaffRead),
    (
        "POST",
        "/staff/operations/digicert-check",
        Access::StaffWrite,
    ),
    ("POST", "/staff/jobs/{job_id}/retry", Access::StaffWrite),
    (
        "POST",
        "/staff/mail/{mail_id}/send-again",
        Access::StaffWrite,
    ),
    ("GET", "/institutions", Access::LoggedIn),
    ("GET", "/institutions/{institution_id}", Access::TenantRead),
    (
        "GET",
        "/institutions/{institution_id}/dashboard/orders-by-product.csv",
        Access::TenantRead,
    ),
    (
        "GET",
        "/institutions/{institution_id}/dashboard/orders-by-outcome.csv",
        Access::TenantRead,
    ),
    (
        "GET",
        "/institutions/{institution_id}/dashboard/certificates-ending.csv",
        Access::TenantRead,
    ),
    (
        "GET",
        "/institutions/{institution_id}/dashboard/validations-ending.csv",
        Access::TenantRead,
    ),
    (
        "GET",
        "/institutions/{institution_id}/domains",
        Access::TenantRead,
    ),
    (
        "POST",
        "/institutions/{institution_id}/domains",
        Access::TenantWrite,
    ),
    (
        "POST",
        "/institutions/{institution_id}/domains/{domain_id}/remove",
        Access::TenantWrite,
    ),
    (
        "POST",
        "/institutions/{institution_id}/domains/{domain_id}/check",
        Access::TenantWrite,
    ),
    (
        "GET",
        "/institutions/{institution_id}/api-tokens",
        Access::TenantRead,
    ),
    // An empty form: refused as invalid (422) to A's admin, and nothing is made.
    (
        "POST",
        "/institutions/{institution_id}/api-tokens",
        Access::TenantOwnAdmin,
    ),
    // A's token: A's admin revokes it, staff then find it revoked already (409).
    (
        "POST",
        "/institutions/{institution_id}/api-tokens/{token_id}/revoke",
        Access::TenantWrite,
    ),
    (
        "GET",
        "/institutions/{institution_id}/people",
        Access::TenantRead,
    ),
    (
        "POST",
        "/institutions/{institution_id}/people",
        Access::TenantWrite,
    ),
    (
        "POST",
        "/institutions/{institution_id}/invitations/{invitation_id}/withdraw",
        Access::TenantWrite,
    ),
    (
        "POST",
        "/institutions/{institution_id}/people/{account_id}/role",
        Access::TenantWrite,
    ),
    (
        "POST",
        "/institutions/{institution_id}/people/{account_id}/remove",
        Access::TenantWrite,
    ),
    (
        "GET",
        "/institutions/{institution_id}/orders",
        Access::TenantRead,
    ),
    (
        "GET",
        "/institutions/{institution_id}/orders.csv",
        Access::TenantRead,
    ),
    (
        "GET",
        "/institutions/{institution_id}/orders/new",
        Access::TenantWrite,
    ),
    (
        "POST",
        "/institutions/{institution_id}/orders/new",
        Access::TenantWrite,
    ),
    (
        "GET",
        "/institutions/{institution_id}/orders/{order_id}",
        Access::TenantRead,
    ),
    (
        "POST",
        "/institutions/{institution_id}/orders/{order_id}/cancel",
        Access::TenantWrite,
    ),
    (
        "POST",
        "/institutions/{institution_id}/orders/{order_id}/revoke",
        Access::TenantWrite,
    ),
    ("GET", "/api/v1/openapi.json", Access::Public),
    ("GET", "/api/docs", Access::Public),
    (
        "GET",
        "/institutions/{institution_id}/bulk",
        Access::TenantRead,
    ),
    // An empty URL-encoded form: refused as not an upload (415) to those who may upload.
    (
        "POST",
        "/institutions/{institution_id}/bulk",
        Access::TenantWrite,
    ),
    (
        "GET",
        "/institutions/{institution_id}/bulk/template.csv",
        Access::TenantRead,
    ),
    (
        "GET",
        "/institutions/{institution_id}/bulk/{upload_id}",
        Access::TenantRead,
    ),
    // A's upload has no valid row: confirming it places nothing.
    (
        "POST",
        "/institutions/{institution_id}/bulk/{upload_id}/place",
        Access::TenantWrite,
    ),
    (
        "GET",
        "/institutions/{institution_id}/bulk/{upload_id}/result.csv",
        Access::TenantRead,
    ),
    (
        "POST",
        "/api/v1/institutions/{institution_id}/orders",
        Access::Bearer,
    ),
    (
        "GET",
        "/api/v1/institutions/{institution_id}/orders/{order_id}",
        Access::Bearer,
    ),
    (
        "POST",
        "/api/v1/institutions/{institution_id}/orders/{order_id}/cancel",
        Access::Bearer,
    ),
    (
        "POST",
        "/api/v1/institutions/{institution_id}/orders/{order_id}/revoke",
        Access::Bearer,
    ),
    (
        "POST",
        "/api/v1/institutions/{institution_id}/orders/{order_id}/resend-link",
        Access::Bearer,
    ),
    (
        "GET",
        "/api/v1/institutions/{institution_id}",
        Access::Bearer,
    ),
    (
        "GET",
        "/api/v1/institutions/{institution_id}/domains",
        Access::Bearer,
    ),
    (
        "GET",
        "/api/v1/institutions/{institution_id}/orders",
        Access::Bearer,
    ),
    (
        "GET",
        "/api/v1/institutions/{institution_id}/orders/{order_id}/enrollment",
        Access::Bearer,
    ),
    (
        "GET",
        "/api/v1/institutions/{institution_id}/departures",
        Access::Bearer,
    ),
    (
        "POST",
        "/api/v1/institutions/{institution_id}/departures",
        Access::Bearer,
    ),
    (
        "POST",
        "/api/v1/institutions/{institution_id}/departures/{departure_id}/undo",
        Access::Bearer,
    ),
    (
        "POST",
        "/api/v1/institutions/{institution_id}/bulk-orders",
        Access::Bearer,
    ),
    (
        "GET",
        "/api/v1/institutions/{institution_id}/bulk-orders/{upload_id}",
        Access::Bearer,
    ),
    (
        "POST",
        "/institutions/{institution_id}/orders/{order_id}/resend-link",
        Access::TenantWrite,
    ),
    (
        "POST",
        "/institutions/{institution_id}/sync",
        Access::TenantWrite,
    ),
    (
        "GET",
        "/institutions/{institution_id}/audit",
        Access::TenantRead,
    ),
    (
        "GET",
        "/institutions/{institution_id}/departures",
        Access::TenantWrite,
    ),
    (
        "POST",
        "/institutions/{institution_id}/departures",
        Access::TenantWrite,
    ),
    (
        "POST",
        "/institutions/{institution_id}/departures/upload",
        Access::TenantWrite,
    ),
    (
        "POST",
        "/institutions/{institution_id}/departures/grace",
        Access::TenantWrite,
    ),
    (
        "POST",
        "/institutions/{institution_id}/departures/{departure_id}/undo",
        Access::TenantWrite,
    ),
    (
        "GET",
        "/institutions/{institution_id}/self-service",
        Access::TenantWrite,
    ),
    (
        "POST",
        "/institutions/{institution_id}/self-service",
        Access::TenantWrite,
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Persona {
    Anonymous,
    AdminA,
    AuditorA,
    AdminB,
    Staff,
    StaffAuditor,
    /// An auditor of A whose account staff suspended (their session is dead).
    SuspendedAccount,
    /// The admin of institution C, which staff suspended.
    AdminOfSuspended,
    /// A person logged in through self-service at institution A (no account).
    PersonA,
    /// A person logged in through self-service at institution B.
    PersonB,
}

/// What a persona should get from a route of institution A.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Allowed,
    Login,
    /// Sent to "Log in with your institution".
    PersonLogin,
    Forbidden,
    NotFound,
    /// 401: no credentials this route accepts.
    Unauthenticated,
}

fn expected(access: Access, persona: Persona) -> Outcome {
    use Persona::*;
    if access == Access::Logout {
        return Outcome::Login;
    }
    if access == Access::IdpAnswer {
        return Outcome::Forbidden;
    }
    if access == Access::PersonLogout {
        return Outcome::PersonLogin;
    }
    if access == Access::Bearer {
        return Outcome::Unauthenticated;
    }
    match (access, persona) {
        (Access::Person, PersonA | PersonB) | (Access::PersonsOwnOrder, PersonA) => {
            return Outcome::Allowed;
        }
        (Access::PersonsOwnOrder, PersonB) => return Outcome::NotFound,
        (Access::Person | Access::PersonsOwnOrder, _) => return Outcome::PersonLogin,
        _ => {}
    }
    // A person has no account: everything else treats them as anonymous.
    if matches!(persona, Anonymous | SuspendedAccount | PersonA | PersonB) {
        return if access == Access::Public {
            Outcome::Allowed
        } else {
            Outcome::Login
        };
    }
    match access {
        Access::Public | Access::LoggedIn => Outcome::Allowed,
        Access::Logout => Outcome::Login,
        Access::StaffRead => match persona {
            Staff | StaffAuditor => Outcome::Allowed,
            _ => Outcome::Forbidden,
        },
        Access::StaffWrite => match persona {
            Staff => Outcome::Allowed,
            _ => Outcome::Forbidden,
        },
        Access::TenantRead => match persona {
            AdminA | AuditorA | Staff | StaffAuditor => Outcome::Allowed,
            _ => Outcome::NotFound,
        },
        Access::TenantWrite => match persona {
            AdminA | Staff => Outcome::Allowed,
            AuditorA | StaffAuditor => Outcome::Forbidden,
            _ => Outcome::NotFound,
        },
        Access::TenantOwnAdmin => match persona {
            AdminA => Outcome::Allowed,
            AuditorA | Staff | StaffAuditor => Outcome::Forbidden,
            _ => Outcome::NotFound,
        },
        Access::IdpAnswer => Outcome::Forbidden,
        Access::Person | Access::PersonsOwnOrder | Access::PersonLogout | Access::Bearer => {
            unreachable!("decided above")
        }
    }
}

fn classify(response: &TestResponse) -> Outcome {
    match response.status {
        StatusCode::UNAUTHORIZED => Outcome::Unauthenticated,
        StatusCode::FORBIDDEN => Outcome::Forbidden,
        StatusCode::NOT_FOUND => Outcome::NotFound,
        StatusCode::SEE_OTHER if matches!(response.location(), Some("/login")) => Outcome::Login,
        StatusCode::SEE_OTHER if matches!(response.location(), Some("/self-service")) => {
            Outcome::PersonLogin
        }
        status if status.is_server_error() => panic!("server error {status}: {}", response.body),
        StatusCode::SEE_OTHER if matches!(response.location(), Some("/mfa" | "/mfa/enrol")) => {
            panic!("a fully logged-in persona was sent to MFA")
        }
        _ => Outcome::Allowed,
    }
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn every_route_answers_every_kind_of_visitor_as_the_matrix_says(pool: PgPool) {
    // Every persona posts to the login, MFA and invitation routes from 127.0.0.1.
    let app = TestApp::spawn_configured(pool, |settings| {
        settings.clients.login_attempts_per_minute = 1_000;
    })
    .await;
    let world = super::two_institutions(&app).await;
    let staff = &world.staff;
    let auditor_a = app
        .enrolled_member(&staff.client, world.a, "revizor@etf.bg.ac.rs", "auditor")
        .await;
    let suspended = app
        .enrolled_member(&staff.client, world.a, "bivsi@etf.bg.ac.rs", "auditor")
        .await;
    let staff_auditor = app
        .enrolled_staff("revizor@amres.ac.rs", StaffRole::StaffAuditor)
        .await;
    let c = app
        .create_institution(&staff.client, "vts-ni", "Visoka tehnička škola", true)
        .await;
    let admin_c = app
        .enrolled_member(&staff.client, c, "cica@vts.ni.ac.rs", "admin")
        .await;
    let added = staff
        .client
        .post_form(
            &format!("/institutions/{}/domains", world.a),
            &[("name", "etf.bg.ac.rs")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let domain_a: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM domains WHERE name = 'etf.bg.ac.rs'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    // An issued order of A: its page is readable, and cancel, revoke without a
    // reason and re-sending a link refuse it, so every visitor can walk the
    // order routes.
    let order_a: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO certificate_orders
             (institution_id, status, common_name, product, given_name, surname, reference,
              idempotency_key)
         VALUES ($1, 'issued', 'Ana Anić', 'client_premium', 'Ana', 'Anić', 'tcs-matrix', 'matrix')
         RETURNING id",
    )
    .bind(world.a)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO order_emails (institution_id, order_id, email, domain_id)
         VALUES ($1, $2, 'ana@etf.bg.ac.rs', $3)",
    )
    .bind(world.a)
    .bind(order_a)
    .bind(domain_a)
    .execute(&app.pool)
    .await
    .unwrap();
    for (path, reason) in [
        (
            format!("/staff/accounts/{}/status", suspended.account_id),
            "left the faculty",
        ),
        (
            format!("/staff/institutions/{c}/status"),
            "membership fees unpaid",
        ),
    ] {
        let done = staff
            .client
            .post_form(&path, &[("action", "suspend"), ("reason", reason)])
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{path}: {}", done.body);
    }

    // An open invitation of A, addressed to nobody who walks the matrix: A's
    // admin withdraws it, staff then find it already closed, everybody else is
    // refused; as the addressee of nothing, nobody can accept or decline it.
    let invited = world
        .admin_a
        .client
        .post_form(
            &format!("/institutions/{}/people", world.a),
            &[
                ("email", "pozvana@etf.bg.ac.rs"),
                ("display_name", "Pozvana"),
                ("role", "auditor"),
            ],
        )
        .await;
    invited.assert_ok();
    let invitation_a: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM invitations WHERE email = 'pozvana@etf.bg.ac.rs'")
            .fetch_one(&app.pool)
            .await
            .unwrap();

    // A bulk upload of A whose one row is empty, so nothing of it can be placed.
    let upload_a: uuid::Uuid = sqlx::query_scalar(
        r#"INSERT INTO bulk_uploads
               (institution_id, uploaded_by, file_name, rows, row_count, state, created_at)
           VALUES ($1, $2, 'matrix.csv',
                   '[{"line": 2, "emails": "", "given_name": "", "surname": "", "product": "",
                      "profile_type": "", "validity_years": ""}]',
                   1, 'uploaded', now())
           RETURNING id"#,
    )
    .bind(world.a)
    .bind(world.admin_a.account_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();

    // A metadata source whose URL answers nothing: refreshing it fails and says so.
    let source: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO saml_metadata_sources
             (id, name, kind, url, metadata_xml, refreshed_at, created_at)
         VALUES (gen_random_uuid(), 'unreachable', 'single', 'http://127.0.0.1:9/metadata',
                 '<md:EntityDescriptor/>', now(), now())
         RETURNING id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();

    // A departure of A in its grace period: A's admin undoes it, staff then find it
    // closed (409), everybody else is refused.
    let departure_a: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO departures (institution_id, email, marked_at, revoke_at, state)
         VALUES ($1, 'ana@etf.bg.ac.rs', now(), now() + interval '7 days', 'grace')
         RETURNING id",
    )
    .bind(world.a)
    .fetch_one(&app.pool)
    .await
    .unwrap();

    // An API token of A, acting for A's admin.
    crate::api::admin_token(&app, world.a).await;
    let token_a: uuid::Uuid = sqlx::query_scalar("SELECT id FROM api_tokens")
        .fetch_one(&app.pool)
        .await
        .unwrap();

    // Suspending C left its admin's session alive, and every door of C closed to it.
    let admin_c_client = admin_c.client.clone();

    // A person of each institution logged in through self-service; A's person requested a
    // certificate, the order their "open" route is walked with.
    sqlx::query(
        "UPDATE domains SET validation_status = 'validated',
                            validated_until = now() + interval '1 year'
         WHERE name = 'etf.bg.ac.rs'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    crate::saml::world::validated_domain(&app, world.b, "pmf.uns.ac.rs").await;
    let person_a = crate::selfservice::world::self_service_person(
        &app,
        &staff.client,
        &world.admin_a.client,
        world.a,
        &TestIdp::new("https://idp.a.test/idp", &[]),
        "pera@etf.bg.ac.rs",
    )
    .await;
    let person_b = crate::selfservice::world::self_service_person(
        &app,
        &staff.client,
        &world.admin_b.client,
        world.b,
        &TestIdp::new("https://idp.b.test/idp", &[]),
        "mika@pmf.uns.ac.rs",
    )
    .await;
    let requested = person_a
        .post_form(
            "/self-service/certificates",
            &[
                ("choice", "secure_email_sponsor/strict"),
                ("idempotency_key", "matrix"),
            ],
        )
        .await;
    assert_eq!(requested.location(), Some("/enroll"), "{}", requested.body);
    let own_order_a: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM certificate_orders WHERE self_service")
            .fetch_one(&app.pool)
            .await
            .unwrap();

    // Every registered route is in the matrix, and nothing else is.
    let registered: BTreeSet<(String, String)> = tcs_portal::web::routes()
        .list()
        .iter()
        .map(|route| (route.method.to_owned(), route.path.to_owned()))
        .collect();
    let covered: BTreeSet<(String, String)> = EXPECTED
        .iter()
        .map(|(method, path, _)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    assert_eq!(registered, covered, "routes and matrix differ");

    let personas: Vec<(Persona, TestClient)> = vec![
        (Persona::Anonymous, app.client()),
        (Persona::AdminA, world.admin_a.client.clone()),
        (Persona::AuditorA, auditor_a.client.clone()),
        (Persona::AdminB, world.admin_b.client.clone()),
        (Persona::Staff, staff.client.clone()),
        (Persona::StaffAuditor, staff_auditor.client.clone()),
        (Persona::SuspendedAccount, suspended.client.clone()),
        (Persona::AdminOfSuspended, admin_c_client),
        (Persona::PersonA, person_a),
        (Persona::PersonB, person_b),
    ];
    // Institution A's data, which must never reach a visitor who may not see A.
    let secrets = [
        "Elektrotehnički",
        "etf.bg.ac.rs",
        "ana@etf.bg.ac.rs",
        "revizor@etf.bg.ac.rs",
    ];
    let fill = |path: &str| {
        let order = if path.starts_with("/self-service/") {
            own_order_a
        } else {
            order_a
        };
        path.replace("{institution_id}", &world.a.to_string())
            .replace("{domain_id}", &domain_a.to_string())
            .replace("{account_id}", &world.admin_a.account_id.to_string())
            .replace("{token}", "not-a-real-invitation-token")
            .replace("{name}", "style.css")
            .replace("{guide}", "thunderbird")
            .replace("{job_id}", "1")
            .replace("{mail_id}", "1")
            .replace("{order_id}", &order.to_string())
            .replace("{invitation_id}", &invitation_a.to_string())
            .replace("{source_id}", &source.to_string())
            .replace("{upload_id}", &upload_a.to_string())
            .replace("{departure_id}", &departure_a.to_string())
            .replace("{token_id}", &token_a.to_string())
    };
    // Logging out ends the persona's session, and opening an order binds the person's
    // session to it, so those routes go last.
    let last = [
        "/self-service/orders/{order_id}/open",
        "/self-service/logout",
        "/logout",
    ];
    let mut order: Vec<&(&str, &str, Access)> = EXPECTED
        .iter()
        .filter(|(_, path, _)| !last.contains(path))
        .collect();
    for path in last {
        order.extend(EXPECTED.iter().filter(|(_, p, _)| *p == path));
    }
    let mut checked = 0;
    for (method, pattern, access) in order {
        let path = fill(pattern);
        for (persona, client) in &personas {
            let response = if *method == "GET" {
                client.get(&path).await
            } else {
                client.post_form(&path, &[]).await
            };
            let want = expected(*access, *persona);
            assert_eq!(
                classify(&response),
                want,
                "{method} {pattern} as {persona:?}: {} {}",
                response.status,
                response.body
            );
            if want != Outcome::Allowed
                || matches!(
                    persona,
                    Persona::AdminB | Persona::AdminOfSuspended | Persona::PersonB
                )
            {
                for secret in secrets {
                    // Institutions with an IdP are listed by name on the login choices.
                    let choice_page =
                        ["/saml/login", "/account/federated", "/self-service"].contains(pattern);
                    if choice_page && secret == "Elektrotehnički" {
                        continue;
                    }
                    assert!(
                        !response.body.contains(secret),
                        "{method} {pattern} as {persona:?} leaked {secret}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, EXPECTED.len() * personas.len());

    // The suspended institution's own admin is blocked on their own pages too.
    let admin_c_client = app.log_in(&admin_c).await;
    let own = admin_c_client.get(&format!("/institutions/{c}")).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    assert!(own.body.contains("suspend"));
    let own_write = admin_c_client
        .post_form(
            &format!("/institutions/{c}/domains"),
            &[("name", "vts.ni.ac.rs")],
        )
        .await;
    assert_eq!(own_write.status, StatusCode::FORBIDDEN);
}
