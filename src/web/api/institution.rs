//! The institution over the API (`/api/v1/institutions/{id}` and its domains): where it
//! stands with TCS and what, if anything, stops it ordering, by the same precondition
//! check every order passes ([`preconditions`]).
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::bearer::{AnyScope, Bearer, DomainsRead};
use super::openapi::Refusals;
use super::problem::{ApiLang, UnmetView};
use crate::db::domains::Domain;
use crate::domain::{DomainId, InstitutionId};
use crate::error::AppError;
use crate::services::preconditions;
use crate::state::AppState;

/// The institution. Times are Unix seconds.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstitutionView {
    #[schema(value_type = uuid::Uuid)]
    pub id: InstitutionId,
    pub slug: String,
    pub name_sr: String,
    pub name_en: String,
    pub short_name: String,
    /// `applied`, `registered` or `suspended`.
    pub tcs_status: &'static str,
    pub tcs_registered_at: Option<i64>,
    /// Whether the institution is linked to its DigiCert organization.
    pub digicert_organization: bool,
    /// The organization's S/MIME validation: `none`, `unknown`, `pending`, `validated`
    /// or `expired`.
    pub organization_validation: &'static str,
    pub organization_validated_until: Option<i64>,
    /// Whether an order for an address in a validated domain may go ahead now.
    pub can_order: bool,
    /// What stops ordering, in the order to fix it; empty when nothing does.
    pub blocked_by: Vec<UnmetView>,
}

/// One of the institution's domains. Times are Unix seconds.
#[derive(Debug, Serialize, ToSchema)]
pub struct DomainView {
    #[schema(value_type = uuid::Uuid)]
    pub id: DomainId,
    /// The name as people write it (Unicode).
    pub name: String,
    /// The name as DNS carries it (A-labels).
    pub ascii_name: String,
    /// `none`, `pending`, `validated` or `expired`.
    pub validation_status: &'static str,
    pub validated_until: Option<i64>,
    /// Whether certificates may be ordered for it now: validated and not past its date.
    pub current: bool,
    /// How DigiCert checks control of it (`dns-txt-token`, `email`, …), once chosen.
    pub dcv_method: Option<String>,
    pub added_at: i64,
}

impl DomainView {
    fn new(domain: Domain, now: time::OffsetDateTime) -> Self {
        Self {
            id: domain.id,
            name: domain.name.to_unicode(),
            ascii_name: domain.name.as_str().to_owned(),
            validation_status: domain.validation_status.as_str(),
            validated_until: domain.validated_until.map(|at| at.unix_timestamp()),
            current: domain
                .validation_status
                .is_current(domain.validated_until, now),
            dcv_method: domain.dcv_method,
            added_at: domain.created_at.unix_timestamp(),
        }
    }
}

/// The institution, its TCS state and what blocks ordering. Any of its tokens may read
/// it: a client needs to know before it orders, reads or revokes.
#[utoipa::path(
    get,
    path = "/api/v1/institutions/{institution_id}",
    operation_id = "get_institution",
    tag = "institution",
    params(("institution_id" = uuid::Uuid, Path, description = "The token's institution")),
    responses(
        (status = 200, description = "The institution", body = InstitutionView),
        Refusals,
    ),
    security(("bearer" = []))
)]
pub async fn show(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    Bearer(scope, _): Bearer<AnyScope>,
) -> Result<Json<InstitutionView>, AppError> {
    let detail = crate::db::institutions::detail(&state.db, &scope).await?;
    let domains = crate::db::domains::list(&state.db, &scope).await?;
    let unmet = preconditions::evaluate(&detail, &domains, &[], state.clock.now());
    Ok(Json(InstitutionView {
        id: detail.id,
        slug: detail.slug,
        name_sr: detail.name_sr,
        name_en: detail.name_en,
        short_name: detail.short_name,
        tcs_status: detail.status.as_str(),
        tcs_registered_at: detail.tcs_registered_at.map(|at| at.unix_timestamp()),
        digicert_organization: detail.digicert_org_id.is_some(),
        organization_validation: detail.org_validation_status.as_str(),
        organization_validated_until: detail.org_validated_until.map(|at| at.unix_timestamp()),
        can_order: unmet.is_empty(),
        blocked_by: UnmetView::all(lang, &unmet),
    }))
}

/// The institution's domains with their validation state and dates, by name.
#[utoipa::path(
    get,
    path = "/api/v1/institutions/{institution_id}/domains",
    operation_id = "list_domains",
    tag = "institution",
    params(("institution_id" = uuid::Uuid, Path, description = "The token's institution")),
    responses(
        (status = 200, description = "The domains", body = Vec<DomainView>),
        Refusals,
    ),
    security(("bearer" = ["domains:read"]))
)]
pub async fn domains(
    State(state): State<AppState>,
    Bearer(scope, _): Bearer<DomainsRead>,
) -> Result<Json<Vec<DomainView>>, AppError> {
    let now = state.clock.now();
    let domains = crate::db::domains::list(&state.db, &scope).await?;
    Ok(Json(
        domains
            .into_iter()
            .map(|domain| DomainView::new(domain, now))
            .collect(),
    ))
}
