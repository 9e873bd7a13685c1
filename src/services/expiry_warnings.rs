//! Warnings that an organization's S/MIME validation or a domain's validation
//! ends soon, 60, 30 and 7 days ahead, mailed to the institution's admins and
//! all full staff. Each warning is claimed by a unique row before its mails are
//! queued in the same transaction, so it goes out once across processes.
use askama::Template;
use serde_json::json;
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

use crate::audit::{AuditEvent, RequestMeta};
use crate::db::expiry_warnings::{self as db, Expiring};
use crate::error::AppError;
use crate::mail::Mail;
use crate::mail::templates::ValidationExpiryMail;

/// Days ahead, tightest first.
const THRESHOLDS: [i32; 3] = [7, 30, 60];

/// The tightest threshold the remaining time is within. A warning missed while
/// the job was not running is not sent late: only the current one counts.
fn threshold(until: OffsetDateTime, now: OffsetDateTime) -> Option<i32> {
    let left = until - now;
    THRESHOLDS
        .into_iter()
        .find(|days| left <= Duration::days(i64::from(*days)))
}

/// Sends every warning due at `now`; returns how many were sent.
pub async fn send_due(
    pool: &PgPool,
    now: OffsetDateTime,
    public_url: &str,
) -> Result<usize, AppError> {
    let horizon = now + Duration::days(i64::from(THRESHOLDS[THRESHOLDS.len() - 1]));
    let mut sent = 0;
    for subject in db::unscoped_expiring(pool, now, horizon).await? {
        let Some(days) = threshold(subject.valid_until, now) else {
            continue;
        };
        if warn(pool, &subject, days, now, public_url).await? {
            sent += 1;
        }
    }
    Ok(sent)
}

async fn warn(
    pool: &PgPool,
    subject: &Expiring,
    days: i32,
    now: OffsetDateTime,
    public_url: &str,
) -> Result<bool, AppError> {
    let mut tx = pool.begin().await?;
    if !db::claim(&mut tx, subject, days, now).await? {
        return Ok(false);
    }
    let (subject_sr, subject_en) = match &subject.domain {
        Some(name) => (
            format!("Validacija domena {name}"),
            format!("validation of the domain {name}"),
        ),
        None => (
            "S/MIME validacija organizacije".to_owned(),
            "S/MIME organization validation".to_owned(),
        ),
    };
    let until = crate::web::format::date(subject.valid_until);
    let body = ValidationExpiryMail {
        subject_sr: &subject_sr,
        subject_en: &subject_en,
        institution_sr: &subject.institution_sr,
        institution_en: &subject.institution_en,
        until: &until,
        days,
        link: &format!("{public_url}/institutions/{}", subject.institution_id),
    }
    .render()?;
    let recipients = db::recipients(&mut tx, subject.institution_id).await?;
    for to in &recipients {
        Mail {
            to: to.clone(),
            subject: format!(
                "AMRES TCS: {} — validacija ističe / validation expires {until}",
                subject.short_name
            ),
            body: body.clone(),
        }
        .enqueue(&mut tx, now)
        .await?;
    }
    AuditEvent::new("validation.expiry_warned")
        .actor_label("expiry warnings")
        .institution(subject.institution_id)
        .target(match &subject.domain {
            Some(_) => format!("domain:{}", subject.subject_id),
            None => format!("institution:{}", subject.institution_id),
        })
        .details(json!({
            "subject": subject.subject_kind,
            "domain": subject.domain,
            "threshold_days": days,
            "valid_until": until,
            "recipients": recipients.len(),
        }))
        .record(&mut tx, &RequestMeta::default())
        .await?;
    tx.commit().await?;
    Ok(true)
}
