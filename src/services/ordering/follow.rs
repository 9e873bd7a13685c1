//! `digicert.follow_order`: follows a placed order until DigiCert issues,
//! rejects or cancels it. Pending orders are looked at again after a wait that
//! grows with their age, so old orders waiting on a person cost little.
//!
//! At scale, `digicert.sweep_status_changes` asks DigiCert once which orders
//! changed status lately, and the follow jobs of ours among them run now. With
//! the sweep on, a pending order needs no poll of its own until its safety-net
//! wait runs out, so thousands of orders waiting for their recipients cost one
//! call a sweep. A status the portal does not know is kept as DigiCert sent it,
//! and staff see such orders ([`in_unknown_status`]).
use askama::Template;
use async_trait::async_trait;
use digicert::{CertificateFormat, Order, OrderStatus};
use serde_json::json;
use time::Duration;

use super::call::{Halt, retry};
use super::request::{PromisedUse, RequestSpec};
use super::{OrderJob, Pipeline, verify};
use crate::db::orders::{self as db, Issued, OrderRecord};
use crate::domain::OrderId;
use crate::domain::OrderStatus as Ours;
use crate::jobs::{Job, JobHandler, JobOutcome};
use crate::mail::Mail;
use crate::mail::templates::{OrderStoppedMail, subject};
use crate::services::enrollment::revoked::{RevokedBy, mail_revoked};

pub(super) struct FollowOrder {
    pub(super) pipeline: Pipeline,
}

#[async_trait]
impl JobHandler for FollowOrder {
    async fn run(&self, job: &Job) -> JobOutcome {
        let order_id = match job.payload::<OrderJob>() {
            Ok(payload) => payload.order_id,
            Err(error) => return JobOutcome::Fail(format!("bad payload: {error}")),
        };
        let age = self.pipeline.clock.now() - job.created_at;
        match self.pipeline.follow(order_id, age).await {
            Ok(outcome) => outcome,
            Err(Halt::Job(outcome)) => outcome,
            Err(Halt::Digicert(error)) => retry(error),
        }
    }
}

impl Pipeline {
    async fn follow(&self, order_id: OrderId, age: Duration) -> Result<JobOutcome, Halt> {
        let Some(order) = db::unscoped_get(&self.pool, order_id).await? else {
            return Ok(JobOutcome::Fail("no such order".to_owned()));
        };
        let Some(digicert_id) = order
            .digicert_order_id
            .and_then(|id| u64::try_from(id).ok())
        else {
            return Ok(JobOutcome::Fail("the order was never placed".to_owned()));
        };
        let digicert_id = digicert::OrderId(digicert_id);
        let theirs = self.client.order(digicert_id).await?;
        let now = self.clock.now();
        let raw = theirs.status.as_str().to_owned();
        match &theirs.status {
            OrderStatus::Issued => self.collect(&order, &theirs).await,
            OrderStatus::Rejected | OrderStatus::Canceled => {
                let ours = if theirs.status == OrderStatus::Rejected {
                    Ours::Rejected
                } else {
                    Ours::Canceled
                };
                let reason = self.reason(&theirs).await?;
                self.stop_order(&order, ours, &raw, &reason).await?;
                Ok(JobOutcome::Ok)
            }
            OrderStatus::Revoked => {
                // Revoked at DigiCert while ours was issued: the holder hears of it, once.
                let mut tx = self.pool.begin().await?;
                if db::mark_revoked(&mut tx, &order, now).await? {
                    mail_revoked(&mut tx, &order, RevokedBy::ByDigicert, now)
                        .await
                        .map_err(|error| Halt::Job(retry(error)))?;
                }
                tx.commit().await?;
                db::unscoped_set_status(&self.pool, order.id, Ours::Revoked, Some(&raw), None, now)
                    .await?;
                Ok(JobOutcome::Ok)
            }
            OrderStatus::Pending | OrderStatus::NeedsApproval | OrderStatus::Processing => {
                let validation = self.client.email_validation(digicert_id).await?;
                let state =
                    json!(validation
                    .emails
                    .iter()
                    .map(|entry| json!({"email": entry.email, "status": entry.status.as_str()}))
                    .collect::<Vec<_>>());
                db::unscoped_set_email_validation(&self.pool, order.id, &state, now).await?;
                db::unscoped_set_status(
                    &self.pool,
                    order.id,
                    Ours::PendingValidation,
                    Some(&raw),
                    None,
                    now,
                )
                .await?;
                Ok(JobOutcome::Snooze(self.poll_after(age)))
            }
            // A status we do not know (or one we do not act on): keep it visible,
            // keep our own status, and look again later.
            _ => {
                db::unscoped_set_status(&self.pool, order.id, order.status, Some(&raw), None, now)
                    .await?;
                Ok(JobOutcome::Snooze(self.poll_after(age)))
            }
        }
    }

