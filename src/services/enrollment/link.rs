//! The link in the person's first mail: created with the order, re-sent by an
//! admin, opened, and spent by the mailbox proof.
use askama::Template;
use serde_json::json;
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;

use super::PersonView;
use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::scope::OrderingScope;
use crate::auth::{Admin, InstitutionScope};
use crate::crypto::tokens;
use crate::db::enrollments as db;
use crate::db::institutions::InstitutionDetail;
use crate::domain::{EnrollmentId, InstitutionId, OrderId};
use crate::i18n::Lang;
use crate::mail::Mail;
use crate::mail::templates::{EnrollmentLinkMail, subject};
use crate::services::products::{self, ProductText};
use crate::state::AppState;

/// Who the first mail goes to, and in whose name.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    pub mailbox: &'a str,
    pub name: &'a str,
    pub institution: &'a InstitutionDetail,
    /// What was ordered, as the mail describes it.
    pub product: ProductText,
}

/// The path of a person's link; the token moves into the session when opened.
pub fn link(public_url: &str, token: &str) -> String {
    format!("{public_url}/enroll/{token}")
}

/// Creates the enrollment of a just-placed order and queues its mail, inside
/// the order's transaction.
pub async fn start(
    tx: &mut Transaction<'_, Postgres>,
    state: &AppState,
    scope: &impl OrderingScope,
    order_id: OrderId,
    to: Recipient<'_>,
    now: OffsetDateTime,
) -> anyhow::Result<EnrollmentId> {
    let started = unscoped_start(tx, state, scope.institution_id(), order_id, to, now).await?;
    Ok(started.enrollment_id)
}

/// Creates the enrollment of a self-service order, inside the order's transaction. The
/// person proved the mailbox before ordering (the IdP's `mail`, or a mailed code), so the
/// enrollment starts confirmed and no link is mailed: its link token is made and spent at
/// once, as a redeemed link would be, and the person's browser is bound to it instead.
pub async fn start_proven(
    tx: &mut Transaction<'_, Postgres>,
    state: &AppState,
    scope: &impl OrderingScope,
    order_id: OrderId,
    now: OffsetDateTime,
) -> anyhow::Result<EnrollmentId> {
    let token = tokens::generate();
    let expires = now + state.settings.enrollment.link_ttl;
    db::unscoped_insert(
        tx,
        scope.institution_id(),
        order_id,
        &token.hash,
        expires,
        now,
    )
    .await?;
    let spent = db::spend_link(tx, &token.hash, now).await?;
    spent
        .map(|enrollment| enrollment.id)
        .ok_or_else(|| anyhow::anyhow!("a new enrollment's link could not be spent"))
}

/// A started enrollment, and the link its mail carries.
#[derive(Debug, Clone)]
pub struct Started {
    pub enrollment_id: EnrollmentId,
    pub link: String,
}

