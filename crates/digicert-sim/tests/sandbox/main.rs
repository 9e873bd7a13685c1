//! Black-box tests of the DigiCert sandbox over real HTTP, with openssl and pkilint checks.
// Repeated from the crate root so these modules stay lint-clean whatever root they are merged into.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod errors;
mod fidelity;
pub(crate) mod issuance;
mod lifecycle;
mod operations;

use std::path::{Path, PathBuf};
use std::process::Command;

use rcgen::{CertificateParams, KeyPair};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use tcs_portal::sandbox::rate_limit::{RateLimits, RateWindow};
use tcs_portal::sandbox::{
    AccountSeed, OrganizationSeed, RunningSandbox, SandboxOptions, ValidationSeed, start_in_process,
};

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
                    .with_domain("example.edu", validated())
                    .with_domain("pending-example.org", ValidationSeed::Pending)
                    .with_domain("expired-example.org", ValidationSeed::Expired),
            ),
        )
        .with_account(AccountSeed::new(KEY_B).with_organization(
            OrganizationSeed::new("Other University").with_domain("other.edu", validated()),
        ))
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

/// A scratch directory for files handed to openssl/pkilint, removed when dropped.
pub struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Best effort: a leftover temporary directory is harmless.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!(
        "tcs-sandbox-{}-{name}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    Scratch(dir)
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

pub fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write scratch file");
    path
}

/// Runs a command and returns (success, stdout+stderr).
pub fn run(program: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}
