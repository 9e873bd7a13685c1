//! A person's display name: any script, nothing hidden, a sane length.
use std::fmt;

use super::hidden_chars;

pub const MAX_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DisplayNameError {
    #[error("enter a name")]
    Empty,
    #[error("the name is too long")]
    TooLong,
    #[error("the name contains invisible or text-direction characters")]
    HiddenCharacters,
}

impl DisplayNameError {
    pub fn message_key(self) -> &'static str {
        match self {
            Self::Empty => "error.name.empty",
            Self::TooLong => "error.name.too_long",
            Self::HiddenCharacters => hidden_chars::MESSAGE_KEY,
        }
    }
}

impl DisplayName {
    pub fn parse(input: &str) -> Result<Self, DisplayNameError> {
        // Collapse runs of white space so "Ana   Petrović" and "Ana Petrović" are one name.
        let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err(DisplayNameError::Empty);
        }
        if name.chars().count() > MAX_CHARS {
            return Err(DisplayNameError::TooLong);
        }
        if hidden_chars::contains_hidden(&name) {
            return Err(DisplayNameError::HiddenCharacters);
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serbian_names_in_both_scripts_are_kept() {
        assert_eq!(
            DisplayName::parse(" Ђорђе  Јовановић ").map(|n| n.to_string()),
            Ok("Ђорђе Јовановић".into())
        );
        assert_eq!(
            DisplayName::parse("Đorđe Jovanović").map(|n| n.to_string()),
            Ok("Đorđe Jovanović".into())
        );
    }

    #[test]
    fn empty_long_control_and_invisible_names_are_refused() {
        assert_eq!(DisplayName::parse("  "), Err(DisplayNameError::Empty));
        assert_eq!(
            DisplayName::parse(&"a".repeat(10_000)),
            Err(DisplayNameError::TooLong)
        );
        assert_eq!(
            DisplayName::parse("Ana\0"),
            Err(DisplayNameError::HiddenCharacters)
        );
        for hidden in ["Ana\u{202E}", "A\u{200B}na", "Ana\u{2066}x", "\u{3164}Ana"] {
            assert_eq!(
                DisplayName::parse(hidden),
                Err(DisplayNameError::HiddenCharacters),
                "{hidden:?}"
            );
        }
    }
}
