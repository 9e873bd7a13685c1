//! A new password that meets the policy: 12 characters or more, not a common password,
//! not easy to guess.
//!
//! Following NIST SP 800-63B: a length floor, a generous ceiling so pass-phrases
//! fit, no composition rules, a blocklist of passwords known to be common, and a check
//! against repetitive or sequential characters and context-specific words (the person's
//! e-mail and name), done by the zxcvbn estimator ([`super::password_strength`]).
//! Estimating costs CPU (up to a few hundred milliseconds for a hostile input), so
//! [`NewPassword::parse`] belongs on a blocking thread.
use std::collections::HashSet;
use std::sync::LazyLock;

use secrecy::{ExposeSecret, SecretString};

use super::password_strength::{self, PersonalDetails, Weakness};

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
    #[error("the password is too easy to guess")]
    Guessable(Weakness),
    #[error("the new password is the current one")]
    SameAsCurrent,
}

impl PasswordRejection {
    pub fn message_key(self) -> &'static str {
        match self {
            Self::TooShort => "error.password.too_short",
            Self::TooLong => "error.password.too_long",
            Self::Common => "error.password.common",
            Self::ControlCharacters => "error.password.control",
            Self::Mismatch => "error.password.mismatch",
            Self::Guessable(weakness) => weakness.message_key(),
            Self::SameAsCurrent => "error.password.same_as_current",
        }
    }
}

/// A password that passed the policy; only ever handed to the hasher.
pub struct NewPassword(SecretString);

impl NewPassword {
    pub fn parse(
        password: &str,
        confirmation: &str,
        personal: &PersonalDetails,
    ) -> Result<Self, PasswordRejection> {
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
        password_strength::assess(password, personal).map_err(PasswordRejection::Guessable)?;
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
        let personal = PersonalDetails::new("ana@etf.bg.ac.rs", &["Ana Anić"]);
        NewPassword::parse(password, password, &personal).map(|_| ())
    }

    #[test]
    fn long_uncommon_passwords_pass() {
        assert_eq!(check("correct horse battery"), Ok(()));
        assert_eq!(check("žuta kuća na ćošku"), Ok(()));
        assert_eq!(check(&"Fruška gora u proleće ".repeat(9)), Ok(()));
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
            NewPassword::parse(
                "correct horse battery",
                "correct horse batter",
                &PersonalDetails::default()
            )
            .map(|_| ()),
            Err(PasswordRejection::Mismatch)
        );
    }

    #[test]
    fn guessable_passwords_are_refused_with_zxcvbns_reason() {
        assert_eq!(
            check("aaaaaaaaaaaa"),
            Err(PasswordRejection::Guessable(Weakness::RepeatedCharacters))
        );
        assert_eq!(
            check(&"9".repeat(29)),
            Err(PasswordRejection::Guessable(Weakness::RepeatedCharacters))
        );
        assert_eq!(
            check("ana@etf.bg.ac.rs"),
            Err(PasswordRejection::Guessable(Weakness::PersonalDetails))
        );
        assert_eq!(
            check(&"x".repeat(200)),
            Err(PasswordRejection::Guessable(Weakness::RepeatedCharacters))
        );
    }

    #[test]
    fn the_shipped_list_is_loaded() {
        assert!(COMMON_PASSWORDS.len() > 19_000);
    }
}
