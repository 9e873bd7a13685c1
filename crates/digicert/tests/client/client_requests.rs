//! What the client sends (paths, key header, query filters, bodies) and how it reads
//! the answers of each kind of call.

use axum::http::Method;
use digicert::{
    CertCentral, CertificateFormat, CertificateId, ClientConfig, CommonNameIndicator, DcvMethod,
    DomainId, DomainListQuery, HttpCertCentral, NewDomain, OrderId, OrderListQuery, OrderRequest,
    OrderStatus, OrganizationId, PrimaryUsage, ProductId, ProfileType, RevocationReason,
    RevokeOutcome, RevokeRequest, ValidationType, pem,
};
use secrecy::SecretString;
use testkit::digicert_fake::{API_KEY, FakeDigicert, Reply};
use testkit::recorded::body_text;
use time::macros::datetime;

fn sponsor_order() -> OrderRequest {
    OrderRequest::builder(
        ProductId::SecureEmailSponsor,
        vec!["jane@example.edu".into()],
    )
    .validity_years(1)
    .organization(OrganizationId(90_001))
    .csr("-----BEGIN CERTIFICATE REQUEST-----\nMIIC\n-----END CERTIFICATE REQUEST-----\n")
    .common_name_indicator(CommonNameIndicator::GivenNameSurname)
    .individual("Jane", "Researcher")
    .profile_type(ProfileType::Strict)
    .usage_designation(PrimaryUsage::DualUse, vec!["client_auth".into()])
    .skip_approval(true)
    .comments("tcs-portal:order:42")
    .build()
    .unwrap()
}

fn revoke(skip_approval: bool) -> RevokeRequest {
    RevokeRequest {
        comments: "left the institution".into(),
        revocation_reason: Some(RevocationReason::AffiliationChanged),
        skip_approval,
    }
}

#[tokio::test]
async fn every_call_carries_the_api_key_header() {
    let fake = FakeDigicert::start(vec![
        Reply::Json(200, body_text("get_account_200.json")),
        Reply::Json(200, body_text("get_order-certificate_200_empty.json")),
    ])
    .await;
    let client = fake.client();
    client.account().await.unwrap();
    client
        .list_orders(&OrderListQuery::default())
        .await
        .unwrap();
    let seen = fake.seen();
    assert_eq!(seen.len(), 2);
    for request in &seen {
        assert_eq!(request.api_key.as_deref(), Some(API_KEY));
        assert_eq!(request.accept.as_deref(), Some("application/json"));
    }
    assert_eq!(seen[0].path, "/services/v2/account");
}

#[test]
fn debug_output_never_shows_the_api_key() {
    let config = ClientConfig::new(
        "https://certcentral.digicert.eu/services/v2",
        SecretString::from(API_KEY),
    );
    let client = HttpCertCentral::new(config.clone()).unwrap();
    for text in [format!("{client:?}"), format!("{config:?}")] {
        assert!(!text.contains(API_KEY), "{text}");
    }
    assert_eq!(
        client.base_url(),
        "https://certcentral.digicert.eu/services/v2"
    );
}

#[test]
fn base_url_that_cannot_take_paths_is_refused() {
    let config = ClientConfig::new("mailto:ops@example.org", SecretString::from(API_KEY));
    assert!(HttpCertCentral::new(config).is_err());
}

#[tokio::test]
async fn order_is_posted_to_the_product_path_with_digicert_field_names() {
    let fake = FakeDigicert::start(vec![Reply::Json(
        201,
        r#"{"id": 700123, "requests": [{"id": 800456, "status": "pending"}]}"#.into(),
    )])
    .await;
    let created = fake.client().place_order(&sponsor_order()).await.unwrap();
    assert_eq!(created.id, OrderId(700_123));
    assert!(created.certificate_chain.is_empty());

    let seen = &fake.seen()[0];
    assert_eq!(seen.method, Method::POST);
    assert_eq!(
        seen.path,
        "/services/v2/order/certificate/secure_email_sponsor"
    );
    let body = seen.json();
    let certificate = &body["certificate"];
    assert_eq!(certificate["emails"][0], "jane@example.edu");
    assert_eq!(certificate["signature_hash"], "sha256");
    assert_eq!(certificate["common_name_indicator"], "given_name_surname");
    assert_eq!(certificate["individual"]["first_name"], "Jane");
    assert_eq!(certificate["individual"]["last_name"], "Researcher");
    assert_eq!(certificate["profile_type"], "strict");
    assert_eq!(
        certificate["usage_designation"]["primary_usage"],
        "dual_use"
    );
    assert_eq!(
        certificate["usage_designation"]["additional_usages"][0],
        "client_auth"
    );
    assert!(
        certificate["csr"]
            .as_str()
            .unwrap()
            .contains("CERTIFICATE REQUEST")
    );
    assert_eq!(body["organization"]["id"], 90_001);
    assert_eq!(body["order_validity"]["years"], 1);
    assert_eq!(body["skip_approval"], true);
    assert_eq!(body["comments"], "tcs-portal:order:42");
}

