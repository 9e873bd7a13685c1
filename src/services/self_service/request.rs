//! "Request a certificate": the person chooses among what the policy offers; everything
//! else comes from the IdP and the policy, through the admins' own parser and placement.
use askama::Template;
use serde_json::json;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::person::SelfServicePerson;
use crate::domain::self_service::{MailboxProof, Policy};
use crate::domain::{EnrollmentId, NewOrder, OrderForm, Product, ProfileType};
use crate::mail::Mail;
use crate::mail::templates::{SelfServiceCodeMail, subject};
use crate::services::one_time_code::{self, OneTimeCode};
use crate::services::ordering::{self, PlaceOutcome};
use crate::services::preconditions::Unmet;
use crate::state::AppState;

/// A choice of the request form: a product, with its profile for Secure Email, written
/// `secure_email_sponsor/strict` or `client_premium`.
pub fn choice_value(product: Product, profile: Option<ProfileType>) -> String {
    match profile {
        Some(profile) => format!("{}/{}", product.as_str(), profile.as_str()),
        None => product.as_str().to_owned(),
    }
}

fn parse_choice(value: &str) -> Option<(Product, Option<ProfileType>)> {
    let (product, profile) = match value.split_once('/') {
        Some((product, profile)) => (product, Some(ProfileType::parse(profile).ok()?)),
        None => (value, None),
    };
    Some((Product::parse(product).ok()?, profile))
}

/// The person's name as the IdP gave it: `givenName` and `sn`, else `displayName` split
/// before its last word.
fn name_parts(person: &SelfServicePerson) -> (String, String) {
    let login = person.login();
    if let (Some(given), Some(surname)) = (&login.given_name, &login.surname) {
        return (given.clone(), surname.clone());
    }
    let display = login.display_name.as_deref().unwrap_or_default().trim();
    match display.rsplit_once(char::is_whitespace) {
        Some((given, surname)) => (given.trim().to_owned(), surname.to_owned()),
        None => (String::new(), display.to_owned()),
    }
}

/// The policy in force for the person's institution; self-service may have been switched
/// off since they logged in.
pub async fn policy(
    state: &AppState,
    person: &SelfServicePerson,
) -> anyhow::Result<Option<Policy>> {
    let policy = crate::db::self_service::policy(&state.db, person).await?;
    Ok(policy.filter(|policy| policy.enabled))
}

/// Why a departing person may not request: in their language, with what to do.
pub const DEPARTING: &str = "lifecycle.departing";

/// Whether an admin marked the person departed and the grace period runs: their
/// certificates are about to be revoked, so they may not request new ones.
pub async fn departing(state: &AppState, person: &SelfServicePerson) -> anyhow::Result<bool> {
    let login = person.login();
    Ok(crate::db::departures::is_departing(
        &state.db,
        person,
        &login.mail,
        &login.idp_entity_id,
        &login.stable_id,
    )
    .await?)
}

