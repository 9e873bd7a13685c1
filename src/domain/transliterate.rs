//! Writes a person's name in ASCII where only ASCII fits, as S/MIME BR §3.1.4.1 allow.
//!
//! §3.1.4.1 lets a CA convert non-ASCII names "using a system commonly used in the
//! Applicant's Jurisdiction … or recognized by the United Nations or ISO", with accented
//! letters becoming their ASCII base letter. For Serbia that is two steps:
//! 1. Serbian Cyrillic to Serbian Latin, letter for letter by the official alphabet table
//!    (Љ→Lj, Њ→Nj, Џ→Dž, Ђ→Đ, Ћ→Ć, Ч→Č, Ж→Ž, Ш→Š, Ј→J…);
//! 2. Latin to ASCII: accents dropped (č, ć→c; š→s; ž→z; é→e; ä→a), and the letters that
//!    carry no accent to drop spelled out: đ→dj (as in Serbian passports' machine-readable
//!    zone), ß→ss, æ→ae, ø→o, ł→l.
//!
//! Digraphs keep the case of the word: Љиљана → Ljiljana, ЉИЉАНА → LJILJANA.
//! Letters neither table knows (Russian ы, Greek, …) give `None`; the name form refuses them.
use unicode_normalization::UnicodeNormalization;

/// Serbian Cyrillic letters become Serbian Latin; everything else is kept as it is.
/// `None` if a Cyrillic letter outside the Serbian alphabet appears.
pub fn serbian_latin(text: &str) -> Option<String> {
    let chars: Vec<char> = text.nfc().collect();
    let mut out = String::with_capacity(text.len());
    for (index, &c) in chars.iter().enumerate() {
        if !is_cyrillic(c) {
            out.push(c);
            continue;
        }
        let lower = c.to_lowercase().next().unwrap_or(c);
        let latin = cyrillic_letter(lower)?;
        if c == lower {
            out.push_str(latin);
        } else {
            push_capitalised(&mut out, latin, shouting(&chars, index));
        }
    }
    Some(out)
}

/// ASCII for a name in Serbian Latin or Cyrillic (or another Latin-script language).
/// `None` if a letter has no ASCII spelling here.
pub fn to_ascii(text: &str) -> Option<String> {
    latin_to_ascii(&serbian_latin(text)?)
}

fn latin_to_ascii(text: &str) -> Option<String> {
    let chars: Vec<char> = text.nfc().collect();
    let mut out = String::with_capacity(text.len());
    for (index, &c) in chars.iter().enumerate() {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        let lower = c.to_lowercase().next().unwrap_or(c);
        if let Some(spelled) = spelled_out(lower) {
            if c == lower {
                out.push_str(spelled);
            } else {
                push_capitalised(&mut out, spelled, shouting(&chars, index));
            }
            continue;
        }
        // Compatibility decomposition splits accents off their letters and also takes the
        // Serbian digraph code points apart (ǆ → dž, ǉ → lj), whose accents are then dropped.
        for part in c.nfkd() {
            if part.is_ascii() {
                out.push(part);
            } else if is_combining_accent(part) {
                continue;
            } else if let Some(spelled) = spelled_out(part) {
                out.push_str(spelled);
            } else {
                return None;
            }
        }
    }
    Some(out)
}

/// The official Serbian Cyrillic–Latin correspondence, lower case.
fn cyrillic_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'ђ' => "đ",
        'е' => "e",
        'ж' => "ž",
        'з' => "z",
        'и' => "i",
        'ј' => "j",
        'к' => "k",
        'л' => "l",
        'љ' => "lj",
        'м' => "m",
        'н' => "n",
        'њ' => "nj",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'ћ' => "ć",
        'у' => "u",
        'ф' => "f",
        'х' => "h",
        'ц' => "c",
        'ч' => "č",
        'џ' => "dž",
        'ш' => "š",
        _ => return None,
    })
}

/// Latin letters with no accent to drop, lower case.
fn spelled_out(c: char) -> Option<&'static str> {
    Some(match c {
        'đ' => "dj",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'ł' => "l",
        'ð' => "d",
        'þ' => "th",
        'ı' => "i",
        // Typographic apostrophes, as in O’Brien.
        '\u{2019}' | '\u{02BC}' => "'",
        _ => return None,
    })
}

pub(crate) fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{052F}')
}

pub(crate) fn is_latin(c: char) -> bool {
    // Latin-1 Supplement, Extended-A and -B, and Extended Additional, less × and ÷.
    c.is_ascii_alphabetic()
        || (matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}')
            && c != '\u{00D7}'
            && c != '\u{00F7}')
}

pub(crate) fn is_combining_accent(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}')
}

