//! "My certificates": the person's self-service orders with their states, "Request a
//! certificate" within the policy, the mailed code when the policy asks for one, and the
//! way into an order's own pages (key, CSR, pickup, downloads, revocation).
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tower_sessions::Session;
use uuid::Uuid;

use crate::audit::RequestMeta;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::auth::person::{self, SelfServicePerson};
use crate::auth::rate_limit::CredentialAttempt;
use crate::db::self_service::OwnOrder;
use crate::domain::self_service::MailboxProof;
use crate::domain::{EnrollmentId, NewOrder, OrderId};
use crate::error::AppError;
use crate::i18n::{Lang, format};
use crate::services::one_time_code::{Attempt, OneTimeCode};
use crate::services::products::{self, ProductText};
use crate::services::self_service::request::{self, Placed};
use crate::state::AppState;
use crate::web::page::{self, Page, PageContext};

pub const PATH: &str = "/self-service/certificates";
/// A certificate this close to its end is shown as expiring.
const EXPIRING: time::Duration = time::Duration::days(30);

const PENDING: &str = "self_service.pending";
const NOTE: &str = "self_service.note";

/// A request waiting for the mailed code: what was chosen, and the code's hash.
#[derive(Debug, Serialize, Deserialize)]
struct PendingRequest {
    choice: String,
    idempotency_key: String,
    code: OneTimeCode,
}

struct Row {
    id: OrderId,
    product: String,
    status_key: &'static str,
    status: String,
    requested: String,
    not_after: String,
    expiring: bool,
    can_open: bool,
}

/// A product's name with its profile, as the person's lists show it.
fn title(product: ProductText, lang: Lang) -> String {
    match product.profile_key {
        Some(profile) => format!("{} ({})", lang.t(product.title_key), lang.t(profile)),
        None => lang.t(product.title_key).to_owned(),
    }
}

impl Row {
    fn of(order: &OwnOrder, lang: Lang, now: OffsetDateTime) -> Self {
        let product = products::of_order(order.product, order.profile_type.as_deref());
        Self {
            id: order.id,
            product: title(product, lang),
            status_key: order.status.message_key(),
            status: order.status.as_str().to_owned(),
            requested: format::date(order.created_at),
            not_after: format::optional_date(order.not_after),
            expiring: order.status == crate::domain::OrderStatus::Issued
                && order.not_after.is_some_and(|end| end - now < EXPIRING),
            can_open: order.has_enrollment,
        }
    }
}

struct Offer {
    value: String,
    title: String,
    /// What it does and what it cannot.
    what: String,
}

#[derive(Template)]
#[template(path = "self_service/certificates.html")]
struct CertificatesTemplate<'a> {
    page: &'a PageContext,
    institution: String,
    mail: &'a str,
    rows: Vec<Row>,
    offers: Vec<Offer>,
    validity_years: u32,
    idempotency_key: String,
    code_pending: bool,
    note: Option<String>,
    /// Why a departing person may not request, instead of the request form.
    departing: Option<&'static str>,
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    person: SelfServicePerson,
    Page(page): Page,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let institution = crate::db::institutions::detail(&state.db, &person).await?;
    // A departing person sees why they cannot request, and no form to try.
    let departing = request::departing(&state, &person).await?;
    let policy = request::policy(&state, &person)
        .await?
        .filter(|_| !departing);
    let orders = crate::db::self_service::own_orders(&state.db, &person).await?;
    let pending: Option<PendingRequest> = session.get(PENDING).await?;
    let note: Option<String> = session.remove(NOTE).await?;
    let offers = policy
        .iter()
        .flat_map(|policy| policy.choices())
        .map(|(product, profile)| {
            let text = products::text(Some(product), profile.map(|p| p.as_str()));
            Offer {
                value: request::choice_value(product, profile),
                title: title(text, page.lang),
                what: format!(
                    "{} {}",
                    page.lang.t(text.what_key),
                    page.lang.t(text.cannot_key)
                ),
            }
        })
        .collect();
    page::ok(&CertificatesTemplate {
        page: &page,
        institution: match page.lang {
            Lang::Serbian => institution.name_sr,
            Lang::English => institution.name_en,
        },
        mail: &person.login().mail,
        rows: orders
            .iter()
            .map(|order| Row::of(order, page.lang, now))
            .collect(),
        offers,
        validity_years: policy.map_or(0, |policy| policy.validity.years()),
        idempotency_key: Uuid::new_v4().simple().to_string(),
        code_pending: pending.is_some(),
        note,
        departing: departing.then_some(request::DEPARTING),
    })
}

