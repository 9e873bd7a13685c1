//! The order form: choose a product, the person's addresses and name, and the
//! validity; preview the DigiCert request; place the order once.
//!
//! Every render carries an idempotency key in a hidden field, so a double click
//! or a reload of the placing POST lands on the same order.
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::audit::RequestMeta;
use crate::auth::csrf::CsrfForm;
use crate::auth::{Admin, InstitutionScope};
use crate::db::orders::OrderRecord;
use crate::domain::order::MAX_VALIDITY_DAYS;
use crate::domain::{
    EmailAddress, InvalidFields, NewOrder, OrderForm, OrderId, PersonName, Product, ProfileType,
};
use crate::error::AppError;
use crate::i18n::{Lang, format};
use crate::services::ordering::{self, PlaceOutcome, Refusal};
use crate::services::preconditions::Unmet;
use crate::services::products::{self, ProductText};
use crate::state::AppState;
use crate::web::forms::FieldErrors;
use crate::web::institution::InstitutionNav;
use crate::web::page::{self, PageContext, WithPage};

/// The form as posted: the order as typed, and the button that sent it.
#[derive(Debug, Default, Deserialize)]
pub struct OrderPost {
    #[serde(flatten)]
    order: OrderForm,
    /// `preview`, `edit` (back from the preview) or `place`.
    #[serde(default)]
    step: String,
}

/// A new form: the product most institutions order, strict, one year.
fn fresh() -> OrderForm {
    OrderForm {
        product: Product::SecureEmailSponsor.as_str().to_owned(),
        profile_type: ProfileType::Strict.as_str().to_owned(),
        validity_years: "1".to_owned(),
        ..OrderForm::default()
    }
}

/// "Order again": what the earlier order asked for, under a new key.
fn again(order: &OrderRecord) -> OrderForm {
    OrderForm {
        product: order.product.as_str().to_owned(),
        // Orders from before profiles were recorded went out as strict.
        profile_type: order
            .profile_type
            .clone()
            .unwrap_or_else(|| ProfileType::Strict.as_str().to_owned()),
        emails: order.emails.join("\n"),
        given_name: order.given_name.clone(),
        surname: order.surname.clone(),
        validity_years: order.validity_years.to_string(),
        ..OrderForm::default()
    }
}

/// A key for a newly shown form; kept when the form comes back.
fn with_key(mut form: OrderForm) -> OrderForm {
    if form.idempotency_key.trim().is_empty() {
        form.idempotency_key = Uuid::new_v4().simple().to_string();
    }
    form
}

/// A precondition that stops the order, as the form lists it.
struct Blocker {
    message_key: &'static str,
    subject: Option<String>,
}

impl From<&Unmet> for Blocker {
    fn from(unmet: &Unmet) -> Self {
        Self {
            message_key: unmet.message_key(),
            subject: unmet.subject().map(str::to_owned),
        }
    }
}

#[derive(Template)]
#[template(path = "institution/order_form.html")]
struct FormTemplate<'a> {
    page: &'a PageContext,
    nav: InstitutionNav,
    form: &'a OrderForm,
    products: Vec<ProductText>,
    /// The domains an address may be in now, for the hint beside the field.
    qualifying_domains: Vec<String>,
    errors: FieldErrors,
    blockers: Vec<Blocker>,
    max_validity_days: u32,
}

/// A live certificate of the same product for an address of the order being previewed.
struct Duplicate {
    href: String,
    email: String,
    not_after: String,
}

#[derive(Template)]
#[template(path = "institution/order_preview.html")]
struct PreviewTemplate<'a> {
    page: &'a PageContext,
    nav: InstitutionNav,
    form: &'a OrderForm,
    product: ProductText,
    profile_type: Option<&'static str>,
    name: &'a PersonName,
    emails: Vec<&'a str>,
    validity_years: u32,
    organization: String,
    /// DigiCert's endpoint and the JSON body it will get.
    endpoint: String,
    /// Live certificates of the same product the addresses already hold.
    duplicates: Vec<Duplicate>,
    body: String,
}

/// What went wrong, for the form to show.
#[derive(Default)]
struct Problems {
    invalid: InvalidFields,
    blockers: Vec<Blocker>,
}

impl From<Refusal> for Problems {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Unmet(unmet) => Self {
                blockers: unmet.iter().map(Blocker::from).collect(),
                ..Self::default()
            },
            Refusal::Invalid(invalid) => Self {
                invalid,
                ..Self::default()
            },
        }
    }
}

