//! How guessable a new password is, by the zxcvbn estimator, and why, as a catalogue message.
//!
//! zxcvbn (Dropbox's estimator, the `zxcvbn` crate) finds what a cracker tries first —
//! repeats (`aaaaaaaaaaaa`, 29 nines), sequences, keyboard rows, dictionary words, names,
//! dates — and what it knows about the person: their e-mail address and name are given to
//! it as "user inputs". A password must reach score 3 (more than 10⁸ guesses). One that
//! leans on the person's own e-mail or name must reach 4 (more than 10¹⁰): `AnaAnic2024!`
//! reaches 3 on its own and is still refused for Ana Anić.
//!
//! The estimator's cost grows quickly with length (a 100-character password made of
//! characters with many "l33t" readings takes about a second of CPU), so only the first
//! [`ESTIMATED_CHARS`] characters are estimated. A longer password is as strong as its
//! first 64 characters at least. Callers run this off the async threads.
use zxcvbn::Score;
use zxcvbn::feedback::{Suggestion, Warning};
use zxcvbn::matching::patterns::MatchPattern;

use super::transliterate;

/// How much of a password is estimated (see the module comment).
pub const ESTIMATED_CHARS: usize = 64;

/// Words about the portal itself that belong in nobody's password; they count as
/// personal details of everyone.
const SERVICE_WORDS: [&str; 3] = ["amres", "tcs", "digicert"];

/// What the estimator knows about the person choosing the password.
#[derive(Debug, Clone)]
pub struct PersonalDetails {
    /// Lower-cased: the e-mail address, its local part and the pieces of both, each
    /// name with its words in their own letters and in ASCII, and the service words.
    words: Vec<String>,
}

impl Default for PersonalDetails {
    /// Nothing known about the person but the service they are on.
    fn default() -> Self {
        Self::new("", &[])
    }
}

impl PersonalDetails {
    pub fn new(email: &str, names: &[&str]) -> Self {
        let mut words: Vec<String> = SERVICE_WORDS.map(str::to_owned).to_vec();
        let email = email.trim().to_lowercase();
        if let Some((local, domain)) = email.rsplit_once('@') {
            words.push(local.to_owned());
            words.extend(pieces(local, &['.', '_', '-', '+']));
            words.extend(pieces(domain, &['.', '-']));
        }
        words.push(email);
        for name in names {
            let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
            for form in [Some(name.clone()), transliterate::to_ascii(&name)]
                .into_iter()
                .flatten()
            {
                let form = form.to_lowercase();
                words.extend(pieces(&form, &[' ', '-', '\'']));
                words.push(form.replace(' ', ""));
                words.push(form);
            }
        }
        words.retain(|word| word.chars().count() >= 3);
        words.sort();
        words.dedup();
        Self { words }
    }

    fn is_personal(&self, word: &str) -> bool {
        self.words.iter().any(|personal| personal == word)
    }
}

fn pieces(text: &str, separators: &[char]) -> Vec<String> {
    text.split(|c| separators.contains(&c))
        .map(str::to_owned)
        .collect()
}

/// Why zxcvbn finds a password too easy to guess, one catalogue message each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    PersonalDetails,
    CommonPassword,
    SimilarToCommon,
    RepeatedCharacters,
    RepeatedPattern,
    Sequence,
    KeyboardRow,
    KeyboardPattern,
    SingleWord,
    Names,
    RecentYear,
    Date,
    Capitalization,
    Substitutions,
    Reversed,
    /// zxcvbn gave no particular reason: too few uncommon words.
    FewWords,
}

