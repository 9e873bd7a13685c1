//! Order lifecycle scenarios: approval, mailbox validation, pickup, cancel, revoke, expiry,
//! account isolation and the list filters the portal's reconciliation needs.

use reqwest::Method;
use serde_json::json;

use super::*;

async fn status_of(h: &Harness, order_id: u64) -> String {
    h.get(&format!("/order/certificate/{order_id}"))
        .await
        .json()["status"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn crl_path(h: &Harness, dir: &Scratch) -> PathBuf {
    let (status, der) = h
        .raw_get(&format!("{}/pki/TERENASSLCA3-SANDBOX.crl", h.sim.origin()))
        .await;
    assert_eq!(status, 200);
    dir.write("int.crl", der)
}

/// `openssl verify -crl_check` with the intermediate's current CRL.
async fn verify_with_crl(h: &Harness, leaf_pem: &str) -> (bool, String) {
    let dir = Scratch::new();
    let crl = crl_path(h, &dir).await;
    let root = dir.write("root.pem", h.sim.root_pem());
    let int = dir.write("int.pem", h.sim.intermediate_pem());
    let leaf = dir.write("leaf.pem", leaf_pem);
    run(
        "openssl",
        &[
            "verify",
            "-crl_check",
            "-CAfile",
            root.to_str().unwrap(),
            "-untrusted",
            int.to_str().unwrap(),
            "-CRLfile",
            crl.to_str().unwrap(),
            leaf.to_str().unwrap(),
        ],
    )
    .into_parts()
}

async fn issued(h: &Harness, comments: &str) -> (u64, u64, String) {
    let org = h.organization_id(KEY_A).await;
    let mut body = order_body(org, "jane@example.edu", Some(&csr_pem(&rsa_key())));
    body["comments"] = json!(comments);
    let created = h.order("client_email_security_plus", body).await;
    let leaf = created["certificate_chain"][0]["pem"]
        .as_str()
        .unwrap()
        .replace("\r\n", "\n");
    (
        created["id"].as_u64().unwrap(),
        created["certificate_id"].as_u64().unwrap(),
        leaf,
    )
}

#[tokio::test]
async fn order_without_skip_approval_waits_for_the_request_to_be_approved() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    let mut body = order_body(org, "jane@example.edu", Some(&csr_pem(&rsa_key())));
    body["skip_approval"] = json!(false);
    let created = h.order("client_premium", body).await;
    let order_id = created["id"].as_u64().unwrap();
    assert_eq!(created["requests"][0]["status"], "pending");
    assert!(created.get("certificate_chain").is_none());
    assert_eq!(status_of(&h, order_id).await, "needs_approval");

    let pending = h.get("/request?filters[status]=pending").await.json();
    let request = &pending["requests"][0];
    assert_eq!(request["type"], "new_request");
    assert_eq!(request["order"]["id"], order_id);
    let request_id = request["id"].as_u64().unwrap();

    let approved = h
        .put(
            &format!("/request/{request_id}/status"),
            json!({"status": "approved", "processor_comment": "ok"}),
        )
        .await;
    assert_eq!(approved.status, 204);
    assert!(approved.text.is_empty(), "204 has an empty body");
    assert_eq!(status_of(&h, order_id).await, "issued");
    let info = h.get(&format!("/request/{request_id}")).await.json();
    assert_eq!(
        (info["status"].as_str(), info["processor_comment"].as_str()),
        (Some("approved"), Some("ok"))
    );
    assert!(info.get("date_processed").is_some());

    let again = h
        .put(
            &format!("/request/{request_id}/status"),
            json!({"status": "approved"}),
        )
        .await;
    assert_eq!(
        (again.status.as_u16(), again.code()),
        (400, "invalid_status|request".to_string())
    );
}

#[tokio::test]
async fn rejecting_the_request_rejects_the_order() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    let mut body = order_body(org, "jane@example.edu", Some(&csr_pem(&rsa_key())));
    body["skip_approval"] = json!(false);
    let created = h.order("client_premium", body).await;
    let request_id = created["requests"][0]["id"].as_u64().unwrap();
    let rejected = h
        .put(
            &format!("/request/{request_id}/status"),
            json!({"status": "rejected", "processor_comment": "no"}),
        )
        .await;
    assert_eq!(rejected.status, 204);
    assert_eq!(
        status_of(&h, created["id"].as_u64().unwrap()).await,
        "rejected"
    );
}

