//! Bulk orders (issue 14 §3): an admin's CSV is read and kept ([`upload`]), every row
//! checked as the order form checks one order ([`preview`]), the valid rows placed as
//! orders in one transaction exactly once ([`place`]), then followed ([`progress`],
//! [`result_csv`]). The pages call these; an API endpoint calls the same functions.
//!
//! Duplicates: an address on an earlier valid row of the same file refuses the later row
//! (the person would get two links for one certificate); an address that already holds a
//! live certificate of the same product is shown as a warning and still ordered, as on
//! the order form (a renewal is a legitimate reason).
use std::collections::{HashMap, HashSet};

use serde_json::json;
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;

use crate::audit::RequestMeta;
use crate::auth::scope::RequiredRole;
use crate::auth::{Admin, InstitutionScope};
use crate::db::bulk::{self as db, PlacedRow, Upload};
use crate::db::orders::LiveCertificate;
use crate::domain::bulk_csv::{self, BulkRow, Column, CsvRefusal};
use crate::domain::{BulkUploadId, InvalidFields, NewOrder, OrderId, OrderStatus, Product};
use crate::i18n::Lang;
use crate::services::ordering::place::{Vetted, write_bulk};
use crate::services::preconditions::Unmet;
use crate::state::AppState;

/// The longest file name kept for the list.
const FILE_NAME_CHARS: usize = 120;