/// A capital is written all in capitals when the word around it is: ЉУБА → LJUBA, Љуба → Ljuba.
fn shouting(chars: &[char], index: usize) -> bool {
    let next = chars.get(index + 1).copied().filter(|c| c.is_alphabetic());
    let previous = index
        .checked_sub(1)
        .and_then(|before| chars.get(before))
        .copied()
        .filter(|c| c.is_alphabetic());
    match (previous, next) {
        (_, Some(next)) => next.is_uppercase(),
        (Some(previous), None) => previous.is_uppercase(),
        (None, None) => false,
    }
}

fn push_capitalised(out: &mut String, lower: &str, all_caps: bool) {
    let mut letters = lower.chars();
    if let Some(first) = letters.next() {
        out.extend(first.to_uppercase());
    }
    for rest in letters {
        if all_caps {
            out.extend(rest.to_uppercase());
        } else {
            out.push(rest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ascii(name: &str) -> String {
        to_ascii(name).unwrap()
    }

    #[test]
    fn serbian_cyrillic_follows_the_official_table() {
        assert_eq!(serbian_latin("Ђорђе").unwrap(), "Đorđe");
        assert_eq!(serbian_latin("Љиљана").unwrap(), "Ljiljana");
        assert_eq!(serbian_latin("Његош").unwrap(), "Njegoš");
        assert_eq!(serbian_latin("Џејн").unwrap(), "Džejn");
        assert_eq!(serbian_latin("Ћирић").unwrap(), "Ćirić");
        assert_eq!(serbian_latin("Јовановић").unwrap(), "Jovanović");
        assert_eq!(
            serbian_latin("Чедомир Жарковић").unwrap(),
            "Čedomir Žarković"
        );
        assert_eq!(serbian_latin("Шћепан").unwrap(), "Šćepan");
        assert_eq!(
            serbian_latin("абвгдђежзијклљмнњопрстћуфхцчџш").unwrap(),
            "abvgdđežzijklljmnnjoprstćufhcčdžš"
        );
    }

    #[test]
    fn digraphs_follow_the_case_of_the_word() {
        assert_eq!(serbian_latin("ЉИЉАНА").unwrap(), "LJILJANA");
        assert_eq!(serbian_latin("ЏАКОВИЋ").unwrap(), "DŽAKOVIĆ");
        assert_eq!(serbian_latin("ЊЕГОШ").unwrap(), "NJEGOŠ");
        assert_eq!(serbian_latin("Љ").unwrap(), "Lj");
        assert_eq!(ascii("ЂОРЂЕ"), "DJORDJE");
        assert_eq!(ascii("ĐORĐE"), "DJORDJE");
    }

    #[test]
    fn serbian_latin_loses_only_its_accents() {
        assert_eq!(ascii("Đorđe Đokić"), "Djordje Djokic");
        assert_eq!(ascii("Čedomir Ćosić"), "Cedomir Cosic");
        assert_eq!(ascii("Šćepan Žarković"), "Scepan Zarkovic");
        assert_eq!(ascii("Džejn"), "Dzejn");
        assert_eq!(ascii("Ljiljana Njegoš"), "Ljiljana Njegos");
    }

    #[test]
    fn cyrillic_names_reach_the_same_ascii_as_their_latin_spelling() {
        for (cyrillic, latin) in [
            ("Ђорђе Јовановић", "Đorđe Jovanović"),
            ("Љиљана Петровић", "Ljiljana Petrović"),
            ("Џејн Ђукић-Шћепановић", "Džejn Đukić-Šćepanović"),
            ("Милош Обреновић", "Miloš Obrenović"),
        ] {
            assert_eq!(serbian_latin(cyrillic).unwrap(), latin);
            assert_eq!(ascii(cyrillic), ascii(latin));
        }
        assert_eq!(ascii("Џејн Ђукић-Шћепановић"), "Dzejn Djukic-Scepanovic");
    }

    #[test]
    fn other_latin_names_drop_their_accents() {
        assert_eq!(ascii("José Müller"), "Jose Muller");
        assert_eq!(ascii("Søren Kierkegaard"), "Soren Kierkegaard");
        assert_eq!(ascii("Straße"), "Strasse");
        assert_eq!(ascii("Łukasz"), "Lukasz");
        assert_eq!(ascii("O’Brien"), "O'Brien");
        assert_eq!(ascii("François Ægir"), "Francois Aegir");
    }

    #[test]
    fn composed_and_decomposed_input_give_the_same_result() {
        assert_eq!(ascii("C\u{30C}ede"), "Cede");
        assert_eq!(serbian_latin("Z\u{30C}arko").unwrap(), "Žarko");
        // The Unicode digraph code points of Serbian Latin.
        assert_eq!(ascii("\u{01C5}ejn \u{01C8}ubica"), "Dzejn Ljubica");
    }

    #[test]
    fn letters_outside_both_tables_have_no_ascii_here() {
        assert_eq!(to_ascii("Ыкин"), None);
        assert_eq!(to_ascii("Σωκράτης"), None);
        assert_eq!(serbian_latin("Щукин"), None);
    }
}
