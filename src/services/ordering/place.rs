//! Accepting an order: preconditions, checks of what was asked, and the order row,
//! its addresses, its submit job and the audit event in one transaction.
use std::collections::HashMap;

use pki::csr::Csr;
use serde_json::json;
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{OrderJob, SUBMIT_ORDER};
use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::scope::{OrderingScope, Requester, TenantScope};
use crate::auth::{Admin, InstitutionScope};
use crate::db::domains::Domain;
use crate::db::institutions::InstitutionDetail;
use crate::db::orders::{self as db, NewOrderRow};
use crate::domain::{BulkUploadId, EmailAddress, InvalidFields, NewOrder, OrderId, ProfileType};
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
pub(crate) struct Vetted {
    pub(crate) institution: InstitutionDetail,
    pub(crate) domains: Vec<Domain>,
}

impl Vetted {
    /// The institution and its domains, read once for any number of orders.
    pub(crate) async fn load(state: &AppState, scope: &impl TenantScope) -> anyhow::Result<Self> {
        Ok(Self {
            institution: crate::db::institutions::detail(&state.db, scope).await?,
            domains: crate::db::domains::list(&state.db, scope).await?,
        })
    }

    /// The TCS preconditions `order` does not meet now; empty when it may be placed.
    pub(crate) fn unmet(&self, order: &NewOrder, now: OffsetDateTime) -> Vec<Unmet> {
        preconditions::evaluate(
            &self.institution,
            &self.domains,
            order.emails.as_slice(),
            now,
        )
    }
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
    let vetted = Vetted::load(state, scope).await?;
    let unmet = vetted.unmet(order, state.clock.now());
    if !unmet.is_empty() {
        return Ok(Err(Refusal::Unmet(unmet)));
    }
    Ok(Ok(vetted))
}

/// Places an order for an admin, or for a self-service person themselves (whose mailbox
/// was proved before, so their enrollment starts confirmed and no link is mailed).
pub async fn place(
    state: &AppState,
    meta: &RequestMeta,
    scope: &impl OrderingScope,
    order: NewOrder,
) -> anyhow::Result<PlaceOutcome> {
    let vetted = match vet(state, scope, &order).await? {
        Ok(vetted) => vetted,
        Err(refusal) => return Ok(refusal.into()),
    };
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if let Some(existing) =
        db::id_for_idempotency_key(&mut tx, scope, &order.idempotency_key).await?
    {
        return Ok(PlaceOutcome::Duplicate(existing));
    }
    let context = WriteContext {
        vetted: &vetted,
        now,
    };
    match write(&mut tx, state, meta, scope, &order, &context).await? {
        Written::Placed(order_id) => {
            tx.commit().await?;
            Ok(PlaceOutcome::Placed(order_id))
        }
        Written::Unmet(unmet) => Ok(PlaceOutcome::Refused(unmet)),
        Written::KeyTaken => {
            // A concurrent submit with the same key won the insert.
            tx.rollback().await?;
            let mut tx = state.db.begin().await?;
            let existing =
                db::id_for_idempotency_key(&mut tx, scope, &order.idempotency_key).await?;
            existing.map(PlaceOutcome::Duplicate).ok_or_else(|| {
                anyhow::anyhow!("an order with this idempotency key was neither written nor found")
            })
        }
    }
}

/// What vetting read, and the time.
#[derive(Clone, Copy)]
struct WriteContext<'a> {
    vetted: &'a Vetted,
    now: OffsetDateTime,
}

/// What [`write`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Written {
    Placed(OrderId),
    /// An order with the same idempotency key won the insert; the caller rolls back.
    KeyTaken,
    /// An address is outside the domains; the caller rolls back.
    Unmet(Vec<Unmet>),
}

/// Writes one accepted order inside `tx`: the order row, its addresses, then its submit
/// job (with a CSR) or its person's link, and the audit event. The caller vetted the
/// order and commits ([`write_bulk`] writes a bulk upload's orders).
async fn write(
    tx: &mut Transaction<'_, Postgres>,
    state: &AppState,
    meta: &RequestMeta,
    scope: &impl OrderingScope,
    order: &NewOrder,
    context: &WriteContext<'_>,
) -> anyhow::Result<Written> {
    let WriteContext {
        vetted: Vetted {
            institution,
            domains,
        },
        now,
    } = *context;
    let reference = format!("tcs-{}", Uuid::new_v4().simple());
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
        bulk: None,
    };
    let Some(order_id) = db::insert(tx, scope, &row, now).await? else {
        return Ok(Written::KeyTaken);
    };
    for email in order.emails.iter() {
        // The preconditions passed, so a covering domain exists.
        let Some(domain) = covering(domains, email) else {
            return Ok(Written::Unmet(vec![Unmet::EmailOutsideDomains {
                email: email.as_str().to_owned(),
            }]));
        };
        db::insert_email(tx, scope, order_id, email.as_str(), domain.id).await?;
    }
    if let Requester::Person { .. } = requester {
        enrollment::link::start_proven(tx, state, scope, order_id, now).await?;
    } else if order.csr_pem.is_some() {
        jobs::enqueue(
            &mut **tx,
            &NewJob::new(SUBMIT_ORDER, &OrderJob { order_id })?,
            now,
        )
        .await?;
    } else {
        // The person proves the mailbox and brings or gets a key through their link.
        let to = Recipient {
            mailbox: order.emails.first().as_str(),
            name: &common_name,
            institution,
            product: crate::services::products::text(
                Some(order.product),
                order.profile_type.map(ProfileType::as_str),
            ),
        };
        enrollment::link::start(tx, state, scope, order_id, to, now).await?;
    }
    placed_event(scope.audit_event("order.placed"), order_id, &row, order)
        .record(tx, meta)
        .await?;
    Ok(Written::Placed(order_id))
}

