//! Pre-seeded state: accounts with organizations and domains in a chosen validation state.
//! Used by [`super::SandboxOptions`] (tests, `demo`) and by the control API over HTTP.

use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use super::error::{ApiError, ApiResult};
use super::state::{
    AccessRole, Account, ApprovalMode, Container, DcvToken, Domain, EmailValidationMode,
    IdCounters, IdKind, Organization, SandboxState, User, Validation, ValidationState,
};

/// S/MIME organization validation is reusable for 825 days (digicert-api.md §4.2).
pub const ORGANIZATION_VALIDATION_DAYS: i64 = 825;
/// Domain validation is reusable for 397 days (digicert-api.md §4.3).
pub const DOMAIN_VALIDATION_DAYS: i64 = 397;

#[derive(Debug, Clone, Deserialize)]
pub struct AccountSeed {
    pub api_key: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email_validation: EmailValidationMode,
    #[serde(default)]
    pub request_approval: ApprovalMode,
    #[serde(default)]
    pub access_role: AccessRole,
    #[serde(default)]
    pub organizations: Vec<OrganizationSeed>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OrganizationSeed {
    pub name: String,
    #[serde(default)]
    pub assumed_name: Option<String>,
    #[serde(default = "default_country")]
    pub country: String,
    #[serde(default = "default_city")]
    pub city: String,
    /// The national registration number; `subject:organizationIdentifier` becomes
    /// `NTR<country>-<number>`. Without one, certificates carry no organizationIdentifier.
    #[serde(default)]
    pub registration_number: Option<String>,
    #[serde(default)]
    pub smime: ValidationSeed,
    #[serde(default)]
    pub domains: Vec<DomainSeed>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DomainSeed {
    pub name: String,
    #[serde(default)]
    pub state: ValidationSeed,
}

/// A validation state to seed or to set through the control API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ValidationSeed {
    /// Validated now, until the given time (default: the reuse period).
    Validated {
        #[serde(default, with = "time::serde::rfc3339::option")]
        validated_until: Option<OffsetDateTime>,
    },
    Pending,
    /// Was validated, but the reuse period is over.
    Expired,
    /// Never submitted (organizations only; a domain is always at least pending).
    None,
}

impl Default for ValidationSeed {
    fn default() -> Self {
        ValidationSeed::Validated {
            validated_until: None,
        }
    }
}

impl AccountSeed {
    pub fn new(api_key: impl Into<String>) -> Self {
        Self {
            api_key: api_key.into(),
            name: None,
            email_validation: EmailValidationMode::Automatic,
            request_approval: ApprovalMode::Manual,
            access_role: AccessRole::Administrator,
            organizations: Vec::new(),
        }
    }

    pub fn with_organization(mut self, organization: OrganizationSeed) -> Self {
        self.organizations.push(organization);
        self
    }

    pub fn with_email_validation(mut self, mode: EmailValidationMode) -> Self {
        self.email_validation = mode;
        self
    }

    pub fn with_request_approval(mut self, mode: ApprovalMode) -> Self {
        self.request_approval = mode;
        self
    }

    pub fn with_access_role(mut self, role: AccessRole) -> Self {
        self.access_role = role;
        self
    }
}

impl OrganizationSeed {
    /// An S/MIME-validated organization in Serbia.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            assumed_name: None,
            country: default_country(),
            city: default_city(),
            registration_number: None,
            smime: ValidationSeed::default(),
            domains: Vec::new(),
        }
    }

    pub fn with_registration_number(mut self, number: impl Into<String>) -> Self {
        self.registration_number = Some(number.into());
        self
    }

    pub fn with_smime(mut self, state: ValidationSeed) -> Self {
        self.smime = state;
        self
    }

    pub fn with_domain(mut self, name: impl Into<String>, state: ValidationSeed) -> Self {
        self.domains.push(DomainSeed {
            name: name.into(),
            state,
        });
        self
    }
}

fn default_country() -> String {
    "rs".into()
}

fn default_city() -> String {
    "Belgrade".into()
}

/// Turns a seed state into a stored validation; `None` for "never submitted".
pub fn validation(
    seed: ValidationSeed,
    now: OffsetDateTime,
    reuse_days: i64,
) -> Option<Validation> {
    let state = match seed {
        ValidationSeed::Validated { validated_until } => ValidationState::Validated {
            validated_at: now,
            validated_until: validated_until.unwrap_or(now + Duration::days(reuse_days)),
        },
        ValidationSeed::Expired => ValidationState::Validated {
            validated_at: now - Duration::days(reuse_days + 1),
            validated_until: now - Duration::days(1),
        },
        ValidationSeed::Pending => ValidationState::Pending,
        ValidationSeed::None => return None,
    };
    Some(Validation {
        date_created: now,
        state,
    })
}

