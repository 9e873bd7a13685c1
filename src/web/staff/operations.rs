//! Operations for staff: the DigiCert connection, the background job queue
//! with its failed jobs and a retry button, mail the outbox gave up on with a
//! button to send it again, and orders in a DigiCert status the portal does not
//! know.
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::key_banner::{self, KeyBanner};
use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::auth::{StaffAdmin, StaffScope};
use crate::db::jobs::{FailedJob, KindCounts};
use crate::db::orders::UnknownStatusOrder;
use crate::db::outbox::UndeliveredMail;
use crate::error::AppError;
use crate::i18n::format;
use crate::services::digicert_connection::ConnectionCheck;
use crate::state::AppState;
use crate::web::page::{self, PageContext, WithPage};

const FAILED_SHOWN: i64 = 50;
const UNDELIVERED_SHOWN: i64 = 50;
const UNKNOWN_STATUS_SHOWN: i64 = 50;

#[derive(Template)]
#[template(path = "staff/operations.html")]
struct OperationsTemplate<'a> {
    page: &'a PageContext,
    digicert_url: Option<String>,
    check: Option<ConnectionCheck>,
    counts: Vec<KindCounts>,
    failed: Vec<FailedJob>,
    undelivered: Vec<UndeliveredMail>,
    /// Orders DigiCert reports in a status the portal does not know.
    unknown: Vec<UnknownStatusOrder>,
    key_banner: Option<KeyBanner>,
    can_write: bool,
}

impl OperationsTemplate<'_> {
    fn when(&self, at: &time::OffsetDateTime) -> String {
        format::datetime(*at)
    }
}

async fn render(
    state: &AppState,
    staff: &StaffScope,
    page: &PageContext,
    status: StatusCode,
    check: Option<ConnectionCheck>,
) -> Result<Response, AppError> {
    page::render(
        status,
        &OperationsTemplate {
            page,
            digicert_url: state
                .settings
                .digicert
                .as_ref()
                .map(|digicert| digicert.base_url.clone()),
            check,
            counts: crate::jobs::counts(&state.db).await?,
            failed: crate::jobs::list_failed(&state.db, None, FAILED_SHOWN).await?,
            undelivered: crate::db::outbox::list_given_up(&state.db, UNDELIVERED_SHOWN).await?,
            unknown: crate::services::ordering::follow::in_unknown_status(
                &state.db,
                UNKNOWN_STATUS_SHOWN,
            )
            .await?,
            key_banner: key_banner::load(&state.db).await?,
            can_write: staff.role().can_write(),
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    WithPage(staff, page): WithPage<StaffScope>,
) -> Result<Response, AppError> {
    render(&state, &staff, &page, StatusCode::OK, None).await
}

pub async fn check_digicert(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(staff, page): WithPage<StaffAdmin>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let check = crate::services::digicert_connection::check(&state, &meta, &staff).await?;
    render(&state, &staff, &page, StatusCode::OK, Some(check)).await
}

pub async fn retry_job(
    State(state): State<AppState>,
    meta: RequestMeta,
    staff: StaffAdmin,
    Path(job_id): Path<i64>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let mut tx = state.db.begin().await?;
    if !crate::jobs::retry_failed(&mut *tx, job_id, state.clock.now()).await? {
        return Err(AppError::Conflict("operations.retry_refused"));
    }
    AuditEvent::new("job.retried")
        .actor(staff.account_id())
        .target(format!("job:{job_id}"))
        .details(json!({}))
        .record(&mut tx, &meta)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to("/staff/operations").into_response())
}

pub async fn send_mail_again(
    State(state): State<AppState>,
    meta: RequestMeta,
    staff: StaffAdmin,
    Path(mail_id): Path<i64>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let mut tx = state.db.begin().await?;
    if !crate::db::outbox::send_again(&mut tx, mail_id, state.clock.now()).await? {
        return Err(AppError::Conflict("operations.send_again_refused"));
    }
    AuditEvent::new("mail.sent_again")
        .actor(staff.account_id())
        .target(format!("mail:{mail_id}"))
        .details(json!({}))
        .record(&mut tx, &meta)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to("/staff/operations#undelivered-mail").into_response())
}
