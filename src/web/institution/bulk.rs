//! Bulk orders: the list of uploads with the upload form and the templates, the preview
//! of an upload (every row's verdict) with its confirmation, and once placed its progress
//! (refreshing itself without script) and its result as CSV.
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::audit::RequestMeta;
use crate::auth::csrf::{CsrfForm, CsrfUpload};
use crate::auth::scope::RequiredRole;
use crate::auth::{Admin, InstitutionScope, Read};
use crate::db::bulk::UploadLine;
use crate::domain::BulkUploadId;
use crate::domain::bulk_csv::{self, CsvRefusal};
use crate::error::AppError;
use crate::i18n::format;
use crate::services::bulk::{self, PlaceBulkOutcome, Preview, Progress};
use crate::state::AppState;
use crate::web::institution::InstitutionNav;
use crate::web::institution::orders_list::{csv_response, status_key};
use crate::web::page::{self, PageContext, WithPage};

/// The largest upload body: the file's limit and room for the form's other parts.
pub const UPLOAD_BODY_LIMIT: usize = bulk_csv::MAX_BYTES + 64 * 1024;

/// How often the progress page reloads itself while orders are on their way.
const REFRESH_SECONDS: u32 = 10;

#[derive(Template)]
#[template(path = "institution/bulk.html")]
struct ListTemplate<'a> {
    page: &'a PageContext,
    nav: InstitutionNav,
    uploads: Vec<UploadLine>,
    /// Why the last file was refused, and what about (a column, a line).
    refusal: Option<(&'static str, String)>,
    max_rows: usize,
}

impl ListTemplate<'_> {
    fn when(&self, at: &time::OffsetDateTime) -> String {
        format::datetime(*at)
    }
}

async fn render_list<R: RequiredRole>(
    state: &AppState,
    scope: &InstitutionScope<R>,
    page: &PageContext,
    status: StatusCode,
    refusal: Option<(&'static str, String)>,
) -> Result<Response, AppError> {
    let uploads = crate::db::bulk::list(&state.db, scope).await?;
    page::render(
        status,
        &ListTemplate {
            page,
            nav: InstitutionNav::new(scope, page.lang),
            uploads,
            refusal,
            max_rows: bulk_csv::MAX_ROWS,
        },
    )
}

pub async fn list(
    State(state): State<AppState>,
    WithPage(scope, page): WithPage<InstitutionScope<Read>>,
) -> Result<Response, AppError> {
    render_list(&state, &scope, &page, StatusCode::OK, None).await
}

/// The template in the page's language, its example address in one of the
/// institution's domains.
pub async fn template(
    State(state): State<AppState>,
    WithPage(scope, page): WithPage<InstitutionScope<Read>>,
) -> Result<Response, AppError> {
    let domains = crate::db::domains::list(&state.db, &scope).await?;
    let domain = domains
        .first()
        .map_or_else(|| "example.ac.rs".to_owned(), |d| d.name.to_unicode());
    let body = bulk::template(page.lang, &domain).map_err(AppError::internal)?;
    Ok(csv_response(
        &format!("bulk-orders-template-{}.csv", page.lang.code()),
        body,
    ))
}

pub async fn upload(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(scope, page): WithPage<InstitutionScope<Admin>>,
    posted: Result<CsrfUpload, AppError>,
) -> Result<Response, AppError> {
    let posted = match posted {
        Ok(posted) => posted,
        Err(AppError::PayloadTooLarge) => {
            let refusal = Some((CsvRefusal::TooLarge.message_key(), String::new()));
            let status = StatusCode::PAYLOAD_TOO_LARGE;
            return render_list(&state, &scope, &page, status, refusal).await;
        }
        Err(other) => return Err(other),
    };
    match bulk::upload(&state, &meta, &scope, &posted.file_name, &posted.file)
        .await
        .map_err(AppError::internal)?
    {
        Ok(id) => Ok(Redirect::to(&format!(
            "/institutions/{}/bulk/{id}",
            scope.institution_id()
        ))
        .into_response()),
        Err(refusal) => {
            let shown = Some((refusal.message_key(), refusal.subject().unwrap_or_default()));
            let status = if refusal == CsvRefusal::TooLarge {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            render_list(&state, &scope, &page, status, shown).await
        }
    }
}

/// One row as the preview shows it.
struct RowView {
    line: u64,
    emails: String,
    name: String,
    product: String,
    ready: bool,
    errors: Vec<String>,
    /// Live certificates of the same product the row's addresses hold, as "address (until)".
    live: Vec<String>,
}

#[derive(Template)]
#[template(path = "institution/bulk_upload.html")]
struct UploadTemplate<'a> {
    page: &'a PageContext,
    nav: InstitutionNav,
    preview: &'a Preview,
    rows: Vec<RowView>,
    progress: Option<Progress>,
    refresh: Option<u32>,
    /// Why the last confirmation did nothing, as a catalogue key.
    notice: Option<&'static str>,
}

impl UploadTemplate<'_> {
    fn status(&self, status: &crate::domain::OrderStatus) -> &'static str {
        self.page.t(status_key(status.as_str()))
    }
}

