//! An institution's dashboard: what stops it ordering, its figures (orders per week, live
//! and ending certificates, validations ending, failed orders) as charts with their tables
//! and CSV files, TCS status, DigiCert validation, domains, people.
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;

use crate::auth::{InstitutionScope, Read};
use crate::db::audit::AuditFilter;
use crate::db::dashboard::{self as figures, EndingValidation, FailedOrder};
use crate::db::domains::Domain;
use crate::db::institutions::InstitutionDetail;
use crate::db::memberships::Member;
use crate::error::AppError;
use crate::i18n::format;
use crate::services::dashboard::{self, Table, VALIDATION_DAYS};
use crate::services::preconditions::{self, Unmet};
use crate::state::AppState;
use crate::web::audit_view::{AuditPage, AuditQuery};
use crate::web::chart::{HorizontalBars, StackedBars};
use crate::web::dashboard::{self as shared, Dataset};
use crate::web::institution::InstitutionNav;
use crate::web::institution::sync::{SyncPanel, SyncQuery};
use crate::web::page::{self, PageContext, WithPage};

/// How many recent events the dashboard shows.
const RECENT_EVENTS: i64 = 10;
/// How many failed orders the dashboard lists.
const FAILED_SHOWN: i64 = 10;

#[derive(Template)]
#[template(path = "institution/dashboard.html")]
struct DashboardTemplate<'a> {
    page: &'a PageContext,
    nav: InstitutionNav,
    detail: InstitutionDetail,
    domains: Vec<Domain>,
    members: Vec<Member>,
    audit: AuditPage,
    /// What stops this institution from ordering certificates right now.
    unmet: Vec<Unmet>,
    sync: SyncPanel,
    figures: Figures,
}

/// The institution's figures and their charts.
struct Figures {
    by_product: Table,
    by_product_chart: StackedBars,
    product_labels: Vec<String>,
    by_outcome: Table,
    by_outcome_chart: StackedBars,
    outcome_labels: Vec<String>,
    live: i64,
    months: Vec<(time::Date, u64)>,
    months_chart: StackedBars,
    validations: Vec<EndingValidation>,
    validations_chart: HorizontalBars,
    failed: Vec<FailedOrder>,
    failed_total: i64,
    now: time::OffsetDateTime,
}

impl DashboardTemplate<'_> {
    fn date(&self, at: &Option<time::OffsetDateTime>) -> String {
        format::optional_date(*at)
    }

    fn day(&self, at: &time::OffsetDateTime) -> String {
        format::date(*at)
    }

    fn days_left(&self, at: &time::OffsetDateTime) -> u64 {
        shared::days_left(*at, self.figures.now)
    }

    /// The route of one of this dashboard's CSV files.
    fn csv(&self, file: &str) -> String {
        format!("/institutions/{}/dashboard/{file}", self.nav.id)
    }

    fn subject(&self, validation: &EndingValidation) -> String {
        shared::validation_subject(self.page.lang, validation)
    }
}

async fn weeks(
    state: &AppState,
    scope: &InstitutionScope<Read>,
) -> Result<(Table, Table), AppError> {
    let first = dashboard::first_week(state.clock.now());
    let counts = figures::institution_weeks(&state.db, scope, first).await?;
    Ok(dashboard::weekly(&counts, first))
}

async fn validations(
    state: &AppState,
    scope: &InstitutionScope<Read>,
) -> Result<Vec<EndingValidation>, AppError> {
    let now = state.clock.now();
    let horizon = now + time::Duration::days(VALIDATION_DAYS);
    Ok(figures::institution_validations_ending(&state.db, scope, now, horizon).await?)
}

async fn load_figures(
    state: &AppState,
    scope: &InstitutionScope<Read>,
    page: &PageContext,
) -> Result<Figures, AppError> {
    let now = state.clock.now();
    let lang = page.lang;
    let (by_product, by_outcome) = weeks(state, scope).await?;
    let endings = figures::institution_endings(&state.db, scope, now).await?;
    let months = dashboard::monthly(&endings, now);
    let validations = validations(state, scope).await?;
    let (failed, failed_total) = figures::failed_orders(&state.db, scope, FAILED_SHOWN).await?;
    Ok(Figures {
        by_product_chart: shared::weeks_chart(
            lang,
            "orders-product",
            "dashboard.by_product_title",
            &by_product,
        ),
        by_outcome_chart: shared::weeks_chart(
            lang,
            "orders-outcome",
            "dashboard.by_outcome_title",
            &by_outcome,
        ),
        product_labels: shared::column_labels(lang, &by_product),
        outcome_labels: shared::column_labels(lang, &by_outcome),
        by_product,
        by_outcome,
        live: endings.live,
        months_chart: shared::months_chart(lang, "ending", &months, endings.live),
        months,
        validations_chart: shared::validations_chart(lang, "validations", &validations, now),
        validations,
        failed,
        failed_total,
        now,
    })
}

pub async fn orders_by_product_csv(
    State(state): State<AppState>,
    scope: InstitutionScope<Read>,
) -> Result<Response, AppError> {
    let (by_product, _) = weeks(&state, &scope).await?;
    Ok(shared::weeks_csv(Dataset::OrdersByProduct, &by_product))
}

pub async fn orders_by_outcome_csv(
    State(state): State<AppState>,
    scope: InstitutionScope<Read>,
) -> Result<Response, AppError> {
    let (_, by_outcome) = weeks(&state, &scope).await?;
    Ok(shared::weeks_csv(Dataset::OrdersByOutcome, &by_outcome))
}

pub async fn certificates_ending_csv(
    State(state): State<AppState>,
    scope: InstitutionScope<Read>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let endings = figures::institution_endings(&state.db, &scope, now).await?;
    Ok(shared::months_csv(&dashboard::monthly(&endings, now)))
}

pub async fn validations_ending_csv(
    State(state): State<AppState>,
    scope: InstitutionScope<Read>,
) -> Result<Response, AppError> {
    Ok(shared::validations_csv(
        &validations(&state, &scope).await?,
        state.clock.now(),
    ))
}

pub async fn show(
    State(state): State<AppState>,
    WithPage(scope, page): WithPage<InstitutionScope<Read>>,
    Query(query): Query<SyncQuery>,
) -> Result<Response, AppError> {
    let detail = crate::db::institutions::detail(&state.db, &scope).await?;
    let domains = crate::db::domains::list(&state.db, &scope).await?;
    let members = crate::db::memberships::list(&state.db, &scope).await?;
    let rows = crate::db::audit::list_for_institution(
        &state.db,
        &scope,
        &AuditFilter::default(),
        RECENT_EVENTS,
    )
    .await?;
    let unmet = preconditions::evaluate(&detail, &domains, &[], state.clock.now());
    let figures = load_figures(&state, &scope, &page).await?;
    page::ok(&DashboardTemplate {
        figures,
        sync: SyncPanel::new(&query, detail.org_synced_at, "dashboard"),
        unmet,
        page: &page,
        nav: InstitutionNav::new(&scope, page.lang),
        detail,
        domains,
        members,
        audit: AuditPage::new(rows, &AuditQuery::default(), None),
    })
}
