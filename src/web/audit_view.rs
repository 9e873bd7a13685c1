//! The audit log as pages show it: filter parsing, rows, and the "older" link,
//! shared by the staff log and each institution's log.
use serde::Deserialize;
use time::macros::format_description;
use time::{Date, OffsetDateTime, Time};

use crate::db::audit::{AuditFilter, AuditRow};
use crate::domain::InstitutionId;

pub const PAGE_SIZE: i64 = 50;

/// The query string as typed; every field is optional and parsed leniently,
/// because a bad filter should show a message, not an error page.
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub institution: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub until: String,
    #[serde(default)]
    pub before: String,
}

pub struct AuditLine {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub ip: String,
    pub request_id: String,
    pub details: String,
}

impl From<AuditRow> for AuditLine {
    fn from(row: AuditRow) -> Self {
        let at = row
            .at
            .format(format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second]"
            ))
            .unwrap_or_default();
        Self {
            id: row.id,
            at,
            actor: row
                .actor_email
                .or(row.actor_label)
                .unwrap_or_else(|| "—".to_owned()),
            action: row.action,
            target: row.target.unwrap_or_default(),
            ip: row.ip.unwrap_or_default(),
            request_id: row.request_id.unwrap_or_default(),
            details: if row
                .details
                .as_object()
                .is_some_and(serde_json::Map::is_empty)
            {
                String::new()
            } else {
                row.details.to_string()
            },
        }
    }
}

/// One page of the log, ready for `partials/audit_table.html`.
pub struct AuditPage {
    pub lines: Vec<AuditLine>,
    pub filter_error: Option<&'static str>,
    /// The query string of the next (older) page, when there is one.
    pub next_page: Option<String>,
}

impl AuditPage {
    pub fn new(
        rows: Vec<AuditRow>,
        query: &AuditQuery,
        filter_error: Option<&'static str>,
    ) -> Self {
        let lines: Vec<AuditLine> = rows.into_iter().map(AuditLine::from).collect();
        let next_page = (lines.len() as i64 == PAGE_SIZE)
            .then(|| lines.last().map(|line| next_page_query(query, line.id)))
            .flatten();
        Self {
            lines,
            filter_error,
            next_page,
        }
    }
}

/// Turns the query into a filter; on a bad value, says which (and the page shows
/// nothing rather than guessing).
pub fn parse_filter(query: &AuditQuery) -> (AuditFilter, Option<&'static str>) {
    let text = |value: &str| {
        let value = value.trim();
        (!value.is_empty()).then(|| {
            value
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect::<String>()
        })
    };
    let mut error = None;
    let mut date = |value: &str, end_of_day: bool| -> Option<OffsetDateTime> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        match Date::parse(value, format_description!("[year]-[month]-[day]")) {
            Ok(day) => {
                let day = if end_of_day {
                    day.next_day().unwrap_or(day)
                } else {
                    day
                };
                Some(day.with_time(Time::MIDNIGHT).assume_utc())
            }
            Err(_) => {
                error = Some("audit.bad_date");
                None
            }
        }
    };
    let from = date(&query.from, false);
    let until = date(&query.until, true);
    let institution = match text(&query.institution) {
        Some(value) => match value.parse::<InstitutionId>() {
            Ok(id) => Some(id),
            Err(_) => {
                error = Some("audit.bad_institution");
                None
            }
        },
        None => None,
    };
    let before_id = match text(&query.before) {
        Some(value) => match value.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                error = Some("audit.bad_page");
                None
            }
        },
        None => None,
    };
    let filter = AuditFilter {
        actor: text(&query.actor),
        action: text(&query.action),
        institution,
        from,
        until,
        before_id,
    };
    (filter, error)
}

fn next_page_query(query: &AuditQuery, last_id: i64) -> String {
    serde_urlencoded::to_string([
        ("actor", query.actor.as_str()),
        ("action", query.action.as_str()),
        ("institution", query.institution.as_str()),
        ("from", query.from.as_str()),
        ("until", query.until.as_str()),
        ("before", &last_id.to_string()),
    ])
    .unwrap_or_default()
}
