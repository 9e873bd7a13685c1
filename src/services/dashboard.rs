//! The dashboards' figures as tables: the rows `db::dashboard` reads, laid out week by
//! week and month by month with every gap filled, so a chart, the table beside it and its
//! CSV are built from one and the same numbers.
use std::collections::HashMap;

use time::{Date, Duration, OffsetDateTime, Weekday};

use crate::db::dashboard::{Endings, ReadinessGroup, WeekCount, month_bounds};
use crate::domain::{OrderStatus, Product, TcsStatus};
use crate::services::preconditions::{self, Unmet};

/// Weeks in the orders chart.
pub const WEEKS: usize = 26;
/// Months in the endings chart.
pub const MONTHS: usize = 12;
/// How far ahead the validations timeline looks (the statement reads that far).
pub use crate::db::dashboard::VALIDATION_DAYS;

/// What became of an order, as the outcome chart stacks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    InProgress,
    Issued,
    Revoked,
    /// Rejected, canceled or failed: no certificate came of it.
    Stopped,
}

impl Outcome {
    pub const ALL: [Self; 4] = [Self::InProgress, Self::Issued, Self::Revoked, Self::Stopped];

    pub fn of(status: OrderStatus) -> Self {
        match status {
            OrderStatus::AwaitingPerson
            | OrderStatus::Queued
            | OrderStatus::Submitted
            | OrderStatus::PendingValidation => Self::InProgress,
            OrderStatus::Issued => Self::Issued,
            OrderStatus::Revoked => Self::Revoked,
            OrderStatus::Rejected | OrderStatus::Canceled | OrderStatus::Failed => Self::Stopped,
        }
    }

    /// Its name in CSV files and CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in_progress",
            Self::Issued => "issued",
            Self::Revoked => "revoked",
            Self::Stopped => "stopped",
        }
    }

    pub fn message_key(self) -> &'static str {
        match self {
            Self::InProgress => "dashboard.outcome.in_progress",
            Self::Issued => "dashboard.outcome.issued",
            Self::Revoked => "dashboard.outcome.revoked",
            Self::Stopped => "dashboard.outcome.stopped",
        }
    }
}

/// Counts by category (a week, a month) and column (a product, an outcome).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub categories: Vec<Date>,
    /// Each column's name as CSV files and CSS classes spell it.
    pub columns: Vec<&'static str>,
    /// `rows[category][column]`.
    pub rows: Vec<Vec<u64>>,
}

impl Table {
    fn empty(categories: Vec<Date>, columns: Vec<&'static str>) -> Self {
        let rows = vec![vec![0; columns.len()]; categories.len()];
        Self {
            categories,
            columns,
            rows,
        }
    }

    fn add(&mut self, category: Date, column: &str, n: u64) {
        let Some(row) = self.categories.iter().position(|at| *at == category) else {
            return;
        };
        if let Some(col) = self.columns.iter().position(|name| *name == column) {
            self.rows[row][col] += n;
        }
    }

    /// Every row's total.
    pub fn totals(&self) -> Vec<u64> {
        self.rows.iter().map(|row| row.iter().sum()).collect()
    }
}

/// The Monday (UTC) of the first week the orders chart shows at `now`.
pub fn first_week(now: OffsetDateTime) -> Date {
    let today = now.to_offset(time::UtcOffset::UTC).date();
    let monday = today - Duration::days(i64::from(today.weekday().number_days_from_monday()));
    debug_assert_eq!(monday.weekday(), Weekday::Monday);
    monday - Duration::weeks(WEEKS as i64 - 1)
}

/// The products' column names: the four the portal offers, then any other.
pub const OTHER_PRODUCT: &str = "other";

fn product_column(product: &str) -> &'static str {
    Product::parse(product).map_or(OTHER_PRODUCT, Product::as_str)
}

/// Orders per week by product and by outcome, every one of the last [`WEEKS`] weeks.
pub fn weekly(counts: &[WeekCount], first: Date) -> (Table, Table) {
    let weeks: Vec<Date> = (0..WEEKS as i64)
        .map(|index| first + Duration::weeks(index))
        .collect();
    let mut products: Vec<&'static str> = Product::ALL.iter().map(|p| p.as_str()).collect();
    products.push(OTHER_PRODUCT);
    let mut by_product = Table::empty(weeks.clone(), products);
    let mut by_outcome = Table::empty(weeks, Outcome::ALL.iter().map(|o| o.as_str()).collect());
    for count in counts {
        let n = u64::try_from(count.n).unwrap_or(0);
        by_product.add(count.week, product_column(&count.product), n);
        by_outcome.add(count.week, Outcome::of(count.status).as_str(), n);
    }
    (by_product, by_outcome)
}

/// How many live certificates end in each of the next [`MONTHS`] months (the first the
/// current one), every month present.
pub fn monthly(endings: &Endings, now: OffsetDateTime) -> Vec<(Date, u64)> {
    let (mut month, _) = month_bounds(now);
    let found: HashMap<Date, i64> = endings.by_month.iter().copied().collect();
    let mut months = Vec::with_capacity(MONTHS);
    for _ in 0..MONTHS {
        let n = found.get(&month).copied().unwrap_or(0);
        months.push((month, u64::try_from(n).unwrap_or(0)));
        month = month_bounds(month.midnight().assume_utc()).1;
    }
    months
}

