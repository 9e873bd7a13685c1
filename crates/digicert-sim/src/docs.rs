//! What a newcomer reads about the sandbox: the control API's routes and a worked `curl`
//! example. One table here feeds `digicert-sim --help`, the page at `/` and (checked by a
//! test) the README, so the three cannot drift apart.

use askama::Template;

use super::ca::{
    INTERMEDIATE_CERT_PATH, INTERMEDIATE_CRL_PATH, ROOT_CERT_PATH, ROOT_CN, ROOT_CRL_PATH,
};

/// The page at `/`: the routes and the worked example.
#[derive(Template)]
#[template(path = "sandbox/index.html")]
pub struct IndexPage {
    pub root_cn: &'static str,
    pub example: String,
    pub validation_seed: &'static str,
    pub control_routes: &'static [RouteDoc],
    pub services_routes: &'static [(&'static str, &'static str)],
    pub root_cert: &'static str,
    pub root_crl: &'static str,
    pub intermediate_cert: &'static str,
    pub intermediate_crl: &'static str,
}

impl IndexPage {
    /// The page for a visitor who reached the sandbox at `origin`.
    pub fn new(origin: &str) -> Self {
        Self {
            root_cn: ROOT_CN,
            example: worked_example(origin),
            validation_seed: VALIDATION_SEED,
            control_routes: CONTROL_ROUTES,
            services_routes: SERVICES_ROUTES,
            root_cert: ROOT_CERT_PATH,
            root_crl: ROOT_CRL_PATH,
            intermediate_cert: INTERMEDIATE_CERT_PATH,
            intermediate_crl: INTERMEDIATE_CRL_PATH,
        }
    }
}

/// One route of the control API.
#[derive(Debug, Clone, Copy)]
pub struct RouteDoc {
    pub method: &'static str,
    pub path: &'static str,
    pub body: &'static str,
    pub effect: &'static str,
}

/// Every control-API route, under `/sandbox`, all behind the header `X-Sandbox-Key`.
pub const CONTROL_ROUTES: &[RouteDoc] = &[
    RouteDoc {
        method: "GET",
        path: "/sandbox/state",
        body: "",
        effect: "HTML page of every account, organization, domain and order (also `GET /sandbox`; takes `?key=` as a browser cannot add headers to a link)",
    },
    RouteDoc {
        method: "POST",
        path: "/sandbox/accounts",
        body: r#"{"api_key", "organizations"?: [...], "email_validation"?, "request_approval"?, "access_role"?}"#,
        effect: "a new isolated account with its API key (409 if the key exists)",
    },
    RouteDoc {
        method: "POST",
        path: "/sandbox/accounts/{key}/organizations",
        body: r#"{"name", "registration_number"?, "country"?, "city"?, "assumed_name"?, "smime"?: ValidationSeed, "domains"?: [{"name", "state"?}]}"#,
        effect: "an organization (S/MIME validated unless `smime` says otherwise), with its domains; answers `{\"id\"}`",
    },
    RouteDoc {
        method: "PUT",
        path: "/sandbox/accounts/{key}/organizations/{id}/validation",
        body: "ValidationSeed",
        effect: "sets the organization's S/MIME validation state and expiry",
    },
    RouteDoc {
        method: "POST",
        path: "/sandbox/accounts/{key}/domains",
        body: r#"{"name", "organization_id", "state"?: ValidationSeed, "dcv_method"?}"#,
        effect: "a domain of an organization; answers `{\"id\"}`",
    },
    RouteDoc {
        method: "PUT",
        path: "/sandbox/accounts/{key}/domains/{id}/validation",
        body: "ValidationSeed",
        effect: "sets the domain's validation state and expiry",
    },
    RouteDoc {
        method: "POST",
        path: "/sandbox/accounts/{key}/domains/{id}/publish-token",
        body: "",
        effect: "\"the DNS/HTTP token is in place\": the next `validate-token` succeeds",
    },
    RouteDoc {
        method: "PUT",
        path: "/sandbox/accounts/{key}/settings",
        body: r#"{"email_validation"?: "automatic"|"manual", "request_approval"?: "automatic"|"manual", "access_role"?, "mis_issue_profiles"?: N}"#,
        effect: "how mailboxes validate and requests are approved, the key's role, and the next N certificates issued with the wrong S/MIME profile (a CA mistake for clients to catch)",
    },
    RouteDoc {
        method: "POST",
        path: "/sandbox/accounts/{key}/orders/{id}/validate-emails",
        body: r#"{"emails"?: [...]} or nothing"#,
        effect: "the recipients validate their addresses (all, or the ones named)",
    },
    RouteDoc {
        method: "POST",
        path: "/sandbox/accounts/{key}/orders/{id}/pickup",
        body: r#"{"csr"}"#,
        effect: "the recipient's key for an order placed without a CSR; issues it",
    },
    RouteDoc {
        method: "GET",
        path: "/sandbox/clock",
        body: "",
        effect: "the simulated time and its offset from the real one",
    },
    RouteDoc {
        method: "POST",
        path: "/sandbox/clock/advance",
        body: r#"{"days"?, "hours"?, "seconds"?}"#,
        effect: "moves the simulated time forward (validations and certificates expire, CRLs fall due)",
    },
    RouteDoc {
        method: "GET, PUT, DELETE",
        path: "/sandbox/faults",
        body: r#"{"latency_ms"?, "error_share"?, "error_statuses"?, "timeout_share"?, "timeout_ms"?, "drop_after_order_created"?, "force_429"?}"#,
        effect: "reads, sets or clears the injected faults: latency, a share of 5xx, hanging requests, dropped connections after an order was created, forced 429s",
    },
];

