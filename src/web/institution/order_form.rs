//! The order form: choose a product, the person's addresses and name, and the
//! validity; preview the DigiCert request; place the order once.
//!
//! Every render carries an idempotency key in a hidden field, so a double click
//! or a reload of the placing POST lands on the same order.
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use digicert::{ProductId, ProfileType};
use serde::Deserialize;
use uuid::Uuid;

use crate::audit::RequestMeta;
use crate::auth::csrf::CsrfForm;
use crate::auth::{Admin, InstitutionScope};
use crate::db::orders::OrderRecord;
use crate::domain::EmailAddress;
use crate::domain::person_name::{NamePart, PersonName};
use crate::error::AppError;
use crate::i18n::{Lang, format};
use crate::services::ordering::{self, NewOrder, PlaceOutcome, Refusal};
use crate::services::preconditions::Unmet;
use crate::services::products::{self, ProductText};
use crate::state::AppState;
use crate::web::forms::FieldErrors;
use crate::web::institution::InstitutionNav;
use crate::web::page::{self, PageContext, WithPage};

/// The form as typed; kept whole so a refused form comes back as it was.
#[derive(Debug, Default, Deserialize)]
pub struct OrderForm {
    #[serde(default)]
    pub product: String,
    #[serde(default)]
    pub profile_type: String,
    /// One or more addresses, one per line (commas and spaces also separate).
    #[serde(default)]
    pub emails: String,
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub surname: String,
    #[serde(default)]
    pub validity_years: String,
    #[serde(default)]
    pub idempotency_key: String,
    /// `preview`, `edit` (back from the preview) or `place`.
    #[serde(default)]
    pub step: String,
}

impl OrderForm {
    fn fresh() -> Self {
        Self {
            product: ProductId::SecureEmailSponsor.as_str().to_owned(),
            profile_type: ProfileType::Strict.as_str().to_owned(),
            validity_years: "1".to_owned(),
            ..Self::default()
        }
    }

    /// "Order again": what the earlier order asked for, under a new key.
    fn again(order: &OrderRecord) -> Self {
        Self {
            product: order.product.clone(),
            // Orders from before profiles were recorded went out as strict.
            profile_type: order
                .profile_type
                .clone()
                .unwrap_or_else(|| ProfileType::Strict.as_str().to_owned()),
            emails: order.emails.join("\n"),
            given_name: order.given_name.clone(),
            surname: order.surname.clone(),
            validity_years: order.validity_years.to_string(),
            ..Self::default()
        }
    }

    /// A key for a newly shown form; kept when the form comes back.
    fn with_key(mut self) -> Self {
        if self.idempotency_key.trim().is_empty() {
            self.idempotency_key = Uuid::new_v4().simple().to_string();
        }
        self
    }
}

/// A form that parsed: the order, and the name as the preview shows it.
struct Parsed {
    order: NewOrder,
    name: PersonName,
}

