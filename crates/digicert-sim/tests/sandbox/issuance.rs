//! Real issuance: every product and profile gives a leaf that chains to the sandbox root
//! (openssl) and passes pkilint's S/MIME BR linter for its type.

use serde_json::Value;
use testkit::pkilint;

use super::*;

/// Verifies the leaf against the root with the intermediate as untrusted, for S/MIME.
fn openssl_verifies(h: &Harness, leaf_pem: &str, purpose: &str) -> (bool, String) {
    let dir = Scratch::new();
    let root = dir.write("root.pem", h.sim.root_pem());
    let int = dir.write("int.pem", h.sim.intermediate_pem());
    let leaf = dir.write("leaf.pem", leaf_pem);
    run(
        "openssl",
        &[
            "verify",
            "-purpose",
            purpose,
            "-CAfile",
            root.to_str().unwrap(),
            "-untrusted",
            int.to_str().unwrap(),
            leaf.to_str().unwrap(),
        ],
    )
    .into_parts()
}

fn leaf_of(created: &Value) -> String {
    created["certificate_chain"][0]["pem"]
        .as_str()
        .expect("issued at once")
        .replace("\r\n", "\n")
}

fn text_of(pem: &str) -> String {
    let dir = Scratch::new();
    let path = dir.write("c.pem", pem);
    run(
        "openssl",
        &["x509", "-noout", "-text", "-in", path.to_str().unwrap()],
    )
    .into_parts()
    .1
}

async fn issue_and_check(h: &Harness, product: &str, body: Value, lint_type: &str) -> String {
    let body_usage = body["certificate"]["usage_designation"]["primary_usage"]
        .as_str()
        .map(str::to_string);
    let body_usage = body_usage.as_deref();
    let created = h.order(product, body).await;
    let leaf = leaf_of(&created);
    // A key-management-only certificate is for encryption; every other one can sign.
    let purpose = if body_usage == Some("key_management") {
        "smimeencrypt"
    } else {
        "smimesign"
    };
    let (ok, out) = openssl_verifies(h, &leaf, purpose);
    assert!(ok, "{product}: openssl verify failed: {out}");
    let (detected, findings) = pkilint::lint(&leaf);
    assert_eq!(
        detected, lint_type,
        "{product}: the policy OID names the wrong S/MIME type"
    );
    assert!(
        findings.is_empty(),
        "{product} as {lint_type}: pkilint findings: {findings:#?}"
    );
    leaf
}

#[tokio::test]
async fn legacy_products_issue_sponsored_multipurpose_certificates_that_pass_pkilint() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    let key = rsa_key();
    let csr = csr_pem(&key);
    for product in [
        "client_premium",
        "client_email_security_plus",
        "client_digital_signature_plus",
    ] {
        let leaf = issue_and_check(
            &h,
            product,
            order_body(org, "jane@example.edu", Some(&csr)),
            "SPONSORED-MULTIPURPOSE",
        )
        .await;
        let text = text_of(&leaf);
        assert!(
            text.contains("2.23.140.1.5.3.2"),
            "{product}: sponsored multipurpose OID:\n{text}"
        );
        assert!(
            text.contains("email:jane@example.edu"),
            "{product}: rfc822Name SAN:\n{text}"
        );
        assert!(
            text.contains("E-mail Protection"),
            "{product}: EKU:\n{text}"
        );
        assert_eq!(
            text.contains("TLS Web Client Authentication"),
            product == "client_premium",
            "{product}:\n{text}"
        );
        assert!(text.contains("Digital Signature"), "{product}:\n{text}");
        assert_eq!(
            text.contains("Key Encipherment"),
            product != "client_digital_signature_plus",
            "{product}:\n{text}"
        );
        assert!(
            text.contains("X509v3 Authority Key Identifier")
                && text.contains("X509v3 Subject Key Identifier")
        );
        assert!(
            text.contains("http://pki.sandbox.tcs.amres.ac.rs/pki/TERENASSLCA3-SANDBOX.crl"),
            "{text}"
        );
        assert!(
            text.contains(
                "CA Issuers - URI:http://pki.sandbox.tcs.amres.ac.rs/pki/TERENASSLCA3-SANDBOX.crt"
            ),
            "{text}"
        );
        assert!(text.contains("Issuer: C = NL, ST = Noord-Holland, L = Amsterdam, O = SANDBOX TERENA, CN = SANDBOX TERENA SSL CA 3"), "{text}");
    }
}

