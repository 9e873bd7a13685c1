//! Accepting an order: preconditions, checks of what was asked, and the order row,
//! its addresses, its submit job and the audit event in one transaction.
use digicert::{ProductId, ProfileType};
use pki::csr::Csr;
use serde_json::json;
use uuid::Uuid;

use super::{OrderJob, SUBMIT_ORDER};
use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::scope::RequiredRole;
use crate::auth::{Admin, InstitutionScope};
use crate::db::domains::Domain;
use crate::db::institutions::InstitutionDetail;
use crate::db::orders::{self as db, NewOrderRow};
use crate::domain::EmailAddress;
use crate::domain::person_name::{NamePart, PersonName};
use crate::jobs::{self, NewJob};
use crate::services::enrollment::{self, link::Recipient};
use crate::services::preconditions::{self, Unmet};
use crate::state::AppState;

/// DigiCert's ceiling for a client certificate, whatever the product.
pub const MAX_VALIDITY_DAYS: u32 = 825;

/// The products institutions order for their people.
pub const ORDERABLE: [ProductId; 4] = [
    ProductId::ClientDigitalSignaturePlus,
    ProductId::ClientEmailSecurityPlus,
    ProductId::ClientPremium,
    ProductId::SecureEmailSponsor,
];

/// What an admin orders.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub product: ProductId,
    pub profile_type: Option<ProfileType>,
    pub emails: Vec<EmailAddress>,
    pub given_name: String,
    pub surname: String,
    pub common_name: String,
    pub validity_years: u32,
    /// An admin-supplied CSR sends the order to DigiCert at once; without one the
    /// order waits for the person to prove the mailbox and bring or get a key.
    pub csr_pem: Option<String>,
    /// Chosen by the form; the same key again returns the first order.
    pub idempotency_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceOutcome {
    Placed(Uuid),
    /// The TCS preconditions are not met; nothing was written.
    Refused(Vec<Unmet>),
    /// An order with this idempotency key exists already.
    Duplicate(Uuid),
    /// The request itself is unusable; nothing was written.
    Invalid(String),
}

/// Why an order cannot be placed (or previewed); nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Unmet(Vec<Unmet>),
    Invalid(String),
}

impl From<Refusal> for PlaceOutcome {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Unmet(unmet) => Self::Refused(unmet),
            Refusal::Invalid(reason) => Self::Invalid(reason),
        }
    }
}

/// What the checks looked at, for the caller to go on with.
pub(super) struct Vetted {
    pub(super) institution: InstitutionDetail,
    pub(super) domains: Vec<Domain>,
}

/// The checks of the request and the TCS preconditions, shared by the preview
/// and the placement so both refuse the same orders with the same messages.
pub(super) async fn vet<R: RequiredRole>(
    state: &AppState,
    scope: &InstitutionScope<R>,
    order: &NewOrder,
) -> anyhow::Result<Result<Vetted, Refusal>> {
    if let Err(reason) = check(order) {
        return Ok(Err(Refusal::Invalid(reason)));
    }
    let institution = crate::db::institutions::detail(&state.db, scope).await?;
    let domains = crate::db::domains::list(&state.db, scope).await?;
    let unmet = preconditions::evaluate(&institution, &domains, &order.emails, state.clock.now());
    if !unmet.is_empty() {
        return Ok(Err(Refusal::Unmet(unmet)));
    }
    Ok(Ok(Vetted {
        institution,
        domains,
    }))
}

