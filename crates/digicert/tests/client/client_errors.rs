//! How the client maps failures and when it retries: idempotent calls are retried on
//! rate limits and server errors, order placement never is.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use digicert::{
    CertCentral, Error, OrderId, OrderRequest, OrderStatus, OrganizationId, PrimaryUsage,
    ProductId, RequestId, RequestStatus, UpdateRequestStatus,
};
use testkit::digicert_fake::{
    FakeDigicert, Reply, client_for, rate_limited, start_dropping_server, start_truncating_server,
    unavailable,
};
use testkit::recorded::body_text;

fn mailbox_order() -> OrderRequest {
    OrderRequest::builder(
        ProductId::SecureEmailMailbox,
        vec!["jane@example.edu".into()],
    )
    .validity_years(1)
    .usage_designation(PrimaryUsage::DualUse, Vec::new())
    .comments("tcs-portal:order:42")
    .build()
    .unwrap()
}

#[tokio::test]
async fn recorded_invalid_key_answer_maps_to_invalid_api_key() {
    let fake = FakeDigicert::start(vec![Reply::Json(403, body_text("get_account_403.json"))]).await;
    let error = fake.client().account().await.unwrap_err();
    assert!(matches!(error, Error::InvalidApiKey), "{error:?}");
    assert_eq!(fake.calls(), 1, "a wrong key is not retried");
}

#[tokio::test]
async fn missing_permission_maps_to_permission_denied_with_sub_code() {
    let body = r#"{"errors":[{"code":"access_denied|missing_permission","message":"No."}]}"#;
    let fake = FakeDigicert::start(vec![Reply::Json(403, body.into())]).await;
    let error = fake.client().me().await.unwrap_err();
    let Error::PermissionDenied { errors } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(errors[0].code, "access_denied");
    assert_eq!(errors[0].sub_code.as_deref(), Some("missing_permission"));
}

#[tokio::test]
async fn unknown_order_maps_to_not_found() {
    let body = r#"{"errors":[{"code":"not_found|order","message":"Order not found."}]}"#;
    let fake = FakeDigicert::start(vec![Reply::Json(404, body.into())]).await;
    let error = fake.client().order(OrderId(1)).await.unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
    assert_eq!(error.api_errors()[0].sub_code.as_deref(), Some("order"));
}

#[tokio::test]
async fn validation_failure_maps_to_api_error_with_status() {
    let body = r#"{"errors":[{"code":"csr_invalid_cannot_parse","message":"Bad CSR"}]}"#;
    let fake = FakeDigicert::start(vec![Reply::Json(400, body.into())]).await;
    let error = fake
        .client()
        .place_order(&mailbox_order())
        .await
        .unwrap_err();
    let Error::Api { status, errors } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*status, 400);
    assert_eq!(errors[0].code, "csr_invalid_cannot_parse");
    assert!(!error.may_have_taken_effect());
}

#[tokio::test]
async fn rate_limited_get_is_retried_until_it_succeeds() {
    let fake = FakeDigicert::start(vec![
        rate_limited(),
        Reply::Json(200, body_text("get_account_200.json")),
    ])
    .await;
    let account = fake.client().account().await.unwrap();
    assert_eq!(account.id, 1_696_530);
    assert_eq!(fake.calls(), 2);
}

#[tokio::test]
async fn server_error_on_get_is_retried_until_the_cap_and_then_reported() {
    let fake = FakeDigicert::start(vec![
        unavailable(),
        unavailable(),
        unavailable(),
        unavailable(),
    ])
    .await;
    let error = fake.client().account().await.unwrap_err();
    assert!(
        matches!(error, Error::Unavailable { status: 503, .. }),
        "{error:?}"
    );
    assert_eq!(fake.calls(), 3, "max_attempts is 3 in the test client");
}

#[tokio::test]
async fn approving_a_request_is_retried_after_a_server_error() {
    let fake = FakeDigicert::start(vec![unavailable(), Reply::Empty(204)]).await;
    let update = UpdateRequestStatus {
        status: RequestStatus::Approved,
        processor_comment: None,
    };
    fake.client()
        .update_request_status(RequestId(800_456), &update)
        .await
        .unwrap();
    assert_eq!(fake.calls(), 2);
}

#[tokio::test]
async fn order_placement_is_not_retried_on_503_and_asks_for_reconciliation() {
    let fake = FakeDigicert::start(vec![unavailable(), unavailable()]).await;
    let error = fake
        .client()
        .place_order(&mailbox_order())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Unavailable { status: 503, .. }),
        "{error:?}"
    );
    assert!(error.may_have_taken_effect());
    assert_eq!(fake.calls(), 1, "an order is sent once");
}

