//! Bulk orders over the API (`/api/v1/institutions/{id}/bulk-orders…`): the rows of the
//! bulk page's CSV, or the same rows as JSON, previewed (`?preview=true`, nothing kept) or
//! placed under an `Idempotency-Key` in one transaction, then followed through the status
//! resource. Both bodies become the same [`BulkRow`]s, checked by the same parser and
//! placed by the same service as the page's uploads.
use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::bearer::{Bearer, OrdersRead, OrdersWrite};
use super::openapi::{BodyRefusals, Refusals};
use super::orders::{emails_field, idempotency_key};
use super::problem::{self, ApiLang, Kind, Problem};
use crate::audit::RequestMeta;
use crate::domain::bulk_csv::{self, BulkRow, CsvRefusal};
use crate::domain::{BulkUploadId, InstitutionId, OrderId};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::bulk::{self, KeyedOutcome, Preview, Status, Verdict};
use crate::state::AppState;

/// The largest body read: the bulk file's own limit (a JSON list of 10,000 rows fits).
pub const BODY_LIMIT: usize = bulk_csv::MAX_BYTES;

/// What to do with the rows.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BulkQuery {
    /// `true`: check every row and answer each one's result, keeping and placing nothing.
    #[serde(default)]
    pub preview: bool,
    /// `true`: place the valid rows even if others are refused (they are left out).
    #[serde(default)]
    pub valid_only: bool,
}

/// One row as JSON: the columns of the bulk CSV, the addresses as a list.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRowBody {
    /// The person's addresses, all in the institution's validated domains.
    pub emails: Vec<String>,
    pub given_name: String,
    pub surname: String,
    /// `secure_email_sponsor`, `client_digital_signature_plus`, `client_email_security_plus`
    /// or `client_premium`.
    pub product: String,
    /// For Secure Email: `strict` or `multipurpose`.
    #[serde(default)]
    pub profile_type: Option<String>,
    /// 1 or 2.
    pub validity_years: u8,
}

/// The rows as JSON: `{"rows": […]}` (a bare list of rows is read too).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkBody {
    pub rows: Vec<BulkRowBody>,
}

impl BulkRowBody {
    /// The row as the CSV would hold it, its position in the list as its line.
    fn into_row(self, line: u64) -> BulkRow {
        BulkRow {
            line,
            emails: emails_field(&self.emails),
            given_name: self.given_name,
            surname: self.surname,
            product: self.product,
            profile_type: self.profile_type.unwrap_or_default(),
            validity_years: self.validity_years.to_string(),
        }
    }
}

/// One row checked: `ready` (it will be ordered), `invalid` (a cell is wrong), `unmet`
/// (the TCS preconditions refuse it: an address outside the validated domains…) or
/// `repeated` (an address already on an earlier row).
#[derive(Debug, Serialize, ToSchema)]
pub struct RowVerdict {
    pub line: u64,
    pub emails: String,
    pub outcome: &'static str,
    /// Why it is refused, each "what: why", in the caller's language.
    pub errors: Vec<String>,
    /// Orders of live certificates of the same product its addresses hold already (a
    /// warning: the row is still ordered, as from the order form).
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub live_certificates: Vec<OrderId>,
}

/// Every row checked; nothing kept or placed.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewView {
    pub rows: usize,
    /// Rows that would be ordered.
    pub ready: usize,
    pub refused: usize,
    /// Ready rows whose addresses hold a live certificate of the product.
    pub live_duplicates: usize,
    /// Rows refused for an address on an earlier row.
    pub repeated: usize,
    pub results: Vec<RowVerdict>,
}

impl PreviewView {
    fn new(preview: &Preview, lang: Lang) -> Self {
        Self {
            rows: preview.rows.len(),
            ready: preview.ready,
            refused: preview.refused,
            live_duplicates: preview.live_duplicates,
            repeated: preview.repeated,
            results: preview
                .rows
                .iter()
                .map(|row| RowVerdict {
                    line: row.row.line,
                    emails: row.row.emails.clone(),
                    outcome: match &row.verdict {
                        Verdict::Ready { .. } => "ready",
                        Verdict::Invalid(_) => "invalid",
                        Verdict::Unmet(_) => "unmet",
                        Verdict::Repeated { .. } => "repeated",
                    },
                    errors: row.verdict.errors(lang),
                    live_certificates: match &row.verdict {
                        Verdict::Ready { live, .. } => live.iter().map(|held| held.id).collect(),
                        _ => Vec::new(),
                    },
                })
                .collect(),
        }
    }
}

