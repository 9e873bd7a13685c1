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
use time::OffsetDateTime;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::scope::RequiredRole;
use crate::auth::{Admin, InstitutionScope};
use crate::db::bulk::{self as db, Upload};
use crate::db::orders::LiveCertificate;
use crate::domain::bulk_csv::{self, BulkRow, Column, CsvRefusal};
use crate::domain::{BulkUploadId, InvalidFields, NewOrder, OrderId, OrderStatus, Product};
use crate::i18n::Lang;
use crate::services::ordering::place::{Vetted, WriteContext, Written, write};
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
    let file_name: String = file_name
        .chars()
        .filter(|c| !c.is_control())
        .take(FILE_NAME_CHARS)
        .collect();
    let now = state.clock.now();
    let parsed = bulk_csv::parse(bytes);
    let mut tx = state.db.begin().await?;
    let event = AuditEvent::new(if parsed.is_ok() {
        "bulk.uploaded"
    } else {
        "bulk.refused"
    })
    .actor(scope.account_id())
    .institution(scope.institution_id());
    let outcome = match parsed {
        Ok(rows) => {
            let id = db::insert(&mut tx, scope, &file_name, &rows, now).await?;
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
    let Some(upload) = db::get(&state.db, scope, id).await? else {
        return Ok(None);
    };
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
    Ok(Some(Preview {
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
    }))
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
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let Some(upload) = db::lock(&mut tx, scope, id).await? else {
        return Ok(PlaceBulkOutcome::NotFound);
    };
    if upload.placed_at.is_some() {
        return Ok(PlaceBulkOutcome::AlreadyPlaced);
    }
    let verdicts = verdicts(&upload, &vetted, now);
    let refused = verdicts.iter().filter(|v| !v.is_ready()).count();
    if refused == verdicts.len() {
        return Ok(PlaceBulkOutcome::NothingToPlace);
    }
    if refused > 0 && !valid_only {
        return Ok(PlaceBulkOutcome::HasRefusedRows { refused });
    }
    let mut placed = 0;
    for (index, verdict) in verdicts.iter().enumerate() {
        let Verdict::Ready { order, .. } = verdict else {
            continue;
        };
        let context = WriteContext {
            vetted: &vetted,
            bulk: Some((id, i32::try_from(index)?)),
            now,
        };
        match write(&mut tx, state, meta, scope, order, &context).await? {
            Written::Placed(_) => placed += 1,
            // The upload is locked and its keys are its own: neither can happen; the
            // transaction is dropped, so nothing of the upload is placed.
            Written::KeyTaken | Written::Unmet(_) => {
                anyhow::bail!("row {index} of bulk upload {id} could not be written")
            }
        }
    }
    db::mark_placed(&mut tx, scope, id, now).await?;
    AuditEvent::new("bulk.placed")
        .actor(scope.account_id())
        .institution(scope.institution_id())
        .target(format!("bulk_upload:{id}"))
        .details(json!({
            "file_name": upload.file_name,
            "orders": placed,
            "refused_rows": refused,
            "valid_only": valid_only,
        }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
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
    let counts = OrderStatus::ALL
        .into_iter()
        .map(|status| (status, placed.iter().filter(|o| o.status == status).count()))
        .filter(|(_, count)| *count > 0)
        .collect();
    Ok(Some(Progress {
        counts,
        orders: placed.len(),
        not_placed: upload.rows.len() - placed.len(),
        settled: placed.iter().all(|order| {
            !matches!(
                order.status,
                OrderStatus::AwaitingPerson
                    | OrderStatus::Queued
                    | OrderStatus::Submitted
                    | OrderStatus::PendingValidation
            )
        }),
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
    let Some(preview) = preview(state, scope, id).await? else {
        return Ok(None);
    };
    let placed: HashMap<usize, (OrderId, OrderStatus, Option<String>)> =
        db::placed_rows(&state.db, scope, id)
            .await?
            .into_iter()
            .filter_map(|order| {
                let index = usize::try_from(order.row).ok()?;
                Some((index, (order.id, order.status, order.last_error)))
            })
            .collect();
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(["line", "emails", "order_id", "state", "error"])?;
    for (index, row) in preview.rows.iter().enumerate() {
        let (order_id, status, error) = match placed.get(&index) {
            Some((order, status, last_error)) => (
                order.to_string(),
                status.as_str().to_owned(),
                last_error.clone().unwrap_or_default(),
            ),
            None if preview.placed_at.is_some() || !row.verdict.is_ready() => (
                String::new(),
                "not_placed".to_owned(),
                row.verdict.errors(lang).join("; "),
            ),
            None => (String::new(), "ready".to_owned(), String::new()),
        };
        let cells = [
            row.row.line.to_string(),
            row.row.emails.clone(),
            order_id,
            status,
            error,
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
