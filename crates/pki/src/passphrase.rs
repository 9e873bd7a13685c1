//! The passphrase shown once to a person whose key the portal makes: it seals the key and opens the PKCS#12.
//!
//! 25 symbols from a 32-symbol alphabet give 125 bits, above the 112 bits the S/MIME BR ask
//! of a PKCS#12 password. The alphabet is Crockford's base32 (no I, L, O or U), so what is read
//! aloud or copied by hand cannot be confused, and what a person types back is forgiven its case,
//! spaces and dashes, and `O`, `I` or `L` typed for `0` or `1`.
use std::fmt;

use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const SYMBOLS: usize = 25;
const GROUP: usize = 5;
/// Each symbol carries log2(32) = 5 bits.
pub const ENTROPY_BITS: usize = SYMBOLS * 5;

/// A passphrase in its canonical form, `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`: exactly what the
/// person sees, and what Outlook or Thunderbird will ask for when they import the PKCS#12.
pub struct Passphrase(SecretString);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PassphraseError {
    #[error("enter the passphrase")]
    Empty,
    #[error("the passphrase has 25 letters and digits")]
    WrongLength,
    #[error("the passphrase contains a character it cannot have")]
    InvalidCharacter,
}

impl PassphraseError {
    pub fn message_key(self) -> &'static str {
        match self {
            Self::Empty => "error.passphrase.empty",
            Self::WrongLength => "error.passphrase.length",
            Self::InvalidCharacter => "error.passphrase.character",
        }
    }
}

impl Passphrase {
    /// A fresh passphrase from the operating system's random source.
    pub fn generate() -> Self {
        let mut random = Zeroizing::new([0u8; SYMBOLS]);
        rand::rngs::OsRng.fill_bytes(random.as_mut());
        // 32 divides 256, so keeping the low five bits of a uniform byte is uniform.
        let symbols = Zeroizing::new(
            random
                .iter()
                .map(|byte| ALPHABET[usize::from(byte & 0x1f)])
                .collect::<Vec<u8>>(),
        );
        Self(canonical(&symbols))
    }

    /// Reads what a person typed back: case, white space and dashes do not matter.
    pub fn parse(input: &str) -> Result<Self, PassphraseError> {
        let mut symbols = Zeroizing::new(Vec::with_capacity(SYMBOLS));
        for c in input.chars() {
            // Word processors and phones turn "-" into typographic dashes.
            if c.is_whitespace() || matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}') {
                continue;
            }
            let symbol = decode_symbol(c).ok_or(PassphraseError::InvalidCharacter)?;
            // Stop early so a pasted novel is not copied into memory.
            if symbols.len() == SYMBOLS {
                return Err(PassphraseError::WrongLength);
            }
            symbols.push(symbol);
        }
        match symbols.len() {
            0 => Err(PassphraseError::Empty),
            SYMBOLS => Ok(Self(canonical(&symbols))),
            _ => Err(PassphraseError::WrongLength),
        }
    }

    /// The canonical form, the one to show and the one that opens the PKCS#12.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

/// Crockford's decoding: letters in either case, with the look-alikes folded onto digits.
fn decode_symbol(c: char) -> Option<u8> {
    let upper = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    u8::try_from(upper)
        .ok()
        .filter(|byte| ALPHABET.contains(byte))
}

fn canonical(symbols: &[u8]) -> SecretString {
    let mut text = Zeroizing::new(String::with_capacity(SYMBOLS + SYMBOLS / GROUP));
    for (index, group) in symbols.chunks(GROUP).enumerate() {
        if index > 0 {
            text.push('-');
        }
        text.extend(group.iter().map(|&byte| char::from(byte)));
    }
    SecretString::from(text.as_str())
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passphrase_gives_at_least_112_bits_in_five_groups() {
        const { assert!(ENTROPY_BITS >= 112) };
        let passphrase = Passphrase::generate();
        let text = passphrase.expose_secret();
        let groups: Vec<&str> = text.split('-').collect();
        assert_eq!(groups.len(), 5);
        assert!(groups.iter().all(|group| group.len() == GROUP));
        assert!(
            text.bytes()
                .filter(|&b| b != b'-')
                .all(|b| ALPHABET.contains(&b))
        );
    }

    #[test]
    fn two_generated_passphrases_differ() {
        assert_ne!(
            Passphrase::generate().expose_secret(),
            Passphrase::generate().expose_secret()
        );
    }

    #[test]
    fn typed_back_sloppily_it_is_the_same_passphrase() {
        let shown = Passphrase::generate();
        let sloppy: String = shown.expose_secret().to_ascii_lowercase().replace('-', " ");
        let typed = Passphrase::parse(&format!("  {sloppy} ")).unwrap();
        assert_eq!(typed.expose_secret(), shown.expose_secret());

        let dashed = shown.expose_secret().replace('-', "\u{2013}");
        assert_eq!(
            Passphrase::parse(&dashed).unwrap().expose_secret(),
            shown.expose_secret()
        );

        let squashed = shown.expose_secret().replace('-', "");
        assert_eq!(
            Passphrase::parse(&squashed).unwrap().expose_secret(),
            shown.expose_secret()
        );
    }

    #[test]
    fn look_alike_letters_are_read_as_digits() {
        let typed = Passphrase::parse("oiL00-11111-22222-33333-44444").unwrap();
        assert_eq!(typed.expose_secret(), "01100-11111-22222-33333-44444");
    }

    #[test]
    fn wrong_shapes_are_refused_with_their_reason() {
        assert_eq!(Passphrase::parse(" - ").err(), Some(PassphraseError::Empty));
        assert_eq!(
            Passphrase::parse("ABCDE-FGHJK").err(),
            Some(PassphraseError::WrongLength)
        );
        assert_eq!(
            Passphrase::parse(&"A".repeat(10_000)).err(),
            Some(PassphraseError::WrongLength)
        );
        assert_eq!(
            Passphrase::parse("ABCDE-FGHJK-MNPQR-STVWX-YZ01U").err(),
            Some(PassphraseError::InvalidCharacter)
        );
        assert_eq!(
            Passphrase::parse("ABCDE-FGHJK-MNPQR-STVWX-YZ01č").err(),
            Some(PassphraseError::InvalidCharacter)
        );
    }

    #[test]
    fn debug_output_hides_the_passphrase() {
        let passphrase = Passphrase::generate();
        let debug = format!("{passphrase:?}");
        assert_eq!(debug, "Passphrase(..)");
    }
}
