//! The dashboards' figures, read from the counts the trigger on `certificate_orders`
//! keeps (migration 20261206040000) and from indexed ranges, never a scan of every order.
//!
//! Each dashboard reads everything it shows in one statement that answers one JSON
//! object (issue 16 §2: no page over 3 statements). The statements are built here from
//! shared parts and run with `query_scalar_with` rather than checked macros, so that the
//! EXPLAIN test runs these very statements; [`chart_arguments`] binds their common part.
//! The staff overview's figures and each institution's charts are also kept for a few
//! seconds (`services::kept_figures`), while the figures version tells they still hold:
//! the sequence `figures_changes` (migration 20261208010000), which every statement that
//! changes what the figures count moves. The statement that authenticates a request reads
//! it too (`db::sessions`), so the staff overview needs no statement of its own for it.
use serde::Deserialize;
use sqlx::postgres::PgArguments;
use sqlx::types::Json;
use sqlx::{Arguments, PgPool};
use time::{Date, OffsetDateTime};

use crate::auth::StaffScope;
use crate::auth::scope::{InstitutionScope, RequiredRole, TenantScope};
use crate::db::audit::{AuditRow, recent_events_json};
use crate::db::domains::{Domain, domains_json};
use crate::db::institutions::{InstitutionDetail, detail_json};
use crate::db::memberships::{Member, members_json};
use crate::domain::{InstitutionId, OrderId, OrderStatus, ValidationStatus};

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// Narrows a part of a dashboard statement to the institution in $1 on its own
/// dashboard (`one`), or leaves it whole on the staff overview (`all`). Two statements
/// rather than one with `$1 IS NULL OR …`, so that each keeps its index in a generic plan.
macro_rules! of_scope {
    (all, $column:literal) => {
        ""
    };
    (one, $column:literal) => {
        concat!(" AND ", $column, " = $1")
    };
}

/// The live certificates that end in the current month, as (institution_id, n) rows: the
/// later days' counts, and today's endings after now, counted from the index of issued
/// orders by their end (a day's rows, from the index alone).
macro_rules! this_months_endings {
    ($scope:ident) => {
        concat!(
            "SELECT institution_id, n::bigint AS n FROM certificate_end_day_counts
             WHERE day >= $5 AND day < $3 + interval '1 month'",
            of_scope!($scope, "institution_id"),
            "
             UNION ALL
             SELECT institution_id, count(*) FROM certificate_orders
             WHERE status = 'issued' AND not_after > $4 AND not_after < $5::timestamp AT TIME ZONE 'UTC'",
            of_scope!($scope, "institution_id"),
            "
             GROUP BY institution_id"
        )
    };
}

