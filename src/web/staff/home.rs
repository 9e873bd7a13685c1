//! The staff overview: every institution at a glance (who can order, orders per week,
//! live certificates and when they end, validations ending soon, the pipeline's health,
//! a sortable table of institutions), with each chart's data as CSV.
use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use time::OffsetDateTime;

use super::key_banner::{self, KeyBanner};
use crate::auth::StaffScope;
use crate::db::dashboard::{
    self as figures, EndingValidation, FiguresOrder, InstitutionFigures, Pipeline, StaffOverview,
};
use crate::error::AppError;
use crate::i18n::{Lang, format};
use crate::services::dashboard::{self, Readiness};
use crate::state::AppState;
use crate::web::dashboard::{self as shared, Dataset, Figures};
use crate::web::page::{self, PageContext, WithPage};

#[derive(Debug, Default, Deserialize)]
pub struct OverviewQuery {
    sort: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/home.html")]
struct HomeTemplate<'a> {
    page: &'a PageContext,
    display_name: &'a str,
    is_auditor: bool,
    key_banner: Option<KeyBanner>,
    figures: Arc<String>,
    /// When the figures were read (they may be kept a few seconds).
    figures_as_of: String,
}

/// Everything the overview shows of its figures, from the readiness of institutions to
/// their table. It is the same for every member of staff who reads the same figures in
/// the same language and sort, so it is rendered once while they are kept: rendered on
/// every view, its tables and charts (some 60 KB) cost the overview more than everything
/// else it does.
#[derive(Template)]
#[template(path = "staff/figures.html")]
struct FiguresSection<'a> {
    lang: Lang,
    readiness: Vec<Readiness>,
    reasons: Vec<(&'static str, u64)>,
    figures: Figures,
    pipeline: &'a Pipeline,
    institutions: &'a [InstitutionFigures],
    sort: FiguresOrder,
}

impl<'a> FiguresSection<'a> {
    /// The section of `overview`, read at `read_at`, with its table sorted by `sort`.
    fn render(
        lang: Lang,
        overview: &'a StaffOverview,
        read_at: OffsetDateTime,
        sort: FiguresOrder,
    ) -> askama::Result<String> {
        let (readiness, reasons) = dashboard::readiness(&overview.readiness, read_at);
        Self {
            lang,
            readiness,
            reasons,
            figures: Figures::build(lang, &overview.charts, read_at),
            pipeline: &overview.pipeline,
            institutions: &overview.institutions,
            sort,
        }
        .render()
    }

    fn when(&self, at: &Option<OffsetDateTime>) -> String {
        at.map_or_else(|| "—".to_owned(), format::datetime)
    }

    fn day(&self, at: &OffsetDateTime) -> String {
        format::date(*at)
    }

    fn days_left(&self, at: &OffsetDateTime) -> u64 {
        shared::days_left(*at, self.figures.now)
    }

    fn subject(&self, validation: &EndingValidation) -> String {
        shared::validation_subject(self.lang, validation)
    }

    fn seconds(&self, value: &Option<f64>) -> String {
        value.map_or_else(
            || "—".to_owned(),
            |seconds| format!("{:.0} ms", seconds * 1000.0),
        )
    }

    fn share(&self, line: &InstitutionFigures) -> String {
        dashboard::percent(line.self_service_this_month, line.orders_this_month)
            .map_or_else(|| "—".to_owned(), |share| format!("{share} %"))
    }

    fn name(&self, line: &InstitutionFigures) -> String {
        match self.lang {
            Lang::English => line.name_en.clone(),
            Lang::Serbian => line.name_sr.clone(),
        }
    }

    fn sort_options(&self) -> Vec<(&'static str, &'static str, bool)> {
        FiguresOrder::ALL
            .iter()
            .map(|order| (order.as_str(), sort_label(*order), *order == self.sort))
            .collect()
    }
}

fn sort_label(order: FiguresOrder) -> &'static str {
    match order {
        FiguresOrder::Name => "dashboard.col.institution",
        FiguresOrder::Live => "dashboard.col.live",
        FiguresOrder::ThisMonth => "dashboard.col.this_month",
        FiguresOrder::SelfServiceShare => "dashboard.col.self_service",
        FiguresOrder::LastActivity => "dashboard.col.last_activity",
    }
}

pub async fn show(
    State(state): State<AppState>,
    WithPage(staff, page): WithPage<StaffScope>,
    query: Result<Query<OverviewQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    // An unknown sort falls back to the default rather than failing the whole overview.
    let sort = query
        .ok()
        .and_then(|Query(query)| query.sort)
        .and_then(|sort| FiguresOrder::parse(&sort))
        .unwrap_or_default();
    let now = state.clock.now();
    let snapshot = state
        .staff_figures
        .overview(&state.db, &staff, dashboard::first_week(now), now, sort)
        .await?;
    page::ok(&HomeTemplate {
        key_banner: key_banner::from_since(snapshot.figures().key_rejected_since),
        figures_as_of: format::datetime_seconds(snapshot.read_at()),
        display_name: &staff.current().account.display_name,
        is_auditor: !staff.role().can_write(),
        figures: snapshot.view(page.lang, |overview, read_at| {
            FiguresSection::render(page.lang, overview, read_at, sort)
        })?,
        page: &page,
    })
}

/// One of the overview's CSV files, from the same statement's charts.
async fn csv(state: &AppState, staff: &StaffScope, dataset: Dataset) -> Result<Response, AppError> {
    let now = state.clock.now();
    let rows = figures::staff_charts(&state.db, staff, dashboard::first_week(now), now).await?;
    Ok(shared::csv(dataset, &rows, now))
}

pub async fn orders_by_product_csv(
    State(state): State<AppState>,
    staff: StaffScope,
) -> Result<Response, AppError> {
    csv(&state, &staff, Dataset::OrdersByProduct).await
}

pub async fn orders_by_outcome_csv(
    State(state): State<AppState>,
    staff: StaffScope,
) -> Result<Response, AppError> {
    csv(&state, &staff, Dataset::OrdersByOutcome).await
}

pub async fn certificates_ending_csv(
    State(state): State<AppState>,
    staff: StaffScope,
) -> Result<Response, AppError> {
    csv(&state, &staff, Dataset::CertificatesEnding).await
}

pub async fn validations_ending_csv(
    State(state): State<AppState>,
    staff: StaffScope,
) -> Result<Response, AppError> {
    csv(&state, &staff, Dataset::ValidationsEnding).await
}
