//! CRLs as relying parties expect them: one number sequence per CA, the same bytes until a
//! revocation or the schedule re-issues them, thisUpdate covering the newest revocation and
//! nextUpdate within the Baseline Requirements.

use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;

use super::*;

const INTERMEDIATE_CRL: &str = "/pki/TERENASSLCA3-SANDBOX.crl";
const ROOT_CRL: &str = "/pki/DigiCertAssuredIDRootCA-SANDBOX.crl";

/// What a relying party reads from a CRL.
#[derive(Debug)]
struct CrlFacts {
    number: u64,
    this_update: i64,
    next_update: i64,
    /// Upper-case hex serials with the revocation time (Unix seconds) and whether a reason
    /// code is present.
    entries: Vec<(String, i64, bool)>,
}

fn facts(der: &[u8]) -> CrlFacts {
    let (_, crl) = CertificateRevocationList::from_der(der).expect("a DER CRL");
    CrlFacts {
        number: crl
            .crl_number()
            .expect("a CRL number")
            .to_string()
            .parse()
            .expect("a small CRL number"),
        this_update: crl.last_update().timestamp(),
        next_update: crl.next_update().expect("a nextUpdate").timestamp(),
        entries: crl
            .iter_revoked_certificates()
            .map(|entry| {
                (
                    hex::encode_upper(entry.raw_serial()),
                    entry.revocation_date.timestamp(),
                    entry.reason_code().is_some(),
                )
            })
            .collect(),
    }
}

async fn download(h: &Harness, path: &str) -> Vec<u8> {
    let (status, der) = h.raw_get(&format!("{}{path}", h.sim.origin())).await;
    assert_eq!(status, 200);
    der
}

async fn issue(h: &Harness) -> (u64, String) {
    let org = h.organization_id(KEY_A).await;
    let created = h
        .order(
            "client_email_security_plus",
            order_body(org, "jane@example.edu", Some(&csr_pem(&rsa_key()))),
        )
        .await;
    let order_id = created["id"].as_u64().expect("an order id");
    let serial = h
        .get(&format!("/order/certificate/{order_id}"))
        .await
        .json()["certificate"]["serial_number"]
        .as_str()
        .expect("a serial")
        .to_uppercase();
    (order_id, serial)
}

#[tokio::test]
async fn a_crl_downloaded_twice_without_a_revocation_has_the_same_number_and_bytes() {
    let h = start().await;
    issue(&h).await;
    let first = download(&h, INTERMEDIATE_CRL).await;
    let second = download(&h, INTERMEDIATE_CRL).await;
    assert_eq!(first, second, "the same CRL, byte for byte");
    let crl = facts(&first);
    assert!(crl.entries.is_empty());
    assert!(
        crl.next_update - crl.this_update <= 7 * 86_400,
        "nextUpdate at most 7 days after thisUpdate: {crl:?}"
    );
    let root_first = download(&h, ROOT_CRL).await;
    assert_eq!(root_first, download(&h, ROOT_CRL).await);
    let root = facts(&root_first);
    assert!(
        root.next_update - root.this_update <= 10 * 86_400,
        "the root's nextUpdate at most 10 days after: {root:?}"
    );
}

#[tokio::test]
async fn after_a_revocation_the_crl_has_a_higher_number_covers_the_revocation_and_lists_the_serial()
{
    let h = start().await;
    let (order_id, serial) = issue(&h).await;
    let before = facts(&download(&h, INTERMEDIATE_CRL).await);
    let root_before = facts(&download(&h, ROOT_CRL).await);

    let revoked = h
        .put(
            &format!("/order/certificate/{order_id}/revoke"),
            json!({"skip_approval": true, "comments": "left the institution"}),
        )
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.text);

    let after = facts(&download(&h, INTERMEDIATE_CRL).await);
    assert!(after.number > before.number, "{before:?} → {after:?}");
    let (_, revoked_at, _) = after
        .entries
        .iter()
        .find(|(listed, _, _)| *listed == serial)
        .unwrap_or_else(|| panic!("{serial} listed in {after:?}"));
    assert!(
        after.this_update >= *revoked_at,
        "thisUpdate not before the revocation: {after:?}"
    );
    assert!(after.next_update - after.this_update <= 7 * 86_400);
    // Each CA numbers its own CRLs: the intermediate's revocation leaves the root's alone.
    let root_after = download(&h, ROOT_CRL).await;
    assert_eq!(facts(&root_after).number, root_before.number);
}

#[tokio::test]
async fn a_crl_is_reissued_on_its_schedule_without_a_revocation() {
    let h = start().await;
    let first = facts(&download(&h, INTERMEDIATE_CRL).await);
    let moved = h
        .control(Method::POST, "/clock/advance", Some(json!({"days": 2})))
        .await;
    assert!(moved.status.is_success(), "{}", moved.text);
    let later = facts(&download(&h, INTERMEDIATE_CRL).await);
    assert_eq!(later.number, first.number + 1, "{first:?} → {later:?}");
    assert!(later.this_update >= first.this_update + 2 * 86_400);
}
