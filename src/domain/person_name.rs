//! The given name and surname that go into a person's certificate, in Serbian Latin or Cyrillic, with their ASCII spelling.
//!
//! Each part is at most 64 characters, and so is the whole name: the certificate's common
//! name is "given surname", and X.520 bounds a common name at 64 characters
//! (`ub-common-name`, RFC 5280 appendix A). The ASCII spelling, which can be longer
//! (Љ→Lj, Đ→Dj), must fit the same bound.
//!
//! Refused, each with its own message: nothing, only punctuation, digits, control,
//! invisible or bidirectional characters (they make a name display as something it is
//! not), symbols, letters of scripts other than Latin and Cyrillic or that have no ASCII
//! spelling, and a word mixing Latin and Cyrillic letters (Cyrillic "а" inside a Latin
//! name looks the same and is another name).
use std::fmt;

use unicode_normalization::UnicodeNormalization;

use super::hidden_chars;
use super::transliterate::{self, is_combining_accent, is_cyrillic, is_latin};

pub const MAX_CHARS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PersonNameError {
    #[error("enter the name")]
    Empty,
    #[error("the name is longer than 64 characters")]
    TooLong,
    #[error("the name contains invisible or text-direction characters")]
    HiddenCharacters,
    #[error("a name cannot contain digits")]
    Digits,
    #[error("the name contains characters that are not allowed in a name")]
    Characters,
    #[error("the name has no letters")]
    NoLetters,
    #[error("a word of the name mixes Latin and Cyrillic letters")]
    MixedScript,
    #[error("write the name in Serbian Latin or Cyrillic letters")]
    UnsupportedLetters,
}

impl PersonNameError {
    pub fn message_key(self) -> &'static str {
        match self {
            Self::Empty => "error.person_name.empty",
            Self::TooLong => "error.person_name.too_long",
            Self::HiddenCharacters => hidden_chars::MESSAGE_KEY,
            Self::Digits => "error.person_name.digits",
            Self::Characters => "error.person_name.characters",
            Self::NoLetters => "error.person_name.no_letters",
            Self::MixedScript => "error.person_name.mixed_script",
            Self::UnsupportedLetters => "error.person_name.unsupported_letters",
        }
    }
}

/// One part of a name (given name or surname): NFC, single spaces, with its ASCII spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePart {
    text: String,
    ascii: String,
}

impl NamePart {
    pub fn parse(input: &str) -> Result<Self, PersonNameError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PersonNameError::Empty);
        }
        // A loose bound on the raw input first, so a pasted page is refused before any work
        // on it; decomposed accents and runs of spaces still leave room for a real name.
        if trimmed.chars().nth(2 * MAX_CHARS).is_some() {
            return Err(PersonNameError::TooLong);
        }
        if hidden_chars::contains_hidden(trimmed) {
            return Err(PersonNameError::HiddenCharacters);
        }
        let text = trimmed
            .nfc()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if text.chars().count() > MAX_CHARS {
            return Err(PersonNameError::TooLong);
        }
        check_characters(&text)?;
        for word in text.split(is_name_punctuation) {
            let latin = word.chars().any(is_latin);
            let cyrillic = word.chars().any(is_cyrillic);
            if latin && cyrillic {
                return Err(PersonNameError::MixedScript);
            }
        }
        let ascii = transliterate::to_ascii(&text).ok_or(PersonNameError::UnsupportedLetters)?;
        if ascii.chars().count() > MAX_CHARS {
            return Err(PersonNameError::TooLong);
        }
        Ok(Self { text, ascii })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The ASCII spelling, to show on the order form and to use where only ASCII fits.
    pub fn ascii(&self) -> &str {
        &self.ascii
    }
}

impl fmt::Display for NamePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A person's full name as the certificate will carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    given_name: NamePart,
    surname: NamePart,
}

impl PersonName {
    /// Joins two parsed parts; refused when "given surname" no longer fits a common name.
    pub fn new(given_name: NamePart, surname: NamePart) -> Result<Self, PersonNameError> {
        let name = Self {
            given_name,
            surname,
        };
        if name.common_name().chars().count() > MAX_CHARS
            || name.common_name_ascii().chars().count() > MAX_CHARS
        {
            return Err(PersonNameError::TooLong);
        }
        Ok(name)
    }

    pub fn given_name(&self) -> &NamePart {
        &self.given_name
    }

    pub fn surname(&self) -> &NamePart {
        &self.surname
    }

    /// "Given Surname", as written.
    pub fn common_name(&self) -> String {
        format!("{} {}", self.given_name.text, self.surname.text)
    }