/// [`start`] for the demo, which seeds its orders with no admin signed in and
/// prints the link it mailed.
pub async fn unscoped_start(
    tx: &mut Transaction<'_, Postgres>,
    state: &AppState,
    institution_id: InstitutionId,
    order_id: OrderId,
    to: Recipient<'_>,
    now: OffsetDateTime,
) -> anyhow::Result<Started> {
    let token = tokens::generate();
    let expires = now + state.settings.enrollment.link_ttl;
    let enrollment_id =
        db::unscoped_insert(tx, institution_id, order_id, &token.hash, expires, now).await?;
    send(tx, state, to, &token.secret, expires, now).await?;
    Ok(Started {
        enrollment_id,
        link: link(&state.settings.public_url, &token.secret),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResendOutcome {
    Sent,
    /// No such order in this institution.
    NotFound,
    /// The order came with an admin's CSR (no person link), is over, or the
    /// person collected their key already.
    NotResendable,
}

/// Mails the person a fresh link; the old one stops working at once.
pub async fn resend_link(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    order_id: OrderId,
) -> anyhow::Result<ResendOutcome> {
    let Some(order) = crate::db::orders::get(&state.db, scope, order_id).await? else {
        return Ok(ResendOutcome::NotFound);
    };
    let Some(mailbox) = order.emails.first() else {
        return Ok(ResendOutcome::NotResendable);
    };
    let institution = crate::db::institutions::detail(&state.db, scope).await?;
    let now = state.clock.now();
    let token = tokens::generate();
    let expires = now + state.settings.enrollment.link_ttl;
    let mut tx = state.db.begin().await?;
    let Some(enrollment_id) =
        db::replace_link(&mut tx, scope, order_id, &token.hash, expires, now).await?
    else {
        return Ok(ResendOutcome::NotResendable);
    };
    let to = Recipient {
        mailbox,
        name: &order.common_name,
        institution: &institution,
        product: products::of_order(order.product, order.profile_type.as_deref()),
    };
    send(&mut tx, state, to, &token.secret, expires, now).await?;
    AuditEvent::new("enrollment.link_resent")
        .actor(scope.account_id())
        .institution(scope.institution_id())
        .target(format!("order:{order_id}"))
        .details(json!({ "enrollment": enrollment_id, "to": mailbox }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(ResendOutcome::Sent)
}

async fn send(
    tx: &mut Transaction<'_, Postgres>,
    state: &AppState,
    to: Recipient<'_>,
    token: &str,
    expires: OffsetDateTime,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    link_mail(state, to, token, expires)?
        .enqueue(tx, now)
        .await?;
    Ok(())
}

/// The person's first mail, with their link.
fn link_mail(
    state: &AppState,
    to: Recipient<'_>,
    token: &str,
    expires: OffsetDateTime,
) -> anyhow::Result<Mail> {
    let body = EnrollmentLinkMail {
        name: to.name,
        product_sr: &to.product.describe(Lang::Serbian),
        product_en: &to.product.describe(Lang::English),
        institution_sr: &to.institution.name_sr,
        institution_en: &to.institution.name_en,
        link: &link(&state.settings.public_url, token),
        expires: &crate::i18n::format::datetime(expires),
    }
    .render()?;
    Ok(Mail {
        to: to.mailbox.to_owned(),
        subject: subject("mail.subject.enrollment_link", &[]),
        body,
    })
}

/// [`start`] for many orders of the institution at once (a bulk upload's), inside their
/// transaction: their enrollments and their mails in one statement each.
pub async fn start_many(
    tx: &mut Transaction<'_, Postgres>,
    state: &AppState,
    scope: &impl OrderingScope,
    orders: &[(OrderId, Recipient<'_>)],
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let expires = now + state.settings.enrollment.link_ttl;
    let mut links = Vec::with_capacity(orders.len());
    let mut mails = Vec::with_capacity(orders.len());
    for (order_id, to) in orders {
        let token = tokens::generate();
        let mail = link_mail(state, *to, &token.secret, expires)?;
        links.push((*order_id, token.hash));
        mails.push((mail.to, mail.body));
    }
    db::insert_many(tx, scope, &links, expires, now).await?;
    let subject = subject("mail.subject.enrollment_link", &[]);
    crate::db::outbox::enqueue_many(tx, &subject, &mails, now).await?;
    Ok(())
}

/// What a token from a mail opens.
#[derive(Debug, Clone)]
pub enum Opened {
    /// The first link, not yet used: the person is asked to confirm.
    Link(Box<PersonView>),
    /// An access token from a later mail: the enrollment it opens.
    Access(EnrollmentId),
    /// Used, expired, replaced or never issued.
    Unusable,
}

pub async fn open(state: &AppState, token: &str) -> sqlx::Result<Opened> {
    if !tokens::looks_valid(token) {
        return Ok(Opened::Unusable);
    }
    let hash = tokens::hash(token);
    let now = state.clock.now();
    if let Some(enrollment) = db::by_link_token(&state.db, &hash, now).await? {
        return Ok(match super::load(state, enrollment.id).await? {
            Some(view) => Opened::Link(Box::new(view)),
            None => Opened::Unusable,
        });
    }
    Ok(match db::by_access_token(&state.db, &hash, now).await? {
        Some(id) => Opened::Access(id),
        None => Opened::Unusable,
    })
}

/// The person proves they read the mail: the link is spent and the proof is
/// audited with the time and address it came from. `None` when the link is no
/// longer usable.
pub async fn confirm(
    state: &AppState,
    meta: &RequestMeta,
    token: &str,
) -> anyhow::Result<Option<EnrollmentId>> {
    if !tokens::looks_valid(token) {
        return Ok(None);
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let Some(enrollment) = db::spend_link(&mut tx, &tokens::hash(token), now).await? else {
        return Ok(None);
    };
    let mailbox = crate::db::orders::unscoped_get(&state.db, enrollment.order_id)
        .await?
        .and_then(|order| order.emails.into_iter().next())
        .unwrap_or_default();
    AuditEvent::new("enrollment.mailbox_confirmed")
        .actor_label(mailbox.as_str())
        .institution(enrollment.institution_id)
        .target(format!("order:{}", enrollment.order_id))
        .details(json!({
            "enrollment": enrollment.id,
            "mailbox": mailbox,
            "at": crate::i18n::format::datetime(now),
            "ip": meta.ip.map(|ip| ip.to_string()),
        }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(Some(enrollment.id))
}
