//! The staff overview: every institution at a glance (who can order, orders per week,
//! live certificates and when they end, validations ending soon, the pipeline's health,
//! a sortable table of institutions), with each chart's data as CSV.
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use time::OffsetDateTime;

use super::key_banner::{self, KeyBanner};
use crate::auth::StaffScope;
use crate::db::dashboard::{
    self as figures, EndingValidation, FiguresOrder, InstitutionFigures, Pipeline,
};
use crate::error::AppError;
use crate::i18n::format;
use crate::services::dashboard::{self, Readiness, Table, VALIDATION_DAYS};
use crate::state::AppState;
use crate::web::chart::{HorizontalBars, StackedBars};
use crate::web::dashboard::{self as shared, Dataset};
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
    readiness: Vec<Readiness>,
    reasons: Vec<(&'static str, u64)>,
    by_product: Table,
    by_product_chart: StackedBars,
    by_outcome: Table,
    by_outcome_chart: StackedBars,
    product_labels: Vec<String>,
    outcome_labels: Vec<String>,
    live: i64,
    months: Vec<(time::Date, u64)>,
    months_chart: StackedBars,
    validations: Vec<EndingValidation>,
    validations_chart: HorizontalBars,
    pipeline: Pipeline,
    institutions: Vec<InstitutionFigures>,
    sort: FiguresOrder,
    now: OffsetDateTime,
}

impl HomeTemplate<'_> {
    fn when(&self, at: &Option<OffsetDateTime>) -> String {
        at.map_or_else(|| "—".to_owned(), format::datetime)
    }

    fn day(&self, at: &OffsetDateTime) -> String {
        format::date(*at)
    }

    fn days_left(&self, at: &OffsetDateTime) -> u64 {
        shared::days_left(*at, self.now)
    }

    fn subject(&self, validation: &EndingValidation) -> String {
        shared::validation_subject(self.page.lang, validation)
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
        match self.page.lang {
            crate::i18n::Lang::English => line.name_en.clone(),
            crate::i18n::Lang::Serbian => line.name_sr.clone(),
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
    let lang = page.lang;
    let (readiness, reasons) =
        dashboard::readiness(&figures::readiness(&state.db, &staff, now).await?, now);
    let (by_product, by_outcome) = weeks(&state, &staff, now).await?;
    let endings = figures::staff_endings(&state.db, &staff, now).await?;
    let months = dashboard::monthly(&endings, now);
    let validations = validations(&state, &staff, now).await?;
    page::ok(&HomeTemplate {
        key_banner: key_banner::load(&state.db).await?,
        display_name: &staff.current().account.display_name,
        is_auditor: !staff.role().can_write(),
        readiness,
        reasons,
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
        pipeline: figures::pipeline(&state.db, &staff, now).await?,
        institutions: figures::institution_figures(&state.db, &staff, now, sort).await?,
        sort,
        now,
        page: &page,
    })
}

async fn weeks(
    state: &AppState,
    staff: &StaffScope,
    now: OffsetDateTime,
) -> Result<(Table, Table), AppError> {
    let first = dashboard::first_week(now);
    let counts = figures::staff_weeks(&state.db, staff, first).await?;
    Ok(dashboard::weekly(&counts, first))
}

async fn validations(
    state: &AppState,
    staff: &StaffScope,
    now: OffsetDateTime,
) -> Result<Vec<EndingValidation>, AppError> {
    let horizon = now + time::Duration::days(VALIDATION_DAYS);
    Ok(figures::staff_validations_ending(&state.db, staff, now, horizon).await?)
}

pub async fn orders_by_product_csv(
    State(state): State<AppState>,
    staff: StaffScope,
) -> Result<Response, AppError> {
    let (by_product, _) = weeks(&state, &staff, state.clock.now()).await?;
    Ok(shared::weeks_csv(Dataset::OrdersByProduct, &by_product))
}

pub async fn orders_by_outcome_csv(
    State(state): State<AppState>,
    staff: StaffScope,
) -> Result<Response, AppError> {
    let (_, by_outcome) = weeks(&state, &staff, state.clock.now()).await?;
    Ok(shared::weeks_csv(Dataset::OrdersByOutcome, &by_outcome))
}

pub async fn certificates_ending_csv(
    State(state): State<AppState>,
    staff: StaffScope,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let endings = figures::staff_endings(&state.db, &staff, now).await?;
    Ok(shared::months_csv(&dashboard::monthly(&endings, now)))
}

pub async fn validations_ending_csv(
    State(state): State<AppState>,
    staff: StaffScope,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    Ok(shared::validations_csv(
        &validations(&state, &staff, now).await?,
        now,
    ))
}
