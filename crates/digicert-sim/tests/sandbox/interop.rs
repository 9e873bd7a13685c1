//! The interop matrix: every product × S/MIME profile × key type (RSA 3072, P-256) the
//! sandbox issues, packed into each PKCS#12 format the portal hands out (`pki::pkcs12`: the
//! modern default, and the compatibility one for older devices, opened with
//! `openssl pkcs12 -legacy`), must open in OpenSSL, import into NSS and validate there for
//! S/MIME signing (`certutil -V -u S`), sign and verify with `openssl cms` (and encrypt and
//! decrypt where the key usage allows); the certificate must pass pkilint. The shared checks are `testkit::delivered`; the keys are made once per
//! key type, and the matrix is printed (run with `--nocapture`) for the closing note.

use pki::keygen::{self, GeneratedKey, KeyType};
use pki::passphrase::Passphrase;
use pki::pkcs12::{CertificateChain, Pkcs12Format, build_pkcs12};
use testkit::delivered::Delivered;
use testkit::pkilint;
use testkit::test_ca::TestCa;

use super::*;

const EMAIL: &str = "jane@example.edu";

/// One product and profile, as ordered.
struct Cell {
    product: &'static str,
    /// `None` for the legacy products, which issue only the multipurpose profile.
    profile: Option<&'static str>,
    encrypts: bool,
    lint_type: &'static str,
}

const CELLS: &[Cell] = &[
    Cell {
        product: "client_premium",
        profile: None,
        encrypts: true,
        lint_type: "SPONSORED-MULTIPURPOSE",
    },
    Cell {
        product: "client_email_security_plus",
        profile: None,
        encrypts: true,
        lint_type: "SPONSORED-MULTIPURPOSE",
    },
    Cell {
        product: "client_digital_signature_plus",
        profile: None,
        encrypts: false,
        lint_type: "SPONSORED-MULTIPURPOSE",
    },
    Cell {
        product: "secure_email_mailbox",
        profile: Some("strict"),
        encrypts: true,
        lint_type: "MAILBOX-STRICT",
    },
    Cell {
        product: "secure_email_mailbox",
        profile: Some("multipurpose"),
        encrypts: true,
        lint_type: "MAILBOX-MULTIPURPOSE",
    },
    Cell {
        product: "secure_email_sponsor",
        profile: Some("strict"),
        encrypts: true,
        lint_type: "SPONSORED-STRICT",
    },
    Cell {
        product: "secure_email_sponsor",
        profile: Some("multipurpose"),
        encrypts: true,
        lint_type: "SPONSORED-MULTIPURPOSE",
    },
    Cell {
        product: "secure_email_organization",
        profile: Some("strict"),
        encrypts: true,
        lint_type: "ORGANIZATION-STRICT",
    },
    Cell {
        product: "secure_email_organization",
        profile: Some("multipurpose"),
        encrypts: true,
        lint_type: "ORGANIZATION-MULTIPURPOSE",
    },
];

fn body(cell: &Cell, org: u64, csr: &str) -> Value {
    match cell.profile {
        None => order_body(org, EMAIL, Some(csr)),
        Some(profile) => {
            let org = (cell.product != "secure_email_mailbox").then_some(org);
            let mut body = secure_email_body(org, EMAIL, csr, profile, "dual_use");
            if cell.product == "secure_email_organization" {
                body["certificate"]["common_name_indicator"] = json!("organization_name");
            }
            body
        }
    }
}