pub fn add_account(
    state: &mut SandboxState,
    seed: &AccountSeed,
    now: OffsetDateTime,
) -> ApiResult<u64> {
    if seed.api_key.trim().is_empty() {
        return Err(ApiError::required("api_key"));
    }
    if state.account(&seed.api_key).is_some() {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "duplicate|api_key",
            "An account with this API key exists already.",
        ));
    }
    let ids = &mut state.ids;
    let name = seed.name.clone().unwrap_or_else(|| {
        seed.organizations
            .first()
            .map_or_else(|| "Sandbox account".into(), |o| o.name.clone())
    });
    let mut account = Account {
        api_key: seed.api_key.clone(),
        id: ids.next(IdKind::Account),
        name: name.clone(),
        container: Container {
            id: ids.next(IdKind::Container),
            name,
        },
        user: User {
            id: ids.next(IdKind::User),
            first_name: "Sandbox".into(),
            last_name: "Administrator".into(),
            email: "sandbox-admin@tcs-portal.invalid".into(),
        },
        email_validation: seed.email_validation,
        request_approval: seed.request_approval,
        access_role: seed.access_role,
        mis_issue_profiles: 0,
        organizations: Vec::new(),
        domains: Vec::new(),
        orders: Vec::new(),
        requests: Vec::new(),
        certificates: Vec::new(),
    };
    for org in &seed.organizations {
        add_organization(&mut account, ids, org, now)?;
    }
    let id = account.id;
    state.accounts.push(account);
    Ok(id)
}

pub fn add_organization(
    account: &mut Account,
    ids: &mut IdCounters,
    seed: &OrganizationSeed,
    now: OffsetDateTime,
) -> ApiResult<u64> {
    if seed.name.trim().is_empty() {
        return Err(ApiError::required("name"));
    }
    let country = seed.country.to_ascii_lowercase();
    if country.len() != 2 || !country.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(ApiError::invalid(
            "country",
            "Use a two-letter ISO 3166 country code.",
        ));
    }
    let id = ids.next(IdKind::Organization);
    account.organizations.push(Organization {
        id,
        name: seed.name.clone(),
        assumed_name: seed.assumed_name.clone(),
        address: "Bulevar kralja Aleksandra 90".into(),
        city: seed.city.clone(),
        state: String::new(),
        zip: "11000".into(),
        registration_number: seed.registration_number.clone(),
        country,
        telephone: "+381 11 0000000".into(),
        date_created: now,
        smime: validation(seed.smime, now, ORGANIZATION_VALIDATION_DAYS),
    });
    for domain in &seed.domains {
        add_domain(account, ids, id, &domain.name, domain.state, "email", now)?;
    }
    Ok(id)
}

pub fn add_domain(
    account: &mut Account,
    ids: &mut IdCounters,
    organization_id: u64,
    name: &str,
    state: ValidationSeed,
    dcv_method: &str,
    now: OffsetDateTime,
) -> ApiResult<u64> {
    let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
    if !plausible_domain(&name) {
        return Err(ApiError::bad_request(
            "invalid_domain_name",
            format!("{name} is not a valid domain name."),
        ));
    }
    if account.organization(organization_id).is_none() {
        return Err(ApiError::not_found("organization"));
    }
    if account.domains.iter().any(|d| d.name == name) {
        return Err(ApiError::bad_request(
            "duplicate_domain",
            format!("{name} is already in this account."),
        ));
    }
    let validation = validation(state, now, DOMAIN_VALIDATION_DAYS).unwrap_or(Validation {
        date_created: now,
        state: ValidationState::Pending,
    });
    let id = ids.next(IdKind::Domain);
    account.domains.push(Domain {
        id,
        name,
        organization_id,
        is_active: true,
        date_created: now,
        dcv_method: dcv_method.to_string(),
        validation_types: vec!["ov".into()],
        validation,
        dcv_token: (dcv_method != "email").then(|| new_token(now)),
    });
    Ok(id)
}

/// A fresh DCV random value, valid for 30 days.
pub fn new_token(now: OffsetDateTime) -> DcvToken {
    let bytes: [u8; 16] = rand::random();
    DcvToken {
        token: hex::encode(bytes),
        expiration_date: now + Duration::days(30),
        published: false,
    }
}

pub fn plausible_domain(name: &str) -> bool {
    name.len() <= 253
        && name.contains('.')
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}
