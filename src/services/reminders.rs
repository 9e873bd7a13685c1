//! Reminders that an issued certificate ends soon, 30, 14 and 3 days before its
//! `not_after`: the person (every address on the order) learns when it ends and
//! that their institution's admins can renew it; the institution's active admins
//! get the "order again" link. Each (order, threshold) goes out once across every
//! portal process ([`crate::services::notices`]).
//!
//! Rules chosen:
//! - Seen late (the portal was down, or reminders were switched on with
//!   certificates already near their end): only the tightest threshold crossed
//!   is sent, the wider ones never; at 10 days left that is the 14-day reminder
//!   now and the 3-day one later, no 30-day one.
//! - Only `issued` orders are reminded about: a revoked, failed or still pending
//!   order is not. An order that was already renewed through "order again" is
//!   still reminded about until it ends; the mail says when, so a renewed person
//!   can ignore it.
//! - An admin who is also on the order gets the admin mail only.
use std::sync::Arc;

use askama::Template;
use async_trait::async_trait;
use clock::Clock;
use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::audit::{AuditEvent, RequestMeta};
use crate::db::reminders::{self as db, Ending};
use crate::mail::Mail;
use crate::mail::templates::{ReminderAdminMail, ReminderPersonMail, subject};
use crate::services::notices::{self, Notice, Thresholds};
use crate::state::AppState;

const THRESHOLDS: Thresholds = Thresholds::new(&[3, 14, 30]);

/// The reminder sweep; cheap to clone.
#[derive(Debug, Clone)]
pub struct Reminders {
    pool: PgPool,
    clock: Arc<dyn Clock>,
    /// For the "order again" link.
    public_url: String,
}

impl Reminders {
    pub fn new(pool: PgPool, clock: Arc<dyn Clock>, public_url: String) -> Self {
        Self {
            pool,
            clock,
            public_url,
        }
    }

    pub fn from_state(state: &AppState) -> Self {
        Self::new(
            state.db.clone(),
            state.clock.clone(),
            state.settings.public_url.clone(),
        )
    }

    /// Sends every reminder due by the clock; returns how many orders this call
    /// reminded about.
    pub async fn send_due(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let due: Vec<Reminder<'_>> = db::unscoped_ending(&self.pool, now, THRESHOLDS.horizon(now))
            .await?
            .into_iter()
            .map(|ending| Reminder {
                ending,
                public_url: &self.public_url,
            })
            .collect();
        notices::send_due(&self.pool, THRESHOLDS, &due, now).await
    }
}

struct Reminder<'a> {
    ending: Ending,
    public_url: &'a str,
}

impl Reminder<'_> {
    /// The admins' mail, to every active admin.
    fn admin_body(&self, texts: &Texts<'_>) -> Result<String, askama::Error> {
        let link = format!(
            "{}/institutions/{}/orders/new?again={}",
            self.public_url, self.ending.institution_id, self.ending.order_id
        );
        ReminderAdminMail {
            name: texts.name,
            emails: texts.emails,
            institution_sr: &self.ending.institution_sr,
            institution_en: &self.ending.institution_en,
            until: texts.until,
            days: texts.days,
            link: &link,
        }
        .render()
    }

    fn person_body(&self, texts: &Texts<'_>) -> Result<String, askama::Error> {
        let product = crate::services::products::of_order(
            self.ending.product,
            self.ending.profile_type.as_deref(),
        );
        ReminderPersonMail {
            name: texts.name,
            product_sr: &product.describe(crate::i18n::Lang::Serbian),
            product_en: &product.describe(crate::i18n::Lang::English),
            encrypts: product.encrypts,
            emails: texts.emails,
            institution_sr: &self.ending.institution_sr,
            institution_en: &self.ending.institution_en,
            until: texts.until,
            days: texts.days,
        }
        .render()
    }
}

/// What both mails say.
struct Texts<'a> {
    name: &'a str,
    emails: &'a str,
    until: &'a str,
    days: i32,
}

#[async_trait]
impl Notice for Reminder<'_> {
    fn until(&self) -> OffsetDateTime {
        self.ending.not_after
    }

    fn tightest_sent(&self) -> Option<i32> {
        self.ending.tightest_sent
    }

    async fn claim(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        days: i32,
        now: OffsetDateTime,
    ) -> sqlx::Result<bool> {
        db::claim(tx, &self.ending, days, now).await
    }

    async fn send(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        days: i32,
        now: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let ending = &self.ending;
        let name = format!("{} {}", ending.given_name, ending.surname);
        let emails = ending.emails.join(", ");
        let until = crate::i18n::format::date(ending.not_after);
        let texts = Texts {
            name: name.trim(),
            emails: &emails,
            until: &until,
            days,
        };
        let subject = subject(
            "mail.subject.certificate_expires",
            &[("until", &until), ("emails", &emails)],
        );
        let admins = db::active_admins(tx, ending.institution_id).await?;
        let people: Vec<&String> = ending
            .emails
            .iter()
            .filter(|email| !admins.contains(email))
            .collect();
        let mut mails = Vec::with_capacity(admins.len() + people.len());
        if !admins.is_empty() {
            let body = self.admin_body(&texts)?;
            mails.extend(admins.iter().map(|to| (to, body.clone())));
        }
        if !people.is_empty() {
            let body = self.person_body(&texts)?;
            mails.extend(people.iter().map(|to| (*to, body.clone())));
        }
        for (to, body) in mails {
            Mail {
                to: to.clone(),
                subject: subject.clone(),
                body,
            }
            .enqueue(tx, now)
            .await?;
        }
        AuditEvent::new("order.expiry_reminded")
            .actor_label("reminders")
            .institution(ending.institution_id)
            .target(format!("order:{}", ending.order_id))
            .details(json!({
                "threshold_days": days,
                "not_after": until,
                "people": people.len(),
                "admins": admins.len(),
            }))
            .record(tx, &RequestMeta::default())
            .await?;
        Ok(())
    }
}