#[tokio::test]
async fn recorded_immediate_issuance_answer_is_read_with_its_chain() {
    let fake = FakeDigicert::start(vec![Reply::Json(
        201,
        body_text("post_order-certificate-ssl_plus_201.json"),
    )])
    .await;
    let created = fake.client().place_order(&sponsor_order()).await.unwrap();
    assert_eq!(created.certificate_id, Some(CertificateId(456_789_123)));
    assert_eq!(created.certificate_chain.len(), 3);
}

#[tokio::test]
async fn reconciliation_search_asks_for_orders_containing_our_reference() {
    let fake = FakeDigicert::start(vec![Reply::Json(
        200,
        body_text("get_order-certificate_200_empty.json"),
    )])
    .await;
    let list = fake
        .client()
        .list_orders(&OrderListQuery::search_containing("tcs-portal:order:42"))
        .await
        .unwrap();
    assert!(list.orders.is_empty());
    let seen = &fake.seen()[0];
    assert_eq!(seen.path, "/services/v2/order/certificate");
    assert_eq!(
        seen.query,
        vec![(
            "filters[search]".to_owned(),
            "%tcs-portal:order:42".to_owned()
        )]
    );
}

#[tokio::test]
async fn order_list_filters_and_paging_go_in_the_query() {
    let fake = FakeDigicert::start(vec![Reply::Json(
        200,
        body_text("get_order-certificate_200_list.json"),
    )])
    .await;
    let mut query = OrderListQuery {
        status: Some(OrderStatus::Pending),
        product_name_id: Some(ProductId::SecureEmailSponsor),
        ..OrderListQuery::default()
    };
    query.paging.limit = Some(100);
    query.paging.offset = Some(200);
    let list = fake.client().list_orders(&query).await.unwrap();
    assert_eq!(list.orders.len(), 9);
    let query = &fake.seen()[0].query;
    for expected in [
        ("filters[status]", "pending"),
        ("filters[product_name_id]", "secure_email_sponsor"),
        ("limit", "100"),
        ("offset", "200"),
    ] {
        assert!(
            query.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} missing from {query:?}"
        );
    }
}

#[tokio::test]
async fn status_changes_are_asked_for_a_time_range() {
    let body = r#"{"orders":[{"order_id":700123,"certificate_id":900789,"status":"issued"}]}"#;
    let fake = FakeDigicert::start(vec![Reply::Json(200, body.into())]).await;
    let changes = fake
        .client()
        .order_status_changes(
            datetime!(2025-01-10 09:00 UTC),
            datetime!(2025-01-10 10:00 UTC),
        )
        .await
        .unwrap();
    assert_eq!(changes.orders[0].order_id, OrderId(700_123));
    assert_eq!(changes.orders[0].status, OrderStatus::Issued);
    let seen = &fake.seen()[0];
    assert_eq!(seen.path, "/services/v2/order/certificate/status-changes");
    assert_eq!(
        seen.query,
        vec![(
            "filters[status_last_updated]".to_owned(),
            "2025-01-10 09:00:00...2025-01-10 10:00:00".to_owned()
        )]
    );
}

#[tokio::test]
async fn email_validation_state_is_read_per_address() {
    let body = r#"{"delivery_options":["api","browser"],"emails":[
        {"email":"jane@example.edu","status":"unvalidated","date_emailed":"2025-01-10"},
        {"email":"j.r@example.edu","status":"validated","date_emailed":"2025-01-10"}]}"#;
    let fake = FakeDigicert::start(vec![Reply::Json(200, body.into())]).await;
    let state = fake
        .client()
        .email_validation(OrderId(700_123))
        .await
        .unwrap();
    assert_eq!(state.emails.len(), 2);
    assert_eq!(state.emails[0].status.as_str(), "unvalidated");
    assert_eq!(
        state.emails[1].date_emailed,
        Some(datetime!(2025-01-10 00:00 UTC))
    );
    assert_eq!(
        fake.seen()[0].path,
        "/services/v2/order/certificate/700123/email-validation"
    );
}

