//! A DNS domain name as institutions register them: normalised, checked, one owner.
use std::fmt;

/// A lower-case, ASCII (punycode) domain name without a trailing dot.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DomainName(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DomainNameError {
    #[error("enter a domain name")]
    Empty,
    #[error("wildcards are not allowed")]
    Wildcard,
    #[error("a label is longer than 63 characters")]
    LabelTooLong,
    #[error("the name is longer than 253 characters")]
    TooLong,
    #[error("the name contains characters that are not allowed")]
    BadCharacters,
    #[error("a domain needs at least two labels")]
    SingleLabel,
    #[error("the name is not under a domain suffix AMRES allows")]
    OutsideAllowedSuffixes,
    #[error("a bare suffix cannot be registered")]
    BareSuffix,
}

impl DomainNameError {
    pub fn message_key(self) -> &'static str {
        match self {
            Self::Empty => "error.domain.empty",
            Self::Wildcard => "error.domain.wildcard",
            Self::LabelTooLong => "error.domain.label_too_long",
            Self::TooLong => "error.domain.too_long",
            Self::BadCharacters => "error.domain.bad_characters",
            Self::SingleLabel => "error.domain.single_label",
            Self::OutsideAllowedSuffixes => "error.domain.outside_suffixes",
            Self::BareSuffix => "error.domain.bare_suffix",
        }
    }
}

