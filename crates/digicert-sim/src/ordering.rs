//! `POST /order/certificate/{product}`: the request body and DigiCert's rules for accepting a
//! client-certificate order. Produces a new [`Order`] or the error DigiCert would give.

use pki::csr::{Csr, Curve, KeyKind};
use serde::Deserialize;
use time::{Date, Duration, OffsetDateTime};

use super::error::{ApiError, ApiResult};
use super::products::{MAX_VALIDITY_DAYS, Product, SmimeType, UsageRule};
use super::state::{Account, EmailCheck, Individual, Order, OrderStatus, Profile, Usage};

#[derive(Debug, Deserialize)]
pub struct NewOrderBody {
    pub certificate: Option<CertificateBody>,
    pub organization: Option<IdRef>,
    pub container: Option<IdRef>,
    pub order_validity: Option<ValidityBody>,
    pub validity_years: Option<u32>,
    pub validity_days: Option<u32>,
    pub custom_expiration_date: Option<String>,
    pub skip_approval: Option<bool>,
    pub comments: Option<String>,
    pub payment_method: Option<String>,
    pub custom_fields: Option<Vec<serde_json::Value>>,
    pub disable_renewal_notifications: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct CertificateBody {
    pub common_name: Option<String>,
    pub emails: Option<Vec<String>>,
    pub signature_hash: Option<String>,
    pub csr: Option<String>,
    pub organization_units: Option<Vec<String>>,
    pub common_name_indicator: Option<String>,
    pub individual: Option<IndividualBody>,
    pub usage_designation: Option<UsageBody>,
    pub profile_type: Option<String>,
    /// Certificate validity inside a longer order (multi-year plans).
    pub cert_validity: Option<ValidityBody>,
}

#[derive(Debug, Deserialize)]
pub struct IdRef {
    pub id: u64,
}

#[derive(Debug, Deserialize)]
pub struct ValidityBody {
    pub years: Option<u32>,
    pub days: Option<u32>,
    pub custom_expiration_date: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct IndividualBody {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub pseudonym: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct UsageBody {
    pub primary_usage: Option<String>,
    pub additional_usages: Option<Vec<String>>,
}

/// An accepted order before it is given an id; `skip_approval` decides its first status.
pub struct AcceptedOrder {
    pub order: Order,
    pub skip_approval: bool,
}

/// Applies the product's rules. `order.id`/`request_ids` are filled in by the caller.
pub fn accept(
    account: &Account,
    product: &Product,
    mut body: NewOrderBody,
    now: OffsetDateTime,
) -> ApiResult<AcceptedOrder> {
    let missing = missing_fields(product, &body);
    if !missing.is_empty() {
        return Err(ApiError::required_all(&missing));
    }
    let cert = body
        .certificate
        .take()
        .ok_or_else(|| ApiError::required("certificate"))?;
    let emails = cert.emails.clone().unwrap_or_default();
    if emails.is_empty() {
        return Err(ApiError::required("certificate.emails"));
    }
    for email in &emails {
        if !plausible_email(email) {
            return Err(ApiError::invalid(
                "certificate.emails",
                format!("{email} is not a valid email address."),
            ));
        }
    }
    let signature_hash = cert
        .signature_hash
        .clone()
        .ok_or_else(|| ApiError::required("certificate.signature_hash"))?;
    if !["sha256", "sha384", "sha512"].contains(&signature_hash.as_str()) {
        return Err(ApiError::bad_request(
            "invalid_signature_hash",
            format!("Signature hash {signature_hash} is not allowed for this product."),
        ));
    }
    let is_legacy = matches!(product.usage, UsageRule::Fixed { .. });
    if is_legacy
        && cert
            .common_name
            .as_deref()
            .is_none_or(|c| c.trim().is_empty())
    {
        return Err(ApiError::required("certificate.common_name"));
    }

    let profile = profile_for(product, cert.profile_type.as_deref())?;
    let usage = usage_for(product, cert.usage_designation.as_ref(), profile)?;
    let indicator = indicator_for(product, cert.common_name_indicator.as_deref())?;
    let individual = individual_for(product, indicator.as_deref(), cert.individual.as_ref())?;

    let (csr_pem, key_size) = match cert.csr.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => {
            let csr = smime_csr(text)?;
            (Some(csr.to_pem()), Some(csr.key().bits()))
        }
        _ if product.csr_required => return Err(ApiError::required("certificate.csr")),
        _ => (None, None),
    };

    let organization = match (&body.organization, product.organization_required) {
        (Some(r), _) => Some(
            account
                .organization(r.id)
                .ok_or_else(|| ApiError::not_found("organization"))?,
        ),
        (None, true) => return Err(ApiError::required("organization.id")),
        (None, false) => None,
    };
    if product.organization_required
        && let Some(org) = organization
        && !org.smime_active(now)
    {
        return Err(ApiError::bad_request(
            "organization_not_validated|smime",
            format!("Organization {} has no active S/MIME validation.", org.id),
        ));
    }
    if product.smime_type != SmimeType::Mailbox {
        for email in &emails {
            let covered = account.domains.iter().any(|d| {
                d.covers_email(email)
                    && d.validated(now)
                    && organization.is_none_or(|o| o.id == d.organization_id)
            });
            if !covered {
                return Err(ApiError::bad_request(
                    format!("email_domain_not_validated|{email}"),
                    format!("The domain of {email} is not validated for this organization."),
                ));
            }
        }
    }
    let container_id = match &body.container {
        Some(c) if c.id != account.container.id => return Err(ApiError::not_found("container")),
        _ => account.container.id,
    };

    let validity = validity_for(product, &body, now)?;
    let cert_validity_days = cert_validity_for(cert.cert_validity.as_ref(), &validity, now)?;
    let common_name = common_name_for(
        product,
        indicator.as_deref(),
        individual.as_ref(),
        &emails,
        organization.map(|o| o.name.as_str()),
        cert.common_name.as_deref(),
    );
    let today = now.date();
    let order = Order {
        id: 0,
        product: product.name_id.to_string(),
        status: OrderStatus::NeedsApproval,
        date_created: now,
        organization_id: organization.map(|o| o.id),
        container_id,
        common_name,
        emails: emails
            .iter()
            .map(|e| EmailCheck {
                email: e.clone(),
                validated: false,
                date_emailed: today,
            })
            .collect(),
        csr: csr_pem,
        key_size,
        signature_hash,
        validity_years: validity.years,
        validity_days: validity.days,
        custom_expiration_date: validity.until,
        cert_validity_days,
        comments: body.comments,
        organization_units: cert.organization_units.unwrap_or_default(),
        common_name_indicator: indicator,
        individual,
        profile,
        usage,
        certificate_id: None,
        request_ids: Vec::new(),
        custom_fields: body.custom_fields.unwrap_or_default(),
        disable_renewal_notifications: body.disable_renewal_notifications.unwrap_or(false),
        payment_method: body.payment_method.unwrap_or_else(|| "balance".into()),
        cancel_note: None,
        reissue_csr: None,
        status_changed: None,
    };
    Ok(AcceptedOrder {
        order,
        skip_approval: body.skip_approval.unwrap_or(false),
    })
}

/// Every required field the body lacks, so the client learns of all of them in one answer
/// as DigiCert lists them. Values that are present but wrong are judged later, one by one.
fn missing_fields(product: &Product, body: &NewOrderBody) -> Vec<&'static str> {
    let mut missing = Vec::new();
    let blank = |value: &Option<String>| value.as_deref().is_none_or(|v| v.trim().is_empty());
    match &body.certificate {
        None => missing.push("certificate"),
        Some(cert) => {
            if cert.emails.as_ref().is_none_or(Vec::is_empty) {
                missing.push("certificate.emails");
            }
            if cert.signature_hash.is_none() {
                missing.push("certificate.signature_hash");
            }
            if matches!(product.usage, UsageRule::Fixed { .. }) && blank(&cert.common_name) {
                missing.push("certificate.common_name");
            }
            if product.csr_required && blank(&cert.csr) {
                missing.push("certificate.csr");
            }
            if product.usage == UsageRule::Designated {
                match &cert.usage_designation {
                    None => missing.push("certificate.usage_designation"),
                    Some(usage) if usage.primary_usage.is_none() => {
                        missing.push("certificate.usage_designation.primary_usage");
                    }
                    Some(_) => {}
                }
            }
            let names_a_person = matches!(
                cert.common_name_indicator.as_deref(),
                Some("given_name_surname" | "pseudonym")
            );
            if product.smime_type != SmimeType::Mailbox {
                if product.common_name_indicator_required && cert.common_name_indicator.is_none() {
                    missing.push("certificate.common_name_indicator");
                }
                if (product.individual_always_required || names_a_person)
                    && cert.individual.is_none()
                {
                    missing.push("certificate.individual");
                }
            }
        }
    }
    if product.organization_required && body.organization.is_none() {
        missing.push("organization.id");
    }
    let nested = body.order_validity.as_ref();
    let has_validity = nested.is_some_and(|v| {
        v.years.is_some() || v.days.is_some() || v.custom_expiration_date.is_some()
    }) || body.validity_years.is_some()
        || body.validity_days.is_some()
        || body.custom_expiration_date.is_some();
    if !has_validity {
        missing.push("order_validity");
    }
    missing
}

/// Parses a user's CSR for an S/MIME certificate. `pki::csr` accepts P-521 (a sound key in
/// general), but DigiCert certifies only P-256/P-384 for S/MIME (digicert-api.md §6), and
/// pkilint flags a P-521 key as a prohibited encoding in S/MIME BR certificates.
pub fn smime_csr(text: &str) -> ApiResult<Csr> {
    let csr = Csr::parse(text.as_bytes()).map_err(|e| ApiError::csr(&e))?;
    if csr.key() == KeyKind::Ec(Curve::P521) {
        return Err(ApiError::bad_request(
            "csr_invalid_key_type",
            "The CSR is invalid: P-521 keys are not accepted for S/MIME certificates; use P-256, P-384 or RSA.",
        ));
    }
    Ok(csr)
}

/// When the certificate of `order` expires if it is issued at `now`.
pub fn not_after(order: &Order, now: OffsetDateTime) -> OffsetDateTime {
    let limit = now + Duration::days(MAX_VALIDITY_DAYS);
    let wanted = if let Some(days) = order.cert_validity_days {
        now + Duration::days(i64::from(days))
    } else if let Some(date) = order.custom_expiration_date {
        date.with_hms(23, 59, 59)
            .map_or(limit, |dt| dt.assume_utc())
    } else if let Some(days) = order.validity_days {
        now + Duration::days(i64::from(days))
    } else {
        let years = i32::try_from(order.validity_years.unwrap_or(1)).unwrap_or(1);
        now.replace_year(now.year() + years).unwrap_or(limit)
    };
    wanted.min(limit)
}

struct Validity {
    years: Option<u32>,
    days: Option<u32>,
    until: Option<Date>,
}

impl Validity {
    /// The order's length in days from `now`.
    fn days_from(&self, now: OffsetDateTime) -> i64 {
        if let Some(until) = self.until {
            (until - now.date()).whole_days()
        } else if let Some(days) = self.days {
            i64::from(days)
        } else {
            years_in_days(self.years.unwrap_or(1), now)
        }
    }
}

fn years_in_days(years: u32, now: OffsetDateTime) -> i64 {
    let years = i32::try_from(years).unwrap_or(i32::MAX);
    now.replace_year(now.year().saturating_add(years))
        .map_or(i64::MAX, |end| (end - now).whole_days())
}

/// `certificate.cert_validity` may shorten the certificate inside its order, never lengthen it.
fn cert_validity_for(
    requested: Option<&ValidityBody>,
    order: &Validity,
    now: OffsetDateTime,
) -> ApiResult<Option<u32>> {
    let Some(requested) = requested else {
        return Ok(None);
    };
    let days = match (requested.years, requested.days) {
        (_, Some(days)) => i64::from(days),
        (Some(years), None) => years_in_days(years, now),
        (None, None) => return Err(ApiError::required("certificate.cert_validity")),
    };
    if days > order.days_from(now) {
        return Err(ApiError::bad_request(
            "cert_validity_exceeds_order_validity",
            "The validity period of the certificate cannot exceed the validity period of the order.",
        ));
    }
    if days <= 0 {
        return Err(ApiError::invalid(
            "certificate.cert_validity",
            "The validity must be positive.",
        ));
    }
    Ok(Some(u32::try_from(days).unwrap_or(u32::MAX)))
}

fn validity_for(
    product: &Product,
    body: &NewOrderBody,
    now: OffsetDateTime,
) -> ApiResult<Validity> {
    let nested = body.order_validity.as_ref();
    let years = nested.and_then(|v| v.years).or(body.validity_years);
    let days = nested.and_then(|v| v.days).or(body.validity_days);
    let date = nested
        .and_then(|v| v.custom_expiration_date.clone())
        .or_else(|| body.custom_expiration_date.clone());
    let too_long = |what: String| {
        ApiError::bad_request(
            "invalid_order_validity",
            format!(
                "{what} exceeds the maximum validity for {} ({MAX_VALIDITY_DAYS} days).",
                product.name_id
            ),
        )
    };
    if let Some(years) = years {
        if !product.allowed_validity_years.contains(&years) {
            return Err(too_long(format!("A validity of {years} years")));
        }
        return Ok(Validity {
            years: Some(years),
            days: None,
            until: None,
        });
    }
    if let Some(days) = days {
        if days == 0 || i64::from(days) > MAX_VALIDITY_DAYS {
            return Err(too_long(format!("A validity of {days} days")));
        }
        return Ok(Validity {
            years: None,
            days: Some(days),
            until: None,
        });
    }
    if let Some(text) = date {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let until = Date::parse(&text, format).map_err(|_| {
            ApiError::invalid("custom_expiration_date", "Use the format YYYY-MM-DD.")
        })?;
        let days = (until - now.date()).whole_days();
        if days <= 0 {
            return Err(ApiError::invalid(
                "custom_expiration_date",
                "The date must be in the future.",
            ));
        }
        if days > MAX_VALIDITY_DAYS {
            return Err(too_long(format!("An expiration date {days} days ahead")));
        }
        return Ok(Validity {
            years: None,
            days: None,
            until: Some(until),
        });
    }
    Err(ApiError::required("order_validity"))
}

fn profile_for(product: &Product, requested: Option<&str>) -> ApiResult<Profile> {
    if product.multipurpose_only {
        return Ok(Profile::Multipurpose);
    }
    match requested {
        None | Some("strict") => Ok(Profile::Strict),
        Some("multipurpose") => Ok(Profile::Multipurpose),
        Some(other) => Err(ApiError::invalid(
            "certificate.profile_type",
            format!("profile_type {other} is not one of strict, multipurpose."),
        )),
    }
}

fn usage_for(product: &Product, body: Option<&UsageBody>, profile: Profile) -> ApiResult<Usage> {
    match product.usage {
        UsageRule::Fixed {
            signing,
            encryption,
            client_auth,
        } => Ok(Usage {
            signing,
            encryption,
            non_repudiation: false,
            client_auth,
        }),
        UsageRule::Designated => {
            let body = body.ok_or_else(|| ApiError::required("certificate.usage_designation"))?;
            let primary = body
                .primary_usage
                .as_deref()
                .ok_or_else(|| ApiError::required("certificate.usage_designation.primary_usage"))?;
            let (signing, encryption) = match primary {
                "signing" => (true, false),
                "key_management" => (false, true),
                "dual_use" => (true, true),
                other => {
                    return Err(ApiError::invalid(
                        "certificate.usage_designation.primary_usage",
                        format!("{other} is not one of signing, key_management, dual_use."),
                    ));
                }
            };
            // S/MIME BR §7.1.2.3 (f): the multipurpose profile may add clientAuth, and the
            // Secure Email products sell it as "mail and client authentication"; strict
            // stays emailProtection only.
            let mut usage = Usage {
                signing,
                encryption,
                non_repudiation: false,
                client_auth: profile == Profile::Multipurpose,
            };
            for extra in body.additional_usages.iter().flatten() {
                match extra.as_str() {
                    "non_repudiation" if signing => usage.non_repudiation = true,
                    "client_auth" if profile == Profile::Multipurpose => usage.client_auth = true,
                    "client_auth" => {
                        return Err(ApiError::invalid(
                            "certificate.usage_designation.additional_usages",
                            "client_auth needs profile_type multipurpose: the strict profile allows only emailProtection.",
                        ));
                    }
                    other => {
                        return Err(ApiError::invalid(
                            "certificate.usage_designation.additional_usages",
                            format!("{other} is not allowed with primary usage {primary}."),
                        ));
                    }
                }
            }
            Ok(usage)
        }
    }
}

fn indicator_for(product: &Product, requested: Option<&str>) -> ApiResult<Option<String>> {
    let allowed: &[&str] = match (product.smime_type, product.usage) {
        // Ignored for mailbox certificates: their subject is always the address.
        (SmimeType::Mailbox, _) => return Ok(None),
        (SmimeType::Organization, _) => &["email_address", "organization_name"],
        (SmimeType::Sponsored, UsageRule::Fixed { .. }) => &["given_name_surname", "pseudonym"],
        (SmimeType::Sponsored, UsageRule::Designated) => {
            &["email_address", "given_name_surname", "pseudonym"]
        }
    };
    match requested {
        None if product.common_name_indicator_required => {
            Err(ApiError::required("certificate.common_name_indicator"))
        }
        None => Ok(None),
        Some(value) if allowed.contains(&value) => Ok(Some(value.to_string())),
        Some(value) => Err(ApiError::invalid(
            "certificate.common_name_indicator",
            format!(
                "{value} is not allowed for {}; use one of {}.",
                product.name_id,
                allowed.join(", ")
            ),
        )),
    }
}

fn individual_for(
    product: &Product,
    indicator: Option<&str>,
    body: Option<&IndividualBody>,
) -> ApiResult<Option<Individual>> {
    let needed = product.individual_always_required
        || matches!(indicator, Some("given_name_surname") | Some("pseudonym"));
    let Some(body) = body else {
        return if needed {
            Err(ApiError::required("certificate.individual"))
        } else {
            Ok(None)
        };
    };
    let clean = |s: &Option<String>| {
        s.as_ref()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let individual = Individual {
        first_name: clean(&body.first_name),
        last_name: clean(&body.last_name),
        pseudonym: clean(&body.pseudonym),
    };
    match indicator {
        Some("pseudonym") if individual.pseudonym.is_none() => {
            Err(ApiError::required("certificate.individual.pseudonym"))
        }
        Some("pseudonym") => Ok(Some(individual)),
        _ if needed && individual.first_name.is_none() => {
            Err(ApiError::required("certificate.individual.first_name"))
        }
        _ if needed && individual.last_name.is_none() => {
            Err(ApiError::required("certificate.individual.last_name"))
        }
        _ => Ok(Some(individual)),
    }
}

fn common_name_for(
    product: &Product,
    indicator: Option<&str>,
    individual: Option<&Individual>,
    emails: &[String],
    organization: Option<&str>,
    requested: Option<&str>,
) -> String {
    let first_email = emails.first().cloned().unwrap_or_default();
    if product.smime_type == SmimeType::Mailbox {
        return first_email;
    }
    match (indicator, individual) {
        (Some("email_address"), _) => first_email,
        (Some("organization_name"), _) => organization.unwrap_or_default().to_string(),
        (Some("pseudonym"), Some(i)) => i.pseudonym.clone().unwrap_or_default(),
        (Some("given_name_surname"), Some(i)) => format!(
            "{} {}",
            i.first_name.as_deref().unwrap_or_default(),
            i.last_name.as_deref().unwrap_or_default()
        ),
        _ => requested.map_or(first_email, str::to_string),
    }
}

/// A light syntax check; DigiCert refuses obviously broken addresses up front.
fn plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && email.is_ascii()
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}
