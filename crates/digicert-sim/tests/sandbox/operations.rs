//! The control API, fault injection, persistence, and the organization/domain/product
//! endpoints.

use std::time::{Duration, Instant};

use digicert_sim::OrganizationSeed;
use reqwest::Method;
use serde_json::json;

use super::*;

#[tokio::test]
async fn control_api_requires_its_own_key() {
    let h = start().await;
    let resp = h
        .http
        .get(format!("{}/clock", h.sim.control_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let resp = h
        .http
        .get(format!("{}/clock", h.sim.control_url()))
        .header("X-Sandbox-Key", KEY_A)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403, "an API key is not a control key");
    let resp = h
        .http
        .get(format!("{}/clock", h.sim.control_url()))
        .header("X-DC-DEVKEY", h.sim.control_key())
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        403,
        "the control key is not accepted as an API key header"
    );
    assert_eq!(h.control(Method::GET, "/clock", None).await.status, 200);
}

#[tokio::test]
async fn state_page_lists_accounts_and_orders_without_scripts() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    h.order(
        "client_email_security_plus",
        order_body(org, "jane@example.edu", None),
    )
    .await;
    h.control(Method::PUT, "/faults", Some(json!({"force_429": 3})))
        .await;
    let url = format!("{}/state?key={}", h.sim.control_url(), h.sim.control_key());
    let resp = h.http.get(url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("Example University")
            && html.contains("waiting_pickup")
            && html.contains("portal-ref:ORD-0001"),
        "{html}"
    );
    assert!(html.contains("forced 429s still to come 3"), "{html}");
    assert!(!html.contains("<script"), "no inline script");
    assert!(
        !html.contains(KEY_A),
        "the page shows only the tail of API keys"
    );
    let denied = h
        .http
        .get(format!("{}?key=wrong", h.sim.control_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 403);
}

#[tokio::test]
async fn seeding_over_http_creates_an_isolated_account_with_its_organization() {
    let h = start().await;
    let seeded = h
        .control(
            Method::POST,
            "/accounts",
            Some(json!({
                "api_key": "key-new",
                "organizations": [{"name": "New Institute", "smime": {"state": "pending"},
                                   "domains": [{"name": "new.ac.rs"}, {"name": "old.ac.rs", "state": {"state": "expired"}}]}]
            })),
        )
        .await;
    assert_eq!(seeded.status, 201, "{}", seeded.text);
    let orgs = h
        .call(
            "key-new",
            Method::GET,
            "/organization?include_validation=true",
            None,
        )
        .await
        .json();
    assert_eq!(orgs["organizations"][0]["name"], "New Institute");
    assert_eq!(
        orgs["organizations"][0]["validations"][0]["status"],
        "pending"
    );
    let domains = h
        .call(
            "key-new",
            Method::GET,
            "/domain?filters[validation]=expired",
            None,
        )
        .await
        .json();
    assert_eq!(domains["domains"].as_array().unwrap().len(), 1);
    assert_eq!(domains["domains"][0]["name"], "old.ac.rs");
    let dup = h
        .control(
            Method::POST,
            "/accounts",
            Some(json!({"api_key": "key-new"})),
        )
        .await;
    assert_eq!(dup.status, 409);
}

