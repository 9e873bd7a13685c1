//! Staff pages for institutions: the searchable list, the registration form,
//! editing, suspension; and suspending people's accounts.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::audit::RequestMeta;
use crate::auth::csrf::CsrfForm;
use crate::auth::{StaffAdmin, StaffScope};
use crate::db::institutions::{Collision, InstitutionFilter, InstitutionListItem};
use crate::domain::institution::{NewInstitution, parse_name};
use crate::domain::{AccountId, InstitutionId, RegistrationNumber, Slug, TcsStatus};
use crate::error::AppError;
use crate::services::institutions::UpdateOutcome;
use crate::state::AppState;
use crate::web::forms::FieldErrors;
use crate::web::page::{self, PageContext, WithPage};

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    /// As typed, shown back in the form; a `TcsStatus` once parsed for the filter.
    #[serde(default)]
    status: String,
    #[serde(default)]
    after_name: String,
    #[serde(default)]
    after_id: String,
}

#[derive(Template)]
#[template(path = "staff/institutions.html")]
struct ListTemplate<'a> {
    page: &'a PageContext,
    query: &'a ListQuery,
    items: Vec<InstitutionListItem>,
    next_page: Option<String>,
    can_write: bool,
}

pub async fn list(
    State(state): State<AppState>,
    WithPage(staff, page): WithPage<StaffScope>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let search = query.q.trim();
    let filter = InstitutionFilter {
        search: (!search.is_empty()).then(|| {
            search
                .chars()
                .filter(|c| !c.is_control())
                .take(100)
                .collect()
        }),
        status: TcsStatus::from_db(query.status.trim()),
        after: query
            .after_id
            .trim()
            .parse::<InstitutionId>()
            .ok()
            .map(|id| (query.after_name.clone(), id)),
    };
    let items = crate::db::institutions::staff_list(&state.db, &staff, &filter, PAGE_SIZE).await?;
    let next_page = (items.len() as i64 == PAGE_SIZE).then(|| {
        items.last().map(|last| {
            serde_urlencoded::to_string([
                ("q", query.q.as_str()),
                ("status", query.status.as_str()),
                ("after_name", &last.name_sr.to_lowercase()),
                ("after_id", &last.id.to_string()),
            ])
            .unwrap_or_default()
        })
    });
    page::ok(&ListTemplate {
        page: &page,
        query: &query,
        items,
        next_page: next_page.flatten(),
        can_write: staff.role().can_write(),
    })
}

/// The institution form as typed; `registered` is a checkbox.
#[derive(Debug, Default, Deserialize)]
pub struct InstitutionForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name_sr: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    short_name: String,
    #[serde(default)]
    registration_number: String,
    registered: Option<String>,
    #[serde(default)]
    digicert_org_id: String,
}

impl InstitutionForm {
    /// Parses every field, collecting all errors so the form shows them together.
    fn parse(&self, errors: &mut FieldErrors) -> Option<NewInstitution> {
        let slug = Slug::parse(&self.slug)
            .map_err(|_| errors.add("slug", "error.institution.slug"))
            .ok();
        let mut name = |field: &'static str, value: &str, max: usize| {
            parse_name(value, max)
                .map_err(|error| errors.add(field, error.message_key()))
                .ok()
        };
        let name_sr = name("name_sr", &self.name_sr, 300);
        let name_en = name("name_en", &self.name_en, 300);
        let short_name = name("short_name", &self.short_name, 50);
        let registration_number = RegistrationNumber::parse(&self.registration_number)
            .map_err(|error| errors.add("registration_number", error.message_key()))
            .ok();
        let digicert_org_id = match self.digicert_org_id.trim() {
            "" => Some(None),
            text => match text.parse::<i64>() {
                Ok(id) if id > 0 => Some(Some(id)),
                _ => {
                    errors.add("digicert_org_id", "error.institution.digicert_org");
                    None
                }
            },
        };
        Some(NewInstitution {
            slug: slug?,
            name_sr: name_sr?,
            name_en: name_en?,
            short_name: short_name?,
            registration_number: registration_number?,
            registered: self.registered.is_some(),
            digicert_org_id: digicert_org_id?,
        })
    }

    /// What the form shows again after an error: what was typed, cut to size.
    fn echo(&self) -> InstitutionForm {
        let cut = |value: &str, max: usize| value.chars().take(max).collect::<String>();
        InstitutionForm {
            slug: cut(&self.slug, 60),
            name_sr: cut(&self.name_sr, 300),
            name_en: cut(&self.name_en, 300),
            short_name: cut(&self.short_name, 60),
            registration_number: cut(&self.registration_number, 20),
            registered: self.registered.clone().map(|_| "on".to_owned()),
            digicert_org_id: cut(&self.digicert_org_id, 20),
        }
    }
}

fn collision_error(collision: Collision, errors: &mut FieldErrors) {
    match collision {
        Collision::Slug => errors.add("slug", "error.institution.slug_taken"),
        Collision::RegistrationNumber => errors.add(
            "registration_number",
            "error.institution.registration_taken",
        ),
        Collision::DigicertOrg => {
            errors.add("digicert_org_id", "error.institution.digicert_org_taken")
        }
    }
}