/// Reads an uploaded file and keeps its rows for the preview; a refused file is audited
/// and keeps nothing.
pub async fn upload(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    file_name: &str,
    bytes: &[u8],
) -> anyhow::Result<Result<BulkUploadId, CsvRefusal>> {
    let file_name = listed_name(file_name);
    let now = state.clock.now();
    let parsed = bulk_csv::parse(bytes);
    let mut tx = state.db.begin().await?;
    let event = scope.audit_event(if parsed.is_ok() {
        "bulk.uploaded"
    } else {
        "bulk.refused"
    });
    let outcome = match parsed {
        Ok(rows) => {
            let id = db::insert(&mut tx, scope, &file_name, &rows, None, now)
                .await?
                .ok_or_else(|| anyhow::anyhow!("an upload without a key was not inserted"))?;
            event
                .target(format!("bulk_upload:{id}"))
                .details(json!({ "file_name": file_name, "rows": rows.len() }))
                .record(&mut tx, meta)
                .await?;
            Ok(id)
        }
        Err(refusal) => {
            event
                .details(json!({
                    "file_name": file_name,
                    "bytes": bytes.len(),
                    "reason": refusal.message_key(),
                    "subject": refusal.subject(),
                }))
                .record(&mut tx, meta)
                .await?;
            Err(refusal)
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

/// The name an upload is listed by: printable, and short.
fn listed_name(file_name: &str) -> String {
    file_name
        .chars()
        .filter(|c| !c.is_control())
        .take(FILE_NAME_CHARS)
        .collect()
}

/// What one row would become.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// It will be ordered; `live` lists the live certificates of the same product its
    /// addresses already hold (a warning).
    Ready {
        order: NewOrder,
        live: Vec<LiveCertificate>,
    },
    /// A cell is wrong: field (the order form's name) → catalogue key.
    Invalid(InvalidFields),
    /// The TCS preconditions refuse it (an address outside the validated domains…).
    Unmet(Vec<Unmet>),
    /// An address already ordered on an earlier row of the file.
    Repeated { email: String, first_line: u64 },
}

impl Verdict {
    pub fn is_ready(&self) -> bool {
        matches!(self, Self::Ready { .. })
    }

    /// The row's errors in `lang`, each "what: why"; empty when it is ready.
    pub fn errors(&self, lang: Lang) -> Vec<String> {
        match self {
            Self::Ready { .. } => Vec::new(),
            Self::Invalid(invalid) => invalid
                .iter()
                .map(|(field, key)| format!("{}: {}", field_label(field, lang), lang.t(key)))
                .collect(),
            Self::Unmet(unmet) => unmet
                .iter()
                .map(|unmet| match unmet.subject() {
                    Some(subject) => format!("{subject}: {}", lang.t(unmet.message_key())),
                    None => lang.t(unmet.message_key()).to_owned(),
                })
                .collect(),
            Self::Repeated { email, first_line } => {
                vec![format!("{email}: {} {first_line}", lang.t("bulk.repeated"))]
            }
        }
    }
}

/// A field of the order form as the admin's column, in `lang`.
fn field_label(field: &str, lang: Lang) -> &'static str {
    lang.t(&format!("bulk.field.{field}"))
}

/// One row and its verdict.
#[derive(Debug, Clone)]
pub struct RowPreview {
    pub row: BulkRow,
    pub verdict: Verdict,
}

/// Every row of an upload checked, with the counts the page and the API show.
#[derive(Debug, Clone)]
pub struct Preview {
    pub id: BulkUploadId,
    pub file_name: String,
    pub created_at: OffsetDateTime,
    pub placed_at: Option<OffsetDateTime>,
    pub rows: Vec<RowPreview>,
    /// Rows that will be ordered.
    pub ready: usize,
    /// Rows that will not.
    pub refused: usize,
    /// Ready rows whose addresses already hold a live certificate of the product.
    pub live_duplicates: usize,
    /// Rows refused for an address already on an earlier row.
    pub repeated: usize,
}

/// The upload's rows checked now; `None` for another institution's upload or none.
pub async fn preview<R: RequiredRole>(
    state: &AppState,
    scope: &InstitutionScope<R>,
    id: BulkUploadId,
) -> anyhow::Result<Option<Preview>> {
    match db::get(&state.db, scope, id).await? {
        Some(upload) => Ok(Some(examine(state, scope, upload).await?)),
        None => Ok(None),
    }
}

/// Rows checked as [`preview`] checks a kept upload's, keeping nothing: the API's
/// preview mode.
pub async fn preview_rows<R: RequiredRole>(
    state: &AppState,
    scope: &InstitutionScope<R>,
    file_name: &str,
    rows: Vec<BulkRow>,
) -> anyhow::Result<Preview> {
    let upload = Upload {
        id: BulkUploadId::new_v4(),
        file_name: listed_name(file_name),
        rows,
        placed_at: None,
        created_at: state.clock.now(),
    };
    examine(state, scope, upload).await
}

/// Every row's verdict, with the live certificates its addresses hold.
async fn examine<R: RequiredRole>(
    state: &AppState,
    scope: &InstitutionScope<R>,
    upload: Upload,
) -> anyhow::Result<Preview> {
    let now = state.clock.now();
    let vetted = Vetted::load(state, scope).await?;
    let mut verdicts = verdicts(&upload, &vetted, now);
    let mut by_product: HashMap<Product, Vec<String>> = HashMap::new();
    for verdict in &verdicts {
        if let Verdict::Ready { order, .. } = verdict {
            by_product
                .entry(order.product)
                .or_default()
                .extend(order.emails.to_strings());
        }
    }
    let mut live: HashMap<(Product, String), Vec<LiveCertificate>> = HashMap::new();
    for (product, emails) in by_product {
        let found =
            crate::db::orders::live_for_addresses(&state.db, scope, product.as_str(), &emails, now)
                .await?;
        for certificate in found {
            live.entry((product, certificate.email.clone()))
                .or_default()
                .push(certificate);
        }
    }
    for verdict in &mut verdicts {
        if let Verdict::Ready { order, live: held } = verdict {
            for email in order.emails.iter() {
                if let Some(found) = live.get(&(order.product, email.as_str().to_owned())) {
                    held.extend(found.iter().cloned());
                }
            }
        }
    }
    let count = |test: fn(&Verdict) -> bool| verdicts.iter().filter(|v| test(v)).count();
    let ready = count(Verdict::is_ready);
    let live_duplicates = count(|v| matches!(v, Verdict::Ready { live, .. } if !live.is_empty()));
    let repeated = count(|v| matches!(v, Verdict::Repeated { .. }));
    Ok(Preview {
        id: upload.id,
        file_name: upload.file_name,
        created_at: upload.created_at,
        placed_at: upload.placed_at,
        refused: verdicts.len() - ready,
        ready,
        live_duplicates,
        repeated,
        rows: upload
            .rows
            .into_iter()
            .zip(verdicts)
            .map(|(row, verdict)| RowPreview { row, verdict })
            .collect(),
    })
}

/// The idempotency key of an upload's row: one order per row, ever.
fn row_key(id: BulkUploadId, index: usize) -> String {
    format!("bulk-{}-{index}", id.as_uuid().simple())
}

/// Each row through the order form's parser, the TCS preconditions and the check for
/// addresses repeated in the file; no live-certificate lookup (see [`preview`]).
fn verdicts(upload: &Upload, vetted: &Vetted, now: OffsetDateTime) -> Vec<Verdict> {
    let mut seen: HashMap<String, u64> = HashMap::new();
    upload
        .rows
        .iter()
        .enumerate()
        .map(|(index, row)| {
            let order = match row.order(&row_key(upload.id, index)) {
                Ok(order) => order,
                Err(invalid) => return Verdict::Invalid(invalid),
            };
            let unmet = vetted.unmet(&order, now);
            if !unmet.is_empty() {
                return Verdict::Unmet(unmet);
            }
            let mut repeated = None;
            let mut fresh = HashSet::new();
            for email in order.emails.iter() {
                match seen.get(email.as_str()) {
                    Some(first_line) if repeated.is_none() => {
                        repeated = Some((email.as_str().to_owned(), *first_line));
                    }
                    Some(_) => {}
                    None => {
                        fresh.insert(email.as_str().to_owned());
                    }
                }
            }
            if let Some((email, first_line)) = repeated {
                return Verdict::Repeated { email, first_line };
            }
            seen.extend(fresh.into_iter().map(|email| (email, row.line)));
            Verdict::Ready {
                order,
                live: Vec::new(),
            }
        })
        .collect()
}

/// What confirming an upload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceBulkOutcome {
    /// The orders were written, each with its person's link, in one transaction.
    Placed { orders: usize },
    /// The upload was placed before (a second confirm); nothing was written.
    AlreadyPlaced,
    /// Some rows are refused and the admin did not ask for the valid rows only.
    HasRefusedRows { refused: usize },
    /// No row is valid.
    NothingToPlace,
    /// Not an upload of this institution.
    NotFound,
}