/// One row of an upload: its order once placed, and that order's state (`ready` or
/// `not_placed` for a row with no order).
#[derive(Debug, Serialize, ToSchema)]
pub struct RowResult {
    pub line: u64,
    pub emails: String,
    #[schema(value_type = Option<uuid::Uuid>)]
    pub order_id: Option<OrderId>,
    pub state: String,
    /// Why the row was not placed, or the order's last error; empty if none.
    pub error: String,
}

/// An upload and its orders, as the bulk page's progress and result CSV show them. Times
/// are Unix seconds.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkStatus {
    #[schema(value_type = uuid::Uuid)]
    pub upload_id: BulkUploadId,
    pub file_name: String,
    pub created_at: i64,
    pub placed_at: Option<i64>,
    pub rows: usize,
    pub orders: usize,
    pub not_placed: usize,
    /// Every order has reached an end: issued, rejected, canceled, failed or revoked.
    pub settled: bool,
    /// Orders by state; states with no order left out.
    #[schema(value_type = Object)]
    pub counts: BTreeMap<&'static str, usize>,
    pub results: Vec<RowResult>,
}

/// A `200` of [`submit`]: a preview, or the upload a repeated key placed before.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Submitted {
    Preview(PreviewView),
    Repeated(BulkStatus),
}

impl From<Status> for BulkStatus {
    fn from(status: Status) -> Self {
        Self {
            upload_id: status.id,
            file_name: status.file_name,
            created_at: status.created_at.unix_timestamp(),
            placed_at: status.placed_at.map(|at| at.unix_timestamp()),
            rows: status.rows.len(),
            orders: status.progress.orders,
            not_placed: status.progress.not_placed,
            settled: status.progress.settled,
            counts: status
                .progress
                .counts
                .iter()
                .map(|(state, count)| (state.as_str(), *count))
                .collect(),
            results: status
                .rows
                .into_iter()
                .map(|row| RowResult {
                    line: row.line,
                    emails: row.emails,
                    order_id: row.order_id,
                    state: row.state,
                    error: row.error,
                })
                .collect(),
        }
    }
}

const CSV_EXAMPLE: &str = "email,given name,surname,product,profile,validity\r\n\
                           ana.anic@fakultet.example,Ana,Anić,secure_email_sponsor,strict,1\r\n";

/// Checks rows of the bulk CSV or their JSON, or places them: the people are mailed their
/// links, as from the bulk page.
#[utoipa::path(
    post,
    path = "/api/v1/institutions/{institution_id}/bulk-orders",
    operation_id = "submit_bulk_orders",
    tag = "bulk orders",
    params(
        ("institution_id" = uuid::Uuid, Path, description = "The token's institution"),
        ("Idempotency-Key" = Option<String>, Header, description = "Required to place (1 to 64 characters); the same key and rows again return the first upload"),
        BulkQuery,
    ),
    request_body(
        description = "The bulk template's CSV (UTF-8, comma or semicolon, at most 10,000 rows and 5 MB), or the same rows as JSON",
        content(
            (BulkBody = "application/json"),
            (String = "text/csv", example = json!(CSV_EXAMPLE)),
        )
    ),
    responses(
        (status = 200, description = "Preview: every row's result; or the same key and rows again: the first upload", body = Submitted),
        (status = 201, description = "Placed: the upload and its orders", body = BulkStatus),
        (status = 409, description = "The Idempotency-Key was used for other rows", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The file or rows are refused (more than 10,000 rows…), or rows are refused and valid_only is not set; nothing placed", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        BodyRefusals,
        Refusals,
    ),
    security(("bearer" = ["orders:write"]))
)]
pub async fn submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiLang(lang): ApiLang,
    Bearer(scope, _): Bearer<OrdersWrite>,
    Query(query): Query<BulkQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Ok(refused_file(lang, &CsvRefusal::TooLarge).into_response());
        }
        Err(_) => {
            return Ok(Problem::new(Kind::BadRequest, lang, "problem.bad_request").into_response());
        }
    };
    let (file_name, rows) = match rows_of(&headers, &body, lang) {
        Ok(read) => read,
        Err(problem) => return Ok(problem.into_response()),
    };
    if query.preview {
        let preview = bulk::preview_rows(&state, &scope, file_name, rows)
            .await
            .map_err(AppError::internal)?;
        return Ok(Json(Submitted::Preview(PreviewView::new(&preview, lang))).into_response());
    }
    let Some(key) = idempotency_key(&headers) else {
        let errors = json!({ "Idempotency-Key": lang.t("api.bulk.idempotency_key") });
        return Ok(
            Problem::new(Kind::InvalidInput, lang, "problem.invalid_input_detail")
                .with("errors", errors)
                .into_response(),
        );
    };
    // Rows refused are listed from a preview of the same rows: placing reads them so.
    let listed = rows.clone();
    let outcome = bulk::place_keyed(
        &state,
        &meta,
        &scope,
        file_name,
        rows,
        key,
        query.valid_only,
    )
    .await
    .map_err(AppError::internal)?;
    let (placed_now, id) = match outcome {
        KeyedOutcome::Placed { id, .. } => (true, id),
        KeyedOutcome::Repeated { id } => (false, id),
        KeyedOutcome::KeyReused => {
            return Ok(Problem::new(Kind::Conflict, lang, "api.bulk.key_reused").into_response());
        }
        KeyedOutcome::HasRefusedRows { .. } | KeyedOutcome::NothingToPlace => {
            let detail = if matches!(outcome, KeyedOutcome::NothingToPlace) {
                "api.bulk.nothing_to_place"
            } else {
                "api.bulk.refused_rows"
            };
            let preview = bulk::preview_rows(&state, &scope, file_name, listed)
                .await
                .map_err(AppError::internal)?;
            let view = PreviewView::new(&preview, lang);
            return Ok(Problem::new(Kind::InvalidInput, lang, detail)
                .with("refused", json!(view.refused))
                .with("results", json!(view.results))
                .into_response());
        }
    };
    let placed = bulk::status(&state, &scope, id, lang)
        .await
        .map_err(AppError::internal)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("upload {id} vanished")))?;
    let placed = BulkStatus::from(placed);
    Ok(if placed_now {
        (StatusCode::CREATED, Json(placed)).into_response()
    } else {
        Json(Submitted::Repeated(placed)).into_response()
    })
}