#[tokio::test]
async fn secure_email_products_pass_pkilint_for_each_type_and_profile() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    let rsa = csr_pem(&rsa_key());
    let p256 = csr_pem(&ec_key(&rcgen::PKCS_ECDSA_P256_SHA256));
    let cases = [
        (
            "secure_email_mailbox",
            None,
            "strict",
            "dual_use",
            &rsa,
            "MAILBOX-STRICT",
            "2.23.140.1.5.1.3",
        ),
        (
            "secure_email_mailbox",
            None,
            "multipurpose",
            "signing",
            &p256,
            "MAILBOX-MULTIPURPOSE",
            "2.23.140.1.5.1.2",
        ),
        (
            "secure_email_sponsor",
            Some(org),
            "strict",
            "dual_use",
            &p256,
            "SPONSORED-STRICT",
            "2.23.140.1.5.3.3",
        ),
        (
            "secure_email_sponsor",
            Some(org),
            "multipurpose",
            "key_management",
            &rsa,
            "SPONSORED-MULTIPURPOSE",
            "2.23.140.1.5.3.2",
        ),
        (
            "secure_email_organization",
            Some(org),
            "strict",
            "signing",
            &rsa,
            "ORGANIZATION-STRICT",
            "2.23.140.1.5.2.3",
        ),
        (
            "secure_email_organization",
            Some(org),
            "multipurpose",
            "dual_use",
            &p256,
            "ORGANIZATION-MULTIPURPOSE",
            "2.23.140.1.5.2.2",
        ),
    ];
    for (product, org, profile, usage, csr, lint_type, oid) in cases {
        let mut body = secure_email_body(org, "jane@example.edu", csr, profile, usage);
        if product == "secure_email_organization" {
            body["certificate"]["common_name_indicator"] = serde_json::json!("organization_name");
        }
        let leaf = issue_and_check(&h, product, body, lint_type).await;
        let text = text_of(&leaf);
        assert!(
            text.contains(oid),
            "{product}/{profile}: expected {oid}:\n{text}"
        );
        if usage == "key_management" {
            assert!(
                !text.contains("Digital Signature"),
                "{product}: key management only:\n{text}"
            );
        }
    }
}

#[tokio::test]
async fn p7b_and_pem_downloads_carry_the_whole_chain() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    let created = h
        .order(
            "client_email_security_plus",
            order_body(org, "jane@example.edu", Some(&csr_pem(&rsa_key()))),
        )
        .await;
    let cert_id = created["certificate_id"].as_u64().unwrap();
    let order_id = created["id"].as_u64().unwrap();

    let p7b = h
        .get(&format!("/certificate/{cert_id}/download/format/p7b"))
        .await;
    assert_eq!(p7b.status, 200);
    assert_eq!(p7b.content_type, "application/x-pkcs7-certificates");
    let dir = Scratch::new();
    let path = dir.write("c.p7b", &p7b.text);
    let (ok, out) = run(
        "openssl",
        &[
            "pkcs7",
            "-print_certs",
            "-noout",
            "-in",
            path.to_str().unwrap(),
        ],
    )
    .into_parts();
    assert!(ok, "{out}");
    assert_eq!(out.matches("subject=").count(), 3, "{out}");
    assert!(
        out.contains("CN = SANDBOX DigiCert Assured ID Root CA"),
        "{out}"
    );

    let all = h
        .get(&format!(
            "/certificate/download/order/{order_id}/format/pem_all"
        ))
        .await;
    assert_eq!(all.content_type, "application/x-pem-file");
    assert_eq!(all.text.matches("-----BEGIN CERTIFICATE-----").count(), 3);
    assert!(all.text.ends_with("-----END CERTIFICATE-----\n") && !all.text.contains('\r'));
    let noroot = h
        .get(&format!(
            "/certificate/{cert_id}/download/format/pem_noroot"
        ))
        .await;
    assert_eq!(
        noroot.text.matches("-----BEGIN CERTIFICATE-----").count(),
        2
    );
    assert!(all.text.starts_with(&noroot.text));

    let chain = h.get(&format!("/certificate/{cert_id}/chain")).await.json();
    assert_eq!(
        chain["intermediates"][0]["subject_common_name"],
        "SANDBOX TERENA SSL CA 3"
    );
    assert_eq!(
        chain["intermediates"][0]["pem"].as_str().unwrap(),
        h.sim.intermediate_pem()
    );
}

