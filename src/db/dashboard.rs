//! The dashboards' figures, read from the counts the trigger on `certificate_orders`
//! keeps (migration 20261206040000) and from indexed ranges, never a scan of every order.
//! Each reader comes twice: for staff (every institution) and for one tenant's scope.
use sqlx::PgPool;
use time::{Date, OffsetDateTime};

use crate::auth::StaffScope;
use crate::auth::scope::TenantScope;
use crate::domain::{InstitutionId, OrderId, OrderStatus, ValidationStatus};

/// Orders placed in one week, of one product, now in one status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekCount {
    /// The Monday (UTC) of the week.
    pub week: Date,
    pub product: String,
    pub status: OrderStatus,
    pub n: i64,
}

/// Orders per week since `since` (a Monday), every institution.
pub async fn staff_weeks(
    pool: &PgPool,
    _staff: &StaffScope,
    since: Date,
) -> sqlx::Result<Vec<WeekCount>> {
    weeks(pool, None, since).await
}

/// Orders per week since `since`, of the scope's institution.
pub async fn institution_weeks(
    pool: &PgPool,
    scope: &impl TenantScope,
    since: Date,
) -> sqlx::Result<Vec<WeekCount>> {
    weeks(pool, Some(scope.institution_id()), since).await
}

async fn weeks(
    pool: &PgPool,
    institution: Option<InstitutionId>,
    since: Date,
) -> sqlx::Result<Vec<WeekCount>> {
    sqlx::query_as!(
        WeekCount,
        r#"SELECT week AS "week!", product AS "product!", status AS "status!: OrderStatus",
                  sum(n)::bigint AS "n!"
           FROM order_week_counts
           WHERE week >= $1 AND ($2::uuid IS NULL OR institution_id = $2)
           GROUP BY week, product, status
           HAVING sum(n) > 0
           ORDER BY week, product, status"#,
        since,
        institution as Option<InstitutionId>
    )
    .fetch_all(pool)
    .await
}

/// Live certificates and when they end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endings {
    /// Issued certificates still valid now.
    pub live: i64,
    /// Issued certificates still valid, by the month (first day, UTC) they end, from the
    /// current month on; the current month counts only those ending after now.
    pub by_month: Vec<(Date, i64)>,
}

pub async fn staff_endings(
    pool: &PgPool,
    _staff: &StaffScope,
    now: OffsetDateTime,
) -> sqlx::Result<Endings> {
    endings(pool, None, now).await
}

pub async fn institution_endings(
    pool: &PgPool,
    scope: &impl TenantScope,
    now: OffsetDateTime,
) -> sqlx::Result<Endings> {
    endings(pool, Some(scope.institution_id()), now).await
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

async fn endings(
    pool: &PgPool,
    institution: Option<InstitutionId>,
    now: OffsetDateTime,
) -> sqlx::Result<Endings> {
    let (this_month, next_month) = month_bounds(now);
    let next_start = next_month.midnight().assume_utc();
    // The later months come from the counts; the current month is split at now by the
    // not_after index, which holds at most a month of endings in that range.
    let rows = sqlx::query_file!(
        "queries/dashboard/endings.sql",
        this_month,
        institution as Option<InstitutionId>,
        now,
        next_start
    )
    .fetch_all(pool)
    .await?;
    let by_month: Vec<(Date, i64)> = rows.into_iter().map(|row| (row.month, row.n)).collect();
    Ok(Endings {
        live: by_month.iter().map(|(_, n)| n).sum(),
        by_month,
    })
}

/// An organization or domain validation that ends soon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndingValidation {
    pub institution_id: InstitutionId,
    pub institution: String,
    /// The domain; `None` for the organization's S/MIME validation.
    pub domain: Option<String>,
    pub until: OffsetDateTime,
}

/// At most this many validations are listed (the soonest first).
const VALIDATIONS_SHOWN: i64 = 100;

pub async fn staff_validations_ending(
    pool: &PgPool,
    _staff: &StaffScope,
    now: OffsetDateTime,
    horizon: OffsetDateTime,
) -> sqlx::Result<Vec<EndingValidation>> {
    validations_ending(pool, None, now, horizon).await
}

pub async fn institution_validations_ending(
    pool: &PgPool,
    scope: &impl TenantScope,
    now: OffsetDateTime,
    horizon: OffsetDateTime,
) -> sqlx::Result<Vec<EndingValidation>> {
    validations_ending(pool, Some(scope.institution_id()), now, horizon).await
}

async fn validations_ending(
    pool: &PgPool,
    institution: Option<InstitutionId>,
    now: OffsetDateTime,
    horizon: OffsetDateTime,
) -> sqlx::Result<Vec<EndingValidation>> {
    sqlx::query_as!(
        EndingValidation,
        r#"SELECT institution_id AS "institution_id!: InstitutionId", institution AS "institution!",
                  domain, until AS "until!"
           FROM (
               SELECT i.id AS institution_id, i.short_name AS institution, NULL::text AS domain,
                      i.org_validated_until AS until
               FROM institutions i
               WHERE i.org_validation_status = 'validated'
                 AND i.org_validated_until > $1 AND i.org_validated_until <= $2
                 AND ($3::uuid IS NULL OR i.id = $3)
               UNION ALL
               SELECT i.id, i.short_name, d.name, d.validated_until
               FROM domains d JOIN institutions i ON i.id = d.institution_id
               WHERE d.removed_at IS NULL AND d.validation_status = 'validated'
                 AND d.validated_until > $1 AND d.validated_until <= $2
                 AND ($3::uuid IS NULL OR d.institution_id = $3)
           ) AS ending
           ORDER BY until, institution, domain NULLS FIRST
           LIMIT $4"#,
        now,
        horizon,
        institution as Option<InstitutionId>,
        VALIDATIONS_SHOWN
    )
    .fetch_all(pool)
    .await
}