#[tokio::test]
async fn order_placement_is_not_retried_on_429_and_is_known_not_placed() {
    let fake = FakeDigicert::start(vec![rate_limited(), rate_limited()]).await;
    let error = fake
        .client()
        .place_order(&mailbox_order())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::RateLimited { .. }), "{error:?}");
    assert!(!error.may_have_taken_effect());
    assert_eq!(fake.calls(), 1);
}

#[tokio::test]
async fn order_placement_over_a_dropped_connection_is_ambiguous_and_sent_once() {
    let (base_url, requests) = start_dropping_server().await;
    let error = client_for(&base_url)
        .place_order(&mailbox_order())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Connection {
                ambiguous: true,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.may_have_taken_effect());
    assert_eq!(requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn order_placement_timeout_is_ambiguous_and_sent_once() {
    let fake = FakeDigicert::start(vec![Reply::Stall(Duration::from_secs(3))]).await;
    let error = fake
        .client()
        .place_order(&mailbox_order())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Timeout { ambiguous: true }),
        "{error:?}"
    );
    assert!(error.may_have_taken_effect());
    assert_eq!(fake.calls(), 1);
}

#[tokio::test]
async fn unreachable_digicert_is_known_not_to_have_received_the_order() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let error = client_for(&format!("http://{addr}/services/v2"))
        .place_order(&mailbox_order())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Connection {
                ambiguous: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!error.may_have_taken_effect());
}

#[tokio::test]
async fn truncated_json_is_a_malformed_response() {
    let fake = FakeDigicert::start(vec![Reply::Json(
        200,
        r#"{"id": 700123, "status": "iss"#.into(),
    )])
    .await;
    let error = fake.client().order(OrderId(700_123)).await.unwrap_err();
    assert!(
        matches!(error, Error::MalformedResponse { status: 200, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn truncated_answer_to_an_order_still_asks_for_reconciliation() {
    let fake = FakeDigicert::start(vec![Reply::Json(201, r#"{"id": 7001"#.into())]).await;
    let error = fake
        .client()
        .place_order(&mailbox_order())
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        Error::MalformedResponse { status: 201, .. }
    ));
    assert!(
        error.may_have_taken_effect(),
        "DigiCert said 201: it exists"
    );
}

#[tokio::test]
async fn unknown_order_status_is_kept_visible_as_other() {
    let body = r#"{"id": 700123, "status": "awaiting_moon_phase", "organization": []}"#;
    let fake = FakeDigicert::start(vec![Reply::Json(200, body.into())]).await;
    let order = fake.client().order(OrderId(700_123)).await.unwrap();
    assert_eq!(
        order.status,
        OrderStatus::Other("awaiting_moon_phase".into())
    );
    assert_eq!(order.status.as_str(), "awaiting_moon_phase");
    assert_eq!(order.organization, None, "`[]` means no organization");
}

#[tokio::test]
async fn client_works_behind_a_shared_trait_object() {
    let fake = FakeDigicert::start(vec![Reply::Json(200, body_text("get_account_200.json"))]).await;
    let digicert: Arc<dyn CertCentral> = Arc::new(fake.client());
    let account = digicert.account().await.unwrap();
    assert_eq!(
        account.primary_organization_id,
        Some(OrganizationId(1_850_242))
    );
}

#[tokio::test]
async fn redirects_are_not_followed_so_the_key_stays_with_digicert() {
    let elsewhere =
        FakeDigicert::start(vec![Reply::Json(200, body_text("get_account_200.json"))]).await;
    let fake = FakeDigicert::start(vec![Reply::Redirect(format!(
        "{}/account",
        elsewhere.base_url
    ))])
    .await;
    let error = fake.client().account().await.unwrap_err();
    assert!(matches!(error, Error::Api { status: 302, .. }), "{error:?}");
    assert_eq!(elsewhere.calls(), 0);
}

#[tokio::test]
async fn answer_cut_off_mid_body_is_a_malformed_response() {
    let (base_url, requests) = start_truncating_server(200, r#"{"id": 700123, "sta"#).await;
    let error = client_for(&base_url)
        .order(OrderId(700_123))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::MalformedResponse { status: 200, .. }),
        "{error:?}"
    );
    assert_eq!(requests.load(Ordering::SeqCst), 1, "not retried");
}

#[tokio::test]
async fn order_answer_cut_off_mid_body_asks_for_reconciliation() {
    let (base_url, requests) = start_truncating_server(201, r#"{"id": 70"#).await;
    let error = client_for(&base_url)
        .place_order(&mailbox_order())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::MalformedResponse { status: 201, .. }),
        "{error:?}"
    );
    assert!(error.may_have_taken_effect());
    assert_eq!(requests.load(Ordering::SeqCst), 1);
}
