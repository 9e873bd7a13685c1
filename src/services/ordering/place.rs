//! Accepting an order: preconditions, checks of what was asked, and the order row,
//! its addresses, its submit job and the audit event in one transaction.
use pki::csr::Csr;
use serde_json::json;
use uuid::Uuid;

use super::{OrderJob, SUBMIT_ORDER};
use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::scope::{OrderingScope, Requester, TenantScope};
use crate::db::domains::Domain;
use crate::db::institutions::InstitutionDetail;
use crate::db::orders::{self as db, NewOrderRow};
use crate::domain::{EmailAddress, InvalidFields, NewOrder, OrderId, ProfileType};
use crate::jobs::{self, NewJob};
use crate::services::enrollment::{self, link::Recipient};
use crate::services::preconditions::{self, Unmet};
use crate::state::AppState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceOutcome {
    Placed(OrderId),
    /// The TCS preconditions are not met; nothing was written.
    Refused(Vec<Unmet>),
    /// An order with this idempotency key exists already.
    Duplicate(OrderId),
    /// The request itself is unusable (its CSR); nothing was written.
    Invalid(InvalidFields),
}

/// Why an order cannot be placed (or previewed); nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Unmet(Vec<Unmet>),
    Invalid(InvalidFields),
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
pub(super) async fn vet(
    state: &AppState,
    scope: &impl TenantScope,
    order: &NewOrder,
) -> anyhow::Result<Result<Vetted, Refusal>> {
    if let Err(invalid) = check_csr(order) {
        return Ok(Err(Refusal::Invalid(invalid)));
    }
    let institution = crate::db::institutions::detail(&state.db, scope).await?;
    let domains = crate::db::domains::list(&state.db, scope).await?;
    let unmet = preconditions::evaluate(
        &institution,
        &domains,
        order.emails.as_slice(),
        state.clock.now(),
    );
    if !unmet.is_empty() {
        return Ok(Err(Refusal::Unmet(unmet)));
    }
    Ok(Ok(Vetted {
        institution,
        domains,
    }))
}

/// Places an order for an admin, or for a self-service person themselves (whose mailbox
/// was proved before, so their enrollment starts confirmed and no link is mailed).
pub async fn place(
    state: &AppState,
    meta: &RequestMeta,
    scope: &impl OrderingScope,
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
    let common_name = order.name.common_name();
    let requester = scope.requester();
    let (requested_by, holder) = match requester {
        Requester::Account(account_id) => (Some(account_id), None),
        Requester::Person {
            idp_entity_id,
            stable_id,
            ..
        } => (None, Some((idp_entity_id, stable_id))),
    };
    let row = NewOrderRow {
        product: order.product.as_str(),
        profile_type: order.profile_type.map(|profile| profile.as_str()),
        given_name: order.name.given_name().as_str(),
        surname: order.name.surname().as_str(),
        common_name: &common_name,
        validity_years: i32::try_from(order.validity.years())?,
        csr_pem: order.csr_pem.as_deref(),
        reference: &reference,
        idempotency_key: &order.idempotency_key,
        requested_by,
        holder,
        emails: order.emails.iter().map(EmailAddress::as_str).collect(),
    };
    let Some(order_id) = db::insert(&mut tx, scope, &row, now).await? else {
        // A concurrent submit with the same key won the insert.
        tx.rollback().await?;
        let mut tx = state.db.begin().await?;
        let existing = db::id_for_idempotency_key(&mut tx, scope, &order.idempotency_key).await?;
        return existing.map(PlaceOutcome::Duplicate).ok_or_else(|| {
            anyhow::anyhow!("an order with this idempotency key was neither written nor found")
        });
    };
    for email in order.emails.iter() {
        // The preconditions passed, so a covering domain exists.
        let Some(domain) = covering(&domains, email) else {
            return Ok(PlaceOutcome::Refused(vec![Unmet::EmailOutsideDomains {
                email: email.as_str().to_owned(),
            }]));
        };
        db::insert_email(&mut tx, scope, order_id, email.as_str(), domain.id).await?;
    }
    if let Requester::Person { .. } = requester {
        enrollment::link::start_proven(&mut tx, state, scope, order_id, now).await?;
    } else if order.csr_pem.is_some() {
        jobs::enqueue(
            &mut *tx,
            &NewJob::new(SUBMIT_ORDER, &OrderJob { order_id })?,
            now,
        )
        .await?;
    } else {
        // The person proves the mailbox and brings or gets a key through their link.
        let to = Recipient {
            mailbox: order.emails.first().as_str(),
            name: &common_name,
            institution: &institution,
            product: crate::services::products::text(
                Some(order.product),
                order.profile_type.map(ProfileType::as_str),
            ),
        };
        enrollment::link::start(&mut tx, state, scope, order_id, to, now).await?;
    }
    let event = match requester {
        Requester::Account(account_id) => AuditEvent::new("order.placed").actor(account_id),
        Requester::Person { mail, .. } => AuditEvent::new("order.placed").actor_label(mail),
    };
    event
        .institution(scope.institution_id())
        .target(format!("order:{order_id}"))
        .details(json!({
            "reference": reference,
            "product": order.product.as_str(),
            "emails": order.emails.iter().map(EmailAddress::as_str).collect::<Vec<_>>(),
            "validity_years": order.validity.years(),
            "self_service": holder.map(|(idp, stable_id)| json!({
                "idp": idp,
                "stable_id": stable_id,
            })),
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

/// An admin's CSR must parse and name exactly the order's mailboxes; the other parts
/// of the order were checked when it was parsed.
fn check_csr(order: &NewOrder) -> Result<(), InvalidFields> {
    let Some(csr_pem) = &order.csr_pem else {
        return Ok(());
    };
    let mut invalid = InvalidFields::default();
    match Csr::parse(csr_pem.as_bytes()) {
        Err(_) => invalid.add("csr", "error.order.csr"),
        Ok(csr) => {
            let ordered: Vec<&str> = order.emails.iter().map(EmailAddress::as_str).collect();
            if !enrollment::csr::same_mailboxes(&csr, &ordered) {
                invalid.add("csr", "error.order.csr_mailboxes");
            }
        }
    }
    if invalid.is_empty() {
        Ok(())
    } else {
        Err(invalid)
    }
}
