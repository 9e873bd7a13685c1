//! The read calls go to their documented paths and read doc-shaped answers.

use digicert::{
    CertCentral, CertificateId, DomainId, OrganizationId, OrganizationListQuery, Paging, ProductId,
    RequestId, RequestListQuery, RequestStatus, RequestType, ValidationType,
};

use testkit::digicert_fake::{FakeDigicert, Reply};
use testkit::recorded::body_text;

const PRODUCTS: &str = r#"{"products":[{"group_name":"client_certificate",
    "name_id":"client_email_security_plus","name":"Email Security Plus",
    "type":"client_certificate","allowed_container_ids":[4711],
    "allowed_validity_years":[1,2,3],"allowed_order_validity_years":[1,2,3],
    "signature_hash_types":{"allowed_hash_types":[{"id":"sha256","name":"SHA-256"}],
    "default_hash_type_id":"sha256"},"csr_required":false}]}"#;

const PRODUCT: &str = r#"{"name_id":"secure_email_sponsor","name":"Secure Email for Business",
    "type":"client_certificate","duplicates_allowed":"1","csr_required":"0"}"#;

const ORGANIZATIONS: &str = r#"{"organizations":[{"id":90001,"status":"active",
    "name":"Example University","display_name":"Example University (EU)","is_active":true,
    "container":{"id":4711,"parent_id":0,"name":"Example University","is_active":true},
    "validations":[{"type":"smime","name":"SMIME","status":"active",
    "validated_until":"2026-04-14T09:00:00+00:00"}]}],"page":{"total":1,"limit":1000,"offset":0}}"#;

const ORGANIZATION: &str = r#"{"id":90001,"status":"active","name":"Example University",
    "country":"rs","organization_contact":{"id":55,"first_name":"Ada","last_name":"Admin",
    "email":"ada@example.edu"}}"#;

const REQUESTS: &str = r#"{"requests":[{"id":800456,"date":"2025-01-10T09:00:00+00:00",
    "type":"new_request","status":"pending","requester":{"id":55,"first_name":"Ada",
    "last_name":"Admin","email":"ada@example.edu"},"order":{"id":700123,
    "certificate":{"common_name":"Jane Researcher"},"organization":[],
    "container":{"id":4711,"name":"Example University"},
    "product":{"name_id":"client_email_security_plus","name":"Email Security Plus",
    "type":"client_certificate"}}}],"page":{"total":1,"limit":0,"offset":0}}"#;

const REQUEST: &str = r#"{"id":800456,"date":"2025-01-10T09:00:00+00:00","type":"new_request",
    "status":"rejected","date_processed":"2025-01-11T10:00:00+00:00",
    "processor_comment":"wrong person","order":{"id":700123}}"#;

const CHAIN: &str = r#"{"intermediates":[{"subject_common_name":"TERENA SSL CA 3",
    "pem":"-----BEGIN CERTIFICATE-----\r\nMIIB\r\n-----END CERTIFICATE-----\r\n"}]}"#;

const ME: &str = r#"{"id":55,"username":"ada@example.edu","first_name":"Ada",
    "last_name":"Admin","email":"ada@example.edu","status":"active",
    "access_roles":[{"id":1,"name":"Administrator"}]}"#;