/// Places the upload's valid rows as orders, all in one transaction and exactly once:
/// the upload's row is locked and marked placed in it, so a second confirm, even a
/// concurrent one, finds it placed. With refused rows, only if `valid_only`.
pub async fn place(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    id: BulkUploadId,
    valid_only: bool,
) -> anyhow::Result<PlaceBulkOutcome> {
    let vetted = Vetted::load(state, scope).await?;
    let mut tx = state.db.begin().await?;
    let Some(upload) = db::lock(&mut tx, scope, id).await? else {
        return Ok(PlaceBulkOutcome::NotFound);
    };
    if upload.placed_at.is_some() {
        return Ok(PlaceBulkOutcome::AlreadyPlaced);
    }
    let outcome = place_rows(&mut tx, state, meta, scope, &upload, &vetted, valid_only).await?;
    if matches!(outcome, PlaceBulkOutcome::Placed { .. }) {
        tx.commit().await?;
    }
    Ok(outcome)
}

/// What placing rows under a client's idempotency key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyedOutcome {
    /// The upload was kept and its valid rows placed, in one transaction.
    Placed {
        id: BulkUploadId,
        orders: usize,
    },
    /// The key was used before for the same rows: that upload, nothing placed now.
    Repeated {
        id: BulkUploadId,
    },
    /// The key was used before for other rows; nothing was written.
    KeyReused,
    /// Refused as [`place`] refuses; nothing was written.
    HasRefusedRows {
        refused: usize,
    },
    NothingToPlace,
}

/// Keeps `rows` as an upload and places its valid rows at once, in one transaction, under
/// the client's `key`: a retry with the same key and rows finds the first upload and
/// places nothing, whenever it comes (the key's uniqueness makes a concurrent retry wait
/// for the first to commit or roll back).
pub async fn place_keyed(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    file_name: &str,
    rows: Vec<BulkRow>,
    key: &str,
    valid_only: bool,
) -> anyhow::Result<KeyedOutcome> {
    let fingerprint = fingerprint(&rows, valid_only)?;
    let vetted = Vetted::load(state, scope).await?;
    let now = state.clock.now();
    let file_name = listed_name(file_name);
    let keyed = db::Keyed {
        key,
        fingerprint: &fingerprint,
    };
    let mut tx = state.db.begin().await?;
    let Some(id) = db::insert(&mut tx, scope, &file_name, &rows, Some(keyed), now).await? else {
        let (id, first) = db::by_key(&mut tx, scope, key)
            .await?
            .ok_or_else(|| anyhow::anyhow!("a bulk key was neither free nor found"))?;
        return Ok(if first == fingerprint {
            KeyedOutcome::Repeated { id }
        } else {
            KeyedOutcome::KeyReused
        });
    };
    scope
        .audit_event("bulk.uploaded")
        .target(format!("bulk_upload:{id}"))
        .details(json!({ "file_name": file_name, "rows": rows.len(), "idempotency_key": key }))
        .record(&mut tx, meta)
        .await?;
    let upload = Upload {
        id,
        file_name,
        rows,
        placed_at: None,
        created_at: now,
    };
    Ok(
        match place_rows(&mut tx, state, meta, scope, &upload, &vetted, valid_only).await? {
            PlaceBulkOutcome::Placed { orders } => {
                tx.commit().await?;
                KeyedOutcome::Placed { id, orders }
            }
            PlaceBulkOutcome::HasRefusedRows { refused } => {
                KeyedOutcome::HasRefusedRows { refused }
            }
            PlaceBulkOutcome::NothingToPlace => KeyedOutcome::NothingToPlace,
            PlaceBulkOutcome::AlreadyPlaced | PlaceBulkOutcome::NotFound => {
                anyhow::bail!("a new upload {id} was found placed or missing")
            }
        },
    )
}