/// The rows of the body by its media type, with the name the upload is listed by; a
/// refused body as its problem.
fn rows_of(
    headers: &HeaderMap,
    body: &[u8],
    lang: Lang,
) -> Result<(&'static str, Vec<BulkRow>), Problem> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match media_type.as_str() {
        "text/csv" => bulk_csv::parse(body)
            .map(|rows| ("api.csv", rows))
            .map_err(|refusal| refused_file(lang, &refusal)),
        "application/json" => {
            let rows = json_rows(body).map_err(|error| {
                Problem::new(Kind::InvalidInput, lang, "api.bulk.not_rows").with(
                    "at",
                    json!({ "line": error.line(), "column": error.column() }),
                )
            })?;
            bulk_csv::within_limits(rows)
                .map(|rows| ("api.json", rows))
                .map_err(|refusal| refused_file(lang, &refusal))
        }
        _ => Err(Problem::new(
            Kind::UnsupportedMediaType,
            lang,
            "api.bulk.media_type",
        )),
    }
}

/// The JSON's rows, numbered from 1 in the list's order.
fn json_rows(body: &[u8]) -> serde_json::Result<Vec<BulkRow>> {
    let bare_list = body
        .iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .is_some_and(|byte| *byte == b'[');
    let rows = if bare_list {
        serde_json::from_slice::<Vec<BulkRowBody>>(body)?
    } else {
        serde_json::from_slice::<BulkBody>(body)?.rows
    };
    Ok(rows
        .into_iter()
        .zip(1..)
        .map(|(row, line)| row.into_row(line))
        .collect())
}

/// A body refused whole, with what its message is about (a column, a line).
fn refused_file(lang: Lang, refusal: &CsvRefusal) -> Problem {
    let kind = if *refusal == CsvRefusal::TooLarge {
        Kind::TooLarge
    } else {
        Kind::InvalidInput
    };
    let mut problem = Problem::new(kind, lang, refusal.message_key());
    if let Some(subject) = refusal.subject() {
        problem = problem.with("subject", json!(subject));
    }
    problem
}

/// An upload of the institution, from the bulk page or the API: its counts by state and
/// every row's outcome.
#[utoipa::path(
    get,
    path = "/api/v1/institutions/{institution_id}/bulk-orders/{upload_id}",
    operation_id = "get_bulk_upload",
    tag = "bulk orders",
    params(
        ("institution_id" = uuid::Uuid, Path, description = "The token's institution"),
        ("upload_id" = uuid::Uuid, Path, description = "The upload"),
    ),
    responses(
        (status = 200, description = "The upload", body = BulkStatus),
        Refusals,
    ),
    security(("bearer" = ["orders:read"]))
)]
pub async fn show(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    Bearer(scope, _): Bearer<OrdersRead>,
    Path((_, upload_id)): Path<(InstitutionId, BulkUploadId)>,
) -> Result<Response, AppError> {
    Ok(
        match bulk::status(&state, &scope, upload_id, lang)
            .await
            .map_err(AppError::internal)?
        {
            Some(status) => Json(BulkStatus::from(status)).into_response(),
            None => problem::not_found(lang),
        },
    )
}