#[tokio::test]
async fn cancel_sends_the_canceled_status_with_a_note_and_accepts_204() {
    let fake = FakeDigicert::start(vec![Reply::Empty(204)]).await;
    fake.client()
        .cancel_order(OrderId(700_123), "ordered by mistake")
        .await
        .unwrap();
    let seen = &fake.seen()[0];
    assert_eq!(seen.method, Method::PUT);
    assert_eq!(seen.path, "/services/v2/order/certificate/700123/status");
    assert_eq!(
        seen.json(),
        serde_json::json!({"status": "canceled", "note": "ordered by mistake"})
    );
}

#[tokio::test]
async fn revoke_without_skip_approval_returns_the_pending_request() {
    let body = r#"{"id": 800777, "date": "2025-02-01T12:00:00+00:00", "type": "revoke",
        "status": "pending", "requester": {"id": 55, "first_name": "Ada", "last_name": "Admin",
        "email": "ada@example.edu"}, "comments": "left the institution"}"#;
    let fake = FakeDigicert::start(vec![Reply::Json(201, body.into())]).await;
    let outcome = fake
        .client()
        .revoke_order(OrderId(700_123), &revoke(false))
        .await
        .unwrap();
    let RevokeOutcome::Requested(request) = outcome else {
        panic!("expected a revoke request, got {outcome:?}");
    };
    assert_eq!(request.id.0, 800_777);
    assert_eq!(request.status.as_str(), "pending");
    let seen = &fake.seen()[0];
    assert_eq!(seen.path, "/services/v2/order/certificate/700123/revoke");
    assert_eq!(seen.json()["revocation_reason"], "affiliationChanged");
    assert_eq!(seen.json()["skip_approval"], false);
}

#[tokio::test]
async fn revoke_with_skip_approval_accepts_204_as_revoked() {
    let fake = FakeDigicert::start(vec![Reply::Empty(204)]).await;
    let outcome = fake
        .client()
        .revoke_certificate(CertificateId(900_789), &revoke(true))
        .await
        .unwrap();
    assert_eq!(outcome, RevokeOutcome::Revoked);
    assert_eq!(
        fake.seen()[0].path,
        "/services/v2/certificate/900789/revoke"
    );
}

#[tokio::test]
async fn pem_all_download_returns_the_recorded_chain() {
    let pem_all = body_text("get_certificate-download-format-pem_all_200.json");
    let fake = FakeDigicert::start(vec![
        Reply::Raw(200, "application/x-pem-file", pem_all.clone()),
        Reply::Raw(200, "application/x-pem-file", pem_all.clone()),
    ])
    .await;
    let client = fake.client();
    let by_certificate = client
        .download_certificate(CertificateId(123_456_789), CertificateFormat::PemAll)
        .await
        .unwrap();
    let by_order = client
        .download_order_certificate(OrderId(700_123), CertificateFormat::P7b)
        .await
        .unwrap();
    assert_eq!(by_certificate.text(), Some(pem_all.as_str()));
    assert_eq!(
        by_certificate.content_type.as_deref(),
        Some("application/x-pem-file")
    );
    assert_eq!(pem::certificate_blocks(&pem_all).len(), 3);
    assert_eq!(by_order.body, pem_all.as_bytes());
    let seen = fake.seen();
    assert_eq!(
        seen[0].path,
        "/services/v2/certificate/123456789/download/format/pem_all"
    );
    assert_eq!(
        seen[1].path,
        "/services/v2/certificate/download/order/700123/format/p7b"
    );
    assert_eq!(seen[0].accept.as_deref(), Some("*/*"));
}

#[tokio::test]
async fn new_domain_is_added_with_dns_txt_token_and_returns_the_record_value() {
    let body = r#"{"id": 31337, "dcv_token": {"token": "r4nd0mv4lu3", "status": "pending",
        "expiration_date": "2025-01-31T12:00:00+00:00"}}"#;
    let fake = FakeDigicert::start(vec![Reply::Json(201, body.into())]).await;
    let domain = NewDomain::new(
        "example.edu",
        OrganizationId(90_001),
        ValidationType::Ov,
        DcvMethod::DnsTxtToken,
    );
    let created = fake.client().add_domain(&domain).await.unwrap();
    assert_eq!(created.id, DomainId(31_337));
    assert_eq!(created.dcv_token.unwrap().token, "r4nd0mv4lu3");
    assert_eq!(
        fake.seen()[0].json(),
        serde_json::json!({"name": "example.edu", "organization": {"id": 90001},
            "validations": [{"type": "ov"}], "dcv_method": "dns-txt-token"})
    );
}