async fn render_upload<R: RequiredRole>(
    state: &AppState,
    scope: &InstitutionScope<R>,
    page: &PageContext,
    id: BulkUploadId,
    status: StatusCode,
    notice: Option<&'static str>,
) -> Result<Response, AppError> {
    let preview = bulk::preview(state, scope, id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    let progress = match preview.placed_at {
        Some(_) => bulk::progress(state, scope, id)
            .await
            .map_err(AppError::internal)?,
        None => None,
    };
    let refresh = progress
        .as_ref()
        .filter(|progress| !progress.settled)
        .map(|_| REFRESH_SECONDS);
    let rows = preview
        .rows
        .iter()
        .map(|row| RowView {
            line: row.row.line,
            emails: row.row.emails.clone(),
            name: format!("{} {}", row.row.given_name, row.row.surname),
            product: [row.row.product.as_str(), row.row.profile_type.as_str()]
                .into_iter()
                .filter(|part| !part.trim().is_empty())
                .collect::<Vec<_>>()
                .join(" / "),
            ready: row.verdict.is_ready(),
            errors: row.verdict.errors(page.lang),
            live: match &row.verdict {
                bulk::Verdict::Ready { live, .. } => live
                    .iter()
                    .map(|l| format!("{} ({})", l.email, format::optional_date(l.not_after)))
                    .collect(),
                _ => Vec::new(),
            },
        })
        .collect();
    page::render(
        status,
        &UploadTemplate {
            page,
            nav: InstitutionNav::new(scope, page.lang),
            preview: &preview,
            rows,
            progress,
            refresh,
            notice,
        },
    )
}

fn upload_id(text: &str) -> Result<BulkUploadId, AppError> {
    text.parse().map_err(|_| AppError::NotFound)
}

pub async fn show(
    State(state): State<AppState>,
    WithPage(scope, page): WithPage<InstitutionScope<Read>>,
    Path(path): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = upload_id(&path.1)?;
    let mut response = render_upload(&state, &scope, &page, id, StatusCode::OK, None).await?;
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// The confirmation: the admin's explicit "place the valid rows only" if some are refused.
#[derive(Debug, Default, Deserialize)]
pub struct PlaceForm {
    #[serde(default)]
    valid_only: String,
}

pub async fn place(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(scope, page): WithPage<InstitutionScope<Admin>>,
    Path(path): Path<(String, String)>,
    CsrfForm(form): CsrfForm<PlaceForm>,
) -> Result<Response, AppError> {
    let id = upload_id(&path.1)?;
    let valid_only = form.valid_only == "1";
    let outcome = bulk::place(&state, &meta, &scope, id, valid_only)
        .await
        .map_err(AppError::internal)?;
    let notice = match outcome {
        PlaceBulkOutcome::NotFound => return Err(AppError::NotFound),
        PlaceBulkOutcome::Placed { .. } | PlaceBulkOutcome::AlreadyPlaced => {
            return Ok(Redirect::to(&format!(
                "/institutions/{}/bulk/{id}",
                scope.institution_id()
            ))
            .into_response());
        }
        PlaceBulkOutcome::HasRefusedRows { .. } => "bulk.needs_valid_only",
        PlaceBulkOutcome::NothingToPlace => "bulk.nothing_to_place",
    };
    render_upload(
        &state,
        &scope,
        &page,
        id,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(notice),
    )
    .await
}

pub async fn result(
    State(state): State<AppState>,
    WithPage(scope, page): WithPage<InstitutionScope<Read>>,
    Path(path): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = upload_id(&path.1)?;
    let body = bulk::result_csv(&state, &scope, id, page.lang)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    Ok(csv_response(&format!("bulk-result-{id}.csv"), body))
}
