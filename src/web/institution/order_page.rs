//! One order: what was asked, where it is (our status and DigiCert's raw one),
//! its timeline from the audit log, and the actions an admin may take.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::auth::scope::RequiredRole;
use crate::auth::{InstitutionScope, Read};
use crate::db::orders::OrderRecord;
use crate::domain::{
    InstitutionId, InvalidFields, OrderId, OrderStatus, RevocationForm, RevocationReason,
};
use crate::error::AppError;
use crate::i18n::format;
use crate::services::products::{self, ProductText};
use crate::state::AppState;
use crate::web::audit_view::AuditLine;
use crate::web::forms::FieldErrors;
use crate::web::institution::InstitutionNav;
use crate::web::page::{self, PageContext, WithPage};

/// What the page says above the details after an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    Notice(&'static str),
    Alert(&'static str),
}

#[derive(Template)]
#[template(path = "institution/order.html")]
struct OrderTemplate<'a> {
    page: &'a PageContext,
    nav: InstitutionNav,
    order: OrderRecord,
    product: ProductText,
    status_key: &'static str,
    timeline: Vec<AuditLine>,
    message: Option<Message>,
    /// The reasons offered, each as sent and as shown.
    reasons: Vec<(&'static str, &'static str)>,
    /// The revocation as typed, when it comes back refused.
    revocation: &'a RevocationForm,
    errors: FieldErrors,
}

/// A revocation form that was refused, to show again as it was typed.
#[derive(Debug, Default)]
pub struct Refused {
    pub form: RevocationForm,
    pub invalid: InvalidFields,
}

impl OrderTemplate<'_> {
    fn date(&self, at: &Option<time::OffsetDateTime>) -> String {
        format::optional_date(*at)
    }

    /// Cancel is offered while DigiCert has not been asked yet.
    fn cancelable(&self) -> bool {
        self.order.digicert_order_id.is_none()
            && (self.order.status == OrderStatus::AwaitingPerson
                || (self.order.status == OrderStatus::Queued && self.order.submit_attempts == 0))
    }

    fn revocable(&self) -> bool {
        self.order.status == OrderStatus::Issued
    }

    /// The list of this person's orders.
    fn person_link(&self, email: &str) -> String {
        let query = serde_urlencoded::to_string([("person", email)]).unwrap_or_default();
        format!("/institutions/{}/orders?{query}", self.nav.id)
    }

    /// The person's link can be sent again while the order waits for them.
    fn awaits_person(&self) -> bool {
        self.order.status == OrderStatus::AwaitingPerson
    }
}

pub async fn render<R: RequiredRole>(
    state: &AppState,
    scope: &InstitutionScope<R>,
    page: &PageContext,
    order_id: OrderId,
    status: StatusCode,
    message: Option<Message>,
    refused: Refused,
) -> Result<Response, AppError> {
    let order = crate::db::orders::get(&state.db, scope, order_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let timeline = crate::db::audit::list_for_order(&state.db, scope, order_id)
        .await?
        .into_iter()
        .map(AuditLine::from)
        .collect();
    page::render(
        status,
        &OrderTemplate {
            page,
            nav: InstitutionNav::new(scope, page.lang),
            product: products::of_order(order.product, order.profile_type.as_deref()),
            status_key: order.status.message_key(),
            order,
            timeline,
            message,
            reasons: RevocationReason::ALL
                .iter()
                .map(|reason| (reason.as_str(), reason.message_key()))
                .collect(),
            revocation: &refused.form,
            errors: FieldErrors::of(page.lang, refused.invalid),
        },
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

pub async fn show(
    State(state): State<AppState>,
    WithPage(scope, page): WithPage<InstitutionScope<Read>>,
    Path((_, order_id)): Path<(InstitutionId, OrderId)>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    // Only our own words come back from the query string.
    let message = match query.done.as_str() {
        "canceled" => Some(Message::Notice("order.canceled")),
        "revoked" => Some(Message::Notice("order.revoked")),
        "revoke_requested" => Some(Message::Notice("order.revoke_requested")),
        "already_placed" => Some(Message::Notice("order.already_placed")),
        _ => None,
    };
    let status = StatusCode::OK;
    render(
        &state,
        &scope,
        &page,
        order_id,
        status,
        message,
        Refused::default(),
    )
    .await
}
