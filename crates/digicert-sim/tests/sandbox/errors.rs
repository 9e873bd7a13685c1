//! Bad input gets DigiCert's status and error code, never a crash (issue 4, digicert-api.md §2).

use digicert_sim::rate_limit::{RateLimits, RateWindow};
use digicert_sim::{AccessRole, AccountSeed, OrganizationSeed, SandboxOptions};
use reqwest::Method;
use serde_json::json;

use super::*;

fn openssl_csr(dir: &Path, newkey: &[&str]) -> String {
    let key = dir.join("k.pem");
    let csr = dir.join("r.csr");
    let mut args = vec!["req", "-new", "-nodes", "-subj", "/CN=x"];
    args.extend_from_slice(newkey);
    args.extend_from_slice(&[
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        csr.to_str().unwrap(),
    ]);
    let (ok, out) = run("openssl", &args).into_parts();
    assert!(ok, "{out}");
    std::fs::read_to_string(csr).unwrap()
}

async fn expect(answer: Answer, status: u16, code: &str) {
    assert_eq!(answer.status.as_u16(), status, "{}", answer.text);
    assert_eq!(answer.code(), code, "{}", answer.text);
    assert_eq!(answer.content_type, "application/json");
}

#[tokio::test]
async fn missing_or_wrong_key_is_403_access_denied_invalid_key() {
    let h = start().await;
    expect(
        h.call("nope", Method::GET, "/account", None).await,
        403,
        "access_denied|access_denied_invalid_key",
    )
    .await;
    let resp = h
        .http
        .get(format!("{}/account", h.sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"errors":[{"code":"access_denied|access_denied_invalid_key","message":"Access denied due to access_denied_invalid_key."}]})
    );
}

#[tokio::test]
async fn unknown_route_product_order_and_certificate_are_404() {
    let h = start().await;
    expect(h.get("/no/such/thing").await, 404, "not_found|route").await;
    expect(h.get("/product/ssl_nope").await, 404, "not_found|product").await;
    expect(
        h.post("/order/certificate/ssl_nope", json!({})).await,
        404,
        "not_found|product",
    )
    .await;
    expect(
        h.get("/order/certificate/999999999").await,
        404,
        "not_found|order",
    )
    .await;
    expect(
        h.get("/certificate/999999999/download/format/pem_all")
            .await,
        404,
        "not_found|order",
    )
    .await;
}

#[tokio::test]
async fn malformed_json_and_missing_fields_are_refused() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    let resp = h
        .http
        .post(format!(
            "{}/order/certificate/client_premium",
            h.sim.base_url()
        ))
        .header("X-DC-DEVKEY", KEY_A)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["errors"][0]["code"],
        "bad_request_format"
    );

    let csr = csr_pem(&rsa_key());
    let mut no_emails = order_body(org, "jane@example.edu", Some(&csr));
    no_emails["certificate"]
        .as_object_mut()
        .unwrap()
        .remove("emails");
    expect(
        h.post("/order/certificate/client_premium", no_emails).await,
        400,
        "required_param|certificate.emails",
    )
    .await;
    let mut no_hash = order_body(org, "jane@example.edu", Some(&csr));
    no_hash["certificate"]
        .as_object_mut()
        .unwrap()
        .remove("signature_hash");
    expect(
        h.post("/order/certificate/client_premium", no_hash).await,
        400,
        "required_param|certificate.signature_hash",
    )
    .await;
    let no_csr = order_body(org, "jane@example.edu", None);
    expect(
        h.post("/order/certificate/client_premium", no_csr).await,
        400,
        "required_param|certificate.csr",
    )
    .await;
    let mut no_usage = secure_email_body(Some(org), "jane@example.edu", &csr, "strict", "signing");
    no_usage["certificate"]
        .as_object_mut()
        .unwrap()
        .remove("usage_designation");
    expect(
        h.post("/order/certificate/secure_email_sponsor", no_usage)
            .await,
        400,
        "required_param|certificate.usage_designation",
    )
    .await;
    let mut no_individual =
        secure_email_body(Some(org), "jane@example.edu", &csr, "strict", "signing");
    no_individual["certificate"]
        .as_object_mut()
        .unwrap()
        .remove("individual");
    expect(
        h.post("/order/certificate/secure_email_sponsor", no_individual)
            .await,
        400,
        "required_param|certificate.individual",
    )
    .await;
}