    /// "Given Surname" in ASCII (S/MIME BR §3.1.4.1).
    pub fn common_name_ascii(&self) -> String {
        format!("{} {}", self.given_name.ascii, self.surname.ascii)
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.given_name, self.surname)
    }
}

/// Letters, accents on them, and the punctuation names carry: space, hyphen (double names,
/// which S/MIME BR §3.1.1 count as one), apostrophe (O'Brien, d'Arco) and the period of an
/// initial. Digits and everything else are refused, and so is a name with no letter at all.
fn check_characters(text: &str) -> Result<(), PersonNameError> {
    let mut has_letter = false;
    let mut after_letter = false;
    for c in text.chars() {
        if c.is_numeric() {
            return Err(PersonNameError::Digits);
        }
        // Punctuation first: the modifier-letter apostrophe (U+02BC) counts as a letter in
        // Unicode, but in a name it is an apostrophe.
        if is_name_punctuation(c) {
            after_letter = false;
        } else if c.is_alphabetic() {
            if !is_latin(c) && !is_cyrillic(c) {
                return Err(PersonNameError::UnsupportedLetters);
            }
            has_letter = true;
            after_letter = true;
        } else if !(is_combining_accent(c) && after_letter) {
            return Err(PersonNameError::Characters);
        }
    }
    if has_letter {
        Ok(())
    } else {
        Err(PersonNameError::NoLetters)
    }
}