/// Institutions alike in everything that decides whether they may order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadinessGroup {
    pub tcs_status: String,
    pub linked: bool,
    pub validation: ValidationStatus,
    /// The latest end of the group's validations; all of a group end on the same side of
    /// now, so this one decides for all of them.
    pub validated_until: Option<OffsetDateTime>,
    pub n: i64,
}

/// Every institution, grouped by what the ordering preconditions read.
pub async fn readiness(
    pool: &PgPool,
    _staff: &StaffScope,
    now: OffsetDateTime,
) -> sqlx::Result<Vec<ReadinessGroup>> {
    sqlx::query_as!(
        ReadinessGroup,
        r#"SELECT tcs_status, digicert_org_id IS NOT NULL AS "linked!",
                  org_validation_status AS "validation: ValidationStatus",
                  max(org_validated_until) AS validated_until, count(*) AS "n!"
           FROM institutions
           GROUP BY tcs_status, digicert_org_id IS NOT NULL, org_validation_status,
                    org_validated_until > $1
           ORDER BY tcs_status"#,
        now
    )
    .fetch_all(pool)
    .await
}

/// The health of the background pipeline, in one statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    /// Jobs waiting to run (due or not).
    pub queued: i64,
    /// When the longest-waiting due job became due.
    pub oldest_due: Option<OffsetDateTime>,
    pub failed_jobs: i64,
    /// DigiCert calls in the last hour, their median and 95th percentile in seconds.
    pub calls: i64,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    /// 429 answers from DigiCert in the last hour.
    pub rate_limited: i64,
    /// The latest validation sync of any institution.
    pub last_sync: Option<OffsetDateTime>,
    /// Mail the outbox gave up on.
    pub undeliverable: i64,
}

pub async fn pipeline(
    pool: &PgPool,
    _staff: &StaffScope,
    now: OffsetDateTime,
) -> sqlx::Result<Pipeline> {
    let hour_ago = now - time::Duration::hours(1);
    sqlx::query_as!(
        Pipeline,
        r#"SELECT
             (SELECT count(*) FROM jobs WHERE state = 'queued') AS "queued!",
             (SELECT min(run_at) FROM jobs WHERE state = 'queued' AND run_at <= $1) AS oldest_due,
             (SELECT count(*) FROM jobs WHERE state = 'failed') AS "failed_jobs!",
             c.calls AS "calls!", c.p50, c.p95, c.rate_limited AS "rate_limited!",
             (SELECT max(org_synced_at) FROM institutions) AS last_sync,
             (SELECT count(*) FROM outbox WHERE given_up_at IS NOT NULL AND sent_at IS NULL)
                 AS "undeliverable!"
           FROM (SELECT count(*) AS calls,
                        percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS p50,
                        percentile_cont(0.95) WITHIN GROUP (ORDER BY seconds) AS p95,
                        count(*) FILTER (WHERE outcome = 'rate_limited') AS rate_limited
                 FROM digicert_calls WHERE at > $2) AS c"#,
        now,
        hour_ago
    )
    .fetch_one(pool)
    .await
}

/// One line of the staff table of institutions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstitutionFigures {
    pub id: InstitutionId,
    pub short_name: String,
    pub name_sr: String,
    pub name_en: String,
    pub live: i64,
    pub orders_this_month: i64,
    pub self_service_this_month: i64,
    /// When its newest order was placed.
    pub last_order_at: Option<OffsetDateTime>,
}

/// How the staff table is sorted: by name (A–Z), or by one of its figures, largest or
/// latest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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

/// Institutions with their figures, sorted by `order`.
pub async fn institution_figures(
    pool: &PgPool,
    _staff: &StaffScope,
    now: OffsetDateTime,
    order: FiguresOrder,
) -> sqlx::Result<Vec<InstitutionFigures>> {
    let (this_month, next_month) = month_bounds(now);
    let next_start = next_month.midnight().assume_utc();
    sqlx::query_file_as!(
        InstitutionFigures,
        "queries/dashboard/institutions.sql",
        this_month,
        now,
        next_start,
        order.as_str(),
        FIGURES_SHOWN
    )
    .fetch_all(pool)
    .await
}

/// An order that failed, for its institution's dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedOrder {
    pub id: OrderId,
    pub common_name: String,
    pub product: String,
    pub last_error: Option<String>,
    pub updated_at: OffsetDateTime,
}

/// The institution's latest failed orders and how many there are in all.
pub async fn failed_orders(
    pool: &PgPool,
    scope: &impl TenantScope,
    limit: i64,
) -> sqlx::Result<(Vec<FailedOrder>, i64)> {
    let institution = scope.institution_id();
    let orders = sqlx::query_file_as!(
        FailedOrder,
        "queries/dashboard/failed.sql",
        institution as InstitutionId,
        limit
    )
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT coalesce(sum(n), 0)::bigint AS "n!" FROM order_week_counts
           WHERE institution_id = $1 AND status = 'failed'"#,
        institution as InstitutionId
    )
    .fetch_one(pool)
    .await?;
    Ok((orders, total))
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
    let live = endings(pool, None, now).await?.live;
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
