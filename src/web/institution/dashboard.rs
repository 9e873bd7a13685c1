//! An institution's dashboard: TCS status, DigiCert validation, domains, people.
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;

use crate::auth::{InstitutionScope, Read};
use crate::db::audit::AuditFilter;
use crate::db::domains::Domain;
use crate::db::institutions::InstitutionDetail;
use crate::db::memberships::Member;
use crate::error::AppError;
use crate::i18n::format;
use crate::services::preconditions::{self, Unmet};
use crate::state::AppState;
use crate::web::audit_view::{AuditPage, AuditQuery};
use crate::web::institution::InstitutionNav;
use crate::web::institution::sync::{SyncPanel, SyncQuery};
use crate::web::page::{self, PageContext, WithPage};

/// How many recent events the dashboard shows.
const RECENT_EVENTS: i64 = 10;

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
}

impl DashboardTemplate<'_> {
    fn date(&self, at: &Option<time::OffsetDateTime>) -> String {
        format::optional_date(*at)
    }
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
    page::ok(&DashboardTemplate {
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
