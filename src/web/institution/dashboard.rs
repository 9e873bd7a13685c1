//! An institution's dashboard: what stops it ordering, its figures (orders per week, live
//! and ending certificates, validations ending, failed orders) as charts with their tables
//! and CSV files, TCS status, DigiCert validation, domains, people.
use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;

use crate::auth::{InstitutionScope, Read};
use crate::db::dashboard::{self as figures, ChartRows, EndingValidation, FailedOrder};
use crate::db::domains::Domain;
use crate::db::institutions::InstitutionDetail;
use crate::db::memberships::Member;
use crate::domain::InstitutionId;
use crate::error::AppError;
use crate::i18n::{Lang, format};
use crate::services::dashboard;
use crate::services::preconditions::{self, Unmet};
use crate::state::AppState;
use crate::web::audit_view::{AuditPage, AuditQuery};
use crate::web::dashboard::{self as shared, Dataset, Figures};
use crate::web::institution::InstitutionNav;
use crate::web::institution::sync::{SyncPanel, SyncQuery};
use crate::web::page::{self, PageContext, WithPage};

#[derive(Template)]
#[template(path = "institution/dashboard.html")]
struct DashboardTemplate<'a> {
    page: &'a PageContext,
    nav: InstitutionNav,
    detail: &'a InstitutionDetail,
    domains: &'a [Domain],
    members: &'a [Member],
    audit: AuditPage,
    /// What stops this institution from ordering certificates right now.
    unmet: Vec<Unmet>,
    sync: SyncPanel,
    failed: &'a [FailedOrder],
    failed_total: i64,
    figures: Arc<String>,
}

impl DashboardTemplate<'_> {
    fn date(&self, at: &Option<time::OffsetDateTime>) -> String {
        format::optional_date(*at)
    }

    fn day(&self, at: &time::OffsetDateTime) -> String {
        format::date(*at)
    }
}

/// The institution's charts with their tables, and its validations ending soon: the same
/// for every admin who reads the same figures in the same language, so rendered once
/// while they are kept (`services::kept_figures`).
#[derive(Template)]
#[template(path = "institution/figures.html")]
struct FiguresSection {
    lang: Lang,
    institution: InstitutionId,
    figures: Figures,
    /// When the figures were read (UTC).
    as_of: String,
}

impl FiguresSection {
    fn render(
        lang: Lang,
        institution: InstitutionId,
        rows: &ChartRows,
        read_at: time::OffsetDateTime,
    ) -> askama::Result<String> {
        Self {
            lang,
            institution,
            figures: Figures::build(lang, rows, read_at),
            as_of: format::datetime_seconds(read_at),
        }
        .render()
    }

    fn day(&self, at: &time::OffsetDateTime) -> String {
        format::date(*at)
    }

    fn days_left(&self, at: &time::OffsetDateTime) -> u64 {
        shared::days_left(*at, self.figures.now)
    }

    /// The route of one of this dashboard's CSV files.
    fn csv(&self, file: &str) -> String {
        format!("/institutions/{}/dashboard/{file}", self.institution)
    }

    fn subject(&self, validation: &EndingValidation) -> String {
        shared::validation_subject(self.lang, validation)
    }
}

/// One of the dashboard's CSV files, from the same statement's charts.
async fn csv(
    state: &AppState,
    scope: &InstitutionScope<Read>,
    dataset: Dataset,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let rows =
        figures::institution_charts(&state.db, scope, dashboard::first_week(now), now).await?;
    Ok(shared::csv(dataset, &rows, now))
}

pub async fn orders_by_product_csv(
    State(state): State<AppState>,
    scope: InstitutionScope<Read>,
) -> Result<Response, AppError> {
    csv(&state, &scope, Dataset::OrdersByProduct).await
}

pub async fn orders_by_outcome_csv(
    State(state): State<AppState>,
    scope: InstitutionScope<Read>,
) -> Result<Response, AppError> {
    csv(&state, &scope, Dataset::OrdersByOutcome).await
}

pub async fn certificates_ending_csv(
    State(state): State<AppState>,
    scope: InstitutionScope<Read>,
) -> Result<Response, AppError> {
    csv(&state, &scope, Dataset::CertificatesEnding).await
}

pub async fn validations_ending_csv(
    State(state): State<AppState>,
    scope: InstitutionScope<Read>,
) -> Result<Response, AppError> {
    csv(&state, &scope, Dataset::ValidationsEnding).await
}

pub async fn show(
    State(state): State<AppState>,
    WithPage(scope, page): WithPage<InstitutionScope<Read>>,
    Query(query): Query<SyncQuery>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    // Kept whole while nothing it shows has changed, by the figures version read with the
    // session (issue 16 §2): a view costs that statement alone.
    let version = scope
        .session_account()
        .map(|current| current.figures_version)
        .ok_or_else(|| AppError::bug("a page's institution scope comes by session"))?;
    let kept = state
        .institution_dashboards
        .dashboard(&state.db, &scope, version, dashboard::first_week(now), now)
        .await?;
    let view = &kept.figures().page;
    let institution = scope.institution_id();
    page::ok(&DashboardTemplate {
        figures: kept.view(page.lang, |dashboard, read_at| {
            FiguresSection::render(page.lang, institution, &dashboard.charts, read_at)
        })?,
        failed: &view.failed,
        failed_total: view.failed_total,
        sync: SyncPanel::new(&query, view.detail.org_synced_at, "dashboard"),
        unmet: preconditions::evaluate(&view.detail, &view.domains, &[], now),
        page: &page,
        nav: InstitutionNav::new(&scope, page.lang),
        detail: &view.detail,
        domains: &view.domains,
        members: &view.members,
        audit: AuditPage::new(view.audit.clone(), &AuditQuery::default(), None),
    })
}
