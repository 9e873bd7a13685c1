//! Lifecycle follows identity (issue 15 §4): an admin marks a person as departed (singly
//! or by CSV), which starts the institution's grace period with a mail to the person and
//! the admins; an admin may undo it during the grace period; at its end the scheduled job
//! revokes the person's issued certificates at DigiCert with reason "affiliation
//! changed", through the one revocation path, cancels their orders not issued yet (at
//! DigiCert too when it has them) and ends their enrollment links. Every step is audited.
//!
//! The functions an admin calls take the tenant's scope and the acting account apart,
//! so an API door (a `people:write` token acting for an account) can call them as the
//! pages do.
use askama::Template;
use serde_json::json;
use sqlx::{Postgres, Transaction};
use time::Duration;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::{Admin, InstitutionScope};
use crate::db::departures::{self as db, Due};
use crate::db::orders::OrderRecord;
use crate::domain::{
    AccountId, DepartureId, EmailAddress, GraceDays, OrderId, OrderStatus, RevocationReason,
};
use crate::i18n::format;
use crate::mail::Mail;
use crate::mail::templates::{DepartureMail, subject};
use crate::services::ordering::{
    RevokeOutcome, Revoker, Withdrawn, revoke_order, withdraw_for_departure,
};
use crate::state::AppState;

/// The longest grace period an institution may set.
pub const MAX_GRACE_DAYS: i32 = GraceDays::MAX;

/// What marking a person departed gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marked {
    Opened(DepartureId),
    /// The person is already departing; nothing changed.
    AlreadyOpen,
    /// No certificate of the institution names this address.
    UnknownAddress,
}

