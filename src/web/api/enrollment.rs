//! The person's side of an order over the API
//! (`GET /api/v1/institutions/{id}/orders/{order_id}/enrollment`): whether their link is
//! out, spent or expired, whether they proved their mailbox, which key they chose and
//! whether they picked the certificate up. Dates and choices only: the link, the key and
//! the passphrase never leave the portal.
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::bearer::{Bearer, OrdersRead};
use super::openapi::Refusals;
use super::problem::{ApiLang, not_found};
use crate::db::enrollments::Progress;
use crate::domain::{InstitutionId, OrderId};
use crate::error::AppError;
use crate::state::AppState;

/// Where the person stands. Times are Unix seconds.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnrollmentView {
    #[schema(value_type = uuid::Uuid)]
    pub order_id: OrderId,
    /// The order's status, as in the order itself.
    pub order_status: &'static str,
    /// `none` (the order came with a CSR: no person's link), `open`, `used` (the person
    /// followed it) or `expired`.
    pub link: &'static str,
    pub link_sent_at: Option<i64>,
    pub link_expires_at: Option<i64>,
    /// Whether the person proved they read the mailbox (followed the link).
    pub mailbox_proved: bool,
    pub mailbox_proved_at: Option<i64>,
    /// `server` (the portal made the key) or `csr` (the person brought one); none yet.
    pub key_origin: Option<String>,
    /// The key's type, such as `rsa-3072` or `ecdsa-p256`, once chosen.
    pub key_type: Option<String>,
    pub picked_up: bool,
    pub picked_up_at: Option<i64>,
    /// When the portal-made key was wiped (after pickup, or at the end of its time).
    pub key_wiped_at: Option<i64>,
    /// Pickup is throttled until then after too many wrong passphrases.
    pub pickup_blocked_until: Option<i64>,
}

impl EnrollmentView {
    fn new(
        order_id: OrderId,
        order_status: &'static str,
        progress: Option<&Progress>,
        now: OffsetDateTime,
    ) -> Self {
        let link = match progress {
            None => "none",
            Some(progress) if progress.link_used => "used",
            Some(progress) if progress.link_expires_at <= now => "expired",
            Some(_) => "open",
        };
        let when = |at: fn(&Progress) -> Option<OffsetDateTime>| {
            progress.and_then(at).map(OffsetDateTime::unix_timestamp)
        };
        Self {
            order_id,
            order_status,
            link,
            link_sent_at: when(|progress| Some(progress.link_sent_at)),
            link_expires_at: when(|progress| Some(progress.link_expires_at)),
            mailbox_proved: progress.is_some_and(|progress| progress.confirmed_at.is_some()),
            mailbox_proved_at: when(|progress| progress.confirmed_at),
            key_origin: progress.and_then(|progress| progress.key_origin.clone()),
            key_type: progress.and_then(|progress| progress.key_type.clone()),
            picked_up: progress.is_some_and(|progress| progress.picked_up_at.is_some()),
            picked_up_at: when(|progress| progress.picked_up_at),
            key_wiped_at: when(|progress| progress.key_wiped_at),
            pickup_blocked_until: when(|progress| progress.pickup_blocked_until)
                .filter(|until| *until > now.unix_timestamp()),
        }
    }
}

/// Where the order's person stands with their link, key and pickup.
#[utoipa::path(
    get,
    path = "/api/v1/institutions/{institution_id}/orders/{order_id}/enrollment",
    operation_id = "get_enrollment",
    tag = "orders",
    params(
        ("institution_id" = uuid::Uuid, Path, description = "The token's institution"),
        ("order_id" = uuid::Uuid, Path, description = "The order"),
    ),
    responses(
        (status = 200, description = "The person's progress", body = EnrollmentView),
        Refusals,
    ),
    security(("bearer" = ["orders:read"]))
)]
pub async fn show(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    Bearer(scope, _): Bearer<OrdersRead>,
    Path((_, order_id)): Path<(InstitutionId, OrderId)>,
) -> Result<Response, AppError> {
    let Some(order) = crate::db::orders::get(&state.db, &scope, order_id).await? else {
        return Ok(not_found(lang));
    };
    let progress = crate::db::enrollments::progress_of_order(&state.db, &scope, order_id).await?;
    Ok(Json(EnrollmentView::new(
        order_id,
        order.status.as_str(),
        progress.as_ref(),
        state.clock.now(),
    ))
    .into_response())
}