#[tokio::test]
async fn ec_p384_key_is_certified_with_key_agreement_and_p521_is_refused() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    let csr = csr_pem(&ec_key(&rcgen::PKCS_ECDSA_P384_SHA384));
    let leaf = issue_and_check(
        &h,
        "client_email_security_plus",
        order_body(org, "jane@example.edu", Some(&csr)),
        "SPONSORED-MULTIPURPOSE",
    )
    .await;
    let text = text_of(&leaf);
    assert!(
        text.contains("Key Agreement") && !text.contains("Key Encipherment"),
        "{text}"
    );
    let p521 = csr_pem(&ec_key(&rcgen::PKCS_ECDSA_P521_SHA512));
    let refused = h
        .post(
            "/order/certificate/client_email_security_plus",
            order_body(org, "jane@example.edu", Some(&p521)),
        )
        .await;
    assert_eq!(
        (refused.status.as_u16(), refused.code()),
        (400, "csr_invalid_key_type".to_string()),
        "{}",
        refused.text
    );
}

#[tokio::test]
async fn aia_and_crl_urls_in_certificates_are_served_by_the_sandbox() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    let created = h
        .order(
            "client_premium",
            order_body(org, "jane@example.edu", Some(&csr_pem(&rsa_key()))),
        )
        .await;
    let leaf = leaf_of(&created);
    let dir = Scratch::new();
    let mut files = Vec::new();
    for (pem, name) in [(leaf.clone(), "leaf"), (h.sim.intermediate_pem(), "int")] {
        let text = text_of(&pem);
        let urls: Vec<&str> = text
            .split_whitespace()
            .filter_map(|w| {
                w.trim_start_matches("URI:")
                    .strip_prefix("http://pki.sandbox.tcs.amres.ac.rs")
            })
            .collect();
        assert_eq!(
            urls.len(),
            2,
            "{name}: one CRL and one caIssuers URL:\n{text}"
        );
        for path in urls {
            let (status, body) = h.raw_get(&format!("{}{path}", h.sim.origin())).await;
            assert_eq!(status, 200, "{path}");
            files.push(dir.write(path.trim_start_matches("/pki/"), body));
        }
    }
    // The caIssuers files are the CA certificates themselves (DER).
    let int_der = pki::pem::decode_all(&h.sim.intermediate_pem())
        .remove(0)
        .der;
    assert_eq!(
        std::fs::read(dir.join("TERENASSLCA3-SANDBOX.crt")).unwrap(),
        int_der
    );
    let to_pem = |name: &str| {
        let out = dir.join(format!("{name}.pem"));
        let (ok, text) = run(
            "openssl",
            &[
                "crl",
                "-inform",
                "DER",
                "-in",
                dir.join(name).to_str().unwrap(),
                "-out",
                out.to_str().unwrap(),
            ],
        )
        .into_parts();
        assert!(ok, "{text}");
        out
    };
    let crls = [
        to_pem("TERENASSLCA3-SANDBOX.crl"),
        to_pem("DigiCertAssuredIDRootCA-SANDBOX.crl"),
    ];
    let all = dir.write(
        "crls.pem",
        crls.iter()
            .map(|p| std::fs::read(p).unwrap())
            .collect::<Vec<_>>()
            .concat(),
    );
    let root = dir.write("root.pem", h.sim.root_pem());
    let int = dir.write("int.pem", h.sim.intermediate_pem());
    let leaf_path = dir.write("leaf.pem", &leaf);
    let (ok, out) = run(
        "openssl",
        &[
            "verify",
            "-crl_check_all",
            "-CAfile",
            root.to_str().unwrap(),
            "-untrusted",
            int.to_str().unwrap(),
            "-CRLfile",
            all.to_str().unwrap(),
            leaf_path.to_str().unwrap(),
        ],
    )
    .into_parts();
    assert!(ok, "the whole chain checks against both CRLs: {out}");
}