/// Space, hyphen, period and the apostrophes; they also separate the words of a name.
fn is_name_punctuation(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '\'' | '\u{2019}' | '\u{02BC}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(input: &str) -> Result<NamePart, PersonNameError> {
        NamePart::parse(input)
    }

    fn name(given: &str, surname: &str) -> PersonName {
        PersonName::new(parsed(given).unwrap(), parsed(surname).unwrap()).unwrap()
    }

    #[test]
    fn serbian_names_in_latin_keep_their_letters_and_get_an_ascii_spelling() {
        let djordje = name("Đorđe", "Jovanović");
        assert_eq!(djordje.common_name(), "Đorđe Jovanović");
        assert_eq!(djordje.common_name_ascii(), "Djordje Jovanovic");

        let ljiljana = name("Ljiljana", "Čolić-Šćekić");
        assert_eq!(ljiljana.common_name_ascii(), "Ljiljana Colic-Scekic");

        let dzejn = name("Džejn", "Žarković");
        assert_eq!(dzejn.common_name_ascii(), "Dzejn Zarkovic");
    }

    #[test]
    fn serbian_names_in_cyrillic_are_kept_and_transliterated() {
        let djordje = name("Ђорђе", "Јовановић");
        assert_eq!(djordje.common_name(), "Ђорђе Јовановић");
        assert_eq!(djordje.common_name_ascii(), "Djordje Jovanovic");

        assert_eq!(
            name("Љиљана", "Његош").common_name_ascii(),
            "Ljiljana Njegos"
        );
        assert_eq!(name("Џејн", "Ћирић").common_name_ascii(), "Dzejn Ciric");
        assert_eq!(
            name("Милица", "Ђукић Шћепановић").surname().ascii(),
            "Djukic Scepanovic"
        );
    }

    #[test]
    fn white_space_is_tidied_and_decomposed_letters_are_composed() {
        let given = parsed("  Ana \u{00A0}  Marija ").unwrap();
        assert_eq!(given.as_str(), "Ana Marija");
        let surname = parsed("Z\u{30C}arkovic\u{301}").unwrap();
        assert_eq!(surname.as_str(), "Žarković");
        assert_eq!(surname.ascii(), "Zarkovic");
    }

    #[test]
    fn initials_apostrophes_and_double_names_are_names() {
        assert_eq!(parsed("J. R.").unwrap().as_str(), "J. R.");
        assert_eq!(parsed("O’Brien").unwrap().ascii(), "O'Brien");
        assert_eq!(parsed("O\u{02BC}Brien").unwrap().ascii(), "O'Brien");
        assert_eq!(
            parsed("Petrović-Njegoš").unwrap().ascii(),
            "Petrovic-Njegos"
        );
    }

    #[test]
    fn empty_and_punctuation_only_names_are_refused() {
        assert_eq!(parsed(""), Err(PersonNameError::Empty));
        assert_eq!(parsed("   "), Err(PersonNameError::Empty));
        assert_eq!(parsed("."), Err(PersonNameError::NoLetters));
        assert_eq!(parsed("-"), Err(PersonNameError::NoLetters));
        assert_eq!(parsed("- . -"), Err(PersonNameError::NoLetters));
        assert_eq!(parsed("'"), Err(PersonNameError::NoLetters));
        assert_eq!(parsed("\u{02BC}"), Err(PersonNameError::NoLetters));
    }

    #[test]
    fn long_names_are_refused_without_trouble() {
        assert_eq!(parsed(&"a".repeat(10_000)), Err(PersonNameError::TooLong));
        assert_eq!(parsed(&"Ђ".repeat(10_000)), Err(PersonNameError::TooLong));
        assert_eq!(
            parsed(&"a".repeat(MAX_CHARS)).map(|p| p.ascii().len()),
            Ok(MAX_CHARS)
        );
        assert_eq!(
            parsed(&"a".repeat(MAX_CHARS + 1)),
            Err(PersonNameError::TooLong)
        );
        // 64 letters typed with combining accents are still 64 letters.
        let decomposed = "c\u{30C}".repeat(MAX_CHARS);
        assert_eq!(parsed(&decomposed).map(|p| p.ascii().len()), Ok(MAX_CHARS));
        // 40 Cyrillic letters fit, but their ASCII spelling (Lj, Nj…) would not.
        assert_eq!(parsed(&"Љ".repeat(40)), Err(PersonNameError::TooLong));
    }

    #[test]
    fn full_name_must_fit_a_common_name() {
        let given = parsed(&"A".repeat(40)).unwrap();
        let surname = parsed(&"B".repeat(30)).unwrap();
        assert_eq!(
            PersonName::new(given, surname),
            Err(PersonNameError::TooLong)
        );
    }

    #[test]
    fn control_invisible_and_bidi_characters_are_refused() {
        for input in [
            "Ana\u{0}",
            "Ana\u{180E}",
            "An\u{200B}a",
            "Ana\u{200D}",
            "\u{202E}anA",
            "Ana\u{2066}x\u{2069}",
            "Ana\u{FEFF}",
            "Ana\u{00AD}",
            "Ana\u{E0041}",
        ] {
            assert_eq!(
                parsed(input),
                Err(PersonNameError::HiddenCharacters),
                "{input:?}"
            );
        }
        // White space of any kind is only white space: it collapses to one space.
        assert_eq!(parsed("Ana\nMarija").unwrap().as_str(), "Ana Marija");
    }

    #[test]
    fn digits_and_symbols_are_refused() {
        assert_eq!(parsed("Ana2"), Err(PersonNameError::Digits));
        assert_eq!(parsed("Ana²"), Err(PersonNameError::Digits));
        assert_eq!(parsed("Ana٣"), Err(PersonNameError::Digits));
        assert_eq!(parsed("Ana@uni"), Err(PersonNameError::Characters));
        assert_eq!(parsed("Ana 😀"), Err(PersonNameError::Characters));
        assert_eq!(parsed("<script>"), Err(PersonNameError::Characters));
        assert_eq!(parsed("\u{301}Ana"), Err(PersonNameError::Characters));
        assert_eq!(parsed("O'\u{301}Brien"), Err(PersonNameError::Characters));
    }

    #[test]
    fn a_word_mixing_latin_and_cyrillic_is_refused() {
        // Cyrillic а (U+0430) in a Latin name, and Latin a (U+0061) in a Cyrillic one.
        assert_eq!(parsed("Mil\u{0430}n"), Err(PersonNameError::MixedScript));
        assert_eq!(parsed("\u{0410}na"), Err(PersonNameError::MixedScript));
        assert_eq!(parsed("Мил\u{0061}н"), Err(PersonNameError::MixedScript));
        assert_eq!(
            parsed("Petrović Јовановић").map(|p| p.ascii().to_owned()),
            Ok("Petrovic Jovanovic".into())
        );
    }

    #[test]
    fn letters_without_a_serbian_or_latin_spelling_are_refused() {
        assert_eq!(parsed("Σωκράτης"), Err(PersonNameError::UnsupportedLetters));
        assert_eq!(parsed("Ыкин"), Err(PersonNameError::UnsupportedLetters));
        assert_eq!(parsed("李"), Err(PersonNameError::UnsupportedLetters));
    }

    #[test]
    fn every_refusal_has_its_own_message_key() {
        let keys = [
            PersonNameError::Empty,
            PersonNameError::TooLong,
            PersonNameError::HiddenCharacters,
            PersonNameError::Digits,
            PersonNameError::Characters,
            PersonNameError::NoLetters,
            PersonNameError::MixedScript,
            PersonNameError::UnsupportedLetters,
        ]
        .map(PersonNameError::message_key);
        // Hidden characters get the message every name shares; the rest are this form's own.
        assert!(
            keys.iter()
                .all(|key| key.starts_with("error.person_name.")
                    || *key == hidden_chars::MESSAGE_KEY)
        );
        let unique: std::collections::HashSet<_> = keys.iter().collect();
        assert_eq!(unique.len(), keys.len());
    }
}
