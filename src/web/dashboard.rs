//! What the staff overview and the institution dashboard share: their figures turned
//! into charts (in the page's language), the tables beside the charts, and the CSV of
//! each chart's data, all from the same [`Table`]s and rows.
use axum::response::Response;
use time::{Date, OffsetDateTime};

use crate::db::dashboard::{ChartRows, EndingValidation};
use crate::domain::Product;
use crate::i18n::{Lang, format};
use crate::services::dashboard::{self, OTHER_PRODUCT, Outcome, Table, VALIDATION_DAYS};
use crate::services::products;
use crate::web::chart::{Bar, HorizontalBars, Series, StackedBars};
use crate::web::institution::orders_csv::push_record;
use crate::web::institution::orders_list::csv_response;

/// The charts of a dashboard and the CSV file behind each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dataset {
    OrdersByProduct,
    OrdersByOutcome,
    CertificatesEnding,
    ValidationsEnding,
}

impl Dataset {
    /// The file's name without its `.csv`, also the last segment of its route.
    pub fn name(self) -> &'static str {
        match self {
            Self::OrdersByProduct => "orders-by-product",
            Self::OrdersByOutcome => "orders-by-outcome",
            Self::CertificatesEnding => "certificates-ending",
            Self::ValidationsEnding => "validations-ending",
        }
    }

    pub fn file(self) -> String {
        format!("{}.csv", self.name())
    }
}

/// A dashboard's charts, drawn, with the tables beside them, in the page's language: the
/// staff overview and the institution dashboard both build theirs here, once per language
/// while their figures are kept (`services::kept_figures`).
#[derive(Debug)]
pub struct Figures {
    pub by_product: WeeksFigure,
    pub by_outcome: WeeksFigure,
    pub live: i64,
    pub months: MonthsFigure,
    pub validations: Vec<EndingValidation>,
    pub validations_svg: String,
    pub now: OffsetDateTime,
}

/// Orders per week as a drawn stacked bar chart, and its table: a row per week, a column
/// per product or outcome, and each week's total.
#[derive(Debug)]
pub struct WeeksFigure {
    pub chart: StackedBars,
    pub svg: String,
    pub table: Table,
    pub labels: Vec<String>,
    pub totals: Vec<u64>,
}

impl WeeksFigure {
    fn new(lang: Lang, id: &'static str, title_key: &str, table: Table) -> Self {
        let chart = weeks_chart(lang, id, title_key, &table);
        Self {
            svg: chart.svg(),
            chart,
            labels: column_labels(lang, &table),
            totals: table.totals(),
            table,
        }
    }
}

/// Certificates ending per month as a drawn bar chart, and its counts.
#[derive(Debug)]
pub struct MonthsFigure {
    pub chart: StackedBars,
    pub svg: String,
    pub months: Vec<(Date, u64)>,
}

impl Figures {
    /// The charts of `rows`, read at `now` with the first week [`dashboard::first_week`]
    /// of `now`.
    pub fn build(lang: Lang, rows: &ChartRows, now: OffsetDateTime) -> Self {
        let (by_product, by_outcome) = dashboard::weekly(&rows.weeks, dashboard::first_week(now));
        let months = dashboard::monthly(&rows.endings, now);
        let months_chart = months_chart(lang, "ending", &months, rows.endings.live);
        Self {
            by_product: WeeksFigure::new(
                lang,
                "orders-product",
                "dashboard.by_product_title",
                by_product,
            ),
            by_outcome: WeeksFigure::new(
                lang,
                "orders-outcome",
                "dashboard.by_outcome_title",
                by_outcome,
            ),
            live: rows.endings.live,
            months: MonthsFigure {
                svg: months_chart.svg(),
                chart: months_chart,
                months,
            },
            validations_svg: validations_chart(lang, "validations", &rows.validations, now).svg(),
            validations: rows.validations.clone(),
            now,
        }
    }
}

/// Serves one of a dashboard's CSV files from its charts' rows.
pub fn csv(dataset: Dataset, rows: &ChartRows, now: OffsetDateTime) -> Response {
    match dataset {
        Dataset::OrdersByProduct | Dataset::OrdersByOutcome => {
            let (by_product, by_outcome) =
                dashboard::weekly(&rows.weeks, dashboard::first_week(now));
            let table = if dataset == Dataset::OrdersByProduct {
                by_product
            } else {
                by_outcome
            };
            weeks_csv(dataset, &table)
        }
        Dataset::CertificatesEnding => months_csv(&dashboard::monthly(&rows.endings, now)),
        Dataset::ValidationsEnding => validations_csv(&rows.validations, now),
    }
}

fn iso(date: Date) -> String {
    date.to_string()
}

/// A column's label: a product's title or an outcome's name.
fn column_label(lang: Lang, column: &str) -> String {
    if column == OTHER_PRODUCT {
        return lang.t("order.product.other.title").to_owned();
    }
    if let Ok(product) = Product::parse(column) {
        return lang
            .t(products::text(Some(product), None).title_key)
            .to_owned();
    }
    Outcome::ALL
        .into_iter()
        .find(|outcome| outcome.as_str() == column)
        .map_or_else(
            || column.to_owned(),
            |outcome| lang.t(outcome.message_key()).to_owned(),
        )
}