/// The order the person may request with `choice`, or the catalogue key saying why not.
pub async fn prepare(
    state: &AppState,
    person: &SelfServicePerson,
    choice: &str,
    idempotency_key: &str,
) -> anyhow::Result<Result<(NewOrder, MailboxProof), &'static str>> {
    let Some(policy) = policy(state, person).await? else {
        return Ok(Err("self_service.refused.off"));
    };
    if departing(state, person).await? {
        return Ok(Err(DEPARTING));
    }
    // Admission was decided at login; the policy may have changed since. The affiliations
    // the IdP asserted then are checked against it on every request that orders (a change
    // at the IdP itself shows only at the next login).
    let login = person.login();
    if let Err(not) = policy.admits(&login.scoped_affiliations, &login.entitlements) {
        return Ok(Err(
            crate::services::self_service::admission::Refusal::from(not).message_key(),
        ));
    }
    if idempotency_key.trim().is_empty() {
        return Ok(Err("error.order.stale_form"));
    }
    let Some((product, profile)) =
        parse_choice(choice).filter(|(product, profile)| policy.offers(*product, *profile))
    else {
        return Ok(Err("self_service.request.not_offered"));
    };
    let (given_name, surname) = name_parts(person);
    let form = OrderForm {
        product: product.as_str().to_owned(),
        profile_type: profile
            .map(ProfileType::as_str)
            .unwrap_or_default()
            .to_owned(),
        emails: person.login().mail.clone(),
        given_name,
        surname,
        validity_years: policy.validity.years().to_string(),
        csr: String::new(),
        // The form's key, under the person's own prefix: keys are unique per institution,
        // and one person's key must never find another person's order.
        idempotency_key: format!(
            "{}:{}",
            hex::encode(&crate::crypto::tokens::hash(person.stable_id())[..8]),
            idempotency_key.trim()
        ),
    };
    Ok(match NewOrder::try_from(&form) {
        Ok(order) => Ok((order, policy.mailbox_proof)),
        Err(invalid) if invalid.get("given_name").is_some() || invalid.get("surname").is_some() => {
            Err("self_service.request.no_name")
        }
        Err(_) => Err("error.order.stale_form"),
    })
}

/// Mails a fresh code to the person's address, audited; the caller keeps what it returns.
pub async fn mail_code(
    state: &AppState,
    meta: &RequestMeta,
    person: &SelfServicePerson,
) -> anyhow::Result<OneTimeCode> {
    let now = state.clock.now();
    let (code, kept) = OneTimeCode::generate(now);
    let login = person.login();
    let (given_name, surname) = name_parts(person);
    let name = format!("{given_name} {surname}");
    let body = SelfServiceCodeMail {
        name: name.trim(),
        code: &code,
        minutes: one_time_code::LIFETIME.whole_minutes(),
    }
    .render()?;
    let mut tx = state.db.begin().await?;
    Mail {
        to: login.mail.clone(),
        subject: subject("mail.subject.self_service_code", &[]),
        body,
    }
    .enqueue(&mut tx, now)
    .await?;
    AuditEvent::new("self_service.code_sent")
        .actor_label(login.mail.as_str())
        .institution(person.institution_id())
        .target(login.idp_entity_id.clone())
        .details(json!({ "to": login.mail, "stable_id": login.stable_id }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(kept)
}

/// What placing a self-service order gave.
#[derive(Debug)]
pub enum Placed {
    /// The order's enrollment, for the person's browser to be bound to.
    Enrollment(EnrollmentId),
    /// The TCS preconditions stopped it (they may have changed since the login).
    Refused(Vec<Unmet>),
}

/// Places the person's order once the mailbox is proved by `proof`. The proof is audited
/// first: it happened whatever the order's fate.
pub async fn place(
    state: &AppState,
    meta: &RequestMeta,
    person: &SelfServicePerson,
    order: NewOrder,
    proof: MailboxProof,
) -> anyhow::Result<Placed> {
    let login = person.login();
    let mut tx = state.db.begin().await?;
    AuditEvent::new("self_service.mailbox_proved")
        .actor_label(login.mail.as_str())
        .institution(person.institution_id())
        .target(login.idp_entity_id.clone())
        .details(json!({
            "proof": proof.as_str(),
            "mailbox": login.mail,
            "idp": login.idp_entity_id,
            "assertion_id": login.assertion_id,
            "stable_id": login.stable_id,
        }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    let order_id = match ordering::place(state, meta, person, order).await? {
        PlaceOutcome::Placed(order_id) | PlaceOutcome::Duplicate(order_id) => order_id,
        PlaceOutcome::Refused(unmet) => return Ok(Placed::Refused(unmet)),
        PlaceOutcome::Invalid(invalid) => {
            anyhow::bail!("a self-service order without a CSR was found invalid: {invalid:?}")
        }
    };
    crate::db::self_service::own_enrollment(&state.db, person, order_id)
        .await?
        .map(Placed::Enrollment)
        .ok_or_else(|| anyhow::anyhow!("the self-service order {order_id} has no enrollment"))
}