#[tokio::test]
async fn manual_email_validation_waits_for_the_control_api_and_downloads_fail_before() {
    let h = start().await;
    let settings = h
        .control(
            Method::PUT,
            &format!("/accounts/{KEY_A}/settings"),
            Some(json!({"email_validation": "manual"})),
        )
        .await;
    assert_eq!(settings.status, 204);
    let org = h.organization_id(KEY_A).await;
    let mut body = order_body(org, "jane@example.edu", Some(&csr_pem(&rsa_key())));
    body["certificate"]["emails"] = json!(["jane@example.edu", "j.r@example.edu"]);
    let created = h.order("client_email_security_plus", body).await;
    let order_id = created["id"].as_u64().unwrap();
    assert!(created.get("certificate_id").is_none() && created.get("certificate_chain").is_none());
    let info = h
        .get(&format!("/order/certificate/{order_id}"))
        .await
        .json();
    let cert_id = info["certificate"]["id"]
        .as_u64()
        .expect("the order has its certificate id at once");
    assert!(
        info["certificate"].get("serial_number").is_none(),
        "no serial before issuance"
    );
    assert_eq!(status_of(&h, order_id).await, "pending");

    let ev = h
        .get(&format!("/order/certificate/{order_id}/email-validation"))
        .await
        .json();
    assert_eq!(ev["emails"][0]["status"], "unvalidated");
    assert_eq!(ev["delivery_options"], json!(["api", "browser"]));

    let early = h
        .get(&format!(
            "/certificate/download/order/{order_id}/format/pem_all"
        ))
        .await;
    assert_eq!(
        (early.status.as_u16(), early.code()),
        (404, "not_found|certificate".to_string())
    );
    let early = h
        .get(&format!("/certificate/{cert_id}/download/format/p7b"))
        .await;
    assert_eq!(
        (early.status.as_u16(), early.code()),
        (404, "not_found|certificate".to_string())
    );

    let one = h
        .control(
            Method::POST,
            &format!("/accounts/{KEY_A}/orders/{order_id}/validate-emails"),
            Some(json!({"emails": ["jane@example.edu"]})),
        )
        .await;
    assert_eq!(one.status, 204);
    assert_eq!(
        status_of(&h, order_id).await,
        "pending",
        "one address is still unvalidated"
    );
    h.control(
        Method::POST,
        &format!("/accounts/{KEY_A}/orders/{order_id}/validate-emails"),
        None,
    )
    .await;
    assert_eq!(status_of(&h, order_id).await, "issued");
    let ev = h
        .get(&format!("/order/certificate/{order_id}/email-validation"))
        .await
        .json();
    assert!(
        ev["emails"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["status"] == "validated")
    );
    assert_eq!(
        h.get(&format!("/certificate/{cert_id}/download/format/pem_all"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn order_without_csr_waits_for_pickup_then_issues() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    let created = h
        .order(
            "client_email_security_plus",
            order_body(org, "jane@example.edu", None),
        )
        .await;
    let order_id = created["id"].as_u64().unwrap();
    assert_eq!(status_of(&h, order_id).await, "waiting_pickup");
    let picked = h
        .control(
            Method::POST,
            &format!("/accounts/{KEY_A}/orders/{order_id}/pickup"),
            Some(json!({"csr": csr_pem(&rsa_key())})),
        )
        .await;
    assert_eq!(picked.status, 200, "{}", picked.text);
    assert_eq!(picked.json()["status"], "issued");
    assert_eq!(status_of(&h, order_id).await, "issued");
}

#[tokio::test]
async fn a_pending_order_can_be_canceled_but_an_issued_one_cannot() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    let pending = h
        .order(
            "client_email_security_plus",
            order_body(org, "jane@example.edu", None),
        )
        .await;
    let pending_id = pending["id"].as_u64().unwrap();
    let no_note = h
        .put(
            &format!("/order/certificate/{pending_id}/status"),
            json!({"status": "canceled"}),
        )
        .await;
    assert_eq!(
        (no_note.status.as_u16(), no_note.code()),
        (400, "required_param|note".to_string())
    );
    let canceled = h
        .put(
            &format!("/order/certificate/{pending_id}/status"),
            json!({"status": "CANCELED", "note": "typo"}),
        )
        .await;
    assert_eq!(canceled.status, 204);
    assert!(canceled.text.is_empty());
    assert_eq!(status_of(&h, pending_id).await, "canceled");

    let mut unapproved = order_body(org, "jane@example.edu", None);
    unapproved["skip_approval"] = json!(false);
    let unapproved = h.order("client_email_security_plus", unapproved).await;
    let (order, request) = (
        unapproved["id"].as_u64().unwrap(),
        unapproved["requests"][0]["id"].as_u64().unwrap(),
    );
    h.put(
        &format!("/order/certificate/{order}/status"),
        json!({"status": "canceled", "note": "not needed"}),
    )
    .await;
    let late = h
        .put(
            &format!("/request/{request}/status"),
            json!({"status": "approved"}),
        )
        .await;
    assert_eq!(
        late.code(),
        "invalid_status|request",
        "the canceled order's request is closed"
    );
    assert_eq!(status_of(&h, order).await, "canceled");

    let (issued_id, _, _) = issued(&h, "x").await;
    let refused = h
        .put(
            &format!("/order/certificate/{issued_id}/status"),
            json!({"status": "canceled", "note": "late"}),
        )
        .await;
    assert_eq!(
        (refused.status.as_u16(), refused.code()),
        (400, "invalid_status|order".to_string())
    );
}

#[tokio::test]
async fn revoked_certificate_shows_up_in_crl() {
    let h = start().await;
    let (order_id, cert_id, leaf) = issued(&h, "crl").await;
    let (ok, out) = verify_with_crl(&h, &leaf).await;
    assert!(ok, "valid before revocation: {out}");

    let revoked = h.put(&format!("/certificate/{cert_id}/revoke"), json!({"comments": "left", "revocation_reason": "key_compromise", "skip_approval": true})).await;
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    assert!(revoked.text.is_empty());
    assert_eq!(status_of(&h, order_id).await, "revoked");

    let (ok, out) = verify_with_crl(&h, &leaf).await;
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    let dir = Scratch::new();
    let crl = crl_path(&h, &dir).await;
    let (_, text) = run(
        "openssl",
        &[
            "crl",
            "-inform",
            "DER",
            "-noout",
            "-text",
            "-in",
            crl.to_str().unwrap(),
        ],
    )
    .into_parts();
    // revocation_reason is ignored for client certificates: no reason code on the entry.
    assert!(!text.contains("CRL Reason Code"), "{text}");
    assert!(text.contains("Issuer: C = NL, ST = Noord-Holland, L = Amsterdam, O = SANDBOX TERENA, CN = SANDBOX TERENA SSL CA 3"), "{text}");
}

#[tokio::test]
async fn revoking_without_skip_approval_files_a_request_that_revokes_when_approved() {
    let h = start().await;
    let (order_id, _, leaf) = issued(&h, "req").await;
    let filed = h
        .put(
            &format!("/order/certificate/{order_id}/revoke"),
            json!({"comments": "left the institution", "revocation_reason": "superseded"}),
        )
        .await;
    assert_eq!(filed.status, 201, "{}", filed.text);
    let request = filed.json();
    assert_eq!(
        (request["type"].as_str(), request["status"].as_str()),
        (Some("revoke"), Some("pending"))
    );
    assert_eq!(request["comments"], "left the institution");
    assert!(
        verify_with_crl(&h, &leaf).await.0,
        "not revoked before approval"
    );
    assert_eq!(status_of(&h, order_id).await, "issued");

    let listed = h
        .get("/request?filters[type]=revoke&filters[status]=pending")
        .await
        .json();
    assert_eq!(listed["requests"].as_array().unwrap().len(), 1);
    let id = request["id"].as_u64().unwrap();
    assert_eq!(
        h.put(
            &format!("/request/{id}/status"),
            json!({"status": "approved"})
        )
        .await
        .status,
        204
    );
    assert_eq!(status_of(&h, order_id).await, "revoked");
    let (ok, out) = verify_with_crl(&h, &leaf).await;
    assert!(!ok && out.contains("certificate revoked"), "{out}");
}

#[tokio::test]
async fn accounts_never_see_each_others_data() {
    let h = start().await;
    let (order_id, cert_id, _) = issued(&h, "mine").await;
    let h = &h;
    let b = |path: String| async move { h.call(KEY_B, Method::GET, &path, None).await };
    assert_eq!(
        b(format!("/order/certificate/{order_id}")).await.code(),
        "not_found|order"
    );
    assert_eq!(
        b(format!("/certificate/{cert_id}/download/format/pem_all"))
            .await
            .code(),
        "not_found|order"
    );
    assert!(
        b("/order/certificate".to_string())
            .await
            .json()
            .get("orders")
            .is_none()
    );
    let orgs = b("/organization".to_string()).await.json();
    assert_eq!(orgs["organizations"].as_array().unwrap().len(), 1);
    assert_eq!(orgs["organizations"][0]["name"], "Other University");
    let a_org = h.organization_id(KEY_A).await;
    assert_eq!(b(format!("/organization/{a_org}")).await.status, 404);
    let revoke = h
        .call(
            KEY_B,
            Method::PUT,
            &format!("/certificate/{cert_id}/revoke"),
            Some(json!({"skip_approval": true})),
        )
        .await;
    assert_eq!(revoke.status, 404);
    // Account A's order is still issued after B's attempt.
    assert_eq!(status_of(h, order_id).await, "issued");
}

#[tokio::test]
async fn moving_the_clock_expires_certificates_and_validations() {
    let h = start().await;
    let (order_id, _, _) = issued(&h, "clock").await;
    let moved = h
        .control(Method::POST, "/clock/advance", Some(json!({"days": 400})))
        .await
        .json();
    assert_eq!(moved["offset_seconds"], 400 * 86_400);
    assert_eq!(status_of(&h, order_id).await, "expired");
    // `issued` also matches expired orders in the list filter.
    let listed = h
        .get("/order/certificate?filters[status]=issued")
        .await
        .json();
    assert_eq!(listed["orders"][0]["status"], "expired");
    // The domain validation (397 days) has lapsed too.
    let org = h.organization_id(KEY_A).await;
    let refused = h
        .post(
            "/order/certificate/client_premium",
            order_body(org, "jane@example.edu", Some(&csr_pem(&rsa_key()))),
        )
        .await;
    assert_eq!(
        refused.code(),
        "email_domain_not_validated|jane@example.edu"
    );
}

#[tokio::test]
async fn search_finds_the_portal_reference_in_comments_and_pages_work() {
    let h = start().await;
    let (first, _, _) = issued(&h, "portal-ref:ORD-0001").await;
    let (second, _, _) = issued(&h, "portal-ref:ORD-0002").await;
    let found = h
        .get("/order/certificate?filters[search]=%25ORD-0002")
        .await
        .json();
    let ids: Vec<u64> = found["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, vec![second]);
    assert_eq!(
        found["page"],
        json!({"total": 1, "limit": 1000, "offset": 0})
    );
    let page = h.get("/order/certificate?limit=1&offset=1").await.json();
    assert_eq!(page["page"], json!({"total": 2, "limit": 1, "offset": 1}));
    assert_eq!(
        page["orders"][0]["id"], first,
        "newest first, so the second page is the older order"
    );
    let by_email = h.get("/order/certificate?filters[email]=jane@example.edu&filters[product_name_id]=client_email_security_plus").await.json();
    assert_eq!(by_email["page"]["total"], 2);
    let none = h
        .get("/order/certificate?filters[status]=revoked")
        .await
        .json();
    assert!(none.get("orders").is_none());
}

#[tokio::test]
async fn automatic_request_approval_approves_orders_and_revocations_at_once() {
    let h = start().await;
    let set = h
        .control(
            Method::PUT,
            &format!("/accounts/{KEY_A}/settings"),
            Some(json!({"request_approval": "automatic"})),
        )
        .await;
    assert_eq!(set.status, 204);
    let org = h.organization_id(KEY_A).await;
    let mut body = order_body(org, "jane@example.edu", Some(&csr_pem(&rsa_key())));
    body["skip_approval"] = json!(false);
    let created = h.order("client_premium", body).await;
    assert_eq!(created["requests"][0]["status"], "approved");
    let order_id = created["id"].as_u64().unwrap();
    assert_eq!(status_of(&h, order_id).await, "issued");
    let revoke = h
        .put(
            &format!("/order/certificate/{order_id}/revoke"),
            json!({"comments": "test"}),
        )
        .await;
    assert_eq!(revoke.status, 201);
    assert_eq!(revoke.json()["status"], "approved");
    assert_eq!(status_of(&h, order_id).await, "revoked");
}

#[tokio::test]
async fn dates_come_from_the_injected_clock() {
    let mut options = default_options();
    options.clock = std::sync::Arc::new(clock::ManualClock::new(
        time::macros::datetime!(2031-03-01 12:00 UTC),
    ));
    let h = start_with(options).await;
    let (order_id, _, leaf) = issued(&h, "fixed").await;
    let info = h
        .get(&format!("/order/certificate/{order_id}"))
        .await
        .json();
    assert_eq!(info["date_created"], "2031-03-01T12:00:00+00:00");
    assert_eq!(info["certificate"]["valid_from"], "2031-03-01");
    assert_eq!(info["certificate"]["valid_till"], "2032-03-01");
    let dir = Scratch::new();
    let path = dir.write("leaf.pem", &leaf);
    let (_, dates) = run(
        "openssl",
        &["x509", "-noout", "-dates", "-in", path.to_str().unwrap()],
    )
    .into_parts();
    assert!(
        dates.contains("notBefore=Mar  1 12:00:00 2031 GMT"),
        "{dates}"
    );
}

#[tokio::test]
async fn a_certificate_can_be_revoked_by_serial_number_but_not_twice() {
    let h = start().await;
    let (order_id, _, _) = issued(&h, "serial").await;
    let info = h
        .get(&format!("/order/certificate/{order_id}"))
        .await
        .json();
    let serial = info["certificate"]["serial_number"]
        .as_str()
        .unwrap()
        .to_string();
    let filed = h
        .put(
            &format!("/certificate/{serial}/revoke"),
            json!({"comment": "by serial"}),
        )
        .await;
    assert_eq!(filed.status, 201, "{}", filed.text);
    let request = filed.json()["id"].as_u64().unwrap();
    assert_eq!(
        h.put(
            &format!("/request/{request}/status"),
            json!({"status": "approved"})
        )
        .await
        .status,
        204
    );
    assert_eq!(status_of(&h, order_id).await, "revoked");
    let again = h
        .put(
            &format!("/certificate/{serial}/revoke"),
            json!({"skip_approval": true}),
        )
        .await;
    assert_eq!(
        (again.status.as_u16(), again.code()),
        (400, "invalid_status|certificate".to_string())
    );
}

#[tokio::test]
async fn a_client_certificate_revocation_ignores_the_revocation_reason_as_digicert_documents() {
    let h = start().await;
    let (order_id, _, _) = issued(&h, "reason").await;
    let revoked = h
        .put(
            &format!("/order/certificate/{order_id}/revoke"),
            json!({"revocation_reason": "boredom", "skip_approval": true}),
        )
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    assert_eq!(status_of(&h, order_id).await, "revoked");
}

#[tokio::test]
async fn reissue_with_a_new_key_gives_the_order_a_new_certificate() {
    let h = start().await;
    let (order_id, old_cert, old_leaf) = issued(&h, "reissue").await;
    let new_key = ec_key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let reissued = h
        .post(&format!("/order/certificate/{order_id}/reissue"), json!({"certificate": {"csr": csr_pem(&new_key)}, "skip_approval": true, "comments": "key rollover"}))
        .await;
    assert_eq!(reissued.status, 201, "{}", reissued.text);
    let body = reissued.json();
    assert_eq!(body["id"], order_id);
    assert_eq!(
        body["requests"].as_array().unwrap().len(),
        1,
        "only the reissue request"
    );
    assert_eq!(body["requests"][0]["status"], "approved");
    let new_cert = body["certificate_id"].as_u64().unwrap();
    assert_ne!(new_cert, old_cert);
    let new_leaf = body["certificate_chain"][0]["pem"]
        .as_str()
        .unwrap()
        .replace("\r\n", "\n");
    assert_ne!(new_leaf, old_leaf);

    let info = h
        .get(&format!("/order/certificate/{order_id}"))
        .await
        .json();
    assert_eq!(
        (info["status"].as_str(), info["certificate"]["id"].as_u64()),
        (Some("issued"), Some(new_cert))
    );
    assert_eq!(info["certificate"]["key_size"], 256);
    let types: Vec<&str> = info["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["new_request", "reissue"]);
    // The first certificate stays downloadable and valid; revoking the order revokes both.
    assert_eq!(
        h.get(&format!("/certificate/{old_cert}/download/format/pem_all"))
            .await
            .status,
        200
    );
    let revoked = h
        .put(
            &format!("/order/certificate/{order_id}/revoke"),
            json!({"skip_approval": true}),
        )
        .await;
    assert_eq!(revoked.status, 204);
    for leaf in [&old_leaf, &new_leaf] {
        let (ok, out) = verify_with_crl(&h, leaf).await;
        assert!(!ok && out.contains("certificate revoked"), "{out}");
    }
}

#[tokio::test]
async fn a_reissue_awaiting_approval_keeps_the_certificate_and_can_be_canceled() {
    let h = start().await;
    let (order_id, cert_id, leaf) = issued(&h, "pending reissue").await;
    let filed = h
        .post(
            &format!("/order/certificate/{order_id}/reissue"),
            json!({"certificate": {"csr": csr_pem(&rsa_key())}}),
        )
        .await;
    assert_eq!(filed.status, 201, "{}", filed.text);
    let filed = filed.json();
    assert_eq!(filed["requests"][0]["status"], "pending");
    assert!(filed.get("certificate_id").is_none());
    assert_eq!(status_of(&h, order_id).await, "reissue_pending");
    let listed = h
        .get("/order/certificate?filters[status]=reissue_pending")
        .await
        .json();
    assert_eq!(listed["page"]["total"], 1);
    // The current certificate is still the order's, valid, and cannot be revoked meanwhile.
    let current = h
        .get(&format!(
            "/certificate/download/order/{order_id}/format/pem_noroot"
        ))
        .await;
    assert!(
        current.text.starts_with(&leaf),
        "the order still serves its first certificate"
    );
    assert!(verify_with_crl(&h, &leaf).await.0);
    let refused = h
        .put(
            &format!("/certificate/{cert_id}/revoke"),
            json!({"skip_approval": true}),
        )
        .await;
    assert_eq!(refused.code(), "invalid_status|order");
    let again = h
        .post(
            &format!("/order/certificate/{order_id}/reissue"),
            json!({"certificate": {"csr": csr_pem(&rsa_key())}}),
        )
        .await;
    assert_eq!(
        again.code(),
        "invalid_status|order",
        "one reissue at a time"
    );

    let canceled = h
        .put(
            &format!("/order/certificate/{order_id}/status"),
            json!({"status": "canceled", "note": "kept the old key"}),
        )
        .await;
    assert_eq!(canceled.status, 204);
    assert_eq!(status_of(&h, order_id).await, "issued");
    let request = filed["requests"][0]["id"].as_u64().unwrap();
    let late = h
        .put(
            &format!("/request/{request}/status"),
            json!({"status": "approved"}),
        )
        .await;
    assert_eq!(late.code(), "invalid_status|request");
}

#[tokio::test]
async fn an_approved_reissue_issues_and_a_rejected_one_leaves_the_order_as_it_was() {
    let h = start().await;
    let (order_id, cert_id, _) = issued(&h, "decide reissue").await;
    let h = &h;
    let reissue = || {
        let body = json!({"certificate": {"csr": csr_pem(&rsa_key())}});
        let path = format!("/order/certificate/{order_id}/reissue");
        async move {
            h.post(&path, body).await.json()["requests"][0]["id"]
                .as_u64()
                .unwrap()
        }
    };
    let rejected = reissue().await;
    assert_eq!(
        h.put(
            &format!("/request/{rejected}/status"),
            json!({"status": "rejected"})
        )
        .await
        .status,
        204
    );
    let info = h
        .get(&format!("/order/certificate/{order_id}"))
        .await
        .json();
    assert_eq!(
        (info["status"].as_str(), info["certificate"]["id"].as_u64()),
        (Some("issued"), Some(cert_id))
    );
    let approved = reissue().await;
    assert_eq!(
        h.put(
            &format!("/request/{approved}/status"),
            json!({"status": "approved"})
        )
        .await
        .status,
        204
    );
    let info = h
        .get(&format!("/order/certificate/{order_id}"))
        .await
        .json();
    assert_eq!(info["status"], "issued");
    assert_ne!(info["certificate"]["id"].as_u64(), Some(cert_id));
    // Premium needs a CSR on reissue as on ordering; a canceled order cannot be reissued.
    let premium_org = h.organization_id(KEY_A).await;
    let premium = h
        .order(
            "client_premium",
            order_body(premium_org, "jane@example.edu", Some(&csr_pem(&rsa_key()))),
        )
        .await;
    let no_csr = h
        .post(
            &format!("/order/certificate/{}/reissue", premium["id"]),
            json!({}),
        )
        .await;
    assert_eq!(no_csr.code(), "required_param|certificate.csr");
}
