//! The demo's certificate orders: one in every state for ETF, so the admin's list
//! and order pages show each. Each run also places one new order awaiting its
//! person, whose link (made and mailed by the enrollment service) the banner
//! prints: that one goes the whole real way. The others are still lifes (no job
//! follows them); the
//! issued and revoked ones carry real certificates from the in-process sandbox's
//! CA, so their chain downloads work, and one issued certificate ends within 30
//! days, so the reminder job mails about it as soon as the portal runs.
use anyhow::Context;
use rcgen::{DistinguishedName, DnType, ExtendedKeyUsagePurpose, KeyUsagePurpose};
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::app::AppState;
use crate::db::seed::{self, DemoOrder};
use crate::domain::EmailAddress;
use crate::pki::CertificateChain;
use crate::pki::csr::Csr;
use crate::pki::keygen::{self, KeyType};
use crate::sandbox::RunningSandbox;
use crate::sandbox::ca::LeafSpec;
use crate::sandbox::products::SmimeType;
use crate::sandbox::profile::policy_oid;
use crate::sandbox::state::Profile;
use crate::services::enrollment::link::{self, Recipient};
use crate::services::ordering::status;

/// The institution that gets an order in every state, and its validated domain.
pub const INSTITUTION: &str = "etf-bg";
pub const DOMAIN: &str = "etf.bg.ac.rs";
/// The admin in whose name the orders were placed.
pub const ADMIN: &str = "ana.admin@etf.bg.ac.rs";

/// One still-life order: its state, the person, and what DigiCert said.
struct Still {
    status: &'static str,
    given_name: &'static str,
    surname: &'static str,
    local: &'static str,
    digicert_status: Option<&'static str>,
    last_error: Option<&'static str>,
    /// Days until an issued (or revoked) certificate ends.
    days_left: Option<i64>,
}

const STILLS: &[Still] = &[
    Still {
        status: status::QUEUED,
        given_name: "Marko",
        surname: "Marković",
        local: "marko.markovic",
        digicert_status: None,
        last_error: None,
        days_left: None,
    },
    Still {
        status: status::SUBMITTED,
        given_name: "Nikola",
        surname: "Nikolić",
        local: "nikola.nikolic",
        digicert_status: Some("pending"),
        last_error: None,
        days_left: None,
    },
    Still {
        status: status::PENDING_VALIDATION,
        given_name: "Ivana",
        surname: "Ivanović",
        local: "ivana.ivanovic",
        digicert_status: Some("pending"),
        last_error: None,
        days_left: None,
    },
    Still {
        status: status::ISSUED,
        given_name: "Petar",
        surname: "Petrović",
        local: "petar.petrovic",
        digicert_status: Some("issued"),
        last_error: None,
        days_left: Some(365),
    },
    Still {
        status: status::ISSUED,
        given_name: "Zorana",
        surname: "Zorić",
        local: "zorana.zoric",
        digicert_status: Some("issued"),
        last_error: None,
        days_left: Some(20),
    },
    Still {
        status: status::REJECTED,
        given_name: "Dragan",
        surname: "Dragić",
        local: "dragan.dragic",
        digicert_status: Some("rejected"),
        last_error: Some("The organization contact refused the request (demo)."),
        days_left: None,
    },
    Still {
        status: status::CANCELED,
        given_name: "Vesna",
        surname: "Vesić",
        local: "vesna.vesic",
        digicert_status: None,
        last_error: None,
        days_left: None,
    },
    Still {
        status: status::REVOKED,
        given_name: "Stefan",
        surname: "Stefanović",
        local: "stefan.stefanovic",
        digicert_status: Some("revoked"),
        last_error: None,
        days_left: Some(300),
    },
    Still {
        status: status::FAILED,
        given_name: "Bojan",
        surname: "Bojić",
        local: "bojan.bojic",
        digicert_status: None,
        last_error: Some("DigiCert answered 500 five times in a row (demo)."),
        days_left: None,
    },
];