/// The charts both dashboards draw, as the fields of one JSON object. $1 the institution
/// (on its own dashboard), $2 the first week, $3 the current month, $4 now, $5 tomorrow
/// (UTC), $6 how far ahead validations are listed. Endings of later months come from the
/// month counts, those of this month from [`this_months_endings`].
macro_rules! charts_sql {
    ($scope:ident) => {
        concat!(
            "'weeks', (SELECT coalesce(json_agg(w ORDER BY w.week, w.product, w.status), '[]'::json)
          FROM (SELECT week, product, status, sum(n)::bigint AS n
                FROM order_week_counts
                WHERE week >= $2",
            of_scope!($scope, "institution_id"),
            "
                GROUP BY week, product, status
                HAVING sum(n) > 0) AS w),
  'endings', (SELECT coalesce(json_agg(e ORDER BY e.month), '[]'::json)
          FROM (SELECT month, sum(n)::bigint AS n
                FROM certificate_end_counts
                WHERE month > $3",
            of_scope!($scope, "institution_id"),
            "
                GROUP BY month
                UNION ALL
                SELECT $3::date, coalesce(sum(n), 0)::bigint
                FROM (",
            this_months_endings!($scope),
            ") AS this_month) AS e
          WHERE e.n > 0),
  'validations', (SELECT coalesce(json_agg(v ORDER BY v.until, v.institution, v.domain NULLS FIRST), '[]'::json)
          FROM (SELECT institution_id, institution, domain, until
                FROM (SELECT i.id AS institution_id, i.short_name AS institution, NULL::text AS domain,
                             i.org_validated_until AS until
                      FROM institutions i
                      WHERE i.org_validation_status = 'validated'
                        AND i.org_validated_until > $4 AND i.org_validated_until <= $6",
            of_scope!($scope, "i.id"),
            "
                      UNION ALL
                      SELECT i.id, i.short_name, d.name, d.validated_until
                      FROM domains d JOIN institutions i ON i.id = d.institution_id
                      WHERE d.removed_at IS NULL AND d.validation_status = 'validated'
                        AND d.validated_until > $4 AND d.validated_until <= $6",
            of_scope!($scope, "d.institution_id"),
            ") AS ending
                ORDER BY until, institution, domain NULLS FIRST
                LIMIT 100) AS v)"
        )
    };
}

/// The charts of every institution alone: the staff's CSV files and the Prometheus gauges.
pub const STAFF_CHARTS_SQL: &str = concat!("SELECT json_build_object(", charts_sql!(all), ")");

/// The charts of the institution in $1 alone: its CSV files.
pub const INSTITUTION_CHARTS_SQL: &str =
    concat!("SELECT json_build_object(", charts_sql!(one), ")");

/// The staff overview: the charts of every institution, then $7 the table's sort and $8
/// its length. The table's rows come in the sorted subquery's order, which `json_agg`
/// keeps (PostgreSQL's documented behaviour for a sorted subquery feeding an aggregate).
pub const STAFF_SQL: &str = concat!(
    "SELECT json_build_object(",
    charts_sql!(all),
    ",
  'readiness', (SELECT coalesce(json_agg(r), '[]'::json)
          FROM (SELECT tcs_status, digicert_org_id IS NOT NULL AS linked,
                       org_validation_status AS validation,
                       max(org_validated_until) AS validated_until, count(*) AS n
                FROM institutions
                GROUP BY tcs_status, digicert_org_id IS NOT NULL, org_validation_status,
                         org_validated_until > $4
                ORDER BY tcs_status) AS r),
  'pipeline', (SELECT row_to_json(p)
          FROM (SELECT (SELECT count(*) FROM jobs WHERE state = 'queued') AS queued,
                       (SELECT min(run_at) FROM jobs WHERE state = 'queued' AND run_at <= $4) AS oldest_due,
                       (SELECT count(*) FROM jobs WHERE state = 'failed') AS failed_jobs,
                       c.calls, c.p50, c.p95, c.rate_limited,
                       (SELECT max(org_synced_at) FROM institutions) AS last_sync,
                       (SELECT count(*) FROM outbox WHERE given_up_at IS NOT NULL AND sent_at IS NULL)
                           AS undeliverable
                FROM (SELECT count(*) AS calls,
                             percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS p50,
                             percentile_cont(0.95) WITHIN GROUP (ORDER BY seconds) AS p95,
                             count(*) FILTER (WHERE outcome = 'rate_limited') AS rate_limited
                      FROM digicert_calls WHERE at > $4 - interval '1 hour') AS c) AS p),
  'institutions', (SELECT coalesce(json_agg(f), '[]'::json) FROM (
      WITH live AS (
          SELECT institution_id, sum(n)::bigint AS n FROM (
              SELECT institution_id, n::bigint AS n FROM certificate_end_counts WHERE month > $3
              UNION ALL ",
    this_months_endings!(all),
    "
          ) AS parts GROUP BY institution_id
      ), month AS (
          SELECT institution_id, sum(n)::bigint AS n,
                 (sum(n) FILTER (WHERE self_service))::bigint AS self_service
          FROM order_month_counts WHERE month = $3 GROUP BY institution_id
      ), lines AS (
          SELECT i.id, i.short_name, i.name_sr, i.name_en,
                 coalesce(live.n, 0) AS live,
                 coalesce(month.n, 0) AS orders_this_month,
                 coalesce(month.self_service, 0) AS self_service_this_month,
                 activity.last_order_at
          FROM institutions i
          LEFT JOIN live ON live.institution_id = i.id
          LEFT JOIN month ON month.institution_id = i.id
          LEFT JOIN institution_activity activity ON activity.institution_id = i.id
      )
      SELECT * FROM lines
      ORDER BY
        CASE WHEN $7 = 'name' THEN lower(short_name) END,
        CASE WHEN $7 = 'live' THEN live END DESC,
        CASE WHEN $7 = 'month' THEN orders_this_month END DESC,
        CASE WHEN $7 = 'share' THEN coalesce(self_service_this_month::float8 / nullif(orders_this_month, 0), -1) END DESC,
        CASE WHEN $7 = 'activity' THEN last_order_at END DESC NULLS LAST,
        lower(short_name), id
      LIMIT $8) AS f),
  'key_rejected_since', (SELECT rejected_since FROM digicert_key_state))"
);

/// How many latest events and latest failed orders an institution's dashboard lists.
/// Written into its statement, not bound: PostgreSQL's generic plan of a bound LIMIT
/// guesses a tenth of the rows, so it never won against planning with the values, and
/// every view planned the statement anew (0.45 ms, two thirds of its cost at a million
/// orders). With the LIMITs written in, it is planned once per connection.
macro_rules! dashboard_listed {
    () => {
        "10"
    };
}

/// An institution's dashboard but its charts: the institution ($1), its domains, its
/// members, its latest events and failed orders (`dashboard_listed!` of each) and how many
/// failed in all.
pub const INSTITUTION_SQL: &str = concat!(
    "SELECT json_build_object(
  'detail', ",
    detail_json!(),
    ",
  'domains', ",
    domains_json!(),
    ",
  'members', ",
    members_json!(),
    ",
  'audit', ",
    recent_events_json!(dashboard_listed!()),
    ",
  'failed', (SELECT coalesce(json_agg(f), '[]'::json)
          FROM (SELECT id, common_name, product, last_error, updated_at
                FROM certificate_orders
                WHERE institution_id = $1 AND status = 'failed'
                ORDER BY updated_at DESC, id DESC
                LIMIT ",
    dashboard_listed!(),
    ") AS f),
  'failed_total', (SELECT coalesce(sum(n), 0)::bigint FROM order_week_counts
                   WHERE institution_id = $1 AND status = 'failed'))"
);

/// How far ahead the validations timeline looks.
pub const VALIDATION_DAYS: i64 = 90;

/// The binds of the charts' part of every dashboard statement ($1-$6), in order. The
/// staff's statements never read $1, but bind it (a typed NULL) so both take the same
/// binds.
pub fn chart_arguments(
    institution: Option<InstitutionId>,
    first_week: Date,
    now: OffsetDateTime,
) -> Result<PgArguments, sqlx::error::BoxDynError> {
    let (this_month, _) = month_bounds(now);
    let today = now.to_offset(time::UtcOffset::UTC).date();
    let tomorrow = today.next_day().unwrap_or(today);
    let mut args = PgArguments::default();
    args.add(institution)?;
    args.add(first_week)?;
    args.add(this_month)?;
    args.add(now)?;
    args.add(tomorrow)?;
    args.add(now + time::Duration::days(VALIDATION_DAYS))?;
    Ok(args)
}

/// Orders placed in one week, of one product, now in one status.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WeekCount {
    /// The Monday (UTC) of the week.
    #[serde(with = "iso_date")]
    pub week: Date,
    pub product: String,
    pub status: OrderStatus,
    pub n: i64,
}

/// Live certificates ending in one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
struct MonthCount {
    #[serde(with = "iso_date")]
    month: Date,
    n: i64,
}

/// Live certificates and when they end.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "Vec<MonthCount>")]
pub struct Endings {
    /// Issued certificates still valid now.
    pub live: i64,
    /// Issued certificates still valid, by the month (first day, UTC) they end, from the
    /// current month on; the current month counts only those ending after now.
    pub by_month: Vec<(Date, i64)>,
}

impl From<Vec<MonthCount>> for Endings {
    fn from(months: Vec<MonthCount>) -> Self {
        let by_month: Vec<(Date, i64)> = months.iter().map(|m| (m.month, m.n)).collect();
        Self {
            live: by_month.iter().map(|(_, n)| n).sum(),
            by_month,
        }
    }
}

/// The first day of the month of `at` (UTC) and of the next month.
pub fn month_bounds(at: OffsetDateTime) -> (Date, Date) {
    let date = at.to_offset(time::UtcOffset::UTC).date();
    let first = date.replace_day(1).unwrap_or(date);
    let next = first
        .checked_add(time::Duration::days(32))
        .and_then(|later| later.replace_day(1).ok())
        .unwrap_or(first);
    (first, next)
}

/// An organization or domain validation that ends soon.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct EndingValidation {
    pub institution_id: InstitutionId,
    pub institution: String,
    /// The domain; `None` for the organization's S/MIME validation.
    pub domain: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub until: OffsetDateTime,
}