/// The PKCS#12 the portal would hand out for `created`'s certificate and `key`.
fn delivered(
    h: &Harness,
    created: &Value,
    key: &GeneratedKey,
    passphrase: &Passphrase,
    format: Pkcs12Format,
) -> Delivered {
    let ders: Vec<Vec<u8>> = created["certificate_chain"]
        .as_array()
        .expect("issued at once")
        .iter()
        .flat_map(|entry| {
            pki::pem::decode_all(&entry["pem"].as_str().expect("a PEM").replace("\r\n", "\n"))
        })
        .map(|block| block.der)
        .collect();
    let chain = CertificateChain::new(ders[0].clone(), ders[1..].to_vec()).expect("a chain");
    let pkcs12 = build_pkcs12(
        key.private_key_pkcs8_der(),
        &chain,
        "Jane Researcher <jane@example.edu>",
        passphrase,
        format,
    )
    .expect("a PKCS#12");
    Delivered::new(&pkcs12, &h.sim.root_pem(), &h.sim.intermediate_pem())
}

#[tokio::test]
async fn every_product_profile_and_key_type_works_in_openssl_nss_and_cms_and_passes_pkilint() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    let stranger = TestCa::new().root_pem;
    let passphrase = Passphrase::generate();
    let secret = passphrase.expose_secret().to_owned();
    let mut matrix = vec![format!(
        "{:<31} {:<15} {:<11} {:<7} checks passed",
        "product", "profile", "key", "format"
    )];
    for key_type in [KeyType::Rsa3072, KeyType::EcdsaP256] {
        let key = tokio::task::spawn_blocking(move || {
            keygen::generate(key_type, "Jane Researcher", &[EMAIL]).expect("a key")
        })
        .await
        .expect("the key task");
        for cell in CELLS {
            let created = h.order(cell.product, body(cell, org, key.csr_pem())).await;
            let name = format!(
                "{}/{}/{}",
                cell.product,
                cell.profile.unwrap_or("multipurpose"),
                key_type.as_str()
            );
            for format in [Pkcs12Format::Modern, Pkcs12Format::Legacy] {
                let got = delivered(&h, &created, &key, &passphrase, format);
                let mut passed = Vec::new();
                match format {
                    Pkcs12Format::Modern => {
                        got.assert_openssl_opens_a_strong_pkcs12(&secret);
                        passed.push("openssl-pkcs12");
                    }
                    Pkcs12Format::Legacy => {
                        got.assert_openssl_legacy_opens_a_compatibility_pkcs12(&secret);
                        passed.push("openssl-pkcs12-legacy");
                    }
                }
                got.assert_nss_imports_and_validates_for_signing(&secret);
                passed.push("nss-pk12util+certutil-V-u-S");
                got.assert_cms_signs_and_verifies(&secret, &stranger);
                passed.push("cms-sign/verify");
                if cell.encrypts {
                    got.assert_cms_encrypts_and_decrypts(&secret);
                    passed.push("cms-encrypt/decrypt");
                }
                if format == Pkcs12Format::Modern {
                    lint(&got, &secret, cell, &name);
                    passed.push("pkilint");
                }
                matrix.push(format!(
                    "{:<31} {:<15} {:<11} {:<7} {}",
                    cell.product,
                    cell.profile.unwrap_or("(multipurpose)"),
                    key_type.as_str(),
                    format.as_str(),
                    passed.join(", ")
                ));
            }
        }
    }
    assert_eq!(matrix.len(), 1 + 2 * 2 * CELLS.len());
    #[expect(
        clippy::print_stdout,
        reason = "the matrix is this test's report, quoted in the closing note"
    )]
    {
        println!("interop matrix (sandbox issuance):\n{}", matrix.join("\n"));
    }
}

/// pkilint on the certificate inside (the same certificate in either format).
fn lint(got: &Delivered, secret: &str, cell: &Cell, name: &str) {
    let leaf = std::fs::read_to_string(got.extract_leaf(secret)).expect("the leaf");
    let start = leaf
        .find("-----BEGIN CERTIFICATE-----")
        .expect("a PEM leaf");
    let (detected, findings) = pkilint::lint(&leaf[start..]);
    assert_eq!(
        detected, cell.lint_type,
        "{name}: the policy names the type"
    );
    assert!(
        findings.is_empty(),
        "{name}: pkilint findings: {findings:#?}"
    );
}
