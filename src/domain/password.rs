//! A new password that meets the policy: 12 characters or more, not a common password.
//!
//! Following NIST SP 800-63B: a length floor, a generous ceiling so pass-phrases
//! fit, no composition rules, and a blocklist of passwords known to be common.
use std::collections::HashSet;
use std::sync::LazyLock;

use secrecy::{ExposeSecret, SecretString};

pub const MIN_CHARS: usize = 12;
/// Long enough for any pass-phrase, short enough that hashing stays cheap.
pub const MAX_CHARS: usize = 1024;

static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/common-passwords.txt")
        .lines()
        .filter(|line| !line.is_empty())
        .collect()
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRejection {
    #[error("the password must have at least 12 characters")]
    TooShort,
    #[error("the password is too long")]
    TooLong,
    #[error("this password is too common")]
    Common,
    #[error("the password contains characters that are not allowed")]
    ControlCharacters,
    #[error("the two passwords differ")]
    Mismatch,
}

impl PasswordRejection {
    pub fn message_key(self) -> &'static str {
        match self {
            Self::TooShort => "error.password.too_short",
            Self::TooLong => "error.password.too_long",
            Self::Common => "error.password.common",
            Self::ControlCharacters => "error.password.control",
            Self::Mismatch => "error.password.mismatch",
        }
    }
}

/// A password that passed the policy; only ever handed to the hasher.
pub struct NewPassword(SecretString);

impl NewPassword {
    pub fn parse(password: &str, confirmation: &str) -> Result<Self, PasswordRejection> {
        let length = password.chars().count();
        if length < MIN_CHARS {
            return Err(PasswordRejection::TooShort);
        }
        if length > MAX_CHARS {
            return Err(PasswordRejection::TooLong);
        }
        if password.chars().any(char::is_control) {
            return Err(PasswordRejection::ControlCharacters);
        }
        if COMMON_PASSWORDS.contains(password.to_lowercase().as_str()) {
            return Err(PasswordRejection::Common);
        }
        if password != confirmation {
            return Err(PasswordRejection::Mismatch);
        }
        Ok(Self(SecretString::from(password.to_owned())))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(password: &str) -> Result<(), PasswordRejection> {
        NewPassword::parse(password, password).map(|_| ())
    }

    #[test]
    fn long_uncommon_passwords_pass() {
        assert_eq!(check("correct horse battery"), Ok(()));
        assert_eq!(check(&"ž".repeat(12)), Ok(()));
        assert_eq!(check(&"x".repeat(200)), Ok(()));
    }

    #[test]
    fn short_common_and_odd_passwords_are_refused() {
        assert_eq!(check("elevenchars"), Err(PasswordRejection::TooShort));
        assert_eq!(check("1qaz2wsx3edc"), Err(PasswordRejection::Common));
        assert_eq!(check("1QAZ2WSX3EDC"), Err(PasswordRejection::Common));
        assert_eq!(
            check("twelve chars\0here"),
            Err(PasswordRejection::ControlCharacters)
        );
        assert_eq!(
            check(&"x".repeat(MAX_CHARS + 1)),
            Err(PasswordRejection::TooLong)
        );
        assert_eq!(
            NewPassword::parse("correct horse battery", "correct horse batter").map(|_| ()),
            Err(PasswordRejection::Mismatch)
        );
    }

    #[test]
    fn the_shipped_list_is_loaded() {
        assert!(COMMON_PASSWORDS.len() > 19_000);
    }
}
