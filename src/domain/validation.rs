//! Where a DigiCert validation (an organization's S/MIME validation, a domain's DCV)
//! stands as the portal last saw it, and the one rule for whether it still counts.
use std::fmt;

use time::OffsetDateTime;

/// The stored state of a validation. A domain with none at DigiCert is `none`; an
/// organization the portal has not learnt about yet is `unknown` (the database allows
/// each column its own words: `domains.validation_status` and
/// `institutions.org_validation_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type, serde::Deserialize)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ValidationStatus {
    None,
    Unknown,
    Pending,
    Validated,
    Expired,
}

impl ValidationStatus {
    pub const ALL: [Self; 5] = [
        Self::None,
        Self::Unknown,
        Self::Pending,
        Self::Validated,
        Self::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Unknown => "unknown",
            Self::Pending => "pending",
            Self::Validated => "validated",
            Self::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }

    /// The state in words, for badges.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::None => "validation.none",
            Self::Unknown => "validation.unknown",
            Self::Pending => "validation.pending",
            Self::Validated => "validation.validated",
            Self::Expired => "validation.expired",
        }
    }

    /// Whether DigiCert said it is validated (the end date aside).
    pub fn is_validated(self) -> bool {
        self == Self::Validated
    }

    /// Whether certificates may be ordered against it at `now`: validated, and its end
    /// (`until`) not reached. A validation with no known end does not count.
    pub fn is_current(self, until: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
        self.is_validated() && until.is_some_and(|until| until > now)
    }
}

impl fmt::Display for ValidationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;
    use time::macros::datetime;

    use super::*;

    #[test]
    fn only_a_validation_that_has_not_ended_is_current() {
        let now = datetime!(2026-12-05 08:00 UTC);
        let validated = ValidationStatus::Validated;
        assert!(validated.is_current(Some(now + Duration::seconds(1)), now));
        assert!(!validated.is_current(Some(now), now));
        assert!(!validated.is_current(None, now));
        for status in [
            ValidationStatus::None,
            ValidationStatus::Unknown,
            ValidationStatus::Pending,
            ValidationStatus::Expired,
        ] {
            assert!(!status.is_current(Some(now + Duration::days(300)), now));
        }
    }
}