/// The audit event of a placed order: what was ordered, for whom, from where.
fn placed_event(
    event: AuditEvent,
    order_id: OrderId,
    row: &NewOrderRow<'_>,
    order: &NewOrder,
) -> AuditEvent {
    event.target(format!("order:{order_id}")).details(json!({
        "reference": row.reference,
        "product": row.product,
        "emails": row.emails,
        "validity_years": order.validity.years(),
        "self_service": row.holder.map(|(idp, stable_id)| json!({
            "idp": idp,
            "stable_id": stable_id,
        })),
        "bulk_upload": row.bulk.map(|(upload, _)| upload),
    }))
}

/// Writes a bulk upload's ready rows (`(row index, order)`) as orders inside `tx`, each as
/// [`write`] writes an admin's order without a CSR (its addresses, its person's link, its
/// audit event), but in one statement per table for all of them: a file of 10,000 rows
/// is otherwise some 50,000 round trips. The caller vetted the orders and commits; a row
/// that cannot be written (its key taken, an address outside the domains) is an error,
/// and the caller's transaction is dropped with it.
pub(crate) async fn write_bulk(
    tx: &mut Transaction<'_, Postgres>,
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    vetted: &Vetted,
    upload: BulkUploadId,
    orders: &[(i32, &NewOrder)],
) -> anyhow::Result<usize> {
    let now = state.clock.now();
    let Vetted {
        institution,
        domains,
    } = vetted;
    let names: Vec<(String, String)> = orders
        .iter()
        .map(|(_, order)| {
            (
                format!("tcs-{}", Uuid::new_v4().simple()),
                order.name.common_name(),
            )
        })
        .collect();
    let rows: Vec<NewOrderRow<'_>> = orders
        .iter()
        .zip(&names)
        .map(|((index, order), (reference, common_name))| {
            Ok(NewOrderRow {
                product: order.product.as_str(),
                profile_type: order.profile_type.map(|profile| profile.as_str()),
                given_name: order.name.given_name().as_str(),
                surname: order.name.surname().as_str(),
                common_name,
                validity_years: i32::try_from(order.validity.years())?,
                csr_pem: None,
                reference,
                idempotency_key: &order.idempotency_key,
                requested_by: Some(scope.account_id()),
                holder: None,
                emails: order.emails.iter().map(EmailAddress::as_str).collect(),
                bulk: Some((upload, *index)),
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let inserted: HashMap<i32, OrderId> = db::insert_bulk(tx, scope, &rows, now)
        .await?
        .into_iter()
        .collect();
    let mut emails = Vec::new();
    let mut recipients = Vec::with_capacity(orders.len());
    let mut events = Vec::with_capacity(orders.len());
    for (((index, order), row), (_, common_name)) in orders.iter().zip(&rows).zip(&names) {
        let order_id = *inserted
            .get(index)
            .ok_or_else(|| anyhow::anyhow!("row {index} of bulk upload {upload}: key taken"))?;
        for email in order.emails.iter() {
            let domain = covering(domains, email).ok_or_else(|| {
                anyhow::anyhow!("row {index} of bulk upload {upload}: outside the domains")
            })?;
            emails.push((order_id, email.as_str(), domain.id));
        }
        recipients.push((
            order_id,
            Recipient {
                mailbox: order.emails.first().as_str(),
                name: common_name,
                institution,
                product: crate::services::products::text(
                    Some(order.product),
                    order.profile_type.map(ProfileType::as_str),
                ),
            },
        ));
        events.push(placed_event(
            scope.audit_event("order.placed"),
            order_id,
            row,
            order,
        ));
    }
    db::insert_emails(tx, scope, &emails).await?;
    enrollment::link::start_many(tx, state, scope, &recipients, now).await?;
    crate::audit::record_all(&events, tx, meta).await?;
    Ok(inserted.len())
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