/// What both dashboards chart.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ChartRows {
    pub weeks: Vec<WeekCount>,
    pub endings: Endings,
    /// At most 100, the soonest first.
    pub validations: Vec<EndingValidation>,
}

/// Institutions alike in everything that decides whether they may order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReadinessGroup {
    pub tcs_status: String,
    pub linked: bool,
    pub validation: ValidationStatus,
    /// The latest end of the group's validations; all of a group end on the same side of
    /// now, so this one decides for all of them.
    #[serde(with = "time::serde::rfc3339::option")]
    pub validated_until: Option<OffsetDateTime>,
    pub n: i64,
}

/// The health of the background pipeline.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Pipeline {
    /// Jobs waiting to run (due or not).
    pub queued: i64,
    /// When the longest-waiting due job became due.
    #[serde(with = "time::serde::rfc3339::option")]
    pub oldest_due: Option<OffsetDateTime>,
    pub failed_jobs: i64,
    /// DigiCert calls in the last hour, their median and 95th percentile in seconds.
    pub calls: i64,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    /// 429 answers from DigiCert in the last hour.
    pub rate_limited: i64,
    /// The latest validation sync of any institution.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_sync: Option<OffsetDateTime>,
    /// Mail the outbox gave up on.
    pub undeliverable: i64,
}

