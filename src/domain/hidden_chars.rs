//! The one rule, shared by every name a person types, against characters that cannot be seen.
//!
//! A name is read by other people: an institution's name, a person's display name, the name
//! in a certificate, a domain. Characters that show nothing, or that change how the text
//! around them is shown, let a name look like another: bidirectional embeddings, overrides
//! and isolates (U+202A–U+202E, U+2066–U+2069) reorder what follows them, zero-width spaces
//! and joiners (U+200B–U+200D, U+FEFF) hide inside a word, and Hangul fillers or variation
//! selectors render as nothing at all. Refused are:
//! - controls (general category Cc) other than white space, which every name collapses;
//! - format characters (Cf), which holds every bidi control and zero-width character;
//! - private-use characters (Co), whose look depends on whichever font has them;
//! - default-ignorable code points (UTS #39 identifier type Default_Ignorable), the
//!   invisible characters that are not format characters (U+115F, U+3164, U+FE00–U+FE0F…).
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
use unicode_security::GeneralSecurityProfile;
use unicode_security::general_security_profile::IdentifierType;

/// The catalogue key of the field error for a name with such a character.
pub const MESSAGE_KEY: &str = "error.text.hidden_characters";

/// Whether `c` must not appear in a name.
pub fn is_hidden(c: char) -> bool {
    if c.is_whitespace() {
        return false;
    }
    matches!(
        c.general_category(),
        GeneralCategory::Control | GeneralCategory::Format | GeneralCategory::PrivateUse
    ) || c.identifier_type() == Some(IdentifierType::Default_Ignorable)
}

/// Whether `text` holds a character that [`is_hidden`].
pub fn contains_hidden(text: &str) -> bool {
    text.chars().any(is_hidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_controls_are_hidden() {
        for c in ('\u{202A}'..='\u{202E}').chain('\u{2066}'..='\u{2069}') {
            assert!(is_hidden(c), "U+{:04X}", u32::from(c));
        }
        assert!(is_hidden('\u{200E}') && is_hidden('\u{200F}') && is_hidden('\u{061C}'));
    }

    #[test]
    fn zero_width_and_other_invisible_characters_are_hidden() {
        for c in [
            '\u{00AD}',
            '\u{034F}',
            '\u{115F}',
            '\u{1160}',
            '\u{17B4}',
            '\u{180B}',
            '\u{180E}',
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{2060}',
            '\u{2064}',
            '\u{3164}',
            '\u{FE0F}',
            '\u{FEFF}',
            '\u{FFA0}',
            '\u{E0041}',
            '\u{E0100}',
            '\u{E000}',
            '\0',
            '\u{7F}',
        ] {
            assert!(is_hidden(c), "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn letters_of_every_script_spaces_and_punctuation_are_not() {
        assert!(!contains_hidden("Đorđe Jovanović-Šćekić O’Brien, J. R."));
        assert!(!contains_hidden("Ђорђе Јовановић"));
        assert!(!contains_hidden("Ελένη 王小明 محمد"));
        // White space is collapsed by the names themselves, so it is not this rule's business.
        assert!(!contains_hidden("Ana\u{00A0}\tMarija\u{3000}"));
    }
}
