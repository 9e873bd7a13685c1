//! Black-box tests of the DigiCert sandbox over real HTTP, with openssl and pkilint checks.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers outside #[test] functions: a value that fails to unwrap fails the test"
)]

mod clients;
mod crl;
mod docs;
mod errors;
mod fidelity;
mod interop;
mod issuance;
mod lifecycle;
mod operations;

use std::path::{Path, PathBuf};

use digicert_sim::rate_limit::{RateLimits, RateWindow};
use digicert_sim::{
    AccountSeed, OrganizationSeed, RunningSandbox, SandboxOptions, ValidationSeed, start_in_process,
};
use rcgen::{CertificateParams, KeyPair};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
pub use testkit::tools::{Scratch, run};

pub const KEY_A: &str = "key-account-a";
pub const KEY_B: &str = "key-account-b";

pub struct Harness {
    pub sim: RunningSandbox,
    pub http: Client,
}

pub fn validated() -> ValidationSeed {
    ValidationSeed::Validated {
        validated_until: None,
    }
}

/// Account A: "Example University" (S/MIME validated) with example.edu validated and
/// pending.example.edu pending; account B: another university.
pub fn default_options() -> SandboxOptions {
    SandboxOptions::default()
        .with_account(
            AccountSeed::new(KEY_A).with_organization(
                OrganizationSeed::new("Example University")
                    .with_registration_number("07032501")
                    .with_domain("example.edu", validated())
                    .with_domain("pending-example.org", ValidationSeed::Pending)
                    .with_domain("expired-example.org", ValidationSeed::Expired),
            ),
        )
        .with_account(
            AccountSeed::new(KEY_B).with_organization(
                OrganizationSeed::new("Other University")
                    .with_registration_number("17162543")
                    .with_domain("other.edu", validated()),
            ),
        )
}

pub async fn start() -> Harness {
    start_with(default_options()).await
}

pub async fn start_with(options: SandboxOptions) -> Harness {
    let sim = start_in_process(options).await.expect("sandbox starts");
    Harness {
        sim,
        http: Client::new(),
    }
}

pub fn small_rate_limits(max: usize) -> RateLimits {
    RateLimits {
        windows: vec![RateWindow {
            max_requests: max,
            per: std::time::Duration::from_secs(60),
        }],
    }
}

pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// The first error code of a DigiCert error body.
    pub fn code(&self) -> String {
        self.json()["errors"][0]["code"]
            .as_str()
            .expect("an error code")
            .to_string()
    }
}

impl Harness {
    pub async fn call(&self, key: &str, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.sim.base_url()))
            .header("X-DC-DEVKEY", key);
        if let Some(body) = body {
            req = req.json(&body);
        }
        answer(req.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call(KEY_A, Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(KEY_A, Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.call(KEY_A, Method::PUT, path, Some(body)).await
    }

    pub async fn control(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.sim.control_url()))
            .header("X-Sandbox-Key", self.sim.control_key());
        if let Some(body) = body {
            req = req.json(&body);
        }
        answer(req.send().await.expect("control request sent")).await
    }

    pub async fn raw_get(&self, url: &str) -> (StatusCode, Vec<u8>) {
        let resp = self.http.get(url).send().await.expect("get");
        (resp.status(), resp.bytes().await.expect("body").to_vec())
    }

    pub async fn organization_id(&self, key: &str) -> u64 {
        let list = self
            .call(key, Method::GET, "/organization", None)
            .await
            .json();
        list["organizations"][0]["id"]
            .as_u64()
            .expect("an organization")
    }

    /// Places an order and expects 201.
    pub async fn order(&self, product: &str, body: Value) -> Value {
        let answer = self
            .post(&format!("/order/certificate/{product}"), body)
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        answer.json()
    }
}

async fn answer(resp: reqwest::Response) -> Answer {
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = resp.text().await.expect("body");
    Answer {
        status,
        content_type,
        text,
    }
}

pub fn rsa_key() -> KeyPair {
    KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048).expect("rsa key")
}

pub fn ec_key(alg: &'static rcgen::SignatureAlgorithm) -> KeyPair {
    KeyPair::generate_for(alg).expect("ec key")
}

pub fn csr_pem(key: &KeyPair) -> String {
    let params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .serialize_request(key)
        .expect("csr")
        .pem()
        .expect("pem")
}

/// A client order body as the portal will send it.
pub fn order_body(org_id: u64, email: &str, csr: Option<&str>) -> Value {
    let mut body = json!({
        "certificate": {
            "common_name": "Jane Researcher",
            "emails": [email],
            "signature_hash": "sha256",
            "common_name_indicator": "given_name_surname",
            "individual": {"first_name": "Jane", "last_name": "Researcher"}
        },
        "organization": {"id": org_id},
        "order_validity": {"years": 1},
        "skip_approval": true,
        "comments": "portal-ref:ORD-0001"
    });
    if let Some(csr) = csr {
        body["certificate"]["csr"] = json!(csr);
    }
    body
}

pub fn secure_email_body(
    org_id: Option<u64>,
    email: &str,
    csr: &str,
    profile: &str,
    primary: &str,
) -> Value {
    let mut body = json!({
        "certificate": {
            "emails": [email],
            "csr": csr,
            "signature_hash": "sha256",
            "profile_type": profile,
            "common_name_indicator": "given_name_surname",
            "individual": {"first_name": "Jane", "last_name": "Researcher"},
            "usage_designation": {"primary_usage": primary}
        },
        "order_validity": {"years": 1},
        "skip_approval": true
    });
    if let Some(org_id) = org_id {
        body["organization"] = json!({"id": org_id});
    }
    body
}