#[tokio::test]
async fn domain_info_asks_for_dcv_and_validation_details() {
    let body = r#"{"id": 31337, "name": "example.edu", "is_active": true, "status": "active",
        "is_pending_validation": false,
        "organization": {"id": 90001, "name": "Example University", "is_active": "1"},
        "validations": [{"type": "ov", "status": "active", "dcv_status": "complete",
            "validated_until": "2026-03-05T06:00:00+00:00"}],
        "dcv_token": {"token": "abc", "status": "active", "expiration_date": "2025-01-31"},
        "dcv_expiration": {"ov": "2026-03-05"}}"#;
    let fake = FakeDigicert::start(vec![Reply::Json(200, body.into())]).await;
    let domain = fake
        .client()
        .domain(DomainId(31_337), true, true)
        .await
        .unwrap();
    assert_eq!(
        domain.validations[0].dcv_status.as_deref(),
        Some("complete")
    );
    assert_eq!(domain.dcv_token.unwrap().status.as_deref(), Some("active"));
    let seen = &fake.seen()[0];
    assert_eq!(seen.path, "/services/v2/domain/31337");
    assert!(seen.query.contains(&("include_dcv".into(), "true".into())));
    assert!(
        seen.query
            .contains(&("include_validation".into(), "true".into()))
    );
}

#[tokio::test]
async fn domain_list_filters_go_in_the_query() {
    let fake = FakeDigicert::start(vec![Reply::Json(200, body_text("get_domain_200.json"))]).await;
    let query = DomainListQuery {
        search: Some("example.edu".into()),
        search_criteria: Some("exact".into()),
        include_validation: true,
        ..DomainListQuery::default()
    };
    let list = fake.client().list_domains(&query).await.unwrap();
    assert_eq!(list.domains.len(), 1);
    let sent = &fake.seen()[0].query;
    assert!(sent.contains(&("filters[search]".into(), "example.edu".into())));
    assert!(sent.contains(&("filters[search_criteria]".into(), "exact".into())));
    assert!(sent.contains(&("include_validation".into(), "true".into())));
}

#[tokio::test]
async fn dcv_check_and_organization_validation_use_their_paths() {
    let fake = FakeDigicert::start(vec![
        Reply::Json(200, r#"{"status": "active"}"#.into()),
        Reply::Empty(204),
        Reply::Json(
            200,
            r#"{"validations":[{"type":"smime","status":"active",
                "validated_until":"2026-04-14T09:00:00+00:00"}]}"#
                .into(),
        ),
    ])
    .await;
    let client = fake.client();
    let check = client.check_dcv(DomainId(31_337)).await.unwrap();
    assert_eq!(check.status.as_deref(), Some("active"));
    client
        .submit_organization_validation(OrganizationId(90_001), &[ValidationType::Smime])
        .await
        .unwrap();
    let validations = client
        .organization_validations(OrganizationId(90_001))
        .await
        .unwrap();
    assert_eq!(validations.validations[0].kind, ValidationType::Smime);
    let seen = fake.seen();
    assert_eq!(
        (seen[0].method.clone(), seen[0].path.as_str()),
        (Method::PUT, "/services/v2/domain/31337/dcv/validate-token")
    );
    assert_eq!(seen[1].path, "/services/v2/organization/90001/validation");
    assert_eq!(
        seen[1].json(),
        serde_json::json!({"validations": [{"type": "smime"}]})
    );
}

#[tokio::test]
async fn the_registration_number_is_put_on_the_organization_and_204_is_accepted() {
    let fake = FakeDigicert::start(vec![Reply::Empty(204)]).await;
    fake.client()
        .set_organization_registration_number(OrganizationId(90_001), "07032501")
        .await
        .unwrap();
    let seen = &fake.seen()[0];
    assert_eq!(seen.method, Method::PUT);
    assert_eq!(seen.path, "/services/v2/organization/90001");
    assert_eq!(
        seen.json(),
        serde_json::json!({"registration_number": "07032501"})
    );
}