/// A table of weeks as a stacked bar chart.
fn weeks_chart(lang: Lang, id: &'static str, title_key: &str, table: &Table) -> StackedBars {
    let total: u64 = table.totals().iter().sum();
    StackedBars {
        id,
        title: lang.t(title_key).to_owned(),
        desc: lang.fill(
            "dashboard.weeks_desc",
            &[
                ("weeks", table.categories.len().to_string()),
                ("total", total.to_string()),
            ],
        ),
        categories: table.categories.iter().map(|week| iso(*week)).collect(),
        series: table
            .columns
            .iter()
            .map(|column| Series {
                class: column,
                label: column_label(lang, column),
            })
            .collect(),
        values: table.rows.clone(),
    }
}

/// The columns of a weeks table, labelled, for the table under the chart.
fn column_labels(lang: Lang, table: &Table) -> Vec<String> {
    table
        .columns
        .iter()
        .map(|column| column_label(lang, column))
        .collect()
}

/// Certificates ending per month as a bar chart.
fn months_chart(lang: Lang, id: &'static str, months: &[(Date, u64)], live: i64) -> StackedBars {
    StackedBars {
        id,
        title: lang.t("dashboard.ending_title").to_owned(),
        desc: lang.fill(
            "dashboard.ending_desc",
            &[
                ("live", live.to_string()),
                (
                    "ending",
                    months.iter().map(|(_, n)| n).sum::<u64>().to_string(),
                ),
            ],
        ),
        categories: months
            .iter()
            .map(|(month, _)| format!("{}-{:02}", month.year(), u8::from(month.month())))
            .collect(),
        series: vec![Series {
            class: "ending",
            label: lang.t("dashboard.certificates").to_owned(),
        }],
        values: months.iter().map(|(_, n)| vec![*n]).collect(),
    }
}

/// Days from `now` until `until`, at least 0.
pub fn days_left(until: OffsetDateTime, now: OffsetDateTime) -> u64 {
    u64::try_from((until - now).whole_days()).unwrap_or(0)
}

/// What an ending validation is about, in words.
pub fn validation_subject(lang: Lang, validation: &EndingValidation) -> String {
    match &validation.domain {
        Some(domain) => domain.clone(),
        None => lang.t("dashboard.organization").to_owned(),
    }
}

/// Validations ending soon as a timeline: one bar per validation, as long as its days
/// left, each labelled with its institution and linking to it.
fn validations_chart(
    lang: Lang,
    id: &'static str,
    validations: &[EndingValidation],
    now: OffsetDateTime,
) -> HorizontalBars {
    HorizontalBars {
        id,
        title: lang.t("dashboard.validations_title").to_owned(),
        desc: lang.fill(
            "dashboard.validations_desc",
            &[
                ("count", validations.len().to_string()),
                ("days", VALIDATION_DAYS.to_string()),
            ],
        ),
        full: VALIDATION_DAYS as u64,
        bars: validations
            .iter()
            .map(|validation| {
                let days = days_left(validation.until, now);
                Bar {
                    label: format!(
                        "{} — {}",
                        validation.institution,
                        validation_subject(lang, validation)
                    ),
                    href: Some(format!("/institutions/{}", validation.institution_id)),
                    value: days,
                    note: format!(
                        "{} ({days} {})",
                        format::date(validation.until),
                        lang.t("dashboard.days")
                    ),
                    class: if validation.domain.is_some() {
                        "domain"
                    } else {
                        "organization"
                    },
                }
            })
            .collect(),
    }
}

/// A weeks table as CSV: the week, one column per product or outcome, the total.
fn weeks_csv(dataset: Dataset, table: &Table) -> Response {
    let mut out = String::new();
    push_record(
        &mut out,
        std::iter::once("week".to_owned())
            .chain(table.columns.iter().map(|column| (*column).to_owned()))
            .chain(std::iter::once("total".to_owned())),
    );
    for ((week, row), total) in table.categories.iter().zip(&table.rows).zip(table.totals()) {
        push_record(
            &mut out,
            std::iter::once(iso(*week))
                .chain(row.iter().map(u64::to_string))
                .chain(std::iter::once(total.to_string())),
        );
    }
    csv_response(&dataset.file(), out)
}

/// Certificates ending per month as CSV.
fn months_csv(months: &[(Date, u64)]) -> Response {
    let mut out = String::new();
    push_record(&mut out, ["month".to_owned(), "certificates".to_owned()]);
    for (month, n) in months {
        push_record(&mut out, [iso(*month), n.to_string()]);
    }
    csv_response(&Dataset::CertificatesEnding.file(), out)
}

/// Validations ending soon as CSV.
fn validations_csv(validations: &[EndingValidation], now: OffsetDateTime) -> Response {
    let mut out = String::new();
    push_record(
        &mut out,
        [
            "institution",
            "institution_id",
            "kind",
            "domain",
            "valid_until",
            "days_left",
        ]
        .map(str::to_owned),
    );
    for validation in validations {
        push_record(
            &mut out,
            [
                validation.institution.clone(),
                validation.institution_id.to_string(),
                if validation.domain.is_some() {
                    "domain"
                } else {
                    "organization"
                }
                .to_owned(),
                validation.domain.clone().unwrap_or_default(),
                format::date(validation.until),
                days_left(validation.until, now).to_string(),
            ],
        );
    }
    csv_response(&Dataset::ValidationsEnding.file(), out)
}