/// What a retry must repeat to count as the same request: the rows as read and the flag.
fn fingerprint(rows: &[BulkRow], valid_only: bool) -> anyhow::Result<Vec<u8>> {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(serde_json::to_vec(rows)?);
    hash.update([u8::from(valid_only)]);
    Ok(hash.finalize().to_vec())
}

/// Writes the upload's valid rows as orders inside `tx` and marks it placed; the caller
/// commits only on [`PlaceBulkOutcome::Placed`].
async fn place_rows(
    tx: &mut Transaction<'_, Postgres>,
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    upload: &Upload,
    vetted: &Vetted,
    valid_only: bool,
) -> anyhow::Result<PlaceBulkOutcome> {
    let id = upload.id;
    let now = state.clock.now();
    let verdicts = verdicts(upload, vetted, now);
    let refused = verdicts.iter().filter(|v| !v.is_ready()).count();
    if refused == verdicts.len() {
        return Ok(PlaceBulkOutcome::NothingToPlace);
    }
    if refused > 0 && !valid_only {
        return Ok(PlaceBulkOutcome::HasRefusedRows { refused });
    }
    let ready = verdicts
        .iter()
        .enumerate()
        .filter_map(|(index, verdict)| match verdict {
            Verdict::Ready { order, .. } => Some(i32::try_from(index).map(|index| (index, order))),
            _ => None,
        })
        .collect::<Result<Vec<_>, _>>()?;
    let placed = write_bulk(tx, state, meta, scope, vetted, id, &ready).await?;
    db::mark_placed(tx, scope, id, now).await?;
    scope
        .audit_event("bulk.placed")
        .target(format!("bulk_upload:{id}"))
        .details(json!({
            "file_name": upload.file_name,
            "orders": placed,
            "refused_rows": refused,
            "valid_only": valid_only,
        }))
        .record(tx, meta)
        .await?;
    Ok(PlaceBulkOutcome::Placed { orders: placed })
}

/// How far a placed upload's orders have gone.
#[derive(Debug, Clone)]
pub struct Progress {
    /// Orders by state, in lifecycle order, states with no order left out.
    pub counts: Vec<(OrderStatus, usize)>,
    pub orders: usize,
    /// Rows not placed (refused when placing the valid rows only).
    pub not_placed: usize,
    /// Every order has reached an end: issued, rejected, canceled, failed or revoked.
    pub settled: bool,
}

/// The states of the upload's orders; `None` for another institution's upload or none.
pub async fn progress<R: RequiredRole>(
    state: &AppState,
    scope: &InstitutionScope<R>,
    id: BulkUploadId,
) -> anyhow::Result<Option<Progress>> {
    let Some(upload) = db::get(&state.db, scope, id).await? else {
        return Ok(None);
    };
    let placed = db::placed_rows(&state.db, scope, id).await?;
    Ok(Some(Progress::of(upload.rows.len(), &placed)))
}

impl Progress {
    fn of(rows: usize, placed: &[PlacedRow]) -> Self {
        let counts = OrderStatus::ALL
            .into_iter()
            .map(|status| (status, placed.iter().filter(|o| o.status == status).count()))
            .filter(|(_, count)| *count > 0)
            .collect();
        Self {
            counts,
            orders: placed.len(),
            not_placed: rows - placed.len(),
            settled: placed.iter().all(|order| {
                !matches!(
                    order.status,
                    OrderStatus::AwaitingPerson
                        | OrderStatus::Queued
                        | OrderStatus::Submitted
                        | OrderStatus::PendingValidation
                )
            }),
        }
    }
}

