//! The institution's self-service policy (issue 15 §2): whether its people may request
//! their own certificates after logging in at its IdP, who, which products and profiles,
//! for how long, and what proves their mailbox; and how long a person marked departed
//! keeps their certificates. Admins and full staff only.
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::audit::RequestMeta;
use crate::auth::csrf::CsrfForm;
use crate::auth::{Admin, InstitutionScope};
use crate::domain::self_service::{Affiliation, Policy, PolicyForm};
use crate::domain::{GraceDays, Product, ProfileType};
use crate::error::AppError;
use crate::services::products;
use crate::state::AppState;
use crate::web::forms::FieldErrors;
use crate::web::institution::InstitutionNav;
use crate::web::page::{self, PageContext, WithPage};

/// The departures' grace period, set here as on the Departures page (issue 15 §4).
const GRACE_FIELD: &str = "grace_days";

/// One checkbox of the form.
struct Tick {
    name: String,
    label: String,
}

#[derive(Template)]
#[template(path = "institution/self_service.html")]
struct PolicyTemplate<'a> {
    page: &'a PageContext,
    nav: InstitutionNav,
    form: &'a PolicyForm,
    affiliations: Vec<Tick>,
    products: Vec<Tick>,
    profiles: Vec<Tick>,
    errors: FieldErrors,
    saved: bool,
    max_grace_days: i32,
}

fn render(
    scope: &InstitutionScope<Admin>,
    page: &PageContext,
    status: StatusCode,
    form: &PolicyForm,
    errors: FieldErrors,
    saved: bool,
) -> Result<Response, AppError> {
    let lang = page.lang;
    page::render(
        status,
        &PolicyTemplate {
            page,
            nav: InstitutionNav::new(scope, lang),
            form,
            affiliations: Affiliation::ALL
                .into_iter()
                .map(|affiliation| Tick {
                    name: format!("affiliation.{}", affiliation.as_str()),
                    label: lang.t(affiliation.label_key()).to_owned(),
                })
                .collect(),
            products: Product::ALL
                .into_iter()
                .map(|product| Tick {
                    name: format!("product.{}", product.as_str()),
                    label: lang
                        .t(products::text(Some(product), None).title_key)
                        .to_owned(),
                })
                .collect(),
            profiles: [ProfileType::Strict, ProfileType::Multipurpose]
                .into_iter()
                .map(|profile| Tick {
                    name: format!("profile.{}", profile.as_str()),
                    label: lang
                        .t(&format!("order.profile_{}", profile.as_str()))
                        .to_owned(),
                })
                .collect(),
            errors,
            saved,
            max_grace_days: GraceDays::MAX,
        },
    )
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    WithPage(scope, page): WithPage<InstitutionScope<Admin>>,
    axum::extract::Query(query): axum::extract::Query<SavedQuery>,
) -> Result<Response, AppError> {
    let policy = crate::db::self_service::policy(&state.db, &scope)
        .await?
        .unwrap_or_default();
    let mut form = policy.to_form();
    form.fields.insert(
        GRACE_FIELD.to_owned(),
        crate::db::departures::grace_days(&state.db, &scope)
            .await?
            .to_string(),
    );
    render(
        &scope,
        &page,
        StatusCode::OK,
        &form,
        FieldErrors::new(page.lang),
        query.saved.is_some(),
    )
}

pub async fn save(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(scope, page): WithPage<InstitutionScope<Admin>>,
    CsrfForm(form): CsrfForm<PolicyForm>,
) -> Result<Response, AppError> {
    let policy = Policy::try_from(&form);
    let grace = GraceDays::parse(form.value(GRACE_FIELD));
    let (policy, grace) = match (policy, grace) {
        (Ok(policy), Ok(grace)) => (policy, grace),
        (policy, grace) => {
            let mut invalid = policy.err().unwrap_or_default();
            invalid.check(GRACE_FIELD, grace);
            return render(
                &scope,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                FieldErrors::of(page.lang, invalid),
                false,
            );
        }
    };
    crate::services::self_service::policy::set(&state, &meta, &scope, &policy, grace).await?;
    Ok(Redirect::to(&format!(
        "/institutions/{}/self-service?saved=1",
        scope.institution_id()
    ))
    .into_response())
}