#[derive(Template)]
#[template(path = "staff/institution_form.html")]
struct FormTemplate<'a> {
    page: &'a PageContext,
    /// `None` when registering a new institution.
    institution_id: Option<InstitutionId>,
    form: InstitutionForm,
    errors: FieldErrors,
}

fn render_form(
    page: &PageContext,
    status: StatusCode,
    institution_id: Option<InstitutionId>,
    form: InstitutionForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    page::render(
        status,
        &FormTemplate {
            page,
            institution_id,
            form,
            errors,
        },
    )
}

pub async fn new_form(WithPage(_, page): WithPage<StaffAdmin>) -> Result<Response, AppError> {
    let errors = FieldErrors::new(page.lang);
    render_form(
        &page,
        StatusCode::OK,
        None,
        InstitutionForm::default(),
        errors,
    )
}

pub async fn create(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(staff, page): WithPage<StaffAdmin>,
    CsrfForm(form): CsrfForm<InstitutionForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::new(page.lang);
    let Some(valid) = form.parse(&mut errors) else {
        return render_form(
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            form.echo(),
            errors,
        );
    };
    match crate::services::institutions::create(&state, &meta, &staff, &valid).await? {
        Ok(id) => Ok(Redirect::to(&format!("/institutions/{id}")).into_response()),
        Err(collision) => {
            collision_error(collision, &mut errors);
            render_form(&page, StatusCode::CONFLICT, None, form.echo(), errors)
        }
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    WithPage(staff, page): WithPage<StaffAdmin>,
    Path(institution_id): Path<InstitutionId>,
) -> Result<Response, AppError> {
    let detail = crate::db::institutions::staff_detail(&state.db, &staff, institution_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = InstitutionForm {
        slug: detail.slug,
        name_sr: detail.name_sr,
        name_en: detail.name_en,
        short_name: detail.short_name,
        registration_number: detail.registration_number,
        registered: detail.tcs_registered_at.map(|_| "on".to_owned()),
        digicert_org_id: detail
            .digicert_org_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
    };
    let errors = FieldErrors::new(page.lang);
    render_form(&page, StatusCode::OK, Some(institution_id), form, errors)
}

pub async fn update(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(staff, page): WithPage<StaffAdmin>,
    Path(institution_id): Path<InstitutionId>,
    CsrfForm(form): CsrfForm<InstitutionForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::new(page.lang);
    let Some(valid) = form.parse(&mut errors) else {
        return render_form(
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(institution_id),
            form.echo(),
            errors,
        );
    };
    match crate::services::institutions::update(&state, &meta, &staff, institution_id, &valid)
        .await?
    {
        UpdateOutcome::Updated => {
            Ok(Redirect::to(&format!("/institutions/{institution_id}")).into_response())
        }
        UpdateOutcome::NotFound => Err(AppError::NotFound),
        UpdateOutcome::Collided(collision) => {
            collision_error(collision, &mut errors);
            render_form(
                &page,
                StatusCode::CONFLICT,
                Some(institution_id),
                form.echo(),
                errors,
            )
        }
    }
}

/// Suspending or reactivating, with the reason that goes to the audit log.
#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
}

impl StatusForm {
    /// `true` to suspend, `false` to reactivate, and the cleaned reason.
    fn parse(&self) -> Result<(bool, String), AppError> {
        let suspend = match self.action.as_str() {
            "suspend" => true,
            "reactivate" => false,
            _ => return Err(AppError::Unprocessable("error.status_action")),
        };
        let reason = crate::web::forms::audit_reason(&self.reason)
            .ok_or(AppError::Unprocessable("error.reason_required"))?;
        Ok((suspend, reason))
    }
}

pub async fn set_institution_status(
    State(state): State<AppState>,
    meta: RequestMeta,
    staff: StaffAdmin,
    Path(institution_id): Path<InstitutionId>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> Result<Response, AppError> {
    let (suspend, reason) = form.parse()?;
    if crate::services::institutions::set_suspended(
        &state,
        &meta,
        &staff,
        institution_id,
        suspend,
        &reason,
    )
    .await?
    {
        Ok(Redirect::to(&format!("/institutions/{institution_id}")).into_response())
    } else {
        Err(AppError::Conflict("error.institution.status_unchanged"))
    }
}

pub async fn set_account_status(
    State(state): State<AppState>,
    meta: RequestMeta,
    staff: StaffAdmin,
    Path(account_id): Path<AccountId>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> Result<Response, AppError> {
    let (suspend, reason) = form.parse()?;
    if crate::services::institutions::set_account_active(
        &state, &meta, &staff, account_id, !suspend, &reason,
    )
    .await?
    {
        Ok(Redirect::to("/staff/institutions").into_response())
    } else {
        Err(AppError::Conflict("error.account.status_unchanged"))
    }
}