/// Writes the still-life orders that a previous run has not written yet.
pub async fn seed_stills(
    pool: &PgPool,
    sandbox: &RunningSandbox,
    institution_id: Uuid,
    admin_id: Uuid,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    for still in STILLS {
        let email = format!("{}@{DOMAIN}", still.local);
        let common_name = format!("{} {}", still.given_name, still.surname);
        let key = keygen::generate(
            KeyType::EcdsaP256,
            &common_name,
            &[EmailAddress::parse(&email)?],
        )?;
        let issued = match still.days_left {
            Some(days) => Some(issue(
                sandbox,
                &common_name,
                &email,
                key.csr_pem(),
                now,
                days,
            )?),
            None => None,
        };
        let reference = format!("demo-{}-{}", still.status, still.local);
        seed::order(
            &mut tx,
            institution_id,
            &DemoOrder {
                reference: &reference,
                status: still.status,
                product: "client_premium",
                given_name: still.given_name,
                surname: still.surname,
                common_name: &common_name,
                email: &email,
                domain_name: DOMAIN,
                requested_by: admin_id,
                csr_pem: Some(key.csr_pem()),
                digicert_status: still.digicert_status,
                last_error: still.last_error,
                chain_pem: issued.as_ref().map(|issued| issued.chain_pem.as_str()),
                serial_number: issued.as_ref().map(|issued| issued.serial.as_str()),
                not_before: issued.as_ref().map(|_| now),
                not_after: issued.as_ref().map(|issued| issued.not_after),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A new order for Jelena, awaiting her: the enrollment service creates its
/// link and mails it, in the order's transaction, as when an admin orders.
/// Returns the link.
pub async fn seed_awaiting_person(
    state: &AppState,
    institution_id: Uuid,
    admin_id: Uuid,
    now: OffsetDateTime,
) -> anyhow::Result<String> {
    let (given_name, surname) = ("Jelena", "Jovanović");
    let common_name = format!("{given_name} {surname}");
    let email = format!("jelena.jovanovic@{DOMAIN}");
    // A new order per run: the link of an earlier run may have been used.
    let reference = format!("demo-{}-{}", status::AWAITING_PERSON, Uuid::new_v4());
    let institution = crate::db::institutions::unscoped_detail(&state.db, institution_id).await?;
    let mut tx = state.db.begin().await?;
    let order_id = seed::order(
        &mut tx,
        institution_id,
        &DemoOrder {
            reference: &reference,
            status: status::AWAITING_PERSON,
            product: "client_email_security_plus",
            given_name,
            surname,
            common_name: &common_name,
            email: &email,
            domain_name: DOMAIN,
            requested_by: admin_id,
            csr_pem: None,
            digicert_status: None,
            last_error: None,
            chain_pem: None,
            serial_number: None,
            not_before: None,
            not_after: None,
        },
        now,
    )
    .await?
    .context("the demo's new order exists already")?;
    let to = Recipient {
        mailbox: &email,
        name: &common_name,
        institution: &institution,
    };
    let started = link::unscoped_start(&mut tx, state, institution_id, order_id, to, now).await?;
    tx.commit().await?;
    Ok(started.link)
}

struct Issued {
    chain_pem: String,
    serial: String,
    not_after: OffsetDateTime,
}

/// A certificate for the CSR's key, signed by the sandbox's intermediate with
/// the Premium profile (sign, encrypt, client authentication).
fn issue(
    sandbox: &RunningSandbox,
    common_name: &str,
    email: &str,
    csr_pem: &str,
    now: OffsetDateTime,
    days_left: i64,
) -> anyhow::Result<Issued> {
    let csr = Csr::parse(csr_pem.as_bytes())?;
    let mut subject = DistinguishedName::new();
    subject.push(DnType::CommonName, common_name);
    let not_after = now + Duration::days(days_left);
    let ca = sandbox.sandbox().ca();
    let leaf = ca.issue(&LeafSpec {
        subject,
        emails: vec![email.to_owned()],
        key_usages: vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyAgreement,
        ],
        extended_key_usages: vec![
            ExtendedKeyUsagePurpose::EmailProtection,
            ExtendedKeyUsagePurpose::ClientAuth,
        ],
        policy_oid: policy_oid(SmimeType::Sponsored, Profile::Multipurpose),
        public_key_der: csr.public_key_der().to_vec(),
        not_before: now,
        not_after,
    })?;
    let chain = CertificateChain::new(
        leaf.der,
        vec![ca.intermediate_der().to_vec(), ca.root_der().to_vec()],
    )?;
    Ok(Issued {
        chain_pem: chain.to_pem(),
        serial: leaf.serial_hex,
        not_after,
    })
}
