//! The demo's certificate orders: one in every state for ETF, so the admin's list
//! and order pages show each. Each run also places one new order awaiting its
//! person, whose link (made and mailed by the enrollment service) the banner
//! prints: that one goes the whole real way. The others are still lifes (no job
//! follows them); the issued and revoked ones were placed at DigiCert (the
//! sandbox) for real, so their chains, serials and DigiCert order ids are
//! DigiCert's and an admin can revoke the issued ones. One issued certificate
//! ends within 30 days, so the reminder job mails about it as soon as the
//! portal runs.
use std::collections::HashSet;

use anyhow::Context;
use digicert::{CertCentral, CertificateFormat, ProductId, RevocationReason, RevokeRequest};
use pki::keygen::{self, KeyType};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::seed::{self, DemoOrder};
use crate::domain::{AccountId, EmailAddress, InstitutionId, OrderStatus, Product};
use crate::services::enrollment::link::{self, Recipient};
use crate::services::ordering;
use crate::services::ordering::request::{self, RequestSpec};
use crate::state::AppState;

/// The institution that gets an order in every state, and its validated domain.
pub const INSTITUTION: &str = "etf-bg";
pub const DOMAIN: &str = "etf.bg.ac.rs";
/// The admin in whose name the orders were placed.
pub const ADMIN: &str = "ana.admin@etf.bg.ac.rs";

/// One still-life order: its state, the person, and what DigiCert said.
struct Still {
    status: OrderStatus,
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
        status: OrderStatus::Queued,
        given_name: "Marko",
        surname: "Marković",
        local: "marko.markovic",
        digicert_status: None,
        last_error: None,
        days_left: None,
    },
    Still {
        status: OrderStatus::Submitted,
        given_name: "Nikola",
        surname: "Nikolić",
        local: "nikola.nikolic",
        digicert_status: Some("pending"),
        last_error: None,
        days_left: None,
    },
    Still {
        status: OrderStatus::PendingValidation,
        given_name: "Ivana",
        surname: "Ivanović",
        local: "ivana.ivanovic",
        digicert_status: Some("pending"),
        last_error: None,
        days_left: None,
    },
    Still {
        status: OrderStatus::Issued,
        given_name: "Petar",
        surname: "Petrović",
        local: "petar.petrovic",
        digicert_status: Some("issued"),
        last_error: None,
        days_left: Some(365),
    },
    Still {
        status: OrderStatus::Issued,
        given_name: "Zorana",
        surname: "Zorić",
        local: "zorana.zoric",
        digicert_status: Some("issued"),
        last_error: None,
        days_left: Some(20),
    },
    Still {
        status: OrderStatus::Rejected,
        given_name: "Dragan",
        surname: "Dragić",
        local: "dragan.dragic",
        digicert_status: Some("rejected"),
        last_error: Some("The organization contact refused the request (demo)."),
        days_left: None,
    },
    Still {
        status: OrderStatus::Canceled,
        given_name: "Vesna",
        surname: "Vesić",
        local: "vesna.vesic",
        digicert_status: None,
        last_error: None,
        days_left: None,
    },
    Still {
        status: OrderStatus::Revoked,
        given_name: "Stefan",
        surname: "Stefanović",
        local: "stefan.stefanovic",
        digicert_status: Some("revoked"),
        last_error: None,
        days_left: Some(300),
    },
    Still {
        status: OrderStatus::Failed,
        given_name: "Bojan",
        surname: "Bojić",
        local: "bojan.bojic",
        digicert_status: None,
        last_error: Some("DigiCert answered 500 five times in a row (demo)."),
        days_left: None,
    },
];

