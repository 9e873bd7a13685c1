//! The audit log: who did what, when, from where, written in the same transaction
//! as the change it records, and chained by hashes so tampering shows.
//!
//! The event is built here and stored by `db::audit`, which in turn reads this
//! module's types: one thing seen from two sides, the second documented knot of the
//! import graph (see `db`).
use std::net::IpAddr;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde_json::{Value, json};
use sqlx::{Postgres, Transaction};

use crate::domain::{AccountId, InstitutionId};

use crate::config::Settings;

/// Where a request came from, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<IpAddr>,
    pub request_id: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // Worked out once by `auth::client` (through trusted proxies only).
        let ip = parts
            .extensions
            .get::<crate::auth::client::ClientIp>()
            .map(|client| client.0);
        let request_id = parts
            .headers
            .get(crate::telemetry::REQUEST_ID_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        Ok(Self { ip, request_id })
    }
}

/// One thing that happened. Actions are dotted names, area first:
/// `login.succeeded`, `mfa.enrolled`, `account.password_changed`…
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub action: &'static str,
    pub actor: Option<AccountId>,
    pub actor_label: Option<String>,
    pub institution: Option<InstitutionId>,
    pub target: Option<String>,
    pub details: Value,
}

impl AuditEvent {
    pub fn new(action: &'static str) -> Self {
        Self {
            action,
            actor: None,
            actor_label: None,
            institution: None,
            target: None,
            details: json!({}),
        }
    }

    pub fn actor(mut self, account: AccountId) -> Self {
        self.actor = Some(account);
        self
    }

    /// What the actor was known as, when there is no account (a mistyped e-mail).
    pub fn actor_label(mut self, label: impl Into<String>) -> Self {
        self.actor_label = Some(printable(&label.into()));
        self
    }

    pub fn institution(mut self, institution: InstitutionId) -> Self {
        self.institution = Some(institution);
        self
    }

    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(printable(&target.into()));
        self
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// Writes the event inside `tx`: it exists exactly when the change does.
    pub async fn record(
        self,
        tx: &mut Transaction<'_, Postgres>,
        meta: &RequestMeta,
    ) -> sqlx::Result<i64> {
        crate::db::audit::insert(tx, meta, &self).await
    }
}

/// Writes `events` inside `tx`, in their order, in one statement: the audit of a change
/// made to many rows at once (a bulk upload's orders).
pub async fn record_all(
    events: &[AuditEvent],
    tx: &mut Transaction<'_, Postgres>,
    meta: &RequestMeta,
) -> sqlx::Result<()> {
    crate::db::audit::insert_many(tx, meta, events).await
}

/// Text typed by visitors may hold NUL (which PostgreSQL text cannot store) or
/// other control characters (which would garble the log's display); they are
/// shown as U+FFFD instead, keeping the rest for the investigator.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// What a check of the whole hash chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainCheck {
    Intact {
        events: i64,
    },
    /// The first row whose hash or link does not match, and why.
    Broken {
        id: i64,
        reason: String,
    },
}

/// `tcs-portal audit verify`: checks the whole chain and finds the first broken row.
pub async fn verify(settings: &Settings) -> anyhow::Result<ChainCheck> {
    let pool = crate::db::connect_and_migrate(settings).await?;
    let events = crate::db::audit::count(&pool).await?;
    Ok(match crate::db::audit::first_broken_row(&pool).await? {
        None => ChainCheck::Intact { events },
        Some((id, reason)) => ChainCheck::Broken { id, reason },
    })
}
