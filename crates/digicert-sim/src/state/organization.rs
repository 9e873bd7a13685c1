//! Organizations and their (S/MIME) validation.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Organization {
    pub id: u64,
    pub name: String,
    pub assumed_name: Option<String>,
    pub address: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    /// ISO 3166-1 alpha-2, lower case as DigiCert returns it.
    pub country: String,
    pub telephone: String,
    /// The organization's number in its national business register (in Serbia the
    /// matični broj), as the API client sent it; `None` until one is given.
    #[serde(default)]
    pub registration_number: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub date_created: OffsetDateTime,
    pub smime: Option<Validation>,
}

/// One validation of an organization or a domain.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Validation {
    #[serde(with = "time::serde::rfc3339")]
    pub date_created: OffsetDateTime,
    pub state: ValidationState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ValidationState {
    Pending,
    Validated {
        #[serde(with = "time::serde::rfc3339")]
        validated_at: OffsetDateTime,
        #[serde(with = "time::serde::rfc3339")]
        validated_until: OffsetDateTime,
    },
}

impl Validation {
    /// DigiCert's status word at `now`: `pending`, `active` or `expired`.
    pub fn status(&self, now: OffsetDateTime) -> &'static str {
        match self.state {
            ValidationState::Pending => "pending",
            ValidationState::Validated {
                validated_until, ..
            } if validated_until > now => "active",
            ValidationState::Validated { .. } => "expired",
        }
    }

    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.status(now) == "active"
    }

    pub fn validated_until(&self) -> Option<OffsetDateTime> {
        match self.state {
            ValidationState::Pending => None,
            ValidationState::Validated {
                validated_until, ..
            } => Some(validated_until),
        }
    }
}

impl Organization {
    pub fn smime_active(&self, now: OffsetDateTime) -> bool {
        self.smime.as_ref().is_some_and(|v| v.is_active(now))
    }

    /// `subject:organizationIdentifier` per S/MIME BR §7.1.4.2.2 (d): the registration
    /// scheme `NTR`, the country and the registration number, e.g. `NTRRS-07032501`.
    /// `None` while DigiCert has no registration number for the organization.
    pub fn organization_identifier(&self) -> Option<String> {
        self.registration_number
            .as_deref()
            .map(|number| format!("NTR{}-{number}", self.country.to_ascii_uppercase()))
    }

    pub fn display_name(&self) -> String {
        match &self.assumed_name {
            Some(assumed) => format!("{} ({assumed})", self.name),
            None => self.name.clone(),
        }
    }
}
