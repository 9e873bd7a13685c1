//! Staff configuring federated login: the SP's metadata link, the trusted metadata sources
//! (a federation aggregate with its pinned certificate, or one IdP's metadata; pasted or by
//! URL) with their refresh state, and the IdPs each institution accepts people from.
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::audit::RequestMeta;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::auth::{StaffAdmin, StaffScope};
use crate::db::saml::{InstitutionIdpList, SourceRow};
use crate::domain::{InstitutionId, SamlSourceId};
use crate::error::AppError;
use crate::i18n::format;
use crate::services::saml::idp_metadata;
use crate::services::saml::sp_key::{self, Rollover};
use crate::services::saml::trust::{NewSource, Refreshed, SourceKind, SourceText};
use crate::state::AppState;
use crate::web::page::{self, PageContext, WithPage};

#[derive(Template)]
#[template(path = "staff/saml.html")]
struct SamlTemplate<'a> {
    page: &'a PageContext,
    metadata_url: String,
    keys: Vec<KeyRow>,
    sources: Vec<SourceRow>,
    institutions: Vec<InstitutionIdpList>,
    can_write: bool,
    error: Option<&'static str>,
}

/// One of the SP's published keys, as staff compare it with an IdP's or a registry's.
struct KeyRow {
    fingerprint: String,
    created_at: time::OffsetDateTime,
    active: bool,
}

impl SamlTemplate<'_> {
    /// Whether a rollover is under way (the next key is published beside the active one).
    fn rolling_over(&self) -> bool {
        self.keys.len() > 1
    }

    fn when(&self, at: &time::OffsetDateTime) -> String {
        format::datetime(*at)
    }
}

async fn render(
    state: &AppState,
    staff: &StaffScope,
    page: &PageContext,
    status: StatusCode,
    error: Option<&'static str>,
) -> Result<Response, AppError> {
    page::render(
        status,
        &SamlTemplate {
            page,
            metadata_url: crate::services::saml::entity_id(state),
            keys: sp_key::published(state)
                .await?
                .iter()
                .map(|key| KeyRow {
                    fingerprint: key.fingerprint(),
                    created_at: key.created_at,
                    active: key.active,
                })
                .collect(),
            sources: crate::db::saml::staff_sources(&state.db, staff).await?,
            institutions: crate::db::saml::staff_institution_idp_lists(&state.db, staff).await?,
            can_write: staff.role().can_write(),
            error,
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    WithPage(staff, page): WithPage<StaffScope>,
) -> Result<Response, AppError> {
    render(&state, &staff, &page, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub struct SourceForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    metadata_xml: String,
    #[serde(default)]
    pinned_certificate: String,
}

impl SourceForm {
    /// The source the form describes, or the catalogue key of what is wrong with it.
    fn parse(self) -> Result<NewSource, &'static str> {
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 200 {
            return Err("saml.staff.name_required");
        }
        let kind = match self.kind.as_str() {
            "federation" => SourceKind::Federation {
                pinned_certificate_der: idp_metadata::parse_certificate(
                    self.pinned_certificate.trim().as_bytes(),
                )
                .map_err(|error| error.message_key())?,
            },
            "single" => SourceKind::Single,
            _ => return Err("saml.staff.kind_required"),
        };
        let url = self.url.trim();
        let text = match (url.is_empty(), self.metadata_xml.trim().is_empty()) {
            (false, true) if url.starts_with("https://") || url.starts_with("http://") => {
                SourceText::Url(url.to_owned())
            }
            (true, false) => SourceText::Pasted(self.metadata_xml),
            _ => return Err("saml.staff.url_or_xml"),
        };
        Ok(NewSource { name, kind, text })
    }
}

pub async fn add_source(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(staff, page): WithPage<StaffAdmin>,
    CsrfForm(form): CsrfForm<SourceForm>,
) -> Result<Response, AppError> {
    let source = match form.parse() {
        Ok(source) => source,
        Err(key) => {
            return render(
                &state,
                &staff,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(key),
            )
            .await;
        }
    };
    match crate::services::saml::trust::add_source(&state, &meta, &staff, source).await? {
        Ok(_) => Ok(Redirect::to("/staff/saml").into_response()),
        Err(error) => {
            let key = error.message_key();
            render(
                &state,
                &staff,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(key),
            )
            .await
        }
    }
}

pub async fn refresh_source(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(staff, page): WithPage<StaffAdmin>,
    Path(source_id): Path<SamlSourceId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let refreshed =
        crate::services::saml::trust::refresh(&state, &meta, Some(staff.account_id()), source_id)
            .await?;
    let refusal = match refreshed {
        Refreshed::NoSuchSource => return Err(AppError::NotFound),
        Refreshed::NoUrl => "saml.staff.no_url",
        Refreshed::Checked(Ok(_)) => return Ok(Redirect::to("/staff/saml").into_response()),
        Refreshed::Checked(Err(error)) => error.message_key(),
    };
    render(
        &state,
        &staff,
        &page,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(refusal),
    )
    .await
}

#[derive(Deserialize)]
pub struct InstitutionIdpsForm {
    #[serde(default)]
    entity_ids: String,
}

pub async fn set_institution_idps(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(staff, page): WithPage<StaffAdmin>,
    Path(institution_id): Path<InstitutionId>,
    CsrfForm(form): CsrfForm<InstitutionIdpsForm>,
) -> Result<Response, AppError> {
    if !crate::db::saml::staff_institution_exists(&state.db, &staff, institution_id).await? {
        return Err(AppError::NotFound);
    }
    let mut entity_ids: Vec<String> = form
        .entity_ids
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    entity_ids.sort();
    entity_ids.dedup();
    if !crate::db::saml::untrusted_among(&state.db, &entity_ids)
        .await?
        .is_empty()
    {
        return render(
            &state,
            &staff,
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("saml.staff.unknown_idp"),
        )
        .await;
    }
    crate::services::saml::trust::set_institution_idps(
        &state,
        &meta,
        &staff,
        institution_id,
        &entity_ids,
    )
    .await?;
    Ok(Redirect::to("/staff/saml").into_response())
}

/// The fingerprint of the key the page showed, so a stale page (another rollover started
/// or finished meanwhile) changes nothing.
#[derive(Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    fingerprint: String,
}

/// `POST /staff/saml/sp-key/rollover`: the next SP key is made and published beside the
/// active one.
pub async fn start_key_rollover(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(staff, page): WithPage<StaffAdmin>,
    CsrfForm(form): CsrfForm<KeyForm>,
) -> Result<Response, AppError> {
    match sp_key::start_rollover(&state, &meta, &staff, form.fingerprint.trim()).await? {
        Rollover::Started => Ok(Redirect::to("/staff/saml").into_response()),
        Rollover::Stale => {
            let key = "saml.staff.sp_key.stale";
            render(&state, &staff, &page, StatusCode::CONFLICT, Some(key)).await
        }
    }
}

/// `POST /staff/saml/sp-key/finish`: the next key replaces the active one, which is dropped.
pub async fn finish_key_rollover(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(staff, page): WithPage<StaffAdmin>,
    CsrfForm(form): CsrfForm<KeyForm>,
) -> Result<Response, AppError> {
    if sp_key::finish_rollover(&state, &meta, &staff, form.fingerprint.trim()).await? {
        Ok(Redirect::to("/staff/saml").into_response())
    } else {
        let key = "saml.staff.sp_key.stale";
        render(&state, &staff, &page, StatusCode::CONFLICT, Some(key)).await
    }
}
