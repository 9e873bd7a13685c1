//! Warnings that an organization's S/MIME validation or a domain's validation
//! ends soon, 60, 30 and 7 days ahead, mailed to the institution's admins and
//! all full staff, once per threshold ([`crate::services::notices`]).
use askama::Template;
use async_trait::async_trait;
use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::audit::{AuditEvent, RequestMeta};
use crate::db::expiry_warnings::{self as db, Expiring};
use crate::mail::Mail;
use crate::mail::templates::{self, ValidationExpiryMail};
use crate::services::notices::{self, Notice, Thresholds};

const THRESHOLDS: Thresholds = Thresholds::new(&[7, 30, 60]);

/// Sends every warning due at `now`; returns how many were sent.
pub async fn send_due(
    pool: &PgPool,
    now: OffsetDateTime,
    public_url: &str,
) -> anyhow::Result<usize> {
    let warnings: Vec<Warning<'_>> = db::unscoped_expiring(pool, now, THRESHOLDS.horizon(now))
        .await?
        .into_iter()
        .map(|subject| Warning {
            subject,
            public_url,
        })
        .collect();
    notices::send_due(pool, THRESHOLDS, &warnings, now).await
}

struct Warning<'a> {
    subject: Expiring,
    public_url: &'a str,
}

#[async_trait]
impl Notice for Warning<'_> {
    fn until(&self) -> OffsetDateTime {
        self.subject.valid_until
    }

    async fn claim(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        days: i32,
        now: OffsetDateTime,
    ) -> sqlx::Result<bool> {
        db::claim(tx, &self.subject, days, now).await
    }

    async fn send(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        days: i32,
        now: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let subject = &self.subject;
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
        let until = crate::i18n::format::date(subject.valid_until);
        let body = ValidationExpiryMail {
            subject_sr: &subject_sr,
            subject_en: &subject_en,
            institution_sr: &subject.institution_sr,
            institution_en: &subject.institution_en,
            until: &until,
            days,
            link: &format!(
                "{}/institutions/{}",
                self.public_url, subject.institution_id
            ),
        }
        .render()?;
        let recipients = db::recipients(tx, subject.institution_id).await?;
        for to in &recipients {
            Mail {
                to: to.clone(),
                subject: templates::subject(
                    "mail.subject.validation_expires",
                    &[("institution", &subject.short_name), ("until", &until)],
                ),
                body: body.clone(),
            }
            .enqueue(tx, now)
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
            .record(tx, &RequestMeta::default())
            .await?;
        Ok(())
    }
}