/// Writes the still-life orders that a previous run has not written yet,
/// placing the issued and revoked ones at DigiCert first.
pub async fn seed_stills(
    state: &AppState,
    institution_id: InstitutionId,
    admin_id: AccountId,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let client = state
        .digicert
        .clone()
        .context("the demo's DigiCert client")?;
    let institution = crate::db::institutions::unscoped_detail(&state.db, institution_id).await?;
    let references: Vec<String> = STILLS.iter().map(reference).collect();
    let written: HashSet<String> =
        seed::existing_references(&state.db, institution_id, &references)
            .await?
            .into_iter()
            .collect();
    let mut missing = Vec::new();
    for (still, reference) in STILLS.iter().zip(&references) {
        if written.contains(reference) {
            continue;
        }
        let email = format!("{}@{DOMAIN}", still.local);
        let common_name = format!("{} {}", still.given_name, still.surname);
        let key = keygen::generate(
            KeyType::EcdsaP256,
            &common_name,
            &[EmailAddress::parse(&email)?],
        )?;
        let spec = RequestSpec {
            product: ProductId::ClientPremium,
            profile_type: None,
            emails: vec![email.clone()],
            given_name: still.given_name,
            surname: still.surname,
            common_name: &common_name,
            validity_years: 1,
            organization: institution.digicert_org_id,
            reference: Some(reference),
        };
        let issued = match still.days_left {
            Some(days) => Some(
                place_at_digicert(client.as_ref(), still, &spec, key.csr_pem(), days)
                    .await
                    .with_context(|| format!("placing the demo order {reference}"))?,
            ),
            None => None,
        };
        missing.push((still, reference, email, common_name, key, issued));
    }
    let mut tx = state.db.begin().await?;
    for (still, reference, email, common_name, key, issued) in &missing {
        seed::order(
            &mut tx,
            institution_id,
            &DemoOrder {
                reference,
                status: still.status,
                product: "client_premium",
                given_name: still.given_name,
                surname: still.surname,
                common_name,
                email,
                domain_name: DOMAIN,
                requested_by: admin_id,
                csr_pem: Some(key.csr_pem()),
                digicert_order_id: issued.as_ref().map(|issued| issued.digicert_order_id),
                digicert_status: still.digicert_status,
                last_error: still.last_error,
                chain_pem: issued.as_ref().map(|issued| issued.chain_pem.as_str()),
                serial_number: issued.as_ref().map(|issued| issued.serial.as_str()),
                not_before: issued.as_ref().map(|issued| issued.not_before),
                not_after: issued.as_ref().map(|issued| issued.not_after),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A still's reference, also its idempotency key.
fn reference(still: &Still) -> String {
    format!("demo-{}-{}", still.status, still.local)
}

/// A new order for Jelena, awaiting her: the enrollment service creates its
/// link and mails it, in the order's transaction, as when an admin orders.
/// Returns the link.
pub async fn seed_awaiting_person(
    state: &AppState,
    institution_id: InstitutionId,
    admin_id: AccountId,
    now: OffsetDateTime,
) -> anyhow::Result<String> {
    let (given_name, surname) = ("Jelena", "Jovanović");
    let common_name = format!("{given_name} {surname}");
    let email = format!("jelena.jovanovic@{DOMAIN}");
    // A new order per run: the link of an earlier run may have been used.
    let reference = format!("demo-{}-{}", OrderStatus::AwaitingPerson, Uuid::new_v4());
    let institution = crate::db::institutions::unscoped_detail(&state.db, institution_id).await?;
    let mut tx = state.db.begin().await?;
    let order_id = seed::order(
        &mut tx,
        institution_id,
        &DemoOrder {
            reference: &reference,
            status: OrderStatus::AwaitingPerson,
            product: "client_email_security_plus",
            given_name,
            surname,
            common_name: &common_name,
            email: &email,
            domain_name: DOMAIN,
            requested_by: admin_id,
            csr_pem: None,
            digicert_order_id: None,
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
        product: crate::services::products::of_order(Product::ClientEmailSecurityPlus, None),
    };
    let started = link::unscoped_start(&mut tx, state, institution_id, order_id, to, now).await?;
    tx.commit().await?;
    Ok(started.link)
}

struct Issued {
    digicert_order_id: i64,
    chain_pem: String,
    serial: String,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
}

/// Orders the still's certificate at DigiCert for `days` (the sandbox issues
/// at once for a validated domain), checks the chain as the follow job would,
/// and revokes it there when the still is a revoked one.
async fn place_at_digicert(
    client: &dyn CertCentral,
    still: &Still,
    spec: &RequestSpec<'_>,
    csr_pem: &str,
    days: i64,
) -> anyhow::Result<Issued> {
    let order = request::with_validity_days(spec, csr_pem, u32::try_from(days)?)?;
    let created = client.place_order(&order).await?;
    let download = client
        .download_order_certificate(created.id, CertificateFormat::PemAll)
        .await?;
    let pem_all = download.text().context("DigiCert's pem_all is not text")?;
    let verified = ordering::verify(
        pem_all,
        csr_pem,
        &spec.emails,
        request::PromisedUse::of(spec),
    )?;
    if still.status == OrderStatus::Revoked {
        let revoke = RevokeRequest {
            comments: "demo: a revoked certificate".to_owned(),
            revocation_reason: Some(RevocationReason::Superseded),
            skip_approval: true,
        };
        client.revoke_order(created.id, &revoke).await?;
    }
    Ok(Issued {
        digicert_order_id: i64::try_from(created.id.0)?,
        chain_pem: verified.chain_pem,
        serial: verified.serial_hex,
        not_before: verified.not_before,
        not_after: verified.not_after,
    })
}