/// The Services API routes the sandbox serves, under `/services/v2` (header `X-DC-DEVKEY`).
pub const SERVICES_ROUTES: &[(&str, &str)] = &[
    ("GET", "/product, /product/{name_id}"),
    ("GET, POST", "/organization"),
    ("GET, PUT", "/organization/{id}"),
    ("GET, POST", "/organization/{id}/validation"),
    ("GET, POST", "/domain"),
    ("GET", "/domain/{id}"),
    ("POST", "/domain/{id}/validation, /domain/{id}/dcv/token"),
    (
        "PUT",
        "/domain/{id}/dcv/method, /dcv/emails, /dcv/validate-token, /activate, /deactivate",
    ),
    ("POST", "/order/certificate/{product_name_id}"),
    (
        "GET",
        "/order/certificate, /order/certificate/{id}, /order/certificate/status-changes",
    ),
    ("GET", "/order/certificate/{id}/email-validation"),
    (
        "PUT",
        "/order/certificate/{id}/status, /order/certificate/{id}/revoke",
    ),
    ("POST", "/order/certificate/{id}/reissue"),
    ("GET", "/request, /request/{id}"),
    ("PUT", "/request/{id}/status"),
    (
        "GET",
        "/certificate/{id}/download/format/{format}, /certificate/{id}/download/platform[/{platform_id}]",
    ),
    (
        "GET",
        "/certificate/download/order/{id}[/format/{format}], /certificate/{id}/chain",
    ),
    ("PUT", "/certificate/{id or serial}/revoke"),
    ("GET", "/user, /user/me, /account"),
];

/// `ValidationSeed`, the body of the validation routes.
pub const VALIDATION_SEED: &str = r#"{"state": "validated", "validated_until"?: RFC 3339} | {"state": "pending"} | {"state": "expired"} | {"state": "none"}"#;

/// The worked example: a shell script that seeds an organization and a domain through the
/// control API and places an order through the Services API. It expects `CONTROL_KEY` and
/// `API_KEY` in the environment (both printed when the sandbox starts) and names the sandbox
/// by `origin`.
pub fn worked_example(origin: &str) -> String {
    format!(
        r#"SANDBOX={origin}
# 1. An S/MIME-validated organization with its registration number (matični broj).
ORG_ID=$(curl -sf -X POST "$SANDBOX/sandbox/accounts/$API_KEY/organizations" \
  -H "X-Sandbox-Key: $CONTROL_KEY" -H 'Content-Type: application/json' \
  -d '{{"name": "Elektrotehnicki fakultet", "registration_number": "07032501"}}' \
  | sed -E 's/.*"id":([0-9]+).*/\1/')
echo "organization $ORG_ID"
# 2. Its domain, already validated.
curl -sf -X POST "$SANDBOX/sandbox/accounts/$API_KEY/domains" \
  -H "X-Sandbox-Key: $CONTROL_KEY" -H 'Content-Type: application/json' \
  -d "{{\"name\": \"etf.bg.ac.rs\", \"organization_id\": $ORG_ID, \"state\": {{\"state\": \"validated\"}}}}"
echo
# 3. An order through the Services API, as a CertCentral client places it.
curl -sf -X POST "$SANDBOX/services/v2/order/certificate/secure_email_sponsor" \
  -H "X-DC-DEVKEY: $API_KEY" -H 'Content-Type: application/json' \
  -d "{{\"certificate\": {{\"emails\": [\"ana@etf.bg.ac.rs\"], \"signature_hash\": \"sha256\",
        \"common_name_indicator\": \"given_name_surname\",
        \"individual\": {{\"first_name\": \"Ana\", \"last_name\": \"Anic\"}},
        \"profile_type\": \"multipurpose\",
        \"usage_designation\": {{\"primary_usage\": \"dual_use\"}}}},
      \"organization\": {{\"id\": $ORG_ID}}, \"order_validity\": {{\"years\": 1}},
      \"skip_approval\": true}}"
echo
"#
    )
}

/// The control API for `--help`.
pub fn help_text() -> String {
    let mut text = String::from(
        "Control API (header X-Sandbox-Key; the page at / lists it too, with a worked curl example):\n",
    );
    for route in CONTROL_ROUTES {
        text.push_str(&format!("  {} {}\n", route.method, route.path));
        if !route.body.is_empty() {
            text.push_str(&format!("      body: {}\n", route.body));
        }
        text.push_str(&format!("      {}\n", route.effect));
    }
    text.push_str(&format!("  ValidationSeed: {VALIDATION_SEED}\n"));
    text.push_str(
        "\nServices API: /services/v2 (header X-DC-DEVKEY). CA certificates and CRLs: /pki/.\n",
    );
    text
}
