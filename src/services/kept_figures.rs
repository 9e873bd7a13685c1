//! The dashboards' figures, kept for a few seconds: the staff overview's (the sum of every
//! institution, a statement of about ten milliseconds at a million orders, the same for
//! every member of staff) and each institution's whole dashboard (its rows, and 26 weeks of
//! counts by product and outcome, a few hundred rows made into JSON, the same for every
//! admin of it). Both are read far more often than they change.
//!
//! Kept figures are shown only while all of these hold, so a change is never hidden:
//! - nothing they show has changed since: every statement that changes orders,
//!   institutions, domains, the key's state, members or an institution's events moves a
//!   number in the database (migrations 20261208010000 and 20261210020000), which the
//!   statement that authenticates the request reads, before the figures are read. An
//!   order placed a moment ago is on the next view.
//! - they are under [`KEPT_FOR`] old by the wall clock: the pipeline's figures (jobs,
//!   DigiCert's latency, undelivered mail) and the certificates ending today change
//!   without moving that number, and are shown at most that old. The pages say when
//!   their figures were read.
//! - they are under [`KEPT_FOR`] old by the portal's clock too, and not from its future,
//!   so a clock set elsewhere (in tests, or corrected by NTP) cannot keep old figures.
//!
//! Each key has its own lock around its reading, so that many views arriving together
//! after a change wait for one statement instead of each running their own, and views of
//! other keys do not wait at all.
//!
//! What a page makes of kept figures in one language (its charts and tables, rendered) is
//! kept with them, made by the first view in that language: every view rendered the same
//! charts and tables again, tens of kilobytes of formatted numbers (issue 16 §2).
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use sqlx::PgPool;
use time::{Date, Duration, OffsetDateTime};
use tokio::sync::Mutex;

use crate::auth::StaffScope;
use crate::auth::scope::{InstitutionScope, RequiredRole};
use crate::db::dashboard::{self as db, FiguresOrder, InstitutionDashboard, StaffOverview};
use crate::domain::InstitutionId;
use crate::i18n::Lang;

/// How long figures are kept at most.
pub const KEPT_FOR: Duration = Duration::seconds(5);

/// Figures of one kind, kept by key, and what a page made of them in each language.
#[derive(Debug)]
pub struct KeptFigures<K, T> {
    slots: std::sync::Mutex<HashMap<K, Slot<T>>>,
}

type Slot<T> = Arc<Mutex<Option<Arc<Kept<T>>>>>;

impl<K, T> Default for KeptFigures<K, T> {
    fn default() -> Self {
        Self {
            slots: std::sync::Mutex::default(),
        }
    }
}

/// The staff overview's figures, by the sort of its table.
pub type StaffFigures = KeptFigures<FiguresOrder, StaffOverview>;

/// Each institution's dashboard.
pub type InstitutionDashboards = KeptFigures<InstitutionId, InstitutionDashboard>;

/// Figures, the version of what they count they were read at (or after), and when; and
/// what pages made of them, by language.
#[derive(Debug)]
struct Kept<T> {
    figures: T,
    views: ByLang,
    version: i64,
    read_at: OffsetDateTime,
    read_instant: Instant,
}

impl<T> Kept<T> {
    fn holds(&self, version: i64, now: OffsetDateTime) -> bool {
        let age = now - self.read_at;
        self.version == version && self.is_fresh() && age >= Duration::ZERO && age < KEPT_FOR
    }

    fn is_fresh(&self) -> bool {
        self.read_instant.elapsed() < KEPT_FOR
    }
}

/// Figures as a page shows them, and when they were read.
#[derive(Debug)]
pub struct Snapshot<T>(Arc<Kept<T>>);

impl<T> Snapshot<T> {
    pub fn figures(&self) -> &T {
        &self.0.figures
    }

    pub fn read_at(&self) -> OffsetDateTime {
        self.0.read_at
    }