async fn render_form(
    state: &AppState,
    scope: &InstitutionScope<Admin>,
    page: &PageContext,
    status: StatusCode,
    form: &OrderForm,
    problems: Problems,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let qualifying_domains = crate::db::domains::list(&state.db, scope)
        .await?
        .into_iter()
        .filter(|domain| {
            domain
                .validation_status
                .is_current(domain.validated_until, now)
        })
        .map(|domain| domain.name.to_unicode())
        .collect();
    page::render(
        status,
        &FormTemplate {
            page,
            nav: InstitutionNav::new(scope, page.lang),
            form,
            products: products::orderable(),
            qualifying_domains,
            errors: FieldErrors::of(page.lang, problems.invalid),
            blockers: problems.blockers,
            max_validity_days: MAX_VALIDITY_DAYS,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    /// "Order again": the order to copy.
    #[serde(default)]
    again: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    WithPage(scope, page): WithPage<InstitutionScope<Admin>>,
    Query(query): Query<NewQuery>,
) -> Result<Response, AppError> {
    let form = match query.again.as_deref() {
        None | Some("") => fresh(),
        Some(text) => {
            // Another institution's order, or no order at all: the same 404.
            let id = text.parse::<OrderId>().map_err(|_| AppError::NotFound)?;
            let order = crate::db::orders::get(&state.db, &scope, id)
                .await?
                .ok_or(AppError::NotFound)?;
            again(&order)
        }
    };
    render_form(
        &state,
        &scope,
        &page,
        StatusCode::OK,
        &with_key(form),
        Problems::default(),
    )
    .await
}

pub async fn submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(scope, page): WithPage<InstitutionScope<Admin>>,
    CsrfForm(post): CsrfForm<OrderPost>,
) -> Result<Response, AppError> {
    let form = with_key(post.order);
    let parsed = NewOrder::try_from(&form);
    let order = match parsed {
        Ok(order) if post.step != "edit" => order,
        Ok(_) => {
            let problems = Problems::default();
            return render_form(&state, &scope, &page, StatusCode::OK, &form, problems).await;
        }
        Err(invalid) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let problems = Problems {
                invalid,
                ..Problems::default()
            };
            return render_form(&state, &scope, &page, status, &form, problems).await;
        }
    };
    if post.step == "place" {
        return place(&state, &meta, &scope, &page, &form, order).await;
    }
    match ordering::preview(&state, &scope, &order)
        .await
        .map_err(AppError::internal)?
    {
        Ok(request) => {
            let institution = crate::db::institutions::detail(&state.db, &scope).await?;
            let addresses = order.emails.to_strings();
            let duplicates = crate::db::orders::live_for_addresses(
                &state.db,
                &scope,
                order.product.as_str(),
                &addresses,
                state.clock.now(),
            )
            .await?
            .into_iter()
            .map(|live| Duplicate {
                href: format!(
                    "/institutions/{}/orders/{}",
                    scope.institution_id(),
                    live.id
                ),
                email: live.email,
                not_after: format::optional_date(live.not_after),
            })
            .collect();
            let body = serde_json::to_string_pretty(&request).map_err(AppError::internal)?;
            page::ok(&PreviewTemplate {
                page: &page,
                nav: InstitutionNav::new(&scope, page.lang),
                form: &form,
                product: products::text(
                    Some(order.product),
                    order.profile_type.map(ProfileType::as_str),
                ),
                profile_type: order.profile_type.map(ProfileType::as_str),
                name: &order.name,
                emails: order.emails.iter().map(EmailAddress::as_str).collect(),
                validity_years: order.validity.years(),
                organization: format!(
                    "{} (DigiCert {})",
                    match page.lang {
                        Lang::Serbian => &institution.name_sr,
                        Lang::English => &institution.name_en,
                    },
                    institution.digicert_org_id.unwrap_or_default()
                ),
                endpoint: format!(
                    "POST /services/v2/order/certificate/{}",
                    order.product.as_str()
                ),
                body,
                duplicates,
            })
        }
        Err(refusal) => {
            render_form(
                &state,
                &scope,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                refusal.into(),
            )
            .await
        }
    }
}

async fn place(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    page: &PageContext,
    form: &OrderForm,
    order: NewOrder,
) -> Result<Response, AppError> {
    let outcome = ordering::place(state, meta, scope, order)
        .await
        .map_err(AppError::internal)?;
    let refusal = match outcome {
        PlaceOutcome::Placed(id) => {
            let to = format!("/institutions/{}/orders/{id}", scope.institution_id());
            return Ok(Redirect::to(&to).into_response());
        }
        // The second click of a double click, or a reload, finds the first
        // order; the page says so, in case the form was changed in between.
        PlaceOutcome::Duplicate(id) => {
            let to = format!(
                "/institutions/{}/orders/{id}?done=already_placed",
                scope.institution_id()
            );
            return Ok(Redirect::to(&to).into_response());
        }
        PlaceOutcome::Refused(unmet) => Refusal::Unmet(unmet),
        PlaceOutcome::Invalid(invalid) => Refusal::Invalid(invalid),
    };
    render_form(
        state,
        scope,
        page,
        StatusCode::UNPROCESSABLE_ENTITY,
        form,
        refusal.into(),
    )
    .await
}