#[tokio::test]
async fn organization_validation_moves_from_submitted_to_validated() {
    let h = start().await;
    let created = h
        .post(
            "/organization",
            json!({"name": "Faculty of Testing", "country": "rs"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json()["id"].as_u64().unwrap();
    let none = h
        .get(&format!("/organization/{id}/validation"))
        .await
        .json();
    assert_eq!(none, json!({}), "an empty validations list is left out");
    let submitted = h
        .post(
            &format!("/organization/{id}/validation"),
            json!({"validations": [{"type": "smime"}]}),
        )
        .await;
    assert_eq!(submitted.status, 204);
    let pending = h
        .get(&format!("/organization/{id}/validation"))
        .await
        .json();
    assert_eq!(pending["validations"][0]["status"], "pending");
    assert_eq!(pending["validations"][0]["type"], "smime");
    let set = h
        .control(
            Method::PUT,
            &format!("/accounts/{KEY_A}/organizations/{id}/validation"),
            Some(json!({"state": "validated", "validated_until": "2030-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(set.status, 204);
    let info = h.get(&format!("/organization/{id}")).await.json();
    assert_eq!(info["validations"][0]["status"], "active");
    assert_eq!(
        info["validations"][0]["validated_until"],
        "2030-01-01T00:00:00+00:00"
    );
}

#[tokio::test]
async fn dns_token_dcv_validates_once_the_record_is_published() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    let created = h.post("/domain", json!({"name": "physics.example.net", "organization": {"id": org}, "validations": [{"type": "ov"}], "dcv_method": "dns-txt-token"})).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let body = created.json();
    let id = body["id"].as_u64().unwrap();
    assert_eq!(body["dcv_token"]["status"], "pending");
    let first_token = body["dcv_token"]["token"].as_str().unwrap().to_string();

    let renewed = h
        .post(&format!("/domain/{id}/dcv/token"), json!({}))
        .await
        .json();
    assert_ne!(renewed["token"].as_str().unwrap(), first_token);

    let early = h
        .put(&format!("/domain/{id}/dcv/validate-token"), json!({}))
        .await;
    assert_eq!(
        (early.status.as_u16(), early.code()),
        (400, "invalid_dns_txt".to_string())
    );
    let published = h
        .control(
            Method::POST,
            &format!("/accounts/{KEY_A}/domains/{id}/publish-token"),
            None,
        )
        .await;
    assert_eq!(published.status, 204);
    let ok = h
        .put(&format!("/domain/{id}/dcv/validate-token"), json!({}))
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json(), json!({"status": "active"}));

    let info = h
        .get(&format!(
            "/domain/{id}?include_dcv=true&include_validation=true"
        ))
        .await
        .json();
    assert_eq!(info["validations"][0]["status"], "active");
    assert_eq!(info["validations"][0]["dcv_status"], "complete");
    assert_eq!(info["dcv_token"]["status"], "active");
    // Now its addresses can be ordered for.
    let order = h
        .post(
            "/order/certificate/client_premium",
            order_body(org, "a@physics.example.net", Some(&csr_pem(&rsa_key()))),
        )
        .await;
    assert_eq!(order.status, 201, "{}", order.text);

    let bad = h.post("/domain", json!({"name": "x.example.net", "organization": {"id": org}, "validations": [{"type": "ov"}], "dcv_method": "carrier-pigeon"})).await;
    assert_eq!(bad.code(), "invalid_dcv_method");
    let email = h.post("/domain", json!({"name": "mail.example.net", "organization": {"id": org}, "validations": [{"type": "ov"}]})).await.json();
    assert_eq!(email["validation_emails"]["name_scope"], "mail.example.net");
    // Resubmitting the e-mail domain for token DCV answers with a token.
    let email_id = email["id"].as_u64().unwrap();
    let resubmitted = h
        .post(
            &format!("/domain/{email_id}/validation"),
            json!({"validations": [{"type": "ov"}], "dcv_method": "dns-txt-token"}),
        )
        .await;
    assert_eq!(resubmitted.status, 201, "{}", resubmitted.text);
    assert!(resubmitted.json()["dcv_token"]["token"].is_string());
    let info = h
        .get(&format!("/domain/{email_id}?include_dcv=true"))
        .await
        .json();
    assert_eq!(info["dcv_method"], "dns-txt-token");
    assert_eq!(info["is_pending_validation"], true);
}

#[tokio::test]
async fn domain_validation_set_by_control_unblocks_orders_and_its_expiry_blocks_them() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    let domains = h
        .get("/domain?filters[search]=pending-example")
        .await
        .json();
    let id = domains["domains"][0]["id"].as_u64().unwrap();
    let csr = csr_pem(&rsa_key());
    let blocked = h
        .post(
            "/order/certificate/client_premium",
            order_body(org, "x@pending-example.org", Some(&csr)),
        )
        .await;
    assert_eq!(blocked.status, 400);
    h.control(
        Method::PUT,
        &format!("/accounts/{KEY_A}/domains/{id}/validation"),
        Some(json!({"state": "validated"})),
    )
    .await;
    assert_eq!(
        h.post(
            "/order/certificate/client_premium",
            order_body(org, "x@pending-example.org", Some(&csr))
        )
        .await
        .status,
        201
    );
    h.control(
        Method::PUT,
        &format!("/accounts/{KEY_A}/domains/{id}/validation"),
        Some(json!({"state": "expired"})),
    )
    .await;
    assert_eq!(
        h.post(
            "/order/certificate/client_premium",
            order_body(org, "x@pending-example.org", Some(&csr))
        )
        .await
        .status,
        400
    );
}

#[tokio::test]
async fn products_list_the_six_client_products() {
    let h = start().await;
    let list = h.get("/product").await.json();
    let ids: Vec<&str> = list["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "client_premium",
            "client_email_security_plus",
            "client_digital_signature_plus",
            "secure_email_mailbox",
            "secure_email_sponsor",
            "secure_email_organization"
        ]
    );
    let premium = h.get("/product/client_premium").await.json();
    assert_eq!(premium["csr_required"], true);
    assert_eq!(
        premium["signature_hash_types"]["default_hash_type_id"],
        "sha256"
    );
    let me = h.get("/user/me").await.json();
    assert_eq!(me["access_roles"][0]["name"], "Administrator");
}

#[tokio::test]
async fn injected_server_errors_and_forced_429s_are_answered_without_handling() {
    let h = start().await;
    let set = h
        .control(
            Method::PUT,
            "/faults",
            Some(json!({"error_share": 1.0, "error_statuses": [503]})),
        )
        .await;
    assert_eq!(set.status, 204);
    let failed = h.get("/user/me").await;
    assert_eq!(
        (failed.status.as_u16(), failed.code()),
        (503, "service_unavailable".to_string())
    );
    h.control(
        Method::PUT,
        "/faults",
        Some(json!({"error_share": 1.0, "error_statuses": [502]})),
    )
    .await;
    let bad_gateway = h.get("/user/me").await;
    assert_eq!(bad_gateway.status, 502);
    assert!(
        bad_gateway.content_type.starts_with("text/html"),
        "a proxy's 502 is not JSON"
    );
    h.control(Method::PUT, "/faults", Some(json!({"force_429": 2})))
        .await;
    assert_eq!(h.get("/user/me").await.code(), "request_limit_exceeded");
    assert_eq!(h.get("/user/me").await.status, 429);
    assert_eq!(h.get("/user/me").await.status, 200);
    let refused = h
        .control(
            Method::PUT,
            "/faults",
            Some(json!({"error_statuses": [404]})),
        )
        .await;
    assert_eq!(refused.status, 400);
}

#[tokio::test]
async fn injected_latency_and_timeouts_delay_answers() {
    let h = start().await;
    h.control(Method::PUT, "/faults", Some(json!({"latency_ms": 300})))
        .await;
    let started = Instant::now();
    assert_eq!(h.get("/user/me").await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    h.control(
        Method::PUT,
        "/faults",
        Some(json!({"timeout_share": 1.0, "timeout_ms": 5000})),
    )
    .await;
    let impatient = Client::builder()
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let err = impatient
        .get(format!("{}/user/me", h.sim.base_url()))
        .header("X-DC-DEVKEY", KEY_A)
        .send()
        .await
        .expect_err("the request hangs past the client timeout");
    assert!(err.is_timeout(), "{err}");
    assert_eq!(h.control(Method::DELETE, "/faults", None).await.status, 204);
    assert_eq!(h.get("/user/me").await.status, 200);
}

#[tokio::test]
async fn dropped_connection_after_order_created_leaves_the_order_in_place() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    h.control(
        Method::PUT,
        "/faults",
        Some(json!({"drop_after_order_created": 1})),
    )
    .await;
    let mut body = order_body(org, "jane@example.edu", Some(&csr_pem(&rsa_key())));
    body["comments"] = json!("portal-ref:ORD-LOST");
    let sent = h
        .http
        .post(format!(
            "{}/order/certificate/client_premium",
            h.sim.base_url()
        ))
        .header("X-DC-DEVKEY", KEY_A)
        .json(&body)
        .send()
        .await;
    // No status line at all: the client cannot tell whether the order exists.
    assert!(sent.is_err(), "expected a dropped connection, got {sent:?}");
    let found = h
        .get("/order/certificate?filters[search]=ORD-LOST")
        .await
        .json();
    assert_eq!(
        found["page"]["total"], 1,
        "the order was created nonetheless"
    );
    assert_eq!(found["orders"][0]["status"], "issued");
}

#[tokio::test]
async fn state_and_ca_survive_a_restart_with_a_state_dir() {
    let dir = Scratch::new();
    let options = || {
        let mut o = default_options();
        o.state_dir = Some(dir.to_path_buf());
        o
    };
    let h = start_with(options()).await;
    let (order_id, root) = {
        let org = h.organization_id(KEY_A).await;
        let created = h
            .order(
                "client_premium",
                order_body(org, "jane@example.edu", Some(&csr_pem(&rsa_key()))),
            )
            .await;
        h.control(Method::POST, "/clock/advance", Some(json!({"days": 3})))
            .await;
        (created["id"].as_u64().unwrap(), h.sim.root_pem())
    };
    drop(h);
    let mut again = options();
    // A seed for a key that exists already must not reset its account.
    again.accounts[0] =
        AccountSeed::new(KEY_A).with_organization(OrganizationSeed::new("Should Not Appear"));
    let h = start_with(again).await;
    assert_eq!(h.sim.root_pem(), root, "same CA after restart");
    let info = h.get(&format!("/order/certificate/{order_id}")).await;
    assert_eq!(info.status, 200, "{}", info.text);
    assert_eq!(info.json()["status"], "issued");
    let clock = h.control(Method::GET, "/clock", None).await.json();
    assert_eq!(clock["offset_seconds"], 3 * 86_400);
    let orgs = h.get("/organization").await.json();
    assert_eq!(orgs["organizations"].as_array().unwrap().len(), 1);
    assert_eq!(orgs["organizations"][0]["name"], "Example University");
}

#[derive(clap::Parser)]
struct SimCommand {
    #[command(flatten)]
    args: digicert_sim::cli::SimArgs,
}

#[test]
fn sim_arguments_become_sandbox_options() {
    use clap::Parser;
    let dir = Scratch::new();
    let seed = dir.write(
        "seed.json",
        r#"[{"api_key": "k-seeded", "organizations": [{"name": "Seeded"}]}]"#,
    );
    let parsed = SimCommand::try_parse_from([
        "digicert-sim",
        "--api-key",
        "k1",
        "--api-key",
        "k2",
        "--seed",
        seed.to_str().unwrap(),
        "--rate-short-max",
        "7",
        "--rate-long-seconds",
        "60",
        "--control-key",
        "ctl",
        "--state-dir",
        "/tmp/x",
    ])
    .unwrap();
    let options = parsed.args.options().unwrap();
    let keys: Vec<&str> = options
        .accounts
        .iter()
        .map(|a| a.api_key.as_str())
        .collect();
    assert_eq!(keys, ["k-seeded", "k1", "k2"]);
    assert_eq!(options.accounts[0].organizations[0].name, "Seeded");
    assert_eq!(options.rate_limits.windows[0].max_requests, 7);
    assert_eq!(options.rate_limits.windows[1].per, Duration::from_secs(60));
    assert_eq!(options.control_key, "ctl");
    assert_eq!(options.state_dir.as_deref(), Some(Path::new("/tmp/x")));
    assert!(
        SimCommand::try_parse_from(["digicert-sim"]).is_err(),
        "an API key or a seed file is required"
    );
}

#[tokio::test]
async fn the_digicert_sim_program_serves_until_sigterm() {
    testkit::sandbox_program::serves_until_sigterm(env!("CARGO_BIN_EXE_digicert-sim"), &[]).await;
}

#[tokio::test]
async fn domains_can_be_deactivated_and_their_dcv_method_changed() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    let domains = h.get("/domain?filters[search]=example.edu").await.json();
    let id = domains["domains"][0]["id"].as_u64().unwrap();
    let csr = csr_pem(&rsa_key());

    let off = h.put(&format!("/domain/{id}/deactivate"), json!({})).await;
    assert_eq!((off.status.as_u16(), off.text.as_str()), (204, ""));
    let inactive = h.get("/domain?filters[status]=inactive").await.json();
    assert_eq!(inactive["domains"][0]["id"], id);
    let refused = h
        .post(
            "/order/certificate/client_premium",
            order_body(org, "jane@example.edu", Some(&csr)),
        )
        .await;
    assert_eq!(
        refused.code(),
        "email_domain_not_validated|jane@example.edu"
    );
    assert_eq!(
        h.put(&format!("/domain/{id}/activate"), json!({}))
            .await
            .status,
        204
    );
    assert_eq!(
        h.post(
            "/order/certificate/client_premium",
            order_body(org, "jane@example.edu", Some(&csr))
        )
        .await
        .status,
        201
    );

    let txt = h
        .put(
            &format!("/domain/{id}/dcv/method"),
            json!({"dcv_method": "dns-txt-token"}),
        )
        .await;
    assert_eq!(txt.status, 200, "{}", txt.text);
    assert!(txt.json()["dcv_token"]["token"].is_string());
    let resend = h.put(&format!("/domain/{id}/dcv/emails"), json!({})).await;
    assert_eq!(resend.code(), "invalid_dcv_method");
    let email = h
        .put(
            &format!("/domain/{id}/dcv/method"),
            json!({"dcv_method": "email"}),
        )
        .await
        .json();
    assert_eq!(
        email["validation_emails"]["base_emails"][0],
        "admin@example.edu"
    );
    assert_eq!(
        h.put(
            &format!("/domain/{id}/dcv/emails"),
            json!({"email_array": ["admin@example.edu"]})
        )
        .await
        .status,
        204
    );
}