/// One line of the staff table of institutions.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct InstitutionFigures {
    pub id: InstitutionId,
    pub short_name: String,
    pub name_sr: String,
    pub name_en: String,
    pub live: i64,
    pub orders_this_month: i64,
    pub self_service_this_month: i64,
    /// When its newest order was placed.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_order_at: Option<OffsetDateTime>,
}

/// How the staff table is sorted: by name (A–Z), or by one of its figures, largest or
/// latest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FiguresOrder {
    Name,
    #[default]
    Live,
    ThisMonth,
    SelfServiceShare,
    LastActivity,
}

impl FiguresOrder {
    pub const ALL: [Self; 5] = [
        Self::Name,
        Self::Live,
        Self::ThisMonth,
        Self::SelfServiceShare,
        Self::LastActivity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Live => "live",
            Self::ThisMonth => "month",
            Self::SelfServiceShare => "share",
            Self::LastActivity => "activity",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|order| order.as_str() == text)
    }
}

/// At most this many institutions are in the table.
pub const FIGURES_SHOWN: i64 = 200;

/// Everything the staff overview shows.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StaffOverview {
    #[serde(flatten)]
    pub charts: ChartRows,
    pub readiness: Vec<ReadinessGroup>,
    pub pipeline: Pipeline,
    /// Sorted as asked, at most [`FIGURES_SHOWN`].
    pub institutions: Vec<InstitutionFigures>,
    /// Since when DigiCert has refused our API key, if it does.
    #[serde(with = "time::serde::rfc3339::option")]
    pub key_rejected_since: Option<OffsetDateTime>,
}

/// An order that failed, for its institution's dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FailedOrder {
    pub id: OrderId,
    pub common_name: String,
    pub product: String,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// All an institution's dashboard shows but its charts.
#[derive(Debug, Clone, Deserialize)]
pub struct InstitutionPage {
    /// The latest failed orders.
    pub failed: Vec<FailedOrder>,
    /// How many orders failed in all.
    pub failed_total: i64,
    pub detail: InstitutionDetail,
    pub domains: Vec<Domain>,
    pub members: Vec<Member>,
    /// The latest events, newest first.
    pub audit: Vec<AuditRow>,
}

/// All an institution's dashboard shows.
#[derive(Debug)]
pub struct InstitutionDashboard {
    pub page: InstitutionPage,
    pub charts: ChartRows,
}

async fn read_json<T: serde::de::DeserializeOwned + Send + Unpin + 'static>(
    pool: &PgPool,
    sql: &'static str,
    args: PgArguments,
) -> sqlx::Result<T> {
    let Json(value) = sqlx::query_scalar_with::<_, Json<T>, _>(sql, args)
        .fetch_one(pool)
        .await?;
    Ok(value)
}

/// The charts of every institution (the staff's CSV files).
pub async fn staff_charts(
    pool: &PgPool,
    _staff: &StaffScope,
    first_week: Date,
    now: OffsetDateTime,
) -> sqlx::Result<ChartRows> {
    charts(pool, None, first_week, now).await
}

/// The charts of the scope's institution (its CSV files).
pub async fn institution_charts(
    pool: &PgPool,
    scope: &impl TenantScope,
    first_week: Date,
    now: OffsetDateTime,
) -> sqlx::Result<ChartRows> {
    charts(pool, Some(scope.institution_id()), first_week, now).await
}