#[tokio::test]
async fn bad_csrs_are_refused_with_the_reason() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    let dir = Scratch::new();
    let rsa1024 = openssl_csr(&dir, &["-newkey", "rsa:1024"]);
    let k256 = openssl_csr(
        &dir,
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
    );
    let good = csr_pem(&rsa_key());
    let der = pki::pem::decode_all(&good).remove(0).der;
    let mut tampered = der.clone();
    let mid = tampered.len() / 2;
    tampered[mid] ^= 0x01;
    let tampered = pki::pem::encode("CERTIFICATE REQUEST", &tampered);
    for (csr, code, words) in [
        ("garbage", "csr_invalid_cannot_parse", "not valid"),
        (rsa1024.as_str(), "csr_invalid_key_size", "1024 bits"),
        (k256.as_str(), "csr_invalid_key_type", "1.3.132.0.10"),
        (tampered.as_str(), "csr_invalid_signature", "signature"),
    ] {
        let answer = h
            .post(
                "/order/certificate/client_premium",
                order_body(org, "jane@example.edu", Some(csr)),
            )
            .await;
        assert!(
            answer.json()["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(words),
            "{}",
            answer.text
        );
        expect(answer, 400, code).await;
    }
}

#[tokio::test]
async fn emails_outside_validated_domains_and_unvalidated_orgs_are_refused() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    let csr = csr_pem(&rsa_key());
    for email in [
        "x@gmail.com",
        "x@pending-example.org",
        "x@expired-example.org",
        "x@other.edu",
    ] {
        let answer = h
            .post(
                "/order/certificate/client_premium",
                order_body(org, email, Some(&csr)),
            )
            .await;
        expect(answer, 400, &format!("email_domain_not_validated|{email}")).await;
    }
    let sub = h
        .post(
            "/order/certificate/client_premium",
            order_body(org, "x@dept.example.edu", Some(&csr)),
        )
        .await;
    assert_eq!(sub.status, 201, "subdomains are covered: {}", sub.text);
    let key = h.sim.api_key().to_string();
    h.control(
        Method::PUT,
        &format!("/accounts/{key}/organizations/{org}/validation"),
        Some(json!({"state": "expired"})),
    )
    .await;
    let answer = h
        .post(
            "/order/certificate/client_premium",
            order_body(org, "jane@example.edu", Some(&csr)),
        )
        .await;
    expect(answer, 400, "organization_not_validated|smime").await;
}

#[tokio::test]
async fn validity_over_the_limit_is_refused() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    let csr = csr_pem(&rsa_key());
    let mut three_years = order_body(org, "jane@example.edu", Some(&csr));
    three_years["order_validity"] = json!({"years": 3});
    expect(
        h.post("/order/certificate/client_premium", three_years)
            .await,
        400,
        "invalid_order_validity",
    )
    .await;
    let mut days = secure_email_body(Some(org), "jane@example.edu", &csr, "strict", "signing");
    days["order_validity"] = json!({"days": 826});
    expect(
        h.post("/order/certificate/secure_email_sponsor", days.clone())
            .await,
        400,
        "invalid_order_validity",
    )
    .await;
    let mut longer_cert = days.clone();
    longer_cert["order_validity"] = json!({"years": 1});
    longer_cert["certificate"]["cert_validity"] = json!({"days": 400});
    expect(
        h.post(
            "/order/certificate/secure_email_sponsor",
            longer_cert.clone(),
        )
        .await,
        400,
        "cert_validity_exceeds_order_validity",
    )
    .await;
    longer_cert["certificate"]["cert_validity"] = json!({"days": 90});
    let shorter = h
        .post("/order/certificate/secure_email_sponsor", longer_cert)
        .await
        .json();
    assert_eq!(
        shorter["certificate_chain"].as_array().map(Vec::len),
        Some(3)
    );
    let info = h
        .get(&format!("/order/certificate/{}", shorter["id"]))
        .await
        .json();
    assert_eq!(info["certificate"]["cert_validity"], json!({"days": 90}));
    let ymd = time::macros::format_description!("[year]-[month]-[day]");
    let date =
        |key: &str| time::Date::parse(info["certificate"][key].as_str().unwrap(), ymd).unwrap();
    assert_eq!((date("valid_till") - date("valid_from")).whole_days(), 90);
    days["order_validity"] = json!({"days": 825});
    assert_eq!(
        h.post("/order/certificate/secure_email_sponsor", days)
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn a_ten_megabyte_body_gets_a_json_error() {
    let h = start().await;
    let big = format!("{{\"comments\":\"{}\"}}", "a".repeat(10 * 1024 * 1024));
    let resp = h
        .http
        .post(format!(
            "{}/order/certificate/client_premium",
            h.sim.base_url()
        ))
        .header("X-DC-DEVKEY", KEY_A)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["errors"][0]["code"],
        "request_entity_too_large"
    );
}