    /// Downloads, verifies and stores the certificate of an issued order.
    async fn collect(&self, order: &OrderRecord, theirs: &Order) -> Result<JobOutcome, Halt> {
        let download = self
            .client
            .download_order_certificate(theirs.id, CertificateFormat::PemAll)
            .await?;
        let Some(text) = download.text() else {
            return Ok(retry("DigiCert's pem_all is not text"));
        };
        let csr = order.csr_pem.as_deref().unwrap_or_default();
        let promised = PromisedUse::of(&RequestSpec::of_order(order));
        let verified = match verify::verify(text, csr, &order.emails, promised) {
            Ok(verified) => verified,
            Err(error) => {
                // A wrong certificate must not reach the person: the order fails, and its
                // page tells the admin why.
                let error = error.to_string();
                db::unscoped_set_status(
                    &self.pool,
                    order.id,
                    Ours::Failed,
                    Some(theirs.status.as_str()),
                    Some(&error),
                    self.clock.now(),
                )
                .await?;
                return Ok(JobOutcome::Fail(error));
            }
        };
        let certificate_id = theirs
            .certificate
            .as_ref()
            .and_then(|cert| cert.id)
            .and_then(|id| i64::try_from(id.0).ok());
        db::unscoped_store_issued(
            &self.pool,
            order.id,
            &Issued {
                digicert_status: theirs.status.as_str(),
                certificate_id,
                chain_pem: &verified.chain_pem,
                serial_number: &verified.serial_hex,
                not_before: verified.not_before,
                not_after: verified.not_after,
            },
            self.clock.now(),
        )
        .await?;
        crate::services::enrollment::issued::mail_issued(
            &self.pool,
            order.id,
            &self.public_url,
            self.clock.now(),
        )
        .await
        .map_err(|error| Halt::Job(retry(error)))?;
        Ok(JobOutcome::Ok)
    }

    /// Records the end of an order and tells the admin who placed it, in one
    /// transaction, so a retried job cannot mail without the status or vice versa.
    async fn stop_order(
        &self,
        order: &OrderRecord,
        ours: Ours,
        raw: &str,
        reason: &str,
    ) -> Result<(), Halt> {
        let now = self.clock.now();
        let recipient = db::unscoped_requester_email(&self.pool, order.id).await?;
        let mut tx = self.pool.begin().await?;
        // Canceled here already (a departure's end cancels at DigiCert itself): the
        // requester heard nothing new.
        let stopped = db::unscoped_stop(&mut tx, order.id, ours, raw, reason, now).await?;
        if let Some(to) = recipient.filter(|_| stopped) {
            let (status_sr, status_en, subject_key) = if ours == Ours::Rejected {
                ("odbijena", "rejected", "mail.subject.order_rejected")
            } else {
                ("otkazana", "canceled", "mail.subject.order_canceled")
            };
            let emails = order.emails.join(", ");
            let link = format!("{}/institutions/{}", self.public_url, order.institution_id);
            let body = OrderStoppedMail {
                emails: &emails,
                status_sr,
                status_en,
                reason,
                link: &link,
            }
            .render()
            .map_err(|error| Halt::Job(JobOutcome::Fail(error.to_string())))?;
            Mail {
                to,
                subject: subject(subject_key, &[("emails", &emails)]),
                body,
            }
            .enqueue(&mut tx, now)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// DigiCert's words on why an order stopped: the approver's comment on its
    /// request when there is one, else its status.
    async fn reason(&self, order: &Order) -> Result<String, Halt> {
        let fallback = format!("DigiCert status: {}", order.status.as_str());
        let Some(request) = order.requests.first() else {
            return Ok(fallback);
        };
        let request = self.client.request(request.id).await?;
        Ok(request
            .processor_comment
            .filter(|comment| !comment.trim().is_empty())
            .unwrap_or(fallback))
    }

    /// A tenth of the order's age, within the configured bounds. With the sweep
    /// on, it wakes the order when DigiCert reports a change, so the order's own
    /// poll is only a safety net at the longest wait.
    fn poll_after(&self, age: Duration) -> Duration {
        if self.sweep_every.is_some() {
            return self.timing.max_poll;
        }
        (age / 10_i32).clamp(self.timing.min_poll, self.timing.max_poll)
    }
}

/// Added to the look-back: DigiCert's filter has whole seconds, and its clock and
/// ours differ a little.
const LOOK_BACK_MARGIN: Duration = Duration::minutes(1);

pub(super) struct SweepStatusChanges {
    pub(super) pipeline: Pipeline,
    pub(super) every: Duration,
}

#[async_trait]
impl JobHandler for SweepStatusChanges {
    async fn run(&self, _job: &Job) -> JobOutcome {
        match self.pipeline.sweep(self.every).await {
            Ok(woken) => {
                tracing::debug!(woken, "status-changes sweep");
                JobOutcome::Ok
            }
            Err(Halt::Job(outcome)) => outcome,
            Err(Halt::Digicert(error)) => retry(error),
        }
    }
}

impl Pipeline {
    async fn sweep(&self, every: Duration) -> Result<u64, Halt> {
        let now = self.clock.now();
        // Two periods back, so one late or failed sweep loses no change.
        let from = now - every * 2_i32 - LOOK_BACK_MARGIN;
        let changes = self.client.order_status_changes(from, now).await?;
        // The look-back reports a change again on every sweep that covers it;
        // comparing with the status we recorded wakes each order once per change.
        let (ids, statuses): (Vec<i64>, Vec<String>) = changes
            .orders
            .iter()
            .filter_map(|change| {
                let id = i64::try_from(change.order_id.0).ok()?;
                Some((id, change.status.as_str().to_owned()))
            })
            .unzip();
        if ids.is_empty() {
            return Ok(0);
        }
        Ok(db::unscoped_wake_followers(&self.pool, &ids, &statuses, now).await?)
    }
}

/// Orders whose DigiCert status is none the portal knows: their follow jobs keep
/// them as they are and look again, and staff see them on the operations page.
pub async fn in_unknown_status(
    pool: &sqlx::PgPool,
    limit: i64,
) -> sqlx::Result<Vec<db::UnknownStatusOrder>> {
    let known: Vec<String> = digicert::OrderStatus::KNOWN
        .iter()
        .map(|status| (*status).to_owned())
        .collect();
    db::unscoped_in_unknown_status(pool, &known, limit).await
}
