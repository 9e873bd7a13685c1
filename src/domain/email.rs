//! An e-mail address as the portal accepts it: one mailbox, ASCII local part, sane lengths.
use std::fmt;

/// A syntactically valid, lower-cased e-mail address (RFC 5321 limits).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("enter an e-mail address")]
    Empty,
    #[error("the e-mail address is too long")]
    TooLong,
    #[error("this is not a valid e-mail address")]
    Invalid,
}

impl EmailError {
    /// The catalogue key of the message shown next to the field.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::Empty => "error.email.empty",
            Self::TooLong => "error.email.too_long",
            Self::Invalid => "error.email.invalid",
        }
    }
}

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        // 254 is the longest address that fits an SMTP path.
        if trimmed.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = trimmed.rsplit_once('@').ok_or(EmailError::Invalid)?;
        if local.is_empty() || local.len() > 64 || !local.bytes().all(is_local_part_byte) {
            return Err(EmailError::Invalid);
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(EmailError::Invalid);
        }
        if !is_host_name(domain) {
            return Err(EmailError::Invalid);
        }
        Ok(Self(trimmed.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }
}

/// Printable ASCII allowed unquoted in a local part (RFC 5322 atext and dots).
fn is_local_part_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&byte)
}

fn is_host_name(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        assert_eq!(
            EmailAddress::parse("  Ana.Petrovic@ETF.bg.ac.rs ").map(|e| e.to_string()),
            Ok("ana.petrovic@etf.bg.ac.rs".to_owned())
        );
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "",
            "   ",
            "ana",
            "@etf.ac.rs",
            "ana@",
            "ana@localhost",
            "ana@@etf.ac.rs",
            "a na@etf.ac.rs",
            "ana@etf..ac.rs",
            ".ana@etf.ac.rs",
            "ana@-etf.ac.rs",
            "ana\0@etf.ac.rs",
            "ana'; DROP TABLE accounts;--@x.rs",
            "ана@etf.ac.rs",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn a_ten_thousand_character_address_is_too_long() {
        let long = format!("{}@etf.ac.rs", "a".repeat(10_000));
        assert_eq!(EmailAddress::parse(&long), Err(EmailError::TooLong));
    }
}