impl Weakness {
    pub fn message_key(self) -> &'static str {
        match self {
            Self::PersonalDetails => "error.password.personal",
            Self::CommonPassword => "error.password.common",
            Self::SimilarToCommon => "error.password.similar_to_common",
            Self::RepeatedCharacters => "error.password.repeated_characters",
            Self::RepeatedPattern => "error.password.repeated_pattern",
            Self::Sequence => "error.password.sequence",
            Self::KeyboardRow => "error.password.keyboard_row",
            Self::KeyboardPattern => "error.password.keyboard_pattern",
            Self::SingleWord => "error.password.single_word",
            Self::Names => "error.password.names",
            Self::RecentYear => "error.password.recent_year",
            Self::Date => "error.password.date",
            Self::Capitalization => "error.password.capitalization",
            Self::Substitutions => "error.password.substitutions",
            Self::Reversed => "error.password.reversed",
            Self::FewWords => "error.password.few_words",
        }
    }

    fn from_warning(warning: Warning) -> Self {
        match warning {
            Warning::StraightRowsOfKeysAreEasyToGuess => Self::KeyboardRow,
            Warning::ShortKeyboardPatternsAreEasyToGuess => Self::KeyboardPattern,
            Warning::RepeatsLikeAaaAreEasyToGuess => Self::RepeatedCharacters,
            Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => Self::RepeatedPattern,
            Warning::ThisIsATop10Password
            | Warning::ThisIsATop100Password
            | Warning::ThisIsACommonPassword => Self::CommonPassword,
            Warning::ThisIsSimilarToACommonlyUsedPassword => Self::SimilarToCommon,
            Warning::SequencesLikeAbcAreEasyToGuess => Self::Sequence,
            Warning::RecentYearsAreEasyToGuess => Self::RecentYear,
            Warning::AWordByItselfIsEasyToGuess => Self::SingleWord,
            Warning::DatesAreOftenEasyToGuess => Self::Date,
            Warning::NamesAndSurnamesByThemselvesAreEasyToGuess
            | Warning::CommonNamesAndSurnamesAreEasyToGuess => Self::Names,
        }
    }

    /// The suggestion that names a reason; the general ones ("add another word") say
    /// nothing the fallback message does not.
    fn from_suggestion(suggestion: Suggestion) -> Option<Self> {
        match suggestion {
            Suggestion::CapitalizationDoesntHelpVeryMuch
            | Suggestion::AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase => {
                Some(Self::Capitalization)
            }
            Suggestion::ReversedWordsArentMuchHarderToGuess => Some(Self::Reversed),
            Suggestion::PredictableSubstitutionsDontHelpVeryMuch => Some(Self::Substitutions),
            Suggestion::UseALongerKeyboardPatternWithMoreTurns => Some(Self::KeyboardPattern),
            Suggestion::AvoidRepeatedWordsAndCharacters => Some(Self::RepeatedPattern),
            Suggestion::AvoidSequences => Some(Self::Sequence),
            Suggestion::AvoidRecentYears | Suggestion::AvoidYearsThatAreAssociatedWithYou => {
                Some(Self::RecentYear)
            }
            Suggestion::AvoidDatesAndYearsThatAreAssociatedWithYou => Some(Self::Date),
            Suggestion::UseAFewWordsAvoidCommonPhrases
            | Suggestion::NoNeedForSymbolsDigitsOrUppercaseLetters
            | Suggestion::AddAnotherWordOrTwo => None,
        }
    }
}

