//! The audit log for staff: filter by actor, action, institution and date.
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use time::macros::format_description;
use time::{Date, OffsetDateTime, Time};

use crate::app::AppState;
use crate::auth::StaffScope;
use crate::db::audit::{AuditFilter, AuditRow};
use crate::error::AppError;
use crate::web::page::{self, PageContext};

const PAGE_SIZE: i64 = 50;

/// The query string as typed; every field is optional and parsed leniently,
/// because a bad filter should show a message, not an error page.
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    institution: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    before: String,
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
                "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
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

#[derive(Template)]
#[template(path = "staff/audit.html")]
struct AuditTemplate<'a> {
    page: &'a PageContext,
    query: &'a AuditQuery,
    lines: Vec<AuditLine>,
    filter_error: Option<&'static str>,
    next_page: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    staff: StaffScope,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let (filter, filter_error) = parse_filter(&query);
    let lines: Vec<AuditLine> = match filter_error {
        Some(_) => Vec::new(),
        None => crate::db::audit::list(&state.db, &filter, PAGE_SIZE)
            .await?
            .into_iter()
            .map(AuditLine::from)
            .collect(),
    };
    let next_page = (lines.len() as i64 == PAGE_SIZE)
        .then(|| lines.last().map(|line| next_page_query(&query, line.id)))
        .flatten();
    page::ok(&AuditTemplate {
        page: &staff.current.page,
        query: &query,
        lines,
        filter_error,
        next_page,
    })
}

fn parse_filter(query: &AuditQuery) -> (AuditFilter, Option<&'static str>) {
    let text = |value: &str| {
        let value = value.trim();
        (!value.is_empty()).then(|| value.chars().take(200).collect::<String>())
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
        Some(value) => match uuid::Uuid::parse_str(&value) {
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
