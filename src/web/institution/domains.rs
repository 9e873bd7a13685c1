//! An institution's domains: list with validation state, add, remove.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::audit::RequestMeta;
use crate::auth::csrf::CsrfForm;
use crate::auth::scope::RequiredRole;
use crate::auth::{Admin, InstitutionScope, Read};
use crate::db::domains::{AddDomain, Domain, LiveCertificate};
use crate::domain::{DomainId, InstitutionId};
use crate::error::AppError;
use crate::i18n::format;
use crate::services::dcv::{self, DcvNotice};
use crate::services::domains::RemoveOutcome;
use crate::state::AppState;
use crate::web::forms::FieldErrors;
use crate::web::institution::InstitutionNav;
use crate::web::institution::sync::{SyncPanel, SyncQuery};
use crate::web::page::{self, PageContext, WithPage};

#[derive(Template)]
#[template(path = "institution/domains.html")]
struct DomainsTemplate<'a> {
    page: &'a PageContext,
    nav: InstitutionNav,
    domains: Vec<Domain>,
    suffixes: String,
    typed: &'a str,
    errors: FieldErrors,
    notice: Option<&'static str>,
    in_use: Option<(String, Vec<LiveCertificate>)>,
    sync: SyncPanel,
    now: time::OffsetDateTime,
}

impl DomainsTemplate<'_> {
    fn date(&self, at: &Option<time::OffsetDateTime>) -> String {
        format::optional_date(*at)
    }

    /// DigiCert no longer accepts the domain's TXT value; "check" asks for a new one.
    fn token_expired(&self, domain: &Domain) -> bool {
        domain
            .dcv_token_expires_at
            .is_some_and(|until| until <= self.now)
    }
}

struct Extras<'a> {
    status: StatusCode,
    typed: &'a str,
    errors: Option<FieldErrors>,
    notice: Option<&'static str>,
    in_use: Option<(String, Vec<LiveCertificate>)>,
    sync_query: SyncQuery,
}

async fn render<R: RequiredRole>(
    state: &AppState,
    scope: &InstitutionScope<R>,
    page: &PageContext,
    extras: Extras<'_>,
) -> Result<Response, AppError> {
    let domains = crate::db::domains::list(&state.db, scope).await?;
    let synced_at = crate::db::institutions::detail(&state.db, scope)
        .await?
        .org_synced_at;
    page::render(
        extras.status,
        &DomainsTemplate {
            page,
            nav: InstitutionNav::new(scope, page.lang),
            domains,
            suffixes: state.settings.allowed_domain_suffixes.join(", "),
            typed: extras.typed,
            errors: extras.errors.unwrap_or_else(|| FieldErrors::new(page.lang)),
            notice: extras.notice,
            in_use: extras.in_use,
            sync: SyncPanel::new(&extras.sync_query, synced_at, "domains"),
            now: state.clock.now(),
        },
    )
}

pub async fn list(
    State(state): State<AppState>,
    WithPage(scope, page): WithPage<InstitutionScope<Read>>,
    Query(query): Query<SyncQuery>,
) -> Result<Response, AppError> {
    render(
        &state,
        &scope,
        &page,
        Extras {
            status: StatusCode::OK,
            typed: "",
            errors: None,
            notice: None,
            in_use: None,
            sync_query: query,
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    name: String,
}

pub async fn add(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(scope, page): WithPage<InstitutionScope<Admin>>,
    CsrfForm(form): CsrfForm<AddForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::new(page.lang);
    let typed: String = form.name.chars().take(300).collect();
    let status = match crate::services::domains::parse_for(
        &scope,
        &form.name,
        &state.settings.allowed_domain_suffixes,
    ) {
        Err(error) => {
            errors.add("name", error.message_key());
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Ok(name) => match crate::services::domains::add(&state, &meta, &scope, &name).await? {
            AddDomain::Added(id) => {
                // Our row is committed first: whatever DigiCert answers, the
                // domain is listed and can be submitted again from there.
                let submitted = dcv::domain::submit_new(&state, &meta, &scope, id).await?;
                return Ok(dcv_redirect(&scope, submitted).into_response());
            }
            AddDomain::AlreadyOurs => {
                errors.add("name", "error.domain.already_ours");
                StatusCode::CONFLICT
            }
            AddDomain::TakenElsewhere => {
                errors.add("name", "error.domain.taken");
                StatusCode::CONFLICT
            }
            AddDomain::OverlapsElsewhere => {
                errors.add("name", "error.domain.overlaps");
                StatusCode::CONFLICT
            }
        },
    };
    render(
        &state,
        &scope,
        &page,
        Extras {
            status,
            typed: &typed,
            errors: Some(errors),
            notice: None,
            in_use: None,
            sync_query: SyncQuery::default(),
        },
    )
    .await
}

/// Back to the Domains tab, with how the DigiCert step went.
fn dcv_redirect(scope: &InstitutionScope<Admin>, notice: Option<DcvNotice>) -> Redirect {
    let mut to = format!("/institutions/{}/domains", scope.institution_id());
    if let Some(notice) = notice {
        to.push_str("?dcv=");
        to.push_str(notice.code());
    }
    Redirect::to(&to)
}

/// "Check now": DigiCert looks for the TXT record (or the domain is submitted,
/// or a new value issued, as its state needs).
pub async fn check(
    State(state): State<AppState>,
    meta: RequestMeta,
    scope: InstitutionScope<Admin>,
    Path((_, domain_id)): Path<(InstitutionId, DomainId)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, AppError> {
    let notice = dcv::domain::check(&state, &meta, &scope, domain_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(dcv_redirect(&scope, Some(notice)).into_response())
}

#[derive(Deserialize)]
pub struct EmptyForm {}

#[derive(Deserialize)]
pub struct RemoveForm {
    /// The domain's name typed again, as a deliberate confirmation.
    #[serde(default)]
    confirm_name: String,
}

pub async fn remove(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(scope, page): WithPage<InstitutionScope<Admin>>,
    Path((_, domain_id)): Path<(InstitutionId, DomainId)>,
    CsrfForm(form): CsrfForm<RemoveForm>,
) -> Result<Response, AppError> {
    let (status, notice, in_use) = match crate::services::domains::remove(
        &state,
        &meta,
        &scope,
        domain_id,
        &form.confirm_name,
    )
    .await?
    {
        RemoveOutcome::NotFound => return Err(AppError::NotFound),
        RemoveOutcome::Removed(_) => (StatusCode::OK, Some("domains.removed"), None),
        RemoveOutcome::NotConfirmed => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("domains.confirm_mismatch"),
            None,
        ),
        RemoveOutcome::InUse(name, live) => {
            (StatusCode::CONFLICT, None, Some((name.to_unicode(), live)))
        }
    };
    render(
        &state,
        &scope,
        &page,
        Extras {
            status,
            typed: "",
            errors: None,
            notice,
            in_use,
            sync_query: SyncQuery::default(),
        },
    )
    .await
}
