//! What third-party CertCentral clients (Lemur's DigiCert plugin, DigiCert's 2015 Python
//! client, certmesh) call and the sandbox used to get wrong: downloads by platform and by
//! order without a format, every missing field at once, and the registration number that
//! becomes the certificates' organizationIdentifier.

use super::*;

async fn issued_order(h: &Harness) -> (u64, u64, String) {
    let org = h.organization_id(KEY_A).await;
    let created = h
        .order(
            "client_premium",
            order_body(org, "jane@example.edu", Some(&csr_pem(&rsa_key()))),
        )
        .await;
    let leaf = created["certificate_chain"][0]["pem"]
        .as_str()
        .expect("issued at once")
        .replace("\r\n", "\n");
    (
        created["id"].as_u64().expect("an order id"),
        created["certificate_id"]
            .as_u64()
            .expect("a certificate id"),
        leaf,
    )
}

/// The PEM blocks of a download: leaf, intermediate, root.
fn blocks(text: &str) -> Vec<Vec<u8>> {
    pki::pem::decode_all(text)
        .into_iter()
        .map(|block| block.der)
        .collect()
}

#[tokio::test]
async fn downloads_by_platform_and_by_order_without_a_format_give_the_whole_chain_as_pem() {
    let h = start().await;
    let (order_id, cert_id, leaf) = issued_order(&h).await;
    let expected = blocks(&format!(
        "{leaf}{}{}",
        h.sim.intermediate_pem(),
        h.sim.root_pem()
    ));
    for path in [
        format!("/certificate/{cert_id}/download/platform"),
        format!("/certificate/{cert_id}/download/platform/apache"),
        format!("/certificate/download/order/{order_id}"),
    ] {
        let answer = h.get(&path).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.text);
        assert_eq!(answer.content_type, "application/x-pem-file", "{path}");
        assert_eq!(blocks(&answer.text), expected, "{path}");
    }
    let unknown = h.get("/certificate/download/order/999999999").await;
    assert_eq!(unknown.status, 404);
    let odd_platform = h
        .get(&format!("/certificate/{cert_id}/download/platform/a%20b"))
        .await;
    assert_eq!(odd_platform.code(), "not_found|platform");
}

#[tokio::test]
async fn an_order_missing_several_required_fields_lists_each_of_them_in_errors() {
    let h = start().await;
    let answer = h
        .post(
            "/order/certificate/secure_email_sponsor",
            json!({"certificate": {"profile_type": "strict"}}),
        )
        .await;
    assert_eq!(answer.status, 400);
    let codes: Vec<String> = answer.json()["errors"]
        .as_array()
        .expect("errors[]")
        .iter()
        .map(|error| error["code"].as_str().expect("a code").to_string())
        .collect();
    for field in [
        "certificate.emails",
        "certificate.signature_hash",
        "certificate.usage_designation",
        "certificate.common_name_indicator",
        "certificate.individual",
        "organization.id",
        "order_validity",
    ] {
        assert!(
            codes.contains(&format!("required_param|{field}")),
            "{field} missing from {codes:?}"
        );
    }
    let create = h.post("/organization", json!({})).await;
    let codes = create.json()["errors"].as_array().expect("errors[]").len();
    assert_eq!(codes, 2, "name and country: {}", create.text);
}

#[tokio::test]
async fn a_registration_number_sent_for_an_organization_becomes_its_organization_identifier() {
    let h = start().await;
    let org = h.organization_id(KEY_A).await;
    let updated = h
        .put(
            &format!("/organization/{org}"),
            json!({"registration_number": "17162543"}),
        )
        .await;
    assert_eq!(updated.status, 204, "{}", updated.text);
    assert_eq!(
        h.get(&format!("/organization/{org}")).await.json()["registration_number"],
        "17162543"
    );
    let (_, _, leaf) = issued_order(&h).await;
    let dir = Scratch::new();
    let path = dir.write("leaf.pem", &leaf);
    let (_, subject) = run(
        "openssl",
        &[
            "x509",
            "-noout",
            "-subject",
            "-nameopt",
            "oid",
            "-in",
            path.to_str().expect("a path"),
        ],
    )
    .into_parts();
    assert!(subject.contains("2.5.4.97=NTRRS-17162543"), "{subject}");

    let refused = h
        .put(
            &format!("/organization/{org}"),
            json!({"registration_number": "07032501; DROP"}),
        )
        .await;
    assert_eq!(refused.code(), "invalid_param|registration_number");
    let created = h
        .post(
            "/organization",
            json!({"name": "Fakultet", "country": "rs", "registration_number": "07032501"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
}

#[tokio::test]
async fn the_sandbox_can_issue_the_wrong_profile_for_clients_to_catch() {
    let h = start().await;
    let set = h
        .control(
            Method::PUT,
            &format!("/accounts/{KEY_A}/settings"),
            Some(json!({"mis_issue_profiles": 1})),
        )
        .await;
    assert_eq!(set.status, 204, "{}", set.text);
    let org = h.organization_id(KEY_A).await;
    let csr = csr_pem(&rsa_key());
    let body = secure_email_body(Some(org), "jane@example.edu", &csr, "strict", "dual_use");
    let wrong = h.order("secure_email_sponsor", body.clone()).await;
    let right = h.order("secure_email_sponsor", body).await;
    let text = |created: &Value| {
        let dir = Scratch::new();
        let pem = created["certificate_chain"][0]["pem"]
            .as_str()
            .expect("issued")
            .replace("\r\n", "\n");
        let path = dir.write("leaf.pem", pem);
        run(
            "openssl",
            &[
                "x509",
                "-noout",
                "-text",
                "-in",
                path.to_str().expect("a path"),
            ],
        )
        .into_parts()
        .1
    };
    let wrong = text(&wrong);
    assert!(
        wrong.contains("2.23.140.1.5.3.2") && wrong.contains("TLS Web Client Authentication"),
        "strict ordered, multipurpose issued:\n{wrong}"
    );
    let right = text(&right);
    assert!(
        right.contains("2.23.140.1.5.3.3") && !right.contains("TLS Web Client Authentication"),
        "only the next one was wrong:\n{right}"
    );
}