/// Institutions in one TCS state: how many, and how many may order now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    pub status: TcsStatus,
    pub total: u64,
    pub can_order: u64,
}

/// Institutions by TCS state and whether they may order, and what stops the others
/// (the first unmet condition of each, by its message), judged by the same rules that
/// every order passes ([`preconditions::for_institution`]).
pub fn readiness(
    groups: &[ReadinessGroup],
    now: OffsetDateTime,
) -> (Vec<Readiness>, Vec<(&'static str, u64)>) {
    let mut states: Vec<Readiness> = [
        TcsStatus::Registered,
        TcsStatus::Applied,
        TcsStatus::Suspended,
    ]
    .into_iter()
    .map(|status| Readiness {
        status,
        total: 0,
        can_order: 0,
    })
    .collect();
    let mut reasons: Vec<(&'static str, u64)> = Vec::new();
    for group in groups {
        let Some(status) = TcsStatus::from_db(&group.tcs_status) else {
            continue;
        };
        let n = u64::try_from(group.n).unwrap_or(0);
        let unmet: Vec<Unmet> = preconditions::for_institution(
            status,
            group.linked,
            group.validation,
            group.validated_until,
            now,
        );
        if let Some(state) = states.iter_mut().find(|state| state.status == status) {
            state.total += n;
            if unmet.is_empty() {
                state.can_order += n;
            }
        }
        if let Some(first) = unmet.first() {
            let key = first.message_key();
            match reasons.iter_mut().find(|(known, _)| *known == key) {
                Some((_, count)) => *count += n,
                None => reasons.push((key, n)),
            }
        }
    }
    (states, reasons)
}

/// The share of `part` in `whole`, in whole percent; `None` of nothing.
pub fn percent(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| (part * 100 + whole / 2) / whole)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ValidationStatus;
    use time::macros::{date, datetime};

    #[test]
    fn the_first_week_is_a_monday_twenty_five_weeks_before_this_one() {
        // 2026-12-06 is a Sunday; its week began on Monday 2026-11-30.
        let first = first_week(datetime!(2026-12-06 10:00 UTC));
        assert_eq!(first, date!(2026 - 11 - 30) - Duration::weeks(25));
    }

    #[test]
    fn weeks_without_orders_are_zero_and_unknown_products_are_other() {
        let first = date!(2026 - 06 - 08);
        let counts = [
            WeekCount {
                week: first,
                product: "client_premium".into(),
                status: OrderStatus::Issued,
                n: 3,
            },
            WeekCount {
                week: first + Duration::weeks(2),
                product: "ssl_plus".into(),
                status: OrderStatus::Failed,
                n: 1,
            },
        ];
        let (by_product, by_outcome) = weekly(&counts, first);
        assert_eq!(by_product.categories.len(), WEEKS);
        assert_eq!(by_product.totals()[..3], [3, 0, 1]);
        let other = by_product.columns.iter().position(|c| *c == OTHER_PRODUCT);
        assert_eq!(by_product.rows[2][other.unwrap()], 1);
        let stopped = by_outcome.columns.iter().position(|c| *c == "stopped");
        assert_eq!(by_outcome.rows[2][stopped.unwrap()], 1);
    }

    #[test]
    fn twelve_months_from_the_current_one_with_gaps_filled() {
        let endings = Endings {
            live: 7,
            by_month: vec![(date!(2026 - 12 - 01), 2), (date!(2027 - 02 - 01), 5)],
        };
        let months = monthly(&endings, datetime!(2026-12-06 10:00 UTC));
        assert_eq!(months.len(), MONTHS);
        assert_eq!(months[0], (date!(2026 - 12 - 01), 2));
        assert_eq!(months[1], (date!(2027 - 01 - 01), 0));
        assert_eq!(months[2], (date!(2027 - 02 - 01), 5));
        assert_eq!(months[11].0, date!(2027 - 11 - 01));
    }

    #[test]
    fn an_institution_may_order_only_when_every_precondition_holds() {
        let now = datetime!(2026-12-06 10:00 UTC);
        let group = |status: &str, linked, until, n| ReadinessGroup {
            tcs_status: status.into(),
            linked,
            validation: ValidationStatus::parse("validated").unwrap(),
            validated_until: until,
            n,
        };
        let (states, reasons) = readiness(
            &[
                group("registered", true, Some(now + Duration::days(9)), 4),
                group("registered", true, Some(now - Duration::days(1)), 2),
                group("applied", false, None, 1),
            ],
            now,
        );
        assert_eq!(states[0].total, 6);
        assert_eq!(states[0].can_order, 4);
        assert_eq!(states[1].can_order, 0);
        assert!(reasons.contains(&("precondition.org_not_validated", 2)));
        assert!(reasons.contains(&("precondition.not_registered", 1)));
    }
}