/// Marks the holder of `email` as departed from the scope's institution.
pub async fn mark(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    actor: AccountId,
    email: &EmailAddress,
) -> anyhow::Result<Marked> {
    let now = state.clock.now();
    let grace = db::grace_days(&state.db, scope).await?;
    let revoke_at = now + Duration::days(i64::from(grace));
    let address = email.as_str().to_lowercase();
    let mut tx = state.db.begin().await?;
    if !db::is_holder(&mut tx, scope, &address).await? {
        return Ok(Marked::UnknownAddress);
    }
    let Some(id) = db::open(&mut tx, scope, &address, now, revoke_at).await? else {
        return Ok(Marked::AlreadyOpen);
    };
    let institution = scope.institution();
    let until = format::datetime(revoke_at);
    let mut recipients = vec![(address.clone(), false)];
    recipients.extend(
        crate::db::reminders::active_admins(&mut tx, scope.institution_id())
            .await?
            .into_iter()
            .map(|admin| (admin, true)),
    );
    for (to, to_admin) in recipients {
        let body = DepartureMail {
            to_admin,
            email: &address,
            institution_sr: &institution.name_sr,
            institution_en: &institution.name_en,
            until: &until,
        }
        .render()?;
        Mail {
            to,
            subject: subject("mail.subject.departure", &[("emails", &address)]),
            body,
        }
        .enqueue(&mut tx, now)
        .await?;
    }
    AuditEvent::new("person.departed")
        .actor(actor)
        .institution(scope.institution_id())
        .target(format!("departure:{id}"))
        .details(json!({
            "email": address,
            "grace_days": grace,
            "revoke_at": revoke_at.unix_timestamp(),
        }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(Marked::Opened(id))
}

/// Takes back a departure during its grace period; `false` when the institution has no
/// such open departure (another institution's, unknown, undone or already revoked).
pub async fn undo(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    actor: AccountId,
    id: DepartureId,
) -> anyhow::Result<bool> {
    let mut tx = state.db.begin().await?;
    let Some(email) = db::undo(&mut tx, scope, id, state.clock.now()).await? else {
        return Ok(false);
    };
    AuditEvent::new("person.departure_undone")
        .actor(actor)
        .institution(scope.institution_id())
        .target(format!("departure:{id}"))
        .details(json!({ "email": email }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// Sets the institution's grace period (0 to [`MAX_GRACE_DAYS`] days); audited with the
/// old value. `false` when `days` is out of bounds.
pub async fn set_grace_days(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    actor: AccountId,
    days: i32,
) -> anyhow::Result<bool> {
    let Ok(days) = GraceDays::new(days) else {
        return Ok(false);
    };
    let mut tx = state.db.begin().await?;
    record_grace_days(&mut tx, meta, scope, actor, days).await?;
    tx.commit().await?;
    Ok(true)
}

/// The one way the grace period changes, inside the caller's transaction (the
/// Departures page's own, or the self-service policy saved with it): written, and
/// audited with the old value when it changed.
pub async fn record_grace_days(
    tx: &mut Transaction<'_, Postgres>,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    actor: AccountId,
    days: GraceDays,
) -> anyhow::Result<()> {
    let old = db::set_grace_days(tx, scope, days.days()).await?;
    if old != days.days() {
        AuditEvent::new("institution.departure_grace_set")
            .actor(actor)
            .institution(scope.institution_id())
            .target("departure_grace_days")
            .details(json!({ "old": old, "new": days.days() }))
            .record(tx, meta)
            .await?;
    }
    Ok(())
}

/// Ends every departure whose grace period is over; returns how many it closed. Issued
/// certificates are revoked; orders on their way (waiting for the person, queued,
/// submitted, waiting for validation) are canceled, at DigiCert when it has them, so
/// none is issued later; the person's enrollment links stop working. A departure stays
/// open while any of that is not done (DigiCert failed, or a submission is under way),
/// so the next run tries again; orders already ended are not asked for twice.
pub async fn revoke_due(state: &AppState) -> anyhow::Result<usize> {
    let meta = RequestMeta::default();
    let mut closed = 0;
    for due in db::unscoped_due(&state.db, state.clock.now()).await? {
        if end_departure(state, &meta, &due).await? {
            closed += 1;
        }
    }
    Ok(closed)
}

/// What became of one live order at the departure's end.
enum Ended {
    Revoked,
    Canceled,
    /// Gone meanwhile, or ended on its own.
    Nothing,
    /// Not done yet: the departure stays open.
    Pending,
}

async fn end_order(
    state: &AppState,
    meta: &RequestMeta,
    order: &OrderRecord,
    departure: DepartureId,
) -> anyhow::Result<Ended> {
    if order.status != OrderStatus::Issued {
        return Ok(
            match withdraw_for_departure(state, meta, order, departure).await? {
                Withdrawn::Canceled => Ended::Canceled,
                Withdrawn::InFlight | Withdrawn::Failed(_) => Ended::Pending,
            },
        );
    }
    let outcome = revoke_order(
        state,
        meta,
        order,
        Revoker::Departure(departure),
        RevocationReason::AffiliationChanged,
        "the holder left the institution",
    )
    .await?;
    Ok(match outcome {
        RevokeOutcome::Revoked | RevokeOutcome::AwaitingApproval => Ended::Revoked,
        RevokeOutcome::NotFound | RevokeOutcome::NotIssued => Ended::Nothing,
        RevokeOutcome::NotConfigured | RevokeOutcome::Failed(_) => Ended::Pending,
    })
}

async fn end_departure(state: &AppState, meta: &RequestMeta, due: &Due) -> anyhow::Result<bool> {
    let mut revoked = Vec::new();
    let mut canceled = Vec::new();
    let mut pending = false;
    for order_id in db::unscoped_live_orders(&state.db, due).await? {
        // An admin may undo the departure while this runs: checked before each order.
        if !db::unscoped_still_open(&state.db, due.id).await? {
            return Ok(false);
        }
        let Some(order) = crate::db::orders::unscoped_get(&state.db, order_id).await? else {
            continue;
        };
        match end_order(state, meta, &order, due.id).await? {
            Ended::Revoked => revoked.push(order_id),
            Ended::Canceled => canceled.push(order_id),
            Ended::Nothing => {}
            Ended::Pending => pending = true,
        }
    }
    if pending {
        return Ok(false);
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if !db::unscoped_close_revoked(&mut tx, due.id, now).await? {
        return Ok(false);
    }
    let links_ended = db::unscoped_end_links(&mut tx, due.id, now).await?;
    let ids = |orders: &[OrderId]| orders.iter().map(ToString::to_string).collect::<Vec<_>>();
    AuditEvent::new("person.departure_revoked")
        .actor_label(format!("departure:{}", due.id))
        .institution(due.institution_id)
        .target(format!("departure:{}", due.id))
        .details(json!({
            "email": due.email,
            "reason": RevocationReason::AffiliationChanged.as_str(),
            "orders": ids(&revoked),
            "canceled": ids(&canceled),
            "links_ended": links_ended,
        }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// The largest departure list taken in one upload.
pub const MAX_CSV_BYTES: usize = 48 * 1024;

/// One row of an uploaded departure list: its line and the address, or why not.
#[derive(Debug, Clone)]
pub struct CsvRow {
    pub line: u64,
    pub text: String,
    pub address: Result<EmailAddress, &'static str>,
}

/// Reads a departure list: one address per row in the first column, `;` or `,` as the
/// delimiter (whichever the first line uses), an optional UTF-8 BOM, and an optional
/// header row (a first cell without `@`). Bad rows are reported, not dropped.
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<CsvRow>, &'static str> {
    if bytes.len() > MAX_CSV_BYTES {
        return Err("departures.csv_too_large");
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| "departures.csv_not_utf8")?;
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.contains(';') { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        // The line as an editor numbers it (the reader's own count skips blank lines).
        let line = record
            .as_ref()
            .ok()
            .and_then(|record| record.position())
            .and_then(|position| usize::try_from(position.byte()).ok())
            .and_then(|byte| {
                // The record's position is where the blank lines before it begin.
                let rest = text.get(byte..)?;
                let blank = rest.len() - rest.trim_start_matches(['\r', '\n']).len();
                text.get(..byte + blank)
            })
            .map_or(index as u64 + 1, |before| {
                before.matches('\n').count() as u64 + 1
            });
        let cell = match &record {
            Ok(record) => record.get(0).unwrap_or_default().trim().to_owned(),
            Err(_) => String::new(),
        };
        if index == 0 && !cell.contains('@') && record.is_ok() && !cell.is_empty() {
            continue;
        }
        if record.is_ok() && cell.is_empty() {
            continue;
        }
        let address = match record {
            Err(_) => Err("departures.csv_bad_row"),
            Ok(_) => EmailAddress::parse(&cell).map_err(|_| "departures.bad_address"),
        };
        rows.push(CsvRow {
            line,
            text: cell.chars().take(254).collect(),
            address,
        });
    }
    if rows.is_empty() {
        return Err("departures.csv_empty");
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_with_a_bom_a_header_and_semicolons_is_read_row_by_row() {
        let rows =
            parse_csv("\u{feff}E-mail;Ime\nana@etf.bg.ac.rs;Ana\n\nnije adresa;X\n".as_bytes())
                .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0].address.as_ref().unwrap().as_str(),
            "ana@etf.bg.ac.rs"
        );
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[1].address, Err("departures.bad_address"));
        assert_eq!(rows[1].line, 4);
    }

    #[test]
    fn a_list_too_large_empty_or_not_utf8_is_refused_whole() {
        assert_eq!(
            parse_csv(&vec![b'a'; MAX_CSV_BYTES + 1]).unwrap_err(),
            "departures.csv_too_large"
        );
        assert_eq!(parse_csv(b"email\n\n").unwrap_err(), "departures.csv_empty");
        assert_eq!(
            parse_csv(b"\xff\xfe").unwrap_err(),
            "departures.csv_not_utf8"
        );
    }
}