/// One row's outcome, as the result CSV and the API's status show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowOutcome {
    /// The row's line in the file (its position, from 1, in a JSON list).
    pub line: u64,
    pub emails: String,
    pub order_id: Option<OrderId>,
    /// The order's state once placed; before, `ready` or `not_placed`.
    pub state: String,
    /// Why the row was not placed, in `lang`, or the order's last error.
    pub error: String,
}

/// An upload as its result CSV and the API's status resource show it: the progress page's
/// counts and every row's outcome.
#[derive(Debug, Clone)]
pub struct Status {
    pub id: BulkUploadId,
    pub file_name: String,
    pub created_at: OffsetDateTime,
    pub placed_at: Option<OffsetDateTime>,
    pub progress: Progress,
    pub rows: Vec<RowOutcome>,
}

/// Every row of the upload with its order (once placed), state and errors in `lang`;
/// `None` for another institution's upload or none.
pub async fn status<R: RequiredRole>(
    state: &AppState,
    scope: &InstitutionScope<R>,
    id: BulkUploadId,
    lang: Lang,
) -> anyhow::Result<Option<Status>> {
    let Some(preview) = preview(state, scope, id).await? else {
        return Ok(None);
    };
    let placed_rows = db::placed_rows(&state.db, scope, id).await?;
    let progress = Progress::of(preview.rows.len(), &placed_rows);
    let placed: HashMap<usize, PlacedRow> = placed_rows
        .into_iter()
        .filter_map(|order| Some((usize::try_from(order.row).ok()?, order)))
        .collect();
    let rows = preview
        .rows
        .into_iter()
        .enumerate()
        .map(|(index, row)| {
            let (order_id, state, error) = match placed.get(&index) {
                Some(order) => (
                    Some(order.id),
                    order.status.as_str().to_owned(),
                    order.last_error.clone().unwrap_or_default(),
                ),
                None if preview.placed_at.is_some() || !row.verdict.is_ready() => (
                    None,
                    "not_placed".to_owned(),
                    row.verdict.errors(lang).join("; "),
                ),
                None => (None, "ready".to_owned(), String::new()),
            };
            RowOutcome {
                line: row.row.line,
                emails: row.row.emails,
                order_id,
                state,
                error,
            }
        })
        .collect();
    Ok(Some(Status {
        id: preview.id,
        file_name: preview.file_name,
        created_at: preview.created_at,
        placed_at: preview.placed_at,
        progress,
        rows,
    }))
}

/// One line per row of the file: its line, addresses, order (once placed), state and
/// errors in `lang`; `None` for another institution's upload or none.
pub async fn result_csv<R: RequiredRole>(
    state: &AppState,
    scope: &InstitutionScope<R>,
    id: BulkUploadId,
    lang: Lang,
) -> anyhow::Result<Option<String>> {
    let Some(status) = status(state, scope, id, lang).await? else {
        return Ok(None);
    };
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(["line", "emails", "order_id", "state", "error"])?;
    for outcome in status.rows {
        let cells = [
            outcome.line.to_string(),
            outcome.emails,
            outcome
                .order_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            outcome.state,
            outcome.error,
        ];
        out.write_record(
            cells
                .iter()
                .map(|cell| bulk_csv::defused(cell).into_owned()),
        )?;
    }
    Ok(Some(String::from_utf8(out.into_inner()?)?))
}

/// The template to fill in: the header in `lang` (Serbian with semicolons, as Excel in a
/// Serbian locale reads and writes it; English with commas), a byte-order mark so Excel
/// reads UTF-8, and one example row with an address in `domain`.
pub fn template(lang: Lang, domain: &str) -> anyhow::Result<String> {
    let serbian = lang == Lang::Serbian;
    let mut out = csv::WriterBuilder::new()
        .delimiter(if serbian { b';' } else { b',' })
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(Column::ALL.map(|column| column.template_name(serbian)))?;
    let email = format!("petar.petrovic@{domain}");
    out.write_record([
        email.as_str(),
        "Petar",
        "Petrović",
        Product::SecureEmailSponsor.as_str(),
        "strict",
        "1",
    ])?;
    Ok(format!("\u{FEFF}{}", String::from_utf8(out.into_inner()?)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_template_reads_back_as_one_valid_row() {
        for lang in Lang::ALL {
            let text = template(lang, "etf.bg.ac.rs").unwrap();
            let rows = bulk_csv::parse(text.as_bytes()).unwrap();
            assert_eq!(rows.len(), 1, "{lang:?}");
            rows[0].order("key").unwrap();
        }
    }
}
