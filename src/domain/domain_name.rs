//! A DNS domain name as institutions register them: normalised, checked, one owner.
//!
//! Internationalised names are allowed, as long as each label reads as what it is. After
//! the IDNA mapping (lower case, NFC), every label must be *single-script* in the sense of
//! UTS #39 §5.1 (its resolved script set is not empty; digits and hyphens belong to every
//! script): `еtf` with a Cyrillic `е` and Latin `tf` is refused. A label wholly in one
//! script is fine — Serbian institutions may well use `факултет.ac.rs` — unless every one
//! of its letters has a Latin look-alike (UTS #39 §4 skeleton made only of ASCII), as in
//! Cyrillic `ѕеѕ`, which reads as `ses`: that is a whole-script confusable of an ASCII
//! name and is refused too. Invisible characters are refused before the mapping, which
//! would otherwise drop some of them (a soft hyphen) without a word.
use std::fmt;

use unicode_security::MixedScript;

use super::hidden_chars;

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
    #[error("the name contains invisible or text-direction characters")]
    HiddenCharacters,
    #[error("a label of the name mixes letters of different scripts")]
    MixedScript,
    #[error("a label of the name is made of letters that look like Latin ones")]
    LookAlike,
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
            Self::HiddenCharacters => hidden_chars::MESSAGE_KEY,
            Self::MixedScript => "error.domain.mixed_script",
            Self::LookAlike => "error.domain.look_alike",
            Self::SingleLabel => "error.domain.single_label",
            Self::OutsideAllowedSuffixes => "error.domain.outside_suffixes",
            Self::BareSuffix => "error.domain.bare_suffix",
        }
    }
}

impl DomainName {
    /// Normalises and checks a name typed by a person: trims, lower-cases,
    /// strips one trailing dot, converts Unicode labels to punycode, and refuses
    /// wildcards, over-long labels or names, anything a host name cannot hold, and
    /// labels that look like something else (see the module's comment).
    pub fn parse(input: &str) -> Result<Self, DomainNameError> {
        let trimmed = input.trim();
        if hidden_chars::contains_hidden(trimmed) {
            return Err(DomainNameError::HiddenCharacters);
        }
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
        unicode.split('.').try_for_each(check_label_script)?;
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

/// A label (in Unicode, after the IDNA mapping) must be single-script and must not be a
/// whole-script look-alike of an ASCII label.
fn check_label_script(label: &str) -> Result<(), DomainNameError> {
    if label.is_ascii() {
        return Ok(());
    }
    if !label.is_single_script() {
        return Err(DomainNameError::MixedScript);
    }
    if unicode_security::skeleton(label).all(|c| c.is_ascii()) {
        return Err(DomainNameError::LookAlike);
    }
    Ok(())
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
            Err(DomainNameError::HiddenCharacters)
        );
        assert_eq!(DomainName::parse("   "), Err(DomainNameError::Empty));
    }

    #[test]
    fn a_label_mixing_scripts_is_refused_but_a_whole_cyrillic_label_is_not() {
        // "еtf" with a Cyrillic е (U+0435), and with a Cyrillic т in a Latin word.
        assert_eq!(
            DomainName::parse("\u{0435}tf.bg.ac.rs"),
            Err(DomainNameError::MixedScript)
        );
        assert_eq!(
            DomainName::parse("e\u{0442}f.bg.ac.rs"),
            Err(DomainNameError::MixedScript)
        );
        // Upper-case input is mapped first, and the mapped label is what is checked.
        assert_eq!(
            DomainName::parse("\u{0415}TF.bg.ac.rs"),
            Err(DomainNameError::MixedScript)
        );
        assert!(DomainName::parse("факултет.ac.rs").is_ok());
        assert!(DomainName::parse("електротехнички-факултет.ac.rs").is_ok());
        assert!(DomainName::parse("šabac.ac.rs").is_ok());
        assert!(DomainName::parse("etf2.bg.ac.rs").is_ok());
    }

    #[test]
    fn a_label_whose_every_letter_looks_latin_is_refused() {
        // Cyrillic ѕ, е, ѕ: shown as "ses".
        assert_eq!(
            DomainName::parse("\u{0455}\u{0435}\u{0455}.ac.rs"),
            Err(DomainNameError::LookAlike)
        );
        // Cyrillic е, т, ф: the т and ф have no Latin twin, so nobody reads it as ASCII.
        assert!(DomainName::parse("\u{0435}\u{0442}\u{0444}.ac.rs").is_ok());
    }

    #[test]
    fn invisible_characters_are_refused_before_idna_could_drop_them() {
        for hidden in [
            "et\u{00AD}f.bg.ac.rs",
            "et\u{200B}f.bg.ac.rs",
            "etf\u{200D}.bg.ac.rs",
            "\u{202E}sr.ca.gb.fte",
            "etf.bg.ac.rs\u{2069}",
        ] {
            assert_eq!(
                DomainName::parse(hidden),
                Err(DomainNameError::HiddenCharacters),
                "{hidden:?}"
            );
        }
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
