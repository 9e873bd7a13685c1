//! "Departures" (issue 15 §4): the admins mark a person who left as departed, see the
//! grace period running, undo a departure made by mistake, and set the grace period.
//! Admins and full staff only.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::audit::RequestMeta;
use crate::auth::csrf::{CsrfForm, CsrfUpload, NoFields};
use crate::auth::{Admin, InstitutionScope};
use crate::db::departures::{Departure, Flagged};
use crate::domain::{DepartureId, EmailAddress, GraceDays, InstitutionId};
use crate::error::AppError;
use crate::i18n::format;
use crate::services::departures::{self, MAX_GRACE_DAYS, Marked};
use crate::state::AppState;
use crate::web::institution::InstitutionNav;
use crate::web::page::{self, PageContext, WithPage};

#[derive(Template)]
#[template(path = "institution/departures.html")]
struct DeparturesTemplate<'a> {
    page: &'a PageContext,
    nav: InstitutionNav,
    departures: Vec<Departure>,
    flagged: Vec<Flagged>,
    grace_days: i32,
    max_grace_days: i32,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    uploaded: Vec<UploadLine>,
}

/// What became of one row of an uploaded list.
struct UploadLine {
    line: u64,
    text: String,
    outcome: &'static str,
}

impl DeparturesTemplate<'_> {
    fn when(&self, at: &time::OffsetDateTime) -> String {
        format::datetime(*at)
    }

    fn state_key(&self, state: &str) -> &'static str {
        match state {
            "grace" => "departures.state_grace",
            "undone" => "departures.state_undone",
            _ => "departures.state_revoked",
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: Option<String>,
}

/// What the page shows above its lists besides the usual: a notice, a refusal, or the
/// rows of an uploaded list.
#[derive(Default)]
struct Outcome {
    notice: Option<&'static str>,
    error: Option<&'static str>,
    uploaded: Vec<UploadLine>,
}

impl Outcome {
    fn refused(key: &'static str) -> Self {
        Self {
            error: Some(key),
            ..Self::default()
        }
    }
}

/// The page, the one way every handler shows it.
async fn render(
    state: &AppState,
    scope: &InstitutionScope<Admin>,
    page: &PageContext,
    status: StatusCode,
    outcome: Outcome,
) -> Result<Response, AppError> {
    page::render(
        status,
        &DeparturesTemplate {
            page,
            nav: InstitutionNav::new(scope, page.lang),
            departures: crate::db::departures::list(&state.db, scope).await?,
            flagged: crate::db::departures::flagged(&state.db, scope).await?,
            grace_days: crate::db::departures::grace_days(&state.db, scope).await?,
            max_grace_days: MAX_GRACE_DAYS,
            notice: outcome.notice,
            error: outcome.error,
            uploaded: outcome.uploaded,
        },
    )
}

fn path(scope: &InstitutionScope<Admin>) -> String {
    format!("/institutions/{}/departures", scope.institution_id())
}

pub async fn show(
    State(state): State<AppState>,
    WithPage(scope, page): WithPage<InstitutionScope<Admin>>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let notice = match query.notice.as_deref() {
        Some("marked") => Some("departures.marked"),
        Some("undone") => Some("departures.undone"),
        Some("grace") => Some("departures.grace_saved"),
        _ => None,
    };
    let outcome = Outcome {
        notice,
        ..Outcome::default()
    };
    render(&state, &scope, &page, StatusCode::OK, outcome).await
}

#[derive(Debug, Deserialize)]
pub struct MarkForm {
    #[serde(default)]
    email: String,
}

pub async fn mark(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(scope, page): WithPage<InstitutionScope<Admin>>,
    CsrfForm(form): CsrfForm<MarkForm>,
) -> Result<Response, AppError> {
    let (status, key) = match EmailAddress::parse(&form.email) {
        Err(_) => (StatusCode::UNPROCESSABLE_ENTITY, "departures.bad_address"),
        Ok(email) => {
            match departures::mark(&state, &meta, &scope, scope.account_id(), &email).await? {
                Marked::Opened(_) => {
                    return Ok(
                        Redirect::to(&format!("{}?notice=marked", path(&scope))).into_response()
                    );
                }
                Marked::AlreadyOpen => (StatusCode::CONFLICT, "departures.already_open"),
                Marked::UnknownAddress => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "departures.unknown_address",
                ),
            }
        }
    };
    render(&state, &scope, &page, status, Outcome::refused(key)).await
}

pub async fn undo(
    State(state): State<AppState>,
    meta: RequestMeta,
    scope: InstitutionScope<Admin>,
    Path((_, departure_id)): Path<(InstitutionId, DepartureId)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    if departures::undo(&state, &meta, &scope, scope.account_id(), departure_id).await? {
        Ok(Redirect::to(&format!("{}?notice=undone", path(&scope))).into_response())
    } else if crate::db::departures::exists(&state.db, &scope, departure_id).await? {
        // Undone or revoked already: the grace period is over for it.
        Err(AppError::Conflict("departures.not_open"))
    } else {
        // Unknown, or another institution's.
        Err(AppError::NotFound)
    }
}

#[derive(Debug, Deserialize)]
pub struct GraceForm {
    #[serde(default)]
    days: String,
}

pub async fn set_grace(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(scope, page): WithPage<InstitutionScope<Admin>>,
    CsrfForm(form): CsrfForm<GraceForm>,
) -> Result<Response, AppError> {
    let days = match GraceDays::parse(&form.days) {
        Ok(days) => days,
        Err(key) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(&state, &scope, &page, status, Outcome::refused(key)).await;
        }
    };
    departures::set_grace_days(&state, &meta, &scope, scope.account_id(), days.days()).await?;
    Ok(Redirect::to(&format!("{}?notice=grace", path(&scope))).into_response())
}

/// `POST …/departures/upload`: a CSV of addresses, one per row; each row is marked
/// departed on its own and its outcome reported by line.
pub async fn upload(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(scope, page): WithPage<InstitutionScope<Admin>>,
    upload: CsrfUpload,
) -> Result<Response, AppError> {
    let rows = match departures::parse_csv(&upload.file) {
        Ok(rows) => rows,
        Err(key) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(&state, &scope, &page, status, Outcome::refused(key)).await;
        }
    };
    let mut lines = Vec::with_capacity(rows.len());
    for row in rows {
        let outcome = match &row.address {
            Err(key) => key,
            Ok(email) => {
                match departures::mark(&state, &meta, &scope, scope.account_id(), email).await? {
                    Marked::Opened(_) => "departures.row_marked",
                    Marked::AlreadyOpen => "departures.already_open",
                    Marked::UnknownAddress => "departures.unknown_address",
                }
            }
        };
        lines.push(UploadLine {
            line: row.line,
            text: row.text,
            outcome,
        });
    }
    let outcome = Outcome {
        uploaded: lines,
        ..Outcome::default()
    };
    render(&state, &scope, &page, StatusCode::OK, outcome).await
}