#[tokio::test]
async fn rate_limit_answers_429_request_limit_exceeded() {
    let mut options = default_options();
    options.rate_limits = small_rate_limits(3);
    let h = start_with(options).await;
    for _ in 0..3 {
        assert_eq!(h.get("/user/me").await.status, 200);
    }
    expect(h.get("/user/me").await, 429, "request_limit_exceeded").await;
    // Limits are per key: the other account is unaffected.
    assert_eq!(
        h.call(KEY_B, Method::GET, "/user/me", None).await.status,
        200
    );
}

#[tokio::test]
async fn both_rate_limit_windows_apply() {
    let mut options = default_options();
    options.rate_limits = RateLimits {
        windows: vec![
            RateWindow {
                max_requests: 2,
                per: std::time::Duration::from_secs(3),
            },
            RateWindow {
                max_requests: 3,
                per: std::time::Duration::from_secs(60),
            },
        ],
    };
    let h = start_with(options).await;
    assert_eq!(h.get("/user/me").await.status, 200);
    assert_eq!(h.get("/user/me").await.status, 200);
    expect(h.get("/user/me").await, 429, "request_limit_exceeded").await;
    tokio::time::sleep(std::time::Duration::from_millis(3200)).await;
    assert_eq!(
        h.get("/user/me").await.status,
        200,
        "the short window rolled over"
    );
    expect(h.get("/user/me").await, 429, "request_limit_exceeded").await;
}

#[tokio::test]
async fn a_view_only_key_may_read_but_not_write() {
    let options = SandboxOptions::default().with_account(
        AccountSeed::new("key-viewer")
            .with_access_role(AccessRole::ViewOnly)
            .with_organization(
                OrganizationSeed::new("Read Only University").with_domain("ro.edu", validated()),
            ),
    );
    let h = start_with(options).await;
    let me = h
        .call("key-viewer", Method::GET, "/user/me", None)
        .await
        .json();
    assert_eq!(me["access_roles"][0]["name"], "View Only");
    let org = h.organization_id("key-viewer").await;
    let order = h
        .call(
            "key-viewer",
            Method::POST,
            "/order/certificate/client_premium",
            Some(order_body(org, "a@ro.edu", None)),
        )
        .await;
    expect(order, 403, "access_denied|missing_permission").await;
}

#[tokio::test]
async fn an_orders_key_cannot_skip_or_give_approval() {
    let options = SandboxOptions::default().with_account(
        AccountSeed::new("key-orders")
            .with_access_role(AccessRole::Orders)
            .with_organization(
                OrganizationSeed::new("Orders University").with_domain("orders.edu", validated()),
            ),
    );
    let h = start_with(options).await;
    let org = h.organization_id("key-orders").await;
    let body = order_body(org, "a@orders.edu", Some(&csr_pem(&rsa_key())));
    let created = h
        .call(
            "key-orders",
            Method::POST,
            "/order/certificate/client_premium",
            Some(body),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let created = created.json();
    assert_eq!(
        created["requests"][0]["status"], "pending",
        "skip_approval needs an administrator key"
    );
    let request = created["requests"][0]["id"].as_u64().unwrap();
    let approve = h
        .call(
            "key-orders",
            Method::PUT,
            &format!("/request/{request}/status"),
            Some(json!({"status": "approved"})),
        )
        .await;
    expect(approve, 403, "access_denied|invalid_approver").await;
    let domain = h.call("key-orders", Method::POST, "/domain", Some(json!({"name": "x.orders.edu", "organization": {"id": org}, "validations": [{"type": "ov"}]}))).await;
    expect(domain, 403, "access_denied|missing_permission").await;
}