async fn back_with_note(session: &Session, note: &'static str) -> Result<Response, AppError> {
    session.insert(NOTE, note).await?;
    Ok(Redirect::to(PATH).into_response())
}

/// The browser now acts on the order's enrollment, as after a redeemed mail link.
async fn into_enrollment(
    session: &Session,
    enrollment: EnrollmentId,
) -> Result<Response, AppError> {
    crate::web::person::bind_proven(session, enrollment).await?;
    Ok(Redirect::to("/enroll").into_response())
}

/// Places the order whose mailbox `proof` just held, and sends the browser on to it.
async fn place(
    state: &AppState,
    meta: &RequestMeta,
    session: &Session,
    person: &SelfServicePerson,
    order: NewOrder,
    proof: MailboxProof,
) -> Result<Response, AppError> {
    match request::place(state, meta, person, order, proof).await? {
        Placed::Enrollment(enrollment) => into_enrollment(session, enrollment).await,
        Placed::Refused(unmet) => Err(AppError::Conflict(
            unmet
                .first()
                .map_or("self_service.refused.preconditions", |unmet| {
                    unmet.message_key()
                }),
        )),
    }
}

/// The order `choice` asks for under the policy in force now, or the 422 saying why not.
async fn prepare(
    state: &AppState,
    person: &SelfServicePerson,
    choice: &str,
    idempotency_key: &str,
) -> Result<(NewOrder, MailboxProof), AppError> {
    request::prepare(state, person, choice, idempotency_key)
        .await?
        .map_err(AppError::Unprocessable)
}

#[derive(Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    choice: String,
    #[serde(default)]
    idempotency_key: String,
}

/// "Request a certificate": placed at once when the policy trusts the IdP's `mail`, else
/// after the code mailed now.
pub async fn request(
    State(state): State<AppState>,
    meta: RequestMeta,
    session: Session,
    person: SelfServicePerson,
    CsrfForm(form): CsrfForm<RequestForm>,
) -> Result<Response, AppError> {
    let (order, proof) = prepare(&state, &person, &form.choice, &form.idempotency_key).await?;
    match proof {
        MailboxProof::IdpMail => place(&state, &meta, &session, &person, order, proof).await,
        MailboxProof::MailedCode => {
            let code = request::mail_code(&state, &meta, &person).await?;
            let pending = PendingRequest {
                choice: form.choice,
                idempotency_key: form.idempotency_key,
                code,
            };
            session.insert(PENDING, pending).await?;
            back_with_note(&session, "self_service.code_sent").await
        }
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// The mailed code: right, and the waiting request is placed. Guesses count against the
/// client's budget of credential attempts, as passwords and TOTP codes do.
pub async fn confirm_code(
    _attempt: CredentialAttempt,
    State(state): State<AppState>,
    meta: RequestMeta,
    session: Session,
    person: SelfServicePerson,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, AppError> {
    let Some(mut pending) = session.get::<PendingRequest>(PENDING).await? else {
        return back_with_note(&session, "self_service.code_needed").await;
    };
    match pending.code.attempt(&form.code, state.clock.now()) {
        Attempt::Accepted => {}
        Attempt::Wrong => {
            session.insert(PENDING, pending).await?;
            return back_with_note(&session, "person.revoke_code_wrong").await;
        }
        Attempt::UsedUp => {
            session.remove::<PendingRequest>(PENDING).await?;
            return back_with_note(&session, "self_service.code_used_up").await;
        }
    }
    session.remove::<PendingRequest>(PENDING).await?;
    person::mailbox_proved(&session).await?;
    // The policy may have changed since the code was mailed: the request is checked again.
    let (order, _) = prepare(&state, &person, &pending.choice, &pending.idempotency_key).await?;
    place(
        &state,
        &meta,
        &session,
        &person,
        order,
        MailboxProof::MailedCode,
    )
    .await
}

/// `POST /self-service/orders/{order_id}/open`: one of the person's own orders; anyone
/// else's is not found.
pub async fn open(
    State(state): State<AppState>,
    session: Session,
    person: SelfServicePerson,
    Path(order_id): Path<OrderId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    match crate::db::self_service::own_enrollment(&state.db, &person, order_id).await? {
        Some(enrollment) => into_enrollment(&session, enrollment).await,
        None => Err(AppError::NotFound),
    }
}

/// Ends the person's self-service login (an account's login in the same browser stays).
pub async fn log_out(
    session: Session,
    _person: SelfServicePerson,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    person::end(&session).await?;
    Ok(Redirect::to(person::LOGIN_PATH).into_response())
}