/// The organizationIdentifier (2.5.4.97) and the extended key usages of a leaf, as
/// `(identifier, [(emailProtection, clientAuth)])`.
fn identifier_and_ekus(leaf_pem: &str) -> (Option<String>, (bool, bool)) {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let der = pki::pem::decode_all(leaf_pem)
        .into_iter()
        .next()
        .expect("a PEM block")
        .der;
    let (_, cert) = X509Certificate::from_der(&der).expect("a certificate");
    let identifier_oid = x509_parser::oid_registry::Oid::from(&[2, 5, 4, 97]).expect("an OID");
    let identifier = cert
        .subject()
        .iter_attributes()
        .find(|attribute| attribute.attr_type() == &identifier_oid)
        .map(|attribute| attribute.as_str().expect("a string").to_string());
    let eku = cert
        .extended_key_usage()
        .expect("a readable EKU")
        .expect("an EKU")
        .value;
    (identifier, (eku.email_protection, eku.client_auth))
}

#[tokio::test]
async fn each_product_and_profile_carries_the_registration_number_and_the_ekus_it_promises() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    let csr = csr_pem(&ec_key(&rcgen::PKCS_ECDSA_P256_SHA256));
    let rsa_csr = csr_pem(&rsa_key());
    let etf = Some("NTRRS-07032501");
    // (product, profile, organizationIdentifier, clientAuth)
    let cases: [(&str, Option<&str>, Option<&str>, bool); 9] = [
        ("client_premium", None, etf, true),
        ("client_email_security_plus", None, etf, false),
        ("client_digital_signature_plus", None, etf, false),
        ("secure_email_mailbox", Some("strict"), None, false),
        ("secure_email_mailbox", Some("multipurpose"), None, true),
        ("secure_email_sponsor", Some("strict"), etf, false),
        ("secure_email_sponsor", Some("multipurpose"), etf, true),
        ("secure_email_organization", Some("strict"), etf, false),
        ("secure_email_organization", Some("multipurpose"), etf, true),
    ];
    for (product, profile, identifier, client_auth) in cases {
        let body = match profile {
            None => order_body(org, "jane@example.edu", Some(&rsa_csr)),
            Some(profile) => {
                let org = (product != "secure_email_mailbox").then_some(org);
                let mut body = secure_email_body(org, "jane@example.edu", &csr, profile, "signing");
                if product == "secure_email_organization" {
                    body["certificate"]["common_name_indicator"] = json!("organization_name");
                }
                body
            }
        };
        let leaf = leaf_of(&h.order(product, body).await);
        let (found, ekus) = identifier_and_ekus(&leaf);
        assert_eq!(
            found.as_deref(),
            identifier,
            "{product}/{profile:?}: organizationIdentifier"
        );
        assert_eq!(
            ekus,
            (true, client_auth),
            "{product}/{profile:?}: (emailProtection, clientAuth)"
        );
    }
}
