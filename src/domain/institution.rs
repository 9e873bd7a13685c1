//! Institution facts: slug, registration number (matični broj), names, roles, status.
use serde::{Deserialize, Serialize};

/// The short, URL-safe handle of an institution (`etf-bg`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("use 2 to 50 lower-case letters, digits and dashes, not starting or ending with a dash")]
pub struct SlugError;

impl Slug {
    pub fn parse(input: &str) -> Result<Self, SlugError> {
        let slug = input.trim().to_ascii_lowercase();
        let ok = (2..=50).contains(&slug.len())
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !slug.starts_with('-')
            && !slug.ends_with('-');
        if ok { Ok(Self(slug)) } else { Err(SlugError) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The national registration number of a legal entity (matični broj): eight
/// digits, the last one a mod-11 check digit over the first seven with weights
/// 8…2 (a remainder that leaves 10 or 11 gives check digit 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationNumberError {
    #[error("the registration number has exactly 8 digits")]
    Format,
    #[error("the registration number's check digit does not match")]
    Checksum,
}

impl RegistrationNumberError {
    pub fn message_key(self) -> &'static str {
        match self {
            Self::Format => "error.institution.registration_format",
            Self::Checksum => "error.institution.registration_checksum",
        }
    }
}

impl RegistrationNumber {
    pub fn parse(input: &str) -> Result<Self, RegistrationNumberError> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegistrationNumberError::Format);
        }
        let values: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        let sum: u32 = values[..7]
            .iter()
            .zip((2..=8).rev())
            .map(|(digit, weight)| digit * weight)
            .sum();
        let check = match 11 - sum % 11 {
            10 | 11 => 0,
            other => other,
        };
        if values[7] == check {
            Ok(Self(digits))
        } else {
            Err(RegistrationNumberError::Checksum)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new or edited institution whose every field passed its checks.
#[derive(Debug, Clone)]
pub struct NewInstitution {
    pub slug: Slug,
    pub name_sr: String,
    pub name_en: String,
    pub short_name: String,
    pub registration_number: RegistrationNumber,
    pub registered: bool,
    pub digicert_org_id: Option<i64>,
}

/// Why a free-text institution name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameError {
    Empty,
    TooLong,
    HiddenCharacters,
}

impl NameError {
    pub fn message_key(self) -> &'static str {
        match self {
            Self::Empty => "error.institution.name_empty",
            Self::TooLong => "error.institution.name_too_long",
            Self::HiddenCharacters => super::hidden_chars::MESSAGE_KEY,
        }
    }
}

/// A name (Serbian, English or short) with white space collapsed.
pub fn parse_name(input: &str, max_chars: usize) -> Result<String, NameError> {
    let value = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if value.is_empty() {
        Err(NameError::Empty)
    } else if value.chars().count() > max_chars {
        Err(NameError::TooLong)
    } else if super::hidden_chars::contains_hidden(&value) {
        Err(NameError::HiddenCharacters)
    } else {
        Ok(value)
    }
}

/// A role inside one institution. Admins change things; auditors only read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstitutionRole {
    Auditor,
    Admin,
}

impl InstitutionRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Auditor => "auditor",
        }
    }

    pub fn from_db(value: &str) -> Option<Self> {
        match value {
            "admin" => Some(Self::Admin),
            "auditor" => Some(Self::Auditor),
            _ => None,
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Self::Admin => "role.admin",
            Self::Auditor => "role.auditor",
        }
    }
}

/// Where an institution stands with TCS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TcsStatus {
    Applied,
    Registered,
    Suspended,
}

impl TcsStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Registered => "registered",
            Self::Suspended => "suspended",
        }
    }

    pub fn from_db(value: &str) -> Option<Self> {
        match value {
            "applied" => Some(Self::Applied),
            "registered" => Some(Self::Registered),
            "suspended" => Some(Self::Suspended),
            _ => None,
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Self::Applied => "tcs_status.applied",
            Self::Registered => "tcs_status.registered",
            Self::Suspended => "tcs_status.suspended",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_registration_numbers_pass_the_check_digit() {
        // 0,7,0,3,2,5,0 weighted 8…2 sum to 87; 87 mod 11 = 10; 11 - 10 = 1.
        assert!(RegistrationNumber::parse("07032501").is_ok());
        // Remainder 1 leaves 10, which becomes check digit 0.
        assert!(RegistrationNumber::parse("07003170").is_ok());
        assert!(RegistrationNumber::parse(" 0703 2501 ").is_ok());
    }

    #[test]
    fn wrong_check_digits_and_formats_are_refused() {
        assert_eq!(
            RegistrationNumber::parse("07032502"),
            Err(RegistrationNumberError::Checksum)
        );
        assert_eq!(
            RegistrationNumber::parse("0703250"),
            Err(RegistrationNumberError::Format)
        );
        assert_eq!(
            RegistrationNumber::parse("0703250a"),
            Err(RegistrationNumberError::Format)
        );
        assert_eq!(
            RegistrationNumber::parse("070325011"),
            Err(RegistrationNumberError::Format)
        );
    }

    #[test]
    fn slugs_are_short_lower_case_handles() {
        assert_eq!(
            Slug::parse(" ETF-bg ").map(|s| s.as_str().to_owned()),
            Ok("etf-bg".into())
        );
        for bad in [
            "-etf",
            "etf-",
            "e",
            "etf bg",
            "etf_bg",
            "ђ",
            &"a".repeat(51),
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn institution_names_with_hidden_characters_are_refused() {
        assert_eq!(
            parse_name("  Elektrotehnički   fakultet ", 300),
            Ok("Elektrotehnički fakultet".into())
        );
        for hidden in [
            "ETF\u{202E}",
            "E\u{200D}TF",
            "\u{2067}ETF\u{2069}",
            "ETF\u{FE0F}",
        ] {
            assert_eq!(
                parse_name(hidden, 300),
                Err(NameError::HiddenCharacters),
                "{hidden:?}"
            );
        }
    }
}