#[tokio::test]
async fn product_and_organization_reads_use_their_paths() {
    let fake = FakeDigicert::start(vec![
        Reply::Json(200, PRODUCTS.into()),
        Reply::Json(200, PRODUCT.into()),
        Reply::Json(200, ORGANIZATIONS.into()),
        Reply::Json(200, ORGANIZATION.into()),
    ])
    .await;
    let client = fake.client();
    let products = client.list_products().await.unwrap();
    assert_eq!(
        products.products[0].name_id,
        ProductId::ClientEmailSecurityPlus
    );
    assert_eq!(products.products[0].csr_required, Some(false));
    let product = client
        .product(&ProductId::SecureEmailSponsor)
        .await
        .unwrap();
    assert_eq!(product.duplicates_allowed, Some(true));
    assert_eq!(product.csr_required, Some(false));
    let query = OrganizationListQuery {
        include_validation: true,
        ..OrganizationListQuery::default()
    };
    let organizations = client.list_organizations(&query).await.unwrap();
    assert_eq!(
        organizations.organizations[0].validations[0].kind,
        ValidationType::Smime
    );
    let organization = client.organization(OrganizationId(90_001)).await.unwrap();
    assert_eq!(organization.country.as_deref(), Some("rs"));

    let seen = fake.seen();
    let paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/services/v2/product",
            "/services/v2/product/secure_email_sponsor",
            "/services/v2/organization",
            "/services/v2/organization/90001",
        ]
    );
    assert!(
        seen[2]
            .query
            .contains(&("include_validation".into(), "true".into()))
    );
}

#[tokio::test]
async fn request_reads_use_their_paths_and_filters() {
    let fake = FakeDigicert::start(vec![
        Reply::Json(200, REQUESTS.into()),
        Reply::Json(200, REQUEST.into()),
    ])
    .await;
    let client = fake.client();
    let query = RequestListQuery {
        status: Some(RequestStatus::Pending),
        kind: Some(RequestType::NewRequest),
        ..RequestListQuery::default()
    };
    let list = client.list_requests(&query).await.unwrap();
    let order = list.requests[0].order.as_ref().unwrap();
    assert_eq!(order.organization, None, "`[]` organization");
    assert_eq!(
        order.certificate.as_ref().unwrap().common_name.as_deref(),
        Some("Jane Researcher")
    );
    let request = client.request(RequestId(800_456)).await.unwrap();
    assert_eq!(request.status, RequestStatus::Rejected);
    assert_eq!(request.processor_comment.as_deref(), Some("wrong person"));
    assert!(request.date_processed.is_some());

    let seen = fake.seen();
    assert_eq!(seen[0].path, "/services/v2/request");
    assert!(
        seen[0]
            .query
            .contains(&("filters[status]".into(), "pending".into()))
    );
    assert!(
        seen[0]
            .query
            .contains(&("filters[type]".into(), "new_request".into()))
    );
    assert_eq!(seen[1].path, "/services/v2/request/800456");
}

#[tokio::test]
async fn user_chain_and_dcv_calls_use_their_paths() {
    let fake = FakeDigicert::start(vec![
        Reply::Json(200, ME.into()),
        Reply::Json(200, body_text("get_user_200_offset1-limit1.json")),
        Reply::Json(200, CHAIN.into()),
        Reply::Json(
            201,
            r#"{"token":"n3wv4lu3","expiration_date":"2025-02-28T12:00:00+00:00"}"#.into(),
        ),
        Reply::Empty(204),
    ])
    .await;
    let client = fake.client();
    let me = client.me().await.unwrap();
    assert_eq!(me.access_roles[0].name.as_deref(), Some("Administrator"));
    let users = client.list_users(&Paging::page(1, 1)).await.unwrap();
    assert_eq!(users.users[0].id.0, 2_701_143);
    assert_eq!(users.users[0].last_login_date, None);
    let chain = client
        .certificate_chain(CertificateId(900_789))
        .await
        .unwrap();
    assert_eq!(
        chain.intermediates[0].subject_common_name.as_deref(),
        Some("TERENA SSL CA 3")
    );
    let token = client.new_dcv_token(DomainId(31_337)).await.unwrap();
    assert_eq!(token.token, "n3wv4lu3");
    client
        .submit_domain_validation(DomainId(31_337), &[ValidationType::Ov], None)
        .await
        .unwrap();

    let seen = fake.seen();
    let paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/services/v2/user/me",
            "/services/v2/user",
            "/services/v2/certificate/900789/chain",
            "/services/v2/domain/31337/dcv/token",
            "/services/v2/domain/31337/validation",
        ]
    );
    assert!(seen[1].query.contains(&("offset".into(), "1".into())));
    assert!(seen[1].query.contains(&("limit".into(), "1".into())));
}
