//! The staff overview's figures, kept for a few seconds. They are the sum of every
//! institution (a statement of about ten milliseconds at a million orders), the same for
//! every member of staff, and read far more often than they change.
//!
//! Kept figures are shown only while all of these hold, so a change is never hidden:
//! - nothing they count has changed since: every statement that changes orders,
//!   institutions, domains or the key's state moves a number in the database
//!   (migration 20261208010000), which one cheap read compares with the number the
//!   figures were read at. An order placed a moment ago is on the next view.
//! - they are under [`KEPT_FOR`] old by the wall clock: the pipeline's figures (jobs,
//!   DigiCert's latency, undelivered mail) change without moving that number, and are
//!   shown at most that old. The page says when its figures were read.
//! - they are under [`KEPT_FOR`] old by the portal's clock too, and not from its future,
//!   so a clock set elsewhere (in tests, or corrected by NTP) cannot keep old figures.
//!
//! One lock around the reading means that many views arriving together after a change
//! wait for one statement instead of each running their own.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use sqlx::PgPool;
use time::{Date, Duration, OffsetDateTime};
use tokio::sync::Mutex;

use crate::auth::StaffScope;
use crate::db::dashboard::{self as figures, FiguresOrder, StaffOverview};

/// How long figures are kept at most.
pub const KEPT_FOR: Duration = Duration::seconds(5);

/// The figures of one sort of the institutions table, and when they were read.
#[derive(Debug)]
struct Kept {
    overview: Arc<StaffOverview>,
    read_at: OffsetDateTime,
    read_instant: Instant,
}

impl Kept {
    fn holds(&self, version: i64, now: OffsetDateTime) -> bool {
        let age = now - self.read_at;
        self.overview.version == version
            && self.read_instant.elapsed() < KEPT_FOR
            && age >= Duration::ZERO
            && age < KEPT_FOR
    }
}

/// The staff overview's figures, by the sort of its table.
#[derive(Debug, Default)]
pub struct StaffFigures {
    kept: Mutex<HashMap<FiguresOrder, Kept>>,
}

/// What the overview shows, and when it was read.
#[derive(Debug, Clone)]
pub struct Overview {
    pub figures: Arc<StaffOverview>,
    pub read_at: OffsetDateTime,
}

impl StaffFigures {
    /// The overview with its table sorted by `order`, as kept if it still holds at `now`,
    /// or else read afresh and kept.
    pub async fn overview(
        &self,
        pool: &PgPool,
        staff: &StaffScope,
        first_week: Date,
        now: OffsetDateTime,
        order: FiguresOrder,
    ) -> sqlx::Result<Overview> {
        let version = figures::figures_version(pool).await?;
        let mut kept = self.kept.lock().await;
        if let Some(found) = kept.get(&order).filter(|found| found.holds(version, now)) {
            return Ok(Overview {
                figures: Arc::clone(&found.overview),
                read_at: found.read_at,
            });
        }
        let overview =
            Arc::new(figures::staff_overview(pool, staff, first_week, now, order).await?);
        kept.insert(
            order,
            Kept {
                overview: Arc::clone(&overview),
                read_at: now,
                read_instant: Instant::now(),
            },
        );
        Ok(Overview {
            figures: overview,
            read_at: now,
        })
    }
}