/// Ok when the password is hard enough to guess for this person; otherwise the reason.
pub fn assess(password: &str, personal: &PersonalDetails) -> Result<(), Weakness> {
    let estimated: String = password.chars().take(ESTIMATED_CHARS).collect();
    let inputs: Vec<&str> = personal.words.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(&estimated, &inputs);
    // zxcvbn reports a user-input match as a dictionary match of the (lower-cased) input.
    let leans_on_person = estimate.sequence().iter().any(|found| {
        matches!(&found.pattern, MatchPattern::Dictionary(word) if personal.is_personal(&word.matched_word))
    });
    let needed = if leans_on_person {
        Score::Four
    } else {
        Score::Three
    };
    if estimate.score() >= needed {
        return Ok(());
    }
    if leans_on_person {
        return Err(Weakness::PersonalDetails);
    }
    let feedback = estimate.feedback();
    let from_warning = feedback
        .and_then(|feedback| feedback.warning())
        .map(Weakness::from_warning);
    let from_suggestions = || {
        feedback.and_then(|feedback| {
            feedback
                .suggestions()
                .iter()
                .find_map(|&suggestion| Weakness::from_suggestion(suggestion))
        })
    };
    Err(from_warning
        .or_else(from_suggestions)
        .unwrap_or(Weakness::FewWords))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ana() -> PersonalDetails {
        PersonalDetails::new("ana.anic@etf.bg.ac.rs", &["Ana Anić"])
    }

    #[test]
    fn repeats_are_refused_with_the_reason() {
        assert_eq!(
            assess("aaaaaaaaaaaa", &ana()),
            Err(Weakness::RepeatedCharacters)
        );
        assert_eq!(
            assess(&"9".repeat(29), &ana()),
            Err(Weakness::RepeatedCharacters)
        );
        assert_eq!(
            assess(&"password".repeat(8), &ana()),
            Err(Weakness::RepeatedPattern)
        );
    }

    #[test]
    fn the_persons_own_email_and_name_are_refused() {
        for password in [
            "ana.anic@etf.bg.ac.rs",
            "ANA.ANIC@ETF.BG.AC.RS",
            "AnaAnic2024!",
            "ana anić ana anić",
        ] {
            assert_eq!(
                assess(password, &ana()),
                Err(Weakness::PersonalDetails),
                "{password}"
            );
        }
        // For someone else these are only moderately weak or fine.
        assert_eq!(assess("AnaAnic2024!", &PersonalDetails::default()), Ok(()));
    }

    #[test]
    fn sequences_keyboard_rows_and_common_words_are_refused() {
        assert_eq!(assess("abcdefghijklmn", &ana()), Err(Weakness::Sequence));
        assert_eq!(assess("mnbvcxzlkjhgfd", &ana()), Err(Weakness::KeyboardRow));
        assert_eq!(
            assess("qwertyuiopasdf", &ana()),
            Err(Weakness::SimilarToCommon)
        );
        assert_eq!(
            assess("amres tcs digicert", &PersonalDetails::default()),
            Err(Weakness::PersonalDetails)
        );
    }

    #[test]
    fn pass_phrases_and_random_strings_pass() {
        for password in [
            "correct horse battery staple",
            "a long test pass-phrase",
            "qH7#vL2p!xR9wZ4k",
            "Tcs-8fK2mQz0PqLd-pw",
            "Ana voli planinarenje po Fruškoj gori",
        ] {
            assert_eq!(assess(password, &ana()), Ok(()), "{password}");
        }
    }

    #[test]
    fn only_the_first_64_characters_are_estimated() {
        let weak_start = format!("{}{}", "a".repeat(ESTIMATED_CHARS), "qH7#vL2p!xR9wZ4k");
        assert_eq!(
            assess(&weak_start, &ana()),
            Err(Weakness::RepeatedCharacters)
        );
        let strong_start = format!("{}{}", "qH7#vL2p!xR9wZ4k", "a".repeat(1000));
        assert_eq!(assess(&strong_start, &ana()), Ok(()));
    }

    #[test]
    fn every_weakness_has_its_own_message() {
        let all = [
            Weakness::PersonalDetails,
            Weakness::CommonPassword,
            Weakness::SimilarToCommon,
            Weakness::RepeatedCharacters,
            Weakness::RepeatedPattern,
            Weakness::Sequence,
            Weakness::KeyboardRow,
            Weakness::KeyboardPattern,
            Weakness::SingleWord,
            Weakness::Names,
            Weakness::RecentYear,
            Weakness::Date,
            Weakness::Capitalization,
            Weakness::Substitutions,
            Weakness::Reversed,
            Weakness::FewWords,
        ];
        let keys: std::collections::HashSet<_> = all.iter().map(|w| w.message_key()).collect();
        assert_eq!(keys.len(), all.len());
    }
}