async fn charts(
    pool: &PgPool,
    institution: Option<InstitutionId>,
    first_week: Date,
    now: OffsetDateTime,
) -> sqlx::Result<ChartRows> {
    let sql = if institution.is_some() {
        INSTITUTION_CHARTS_SQL
    } else {
        STAFF_CHARTS_SQL
    };
    let args = chart_arguments(institution, first_week, now).map_err(sqlx::Error::Encode)?;
    read_json(pool, sql, args).await
}

/// The staff overview in one statement, its table sorted by `order`.
pub async fn staff_overview(
    pool: &PgPool,
    _staff: &StaffScope,
    first_week: Date,
    now: OffsetDateTime,
    order: FiguresOrder,
) -> sqlx::Result<StaffOverview> {
    let mut args = chart_arguments(None, first_week, now).map_err(sqlx::Error::Encode)?;
    args.add(order.as_str()).map_err(sqlx::Error::Encode)?;
    args.add(FIGURES_SHOWN).map_err(sqlx::Error::Encode)?;
    read_json(pool, STAFF_SQL, args).await
}

/// The scope's institution's dashboard: its rows in one statement, its charts in one more.
pub async fn institution_dashboard<R: RequiredRole>(
    pool: &PgPool,
    scope: &InstitutionScope<R>,
    first_week: Date,
    now: OffsetDateTime,
) -> sqlx::Result<InstitutionDashboard> {
    let page = read_json(
        pool,
        INSTITUTION_SQL,
        institution_page_arguments(scope.institution_id())?,
    )
    .await?;
    let charts = institution_charts(pool, scope, first_week, now).await?;
    Ok(InstitutionDashboard { page, charts })
}

/// The binds of [`INSTITUTION_SQL`], in order.
pub fn institution_page_arguments(institution: InstitutionId) -> sqlx::Result<PgArguments> {
    let mut args = PgArguments::default();
    args.add(institution).map_err(sqlx::Error::Encode)?;
    Ok(args)
}

/// Records one DigiCert request: when it left, how long it took, how it ended.
pub async fn record_call(
    pool: &PgPool,
    at: OffsetDateTime,
    seconds: f64,
    outcome: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO digicert_calls (at, seconds, outcome) VALUES ($1, $2, $3)",
        at,
        seconds,
        outcome
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Deletes the call samples older than `before`.
pub async fn prune_calls(pool: &PgPool, before: OffsetDateTime) -> sqlx::Result<u64> {
    let done = sqlx::query!("DELETE FROM digicert_calls WHERE at < $1", before)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

/// The figures Prometheus gets as gauges, for every institution together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gauges {
    /// Orders of all time by (product, status).
    pub orders: Vec<(String, String, i64)>,
    pub live: i64,
    pub validations_ending_30d: i64,
    pub validations_ending_90d: i64,
    pub jobs_queued: i64,
    pub jobs_failed: i64,
}

/// Reads the gauges' figures (for the scheduled metrics refresh, no one's scope).
pub async fn unscoped_gauges(pool: &PgPool, now: OffsetDateTime) -> sqlx::Result<Gauges> {
    let orders = sqlx::query!(
        r#"SELECT product AS "product!", status AS "status!", sum(n)::bigint AS "n!"
           FROM order_week_counts GROUP BY product, status ORDER BY product, status"#
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|row| (row.product, row.status, row.n))
    .collect();
    // The first week is immaterial here: only the endings are used.
    let live = charts(pool, None, now.date(), now).await?.endings.live;
    let ending = |days: i64| {
        let horizon = now + time::Duration::days(days);
        sqlx::query_scalar!(
            r#"SELECT (SELECT count(*) FROM institutions
                       WHERE org_validation_status = 'validated'
                         AND org_validated_until > $1 AND org_validated_until <= $2)
                    + (SELECT count(*) FROM domains
                       WHERE removed_at IS NULL AND validation_status = 'validated'
                         AND validated_until > $1 AND validated_until <= $2) AS "n!""#,
            now,
            horizon
        )
        .fetch_one(pool)
    };
    let validations_ending_30d = ending(30).await?;
    let validations_ending_90d = ending(90).await?;
    let jobs = sqlx::query!(
        r#"SELECT (SELECT count(*) FROM jobs WHERE state = 'queued') AS "queued!",
                  (SELECT count(*) FROM jobs WHERE state = 'failed') AS "failed!""#
    )
    .fetch_one(pool)
    .await?;
    Ok(Gauges {
        orders,
        live,
        validations_ending_30d,
        validations_ending_90d,
        jobs_queued: jobs.queued,
        jobs_failed: jobs.failed,
    })
}