    /// What `make` makes of these figures in `lang` (given when they were read), made
    /// once while they are kept; a failure is not kept. One page shows each kind of
    /// figures, so their views are all of one type; one of another type would be made,
    /// not kept. Two views made at once are both right, and the first one stays.
    pub fn view<V: Any + Send + Sync, E>(
        &self,
        lang: Lang,
        make: impl FnOnce(&T, OffsetDateTime) -> Result<V, E>,
    ) -> Result<Arc<V>, E> {
        let kept = &self.0;
        let slot = kept.views.of(lang);
        if let Some(view) = slot.get().and_then(|view| Arc::clone(view).downcast().ok()) {
            return Ok(view);
        }
        let view = Arc::new(make(&kept.figures, kept.read_at)?);
        let _first_stays = slot.set(Arc::clone(&view) as View);
        Ok(view)
    }
}

/// What a page made of kept figures in one language.
type View = Arc<dyn Any + Send + Sync>;

/// One view per language, each made when first asked for.
#[derive(Debug, Default)]
struct ByLang {
    serbian: OnceLock<View>,
    english: OnceLock<View>,
}

impl ByLang {
    fn of(&self, lang: Lang) -> &OnceLock<View> {
        match lang {
            Lang::Serbian => &self.serbian,
            Lang::English => &self.english,
        }
    }
}

impl<K: Eq + Hash, T> KeptFigures<K, T> {
    /// The figures under `key` as kept, if they were read at `version` and still hold at
    /// `now`; or else those `read` gives, kept under `version`. `version` must have been
    /// read before `read` runs, so that kept figures are never older than their version.
    pub async fn get_or_read<E>(
        &self,
        key: K,
        version: i64,
        now: OffsetDateTime,
        read: impl Future<Output = Result<T, E>>,
    ) -> Result<Snapshot<T>, E> {
        let slot = self.slot(key);
        let mut kept = slot.lock().await;
        if let Some(found) = kept.as_ref().filter(|found| found.holds(version, now)) {
            return Ok(Snapshot(Arc::clone(found)));
        }
        let fresh = Arc::new(Kept {
            figures: read.await?,
            views: ByLang::default(),
            version,
            read_at: now,
            read_instant: Instant::now(),
        });
        *kept = Some(Arc::clone(&fresh));
        Ok(Snapshot(fresh))
    }

    /// The slot of `key`, made if missing. Before one is made, slots that no view is using
    /// and whose figures are stale go, so only what was read in the last few seconds stays
    /// (an institution's charts are not kept for every institution ever viewed), and a
    /// view of a key already there pays for no sweep.
    fn slot(&self, key: K) -> Slot<T> {
        let mut slots = self
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(slot) = slots.get(&key) {
            return Arc::clone(slot);
        }
        slots.retain(|_, slot| {
            Arc::strong_count(slot) > 1
                || slot
                    .try_lock()
                    .is_ok_and(|kept| kept.as_ref().is_some_and(|kept| kept.is_fresh()))
        });
        Arc::clone(slots.entry(key).or_default())
    }
}

impl StaffFigures {
    /// The overview with its table sorted by `order`, kept by the figures version read
    /// when `staff` was authenticated.
    pub async fn overview(
        &self,
        pool: &PgPool,
        staff: &StaffScope,
        first_week: Date,
        now: OffsetDateTime,
        order: FiguresOrder,
    ) -> sqlx::Result<Snapshot<StaffOverview>> {
        let version = staff.current().figures_version;
        let read = db::staff_overview(pool, staff, first_week, now, order);
        self.get_or_read(order, version, now, read).await
    }
}