/// Turns the typed form into an order, or says what is wrong with each field.
fn parse(form: &OrderForm, errors: &mut FieldErrors) -> Option<Parsed> {
    let product = ProductId::from(form.product.as_str());
    if !ordering::ORDERABLE.contains(&product) {
        errors.add("product", "error.order.product");
    }
    let profile_type = if ordering::request::is_secure_email(&product) {
        match form.profile_type.as_str() {
            "strict" => Some(ProfileType::Strict),
            "multipurpose" => Some(ProfileType::Multipurpose),
            _ => {
                errors.add("profile_type", "error.order.profile");
                None
            }
        }
    } else {
        None
    };
    let mut emails = Vec::new();
    for text in form
        .emails
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|text| !text.is_empty())
    {
        match EmailAddress::parse(text) {
            Ok(email) if !emails.contains(&email) => emails.push(email),
            Ok(_) => {}
            Err(error) => errors.add("emails", error.message_key()),
        }
    }
    if emails.is_empty() {
        errors.add("emails", "error.order.no_email");
    }
    let given_name = NamePart::parse(&form.given_name)
        .map_err(|error| errors.add("given_name", error.message_key()))
        .ok();
    let surname = NamePart::parse(&form.surname)
        .map_err(|error| errors.add("surname", error.message_key()))
        .ok();
    let name = match (given_name, surname) {
        (Some(given_name), Some(surname)) => PersonName::new(given_name, surname)
            .map_err(|error| errors.add("surname", error.message_key()))
            .ok(),
        _ => None,
    };
    // 1 or 2 years only: three would pass DigiCert's 825-day ceiling.
    let validity_years = match form.validity_years.trim() {
        "1" => Some(1),
        "2" => Some(2),
        _ => {
            errors.add("validity_years", "error.order.validity");
            None
        }
    };
    if form.idempotency_key.trim().is_empty() || form.idempotency_key.len() > 64 {
        errors.add("idempotency_key", "error.order.stale_form");
    }
    let (Some(name), Some(validity_years), true) = (name, validity_years, errors.is_empty()) else {
        return None;
    };
    Some(Parsed {
        order: NewOrder {
            product,
            profile_type,
            emails,
            given_name: name.given_name().as_str().to_owned(),
            surname: name.surname().as_str().to_owned(),
            common_name: name.common_name(),
            validity_years,
            csr_pem: None,
            idempotency_key: form.idempotency_key.trim().to_owned(),
        },
        name,
    })
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
    /// Why the service refused the request itself (English, from the engine).
    invalid: Option<String>,
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
    profile_type: Option<&'a str>,
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
    errors: Option<FieldErrors>,
    blockers: Vec<Blocker>,
    invalid: Option<String>,
}

impl From<Refusal> for Problems {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Unmet(unmet) => Self {
                blockers: unmet.iter().map(Blocker::from).collect(),
                ..Self::default()
            },
            Refusal::Invalid(reason) => Self {
                invalid: Some(reason),
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
            domain.validation_status == "validated"
                && domain.validated_until.is_some_and(|until| until > now)
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
            errors: problems
                .errors
                .unwrap_or_else(|| FieldErrors::new(page.lang)),
            blockers: problems.blockers,
            invalid: problems.invalid,
            max_validity_days: ordering::MAX_VALIDITY_DAYS,
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
        None | Some("") => OrderForm::fresh(),
        Some(text) => {
            // Another institution's order, or no order at all: the same 404.
            let id = Uuid::parse_str(text).map_err(|_| AppError::NotFound)?;
            let order = crate::db::orders::get(&state.db, &scope, id)
                .await?
                .ok_or(AppError::NotFound)?;
            OrderForm::again(&order)
        }
    };
    render_form(
        &state,
        &scope,
        &page,
        StatusCode::OK,
        &form.with_key(),
        Problems::default(),
    )
    .await
}

pub async fn submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(scope, page): WithPage<InstitutionScope<Admin>>,
    CsrfForm(form): CsrfForm<OrderForm>,
) -> Result<Response, AppError> {
    let form = form.with_key();
    let mut errors = FieldErrors::new(page.lang);
    let parsed = parse(&form, &mut errors);
    let Some(parsed) = parsed.filter(|_| form.step != "edit") else {
        let status = if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let problems = Problems {
            errors: Some(errors),
            ..Problems::default()
        };
        return render_form(&state, &scope, &page, status, &form, problems).await;
    };
    if form.step == "place" {
        return place(&state, &meta, &scope, &page, &form, parsed.order).await;
    }
    match ordering::preview(&state, &scope, &parsed.order)
        .await
        .map_err(AppError::internal)?
    {
        Ok(request) => {
            let institution = crate::db::institutions::detail(&state.db, &scope).await?;
            let addresses: Vec<String> = parsed
                .order
                .emails
                .iter()
                .map(|email| email.as_str().to_owned())
                .collect();
            let duplicates = crate::db::orders::live_for_addresses(
                &state.db,
                &scope,
                parsed.order.product.as_str(),
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
                    &parsed.order.product,
                    parsed.order.profile_type.as_ref().map(ProfileType::as_str),
                ),
                profile_type: parsed.order.profile_type.as_ref().map(ProfileType::as_str),
                name: &parsed.name,
                emails: parsed
                    .order
                    .emails
                    .iter()
                    .map(EmailAddress::as_str)
                    .collect(),
                validity_years: parsed.order.validity_years,
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
                    parsed.order.product.as_str()
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
        PlaceOutcome::Invalid(reason) => Refusal::Invalid(reason),
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
