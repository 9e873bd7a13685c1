//! The outbox worker: claims due messages, sends them, records the outcome.
//!
//! Delivery is at-least-once: a message is marked sent only after the transport
//! accepted it, so a crash in between sends it again after its lease expires.
//! A message that fails [`MAX_ATTEMPTS`] times is given up on and waits for
//! staff, who see it on the operations page and can send it again.
//!
//! Mail carries working links (a person's enrollment link, the access link of
//! the "issued" mail, valid until the certificate ends), so the text of a
//! delivered message is erased [`DELIVERED_TEXT_KEPT`] after delivery
//! ([`run_retention`]): a database backup then holds no usable link for long.
use std::sync::Arc;

use clock::Clock;
use sqlx::PgPool;
use time::Duration;
use tokio_util::sync::CancellationToken;

use super::transport::Outgoing;

const BATCH: i64 = 20;
const LEASE: Duration = Duration::minutes(5);
const IDLE_POLL: std::time::Duration = std::time::Duration::from_secs(2);
/// Tries before a message is given up on: with the back-off below, about four
/// hours of trying, long enough to outlast a mail server's maintenance.
pub const MAX_ATTEMPTS: i32 = 10;
/// How long the text of a delivered message is kept, for support questions
/// ("what did the mail say?") in the days after it was sent.
pub const DELIVERED_TEXT_KEPT: Duration = Duration::days(7);
const RETENTION_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

pub async fn run(
    pool: PgPool,
    outgoing: Arc<Outgoing>,
    clock: Arc<dyn Clock>,
    stop: CancellationToken,
) {
    loop {
        let delivered = match deliver_due(&pool, &outgoing, clock.as_ref()).await {
            Ok(count) => count,
            Err(error) => {
                tracing::warn!(error = %error, "outbox worker could not claim mail");
                0
            }
        };
        if delivered == 0 {
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(IDLE_POLL) => {}
            }
        } else if stop.is_cancelled() {
            return;
        }
    }
}

/// Sends one batch of due mail; returns how many were claimed.
pub async fn deliver_due(
    pool: &PgPool,
    outgoing: &Outgoing,
    clock: &dyn Clock,
) -> sqlx::Result<usize> {
    let batch = crate::db::outbox::claim(pool, BATCH, clock.now(), LEASE).await?;
    for mail in &batch {
        match outgoing.send(mail).await {
            Ok(()) => {
                crate::db::outbox::mark_sent(pool, mail.id, clock.now()).await?;
                metrics::counter!("tcs_mail_sent_total").increment(1);
            }
            Err(error) => {
                let error = format!("{error:#}");
                tracing::warn!(mail_id = mail.id, attempts = mail.attempts, error = %error, "mail delivery failed");
                metrics::counter!("tcs_mail_failed_total").increment(1);
                if mail.attempts >= MAX_ATTEMPTS {
                    tracing::error!(
                        mail_id = mail.id,
                        "mail given up on after {MAX_ATTEMPTS} tries"
                    );
                    metrics::counter!("tcs_mail_given_up_total").increment(1);
                    crate::db::outbox::give_up(pool, mail.id, &error, clock.now()).await?;
                    continue;
                }
                // 1, 2, 4 … minutes between tries, at most an hour.
                let exponent = u32::try_from(mail.attempts.clamp(1, 7) - 1).unwrap_or(0);
                let delay = Duration::minutes(2_i64.pow(exponent)).min(Duration::hours(1));
                crate::db::outbox::mark_failed(pool, mail.id, &error, clock.now() + delay).await?;
            }
        }
    }
    Ok(batch.len())
}

/// Erases the text of messages delivered more than [`DELIVERED_TEXT_KEPT`] ago,
/// hourly, until `stop`.
pub async fn run_retention(pool: PgPool, clock: Arc<dyn Clock>, stop: CancellationToken) {
    loop {
        let before = clock.now() - DELIVERED_TEXT_KEPT;
        match crate::db::outbox::erase_delivered_bodies(&pool, before).await {
            Ok(0) => {}
            Ok(erased) => tracing::info!(erased, "erased the text of delivered mail"),
            Err(error) => tracing::warn!(error = %error, "could not erase delivered mail"),
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(RETENTION_EVERY) => {}
        }
    }
}