impl InstitutionDashboards {
    /// The scope's institution's dashboard, kept by `version`, the figures version read
    /// when the scope's session was authenticated.
    pub async fn dashboard<R: RequiredRole>(
        &self,
        pool: &PgPool,
        scope: &InstitutionScope<R>,
        version: i64,
        first_week: Date,
        now: OffsetDateTime,
    ) -> sqlx::Result<Snapshot<InstitutionDashboard>> {
        let read = db::institution_dashboard(pool, scope, first_week, now);
        self.get_or_read(scope.institution_id(), version, now, read)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(n: u32) -> Result<u32, ()> {
        Ok(n)
    }

    #[tokio::test]
    async fn figures_are_kept_until_their_version_moves() {
        let kept = KeptFigures::<u8, u32>::default();
        let now = time::macros::datetime!(2026-12-06 12:00 UTC);
        assert_eq!(
            *kept
                .get_or_read(1, 7, now, read(1))
                .await
                .unwrap()
                .figures(),
            1
        );
        assert_eq!(
            *kept
                .get_or_read(1, 7, now, read(2))
                .await
                .unwrap()
                .figures(),
            1
        );
        assert_eq!(
            *kept
                .get_or_read(2, 7, now, read(3))
                .await
                .unwrap()
                .figures(),
            3
        );
        assert_eq!(
            *kept
                .get_or_read(1, 8, now, read(4))
                .await
                .unwrap()
                .figures(),
            4
        );
    }

    #[tokio::test]
    async fn figures_are_not_kept_past_their_time_by_the_portals_clock() {
        let kept = KeptFigures::<u8, u32>::default();
        let now = time::macros::datetime!(2026-12-06 12:00 UTC);
        kept.get_or_read(1, 7, now, read(1)).await.unwrap();
        let later = now + KEPT_FOR;
        let again = kept.get_or_read(1, 7, later, read(2)).await.unwrap();
        assert_eq!((*again.figures(), again.read_at()), (2, later));
        let earlier = later - Duration::seconds(1);
        assert_eq!(
            *kept
                .get_or_read(1, 7, earlier, read(3))
                .await
                .unwrap()
                .figures(),
            3
        );
    }

    #[tokio::test]
    async fn a_view_is_made_once_per_language_while_its_figures_are_kept() {
        let kept = KeptFigures::<u8, u32>::default();
        let now = time::macros::datetime!(2026-12-06 12:00 UTC);
        let made = std::sync::atomic::AtomicUsize::new(0);
        let view = |snapshot: &Snapshot<u32>, lang: Lang| {
            snapshot
                .view(lang, |figures, read_at| {
                    made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    Ok::<_, ()>(format!("{figures} {} at {read_at}", lang.code()))
                })
                .unwrap()
        };
        let first = kept.get_or_read(1, 7, now, read(1)).await.unwrap();
        assert_eq!(*view(&first, Lang::English), format!("1 en at {now}"));
        let later = now + Duration::seconds(1);
        let again = kept.get_or_read(1, 7, later, read(2)).await.unwrap();
        assert_eq!(*view(&again, Lang::English), format!("1 en at {now}"));
        assert_eq!(*view(&again, Lang::Serbian), format!("1 sr at {now}"));
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 2);
        // New figures get views of their own.
        let moved = kept.get_or_read(1, 8, later, read(3)).await.unwrap();
        assert_eq!(*view(&moved, Lang::English), format!("3 en at {later}"));
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 3);
    }

    #[tokio::test]
    async fn a_view_that_failed_is_made_again() {
        let kept = KeptFigures::<u8, u32>::default();
        let now = time::macros::datetime!(2026-12-06 12:00 UTC);
        let snapshot = kept.get_or_read(1, 7, now, read(1)).await.unwrap();
        let failed = snapshot.view(Lang::English, |_, _| Err::<String, _>("render failed"));
        assert_eq!(failed, Err("render failed"));
        let made = snapshot.view(Lang::English, |figures, _| Ok::<_, ()>(figures.to_string()));
        assert_eq!(made.unwrap().as_str(), "1");
    }

    #[tokio::test]
    async fn a_failed_read_keeps_nothing() {
        let kept = KeptFigures::<u8, u32>::default();
        let now = time::macros::datetime!(2026-12-06 12:00 UTC);
        assert!(
            kept.get_or_read(1, 7, now, async { Err(()) })
                .await
                .is_err()
        );
        assert_eq!(
            *kept
                .get_or_read(1, 7, now, read(5))
                .await
                .unwrap()
                .figures(),
            5
        );
    }
}
