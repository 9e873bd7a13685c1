//! Outgoing mail: written to the outbox in the caller's transaction, delivered by
//! a background worker through SMTP, a folder of `.eml` files, or the log.
pub mod templates;
pub mod transport;
pub mod worker;

use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;

/// A message ready to queue. Bodies are plain text and carry both languages,
/// because we rarely know which one the recipient reads.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Mail {
    /// Queues the message, due at `now` by the portal's clock; it is sent only
    /// if `tx` commits.
    pub async fn enqueue(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        now: OffsetDateTime,
    ) -> sqlx::Result<i64> {
        crate::db::outbox::enqueue(tx, &self.to, &self.subject, &self.body, now).await
    }
}
