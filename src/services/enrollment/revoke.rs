//! Revocation by the certificate's holder from their own page: always for key
//! compromise, sent to DigiCert at once (the S/MIME BR allow 24 hours), through
//! the same implementation admins use.
//!
//! The reusable link in the "issued" mail opens the page for as long as the certificate
//! lives, and mail gets forwarded: from a session opened by that link, a revocation first
//! asks for a fresh one-time code mailed to the certificate's address.
use askama::Template;

use serde_json::json;

use super::PersonView;
use crate::audit::{AuditEvent, RequestMeta};
use crate::domain::RevocationReason;
use crate::mail::Mail;
use crate::mail::templates::{RevokeCodeMail, subject};
use crate::services::one_time_code::{self, OneTimeCode};
use crate::services::ordering::{self, RevokeOutcome, Revoker};
use crate::state::AppState;

pub async fn revoke_own(
    state: &AppState,
    meta: &RequestMeta,
    view: &PersonView,
) -> anyhow::Result<RevokeOutcome> {
    ordering::revoke_order(
        state,
        meta,
        &view.order,
        Revoker::Person(view.mailbox().to_owned()),
        RevocationReason::KeyCompromise,
        "revoked by the certificate holder: key compromise",
    )
    .await
}

/// Mails a fresh eight-digit code to the certificate's address, audited.
pub async fn mail_revoke_code(
    state: &AppState,
    meta: &RequestMeta,
    view: &PersonView,
) -> anyhow::Result<OneTimeCode> {
    let now = state.clock.now();
    let (code, kept) = OneTimeCode::generate(now);
    let body = RevokeCodeMail {
        name: &view.order.common_name,
        code: &code,
        minutes: one_time_code::LIFETIME.whole_minutes(),
    }
    .render()?;
    let mut tx = state.db.begin().await?;
    Mail {
        to: view.mailbox().to_owned(),
        subject: subject("mail.subject.revoke_code", &[]),
        body,
    }
    .enqueue(&mut tx, now)
    .await?;
    AuditEvent::new("enrollment.revoke_code_sent")
        .actor_label(view.mailbox())
        .institution(view.order.institution_id)
        .target(format!("order:{}", view.order.id))
        .details(json!({ "to": view.mailbox() }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(kept)
}