impl DomainName {
    /// Normalises and checks a name typed by a person: trims, lower-cases,
    /// strips one trailing dot, converts Unicode labels to punycode, and refuses
    /// wildcards, over-long labels or names, and anything a host name cannot hold.
    pub fn parse(input: &str) -> Result<Self, DomainNameError> {
        let trimmed = input.trim();
        let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
        if trimmed.is_empty() {
            return Err(DomainNameError::Empty);
        }
        if trimmed.contains('*') {
            return Err(DomainNameError::Wildcard);
        }
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(DomainNameError::BadCharacters);
        }
        // Length limits apply to what is stored, so check them after IDNA, but
        // refuse absurd input before spending time on it.
        if trimmed.len() > 1024 {
            return Err(DomainNameError::TooLong);
        }
        // The lenient conversion first, so over-long names get their own message
        // (the strict one refuses them with a generic error).
        let lenient = idna::domain_to_ascii(trimmed).map_err(|_| DomainNameError::BadCharacters)?;
        if lenient.split('.').any(|label| label.len() > 63) {
            return Err(DomainNameError::LabelTooLong);
        }
        if lenient.len() > 253 {
            return Err(DomainNameError::TooLong);
        }
        let ascii =
            idna::domain_to_ascii_strict(trimmed).map_err(|_| DomainNameError::BadCharacters)?;
        let labels: Vec<&str> = ascii.split('.').collect();
        if labels.len() < 2 {
            return Err(DomainNameError::SingleLabel);
        }
        let host_label = |label: &&str| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        if !labels.iter().all(host_label) {
            return Err(DomainNameError::BadCharacters);
        }
        // `xn--` labels must be valid punycode that round-trips; garbage is refused.
        let (unicode, result) = idna::domain_to_unicode(&ascii);
        if result.is_err()
            || idna::domain_to_ascii_strict(&unicode).ok().as_deref() != Some(ascii.as_str())
        {
            return Err(DomainNameError::BadCharacters);
        }
        Ok(Self(ascii))
    }

    /// Like [`parse`](Self::parse), and also requires the name to sit strictly
    /// below one of `suffixes` (the rule for institution admins).
    pub fn parse_under(input: &str, suffixes: &[String]) -> Result<Self, DomainNameError> {
        let name = Self::parse(input)?;
        let mut under_any = false;
        for suffix in suffixes {
            let suffix = suffix.trim_matches('.').to_ascii_lowercase();
            if name.0 == suffix {
                return Err(DomainNameError::BareSuffix);
            }
            if name.0.ends_with(&format!(".{suffix}")) {
                under_any = true;
            }
        }
        if under_any {
            Ok(name)
        } else {
            Err(DomainNameError::OutsideAllowedSuffixes)
        }
    }

    /// A name read back from our own database, already normalised.
    pub fn from_trusted(stored: String) -> Self {
        Self(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as people read it (IDNs in Unicode).
    pub fn to_unicode(&self) -> String {
        idna::domain_to_unicode(&self.0).0
    }

    /// Whether `host` (an e-mail's domain) is this domain or a subdomain of it.
    pub fn covers(&self, host: &str) -> bool {
        host == self.0 || host.ends_with(&format!(".{}", self.0))
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suffixes() -> Vec<String> {
        vec!["ac.rs".to_owned()]
    }

    #[test]
    fn names_are_lower_cased_and_lose_the_trailing_dot() {
        assert_eq!(
            DomainName::parse_under("EXAMPLE.ac.rs.", &suffixes()).map(|d| d.to_string()),
            Ok("example.ac.rs".into())
        );
    }

    #[test]
    fn unicode_names_are_stored_as_punycode_and_shown_as_unicode() {
        let name = DomainName::parse_under("Šabac.ac.rs", &suffixes());
        assert_eq!(name.as_ref().map(|d| d.as_str()), Ok("xn--abac-f6a.ac.rs"));
        assert_eq!(name.map(|d| d.to_unicode()), Ok("šabac.ac.rs".into()));
        assert_eq!(
            DomainName::parse("факултет.ac.rs").map(|d| d.to_unicode()),
            Ok("факултет.ac.rs".into())
        );
    }

    #[test]
    fn bad_names_are_refused_with_the_reason() {
        let s = suffixes();
        assert_eq!(
            DomainName::parse_under("*.x.ac.rs", &s),
            Err(DomainNameError::Wildcard)
        );
        assert_eq!(
            DomainName::parse_under("ac.rs", &s),
            Err(DomainNameError::BareSuffix)
        );
        assert_eq!(
            DomainName::parse_under("exa mple.ac.rs", &s),
            Err(DomainNameError::BadCharacters)
        );
        assert_eq!(
            DomainName::parse_under(&format!("{}.ac.rs", "a".repeat(64)), &s),
            Err(DomainNameError::LabelTooLong)
        );
        let long = format!("{}.ac.rs", vec!["a".repeat(60); 5].join("."));
        assert!(long.len() >= 254);
        assert_eq!(
            DomainName::parse_under(&long, &s),
            Err(DomainNameError::TooLong)
        );
        assert_eq!(
            DomainName::parse_under("xn--zzzz-garbage.ac.rs", &s),
            Err(DomainNameError::BadCharacters)
        );
        assert_eq!(
            DomainName::parse_under("evil.com", &s),
            Err(DomainNameError::OutsideAllowedSuffixes)
        );
        assert_eq!(
            DomainName::parse_under("evilac.rs", &s),
            Err(DomainNameError::OutsideAllowedSuffixes)
        );
        assert_eq!(
            DomainName::parse_under("a_b.ac.rs", &s),
            Err(DomainNameError::BadCharacters)
        );
        assert_eq!(
            DomainName::parse_under("-a.ac.rs", &s),
            Err(DomainNameError::BadCharacters)
        );
        assert_eq!(
            DomainName::parse_under("a..ac.rs", &s),
            Err(DomainNameError::BadCharacters)
        );
        assert_eq!(
            DomainName::parse("localhost"),
            Err(DomainNameError::SingleLabel)
        );
        assert_eq!(
            DomainName::parse("a\0b.ac.rs"),
            Err(DomainNameError::BadCharacters)
        );
        assert_eq!(DomainName::parse("   "), Err(DomainNameError::Empty));
    }

    #[test]
    fn a_domain_covers_itself_and_its_subdomains_only() {
        let domain = DomainName::parse("etf.bg.ac.rs")
            .unwrap_or_else(|_| DomainName::from_trusted(String::new()));
        assert!(domain.covers("etf.bg.ac.rs"));
        assert!(domain.covers("rti.etf.bg.ac.rs"));
        assert!(!domain.covers("xetf.bg.ac.rs"));
        assert!(!domain.covers("bg.ac.rs"));
    }
}
