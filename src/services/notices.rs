//! Mails due a set number of days before something ends (a validation, a
//! certificate), each threshold sent once however many portal processes sweep
//! at the same time. The rule: a notice is claimed by inserting a row under a
//! unique key in the same transaction that queues its mails, so either both
//! happen or neither, and a second sweep's insert waits for the first and then
//! finds the key taken.
use async_trait::async_trait;
use sqlx::{PgPool, Postgres, Transaction};
use time::{Duration, OffsetDateTime};

/// The days ahead a notice goes out, tightest first.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds(&'static [i32]);

impl Thresholds {
    /// `days` must be ordered tightest first and not empty.
    pub const fn new(days: &'static [i32]) -> Self {
        Self(days)
    }

    /// The widest threshold from `now`: subjects ending later are not due yet.
    pub fn horizon(&self, now: OffsetDateTime) -> OffsetDateTime {
        let widest = self.0.last().copied().unwrap_or_default();
        now + Duration::days(i64::from(widest))
    }

    /// The tightest threshold the remaining time is within. A threshold passed
    /// while nobody swept (the portal was down, or the subject appeared late) is
    /// not sent late: only the most urgent one counts, so nobody gets a "30
    /// days left" mail ten days before the end.
    pub fn due(&self, until: OffsetDateTime, now: OffsetDateTime) -> Option<i32> {
        let left = until - now;
        self.0
            .iter()
            .copied()
            .find(|days| left <= Duration::days(i64::from(*days)))
    }
}

/// One subject that may be due a notice.
#[async_trait]
pub trait Notice: Send + Sync {
    /// When the subject ends.
    fn until(&self) -> OffsetDateTime;

    /// The tightest threshold already sent, when the sweep's query knows it:
    /// lets the sweep skip a subject without a write. Claiming stays the guard.
    fn tightest_sent(&self) -> Option<i32> {
        None
    }

    /// Inserts the unique row for this threshold; `false` when it exists (sent
    /// by this or another process).
    async fn claim(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        days: i32,
        now: OffsetDateTime,
    ) -> sqlx::Result<bool>;

    /// Queues the mails and records the audit event, in the claiming transaction.
    async fn send(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        days: i32,
        now: OffsetDateTime,
    ) -> anyhow::Result<()>;
}

/// Sends every notice due at `now`, one transaction per subject; returns how
/// many this call sent.
pub async fn send_due<N: Notice>(
    pool: &PgPool,
    thresholds: Thresholds,
    subjects: &[N],
    now: OffsetDateTime,
) -> anyhow::Result<usize> {
    let mut sent = 0;
    for subject in subjects {
        let Some(days) = thresholds.due(subject.until(), now) else {
            continue;
        };
        if subject.tightest_sent().is_some_and(|done| done <= days) {
            continue;
        }
        let mut tx = pool.begin().await?;
        if !subject.claim(&mut tx, days, now).await? {
            continue;
        }
        subject.send(&mut tx, days, now).await?;
        tx.commit().await?;
        sent += 1;
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REMIND: Thresholds = Thresholds::new(&[3, 14, 30]);

    #[test]
    fn the_tightest_crossed_threshold_is_due_and_none_before_the_widest() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let at = |days| now + Duration::days(days);
        assert_eq!(REMIND.due(at(31), now), None);
        assert_eq!(REMIND.due(at(30), now), Some(30));
        assert_eq!(REMIND.due(at(10), now), Some(14));
        assert_eq!(REMIND.due(at(2), now), Some(3));
        assert_eq!(REMIND.horizon(now), at(30));
    }
}