pub async fn place(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    order: NewOrder,
) -> anyhow::Result<PlaceOutcome> {
    let Vetted {
        institution,
        domains,
    } = match vet(state, scope, &order).await? {
        Ok(vetted) => vetted,
        Err(refusal) => return Ok(refusal.into()),
    };
    let now = state.clock.now();
    let reference = format!("tcs-{}", Uuid::new_v4().simple());
    let mut tx = state.db.begin().await?;
    if let Some(existing) =
        db::id_for_idempotency_key(&mut tx, scope, &order.idempotency_key).await?
    {
        return Ok(PlaceOutcome::Duplicate(existing));
    }
    let row = NewOrderRow {
        product: order.product.as_str(),
        profile_type: order.profile_type.as_ref().map(ProfileType::as_str),
        given_name: &order.given_name,
        surname: &order.surname,
        common_name: &order.common_name,
        validity_years: i32::try_from(order.validity_years)?,
        csr_pem: order.csr_pem.as_deref(),
        reference: &reference,
        idempotency_key: &order.idempotency_key,
        requested_by: scope.account_id(),
        emails: order.emails.iter().map(EmailAddress::as_str).collect(),
    };
    let Some(order_id) = db::insert(&mut tx, scope, &row, now).await? else {
        // A concurrent submit with the same key won the insert.
        tx.rollback().await?;
        let mut tx = state.db.begin().await?;
        let existing = db::id_for_idempotency_key(&mut tx, scope, &order.idempotency_key).await?;
        return Ok(existing.map_or_else(
            || PlaceOutcome::Invalid("the order could not be recorded".to_owned()),
            PlaceOutcome::Duplicate,
        ));
    };
    for email in &order.emails {
        // The preconditions passed, so a covering domain exists.
        let Some(domain) = covering(&domains, email) else {
            return Ok(PlaceOutcome::Refused(vec![Unmet::EmailOutsideDomains {
                email: email.as_str().to_owned(),
            }]));
        };
        db::insert_email(&mut tx, scope, order_id, email.as_str(), domain.id).await?;
    }
    if order.csr_pem.is_some() {
        jobs::enqueue(
            &mut *tx,
            &NewJob::new(SUBMIT_ORDER, &OrderJob { order_id })?,
            now,
        )
        .await?;
    } else if let Some(mailbox) = order.emails.first() {
        // The person proves the mailbox and brings or gets a key through their link.
        let to = Recipient {
            mailbox: mailbox.as_str(),
            name: &order.common_name,
            institution: &institution,
            product: crate::services::products::text(
                &order.product,
                order.profile_type.as_ref().map(ProfileType::as_str),
            ),
        };
        enrollment::link::start(&mut tx, state, scope, order_id, to, now).await?;
    }
    AuditEvent::new("order.placed")
        .actor(scope.account_id())
        .institution(scope.institution_id())
        .target(format!("order:{order_id}"))
        .details(json!({
            "reference": reference,
            "product": order.product.as_str(),
            "emails": order.emails.iter().map(EmailAddress::as_str).collect::<Vec<_>>(),
            "validity_years": order.validity_years,
        }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(PlaceOutcome::Placed(order_id))
}

/// The most specific of the institution's domains that covers the address, as
/// the preconditions choose it.
fn covering<'a>(domains: &'a [Domain], email: &EmailAddress) -> Option<&'a Domain> {
    domains
        .iter()
        .filter(|domain| domain.name.covers(email.domain()))
        .max_by_key(|domain| domain.name.as_str().len())
}

/// What is wrong with the request itself, before any precondition.
fn check(order: &NewOrder) -> Result<(), String> {
    if !ORDERABLE.contains(&order.product) {
        return Err(format!("{} cannot be ordered here", order.product.as_str()));
    }
    if order.profile_type.is_some() && !super::request::is_secure_email(&order.product) {
        return Err("only Secure Email certificates have a profile".to_owned());
    }
    if order.emails.is_empty() {
        return Err("an order needs at least one email address".to_owned());
    }
    let given_name = NamePart::parse(&order.given_name).map_err(|error| error.to_string())?;
    let surname = NamePart::parse(&order.surname).map_err(|error| error.to_string())?;
    PersonName::new(given_name, surname).map_err(|error| error.to_string())?;
    if !(1..=2).contains(&order.validity_years) || order.validity_years * 365 > MAX_VALIDITY_DAYS {
        return Err(format!(
            "validity must be 1 or 2 years, at most {MAX_VALIDITY_DAYS} days"
        ));
    }
    if order.idempotency_key.trim().is_empty() {
        return Err("an order needs an idempotency key".to_owned());
    }
    let Some(csr_pem) = &order.csr_pem else {
        return Ok(());
    };
    let csr = Csr::parse(csr_pem.as_bytes()).map_err(|error| format!("CSR: {error}"))?;
    let ordered: Vec<&str> = order.emails.iter().map(EmailAddress::as_str).collect();
    if !enrollment::csr::same_mailboxes(&csr, &ordered) {
        return Err("the CSR's email addresses differ from the order's".to_owned());
    }
    Ok(())
}
