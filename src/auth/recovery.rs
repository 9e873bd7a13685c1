//! Single-use recovery codes: ten per account, shown once, stored as keyed hashes.
use rand::Rng;

pub const CODES_PER_ACCOUNT: usize = 10;
/// Without 0/O and 1/I/L, so codes survive being written down and read back.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const GROUPS: usize = 3;
const GROUP_LEN: usize = 4;

/// Fresh codes, formatted `XXXX-XXXX-XXXX` (about 59 bits each).
pub fn generate() -> Vec<String> {
    let mut rng = rand::rngs::OsRng;
    (0..CODES_PER_ACCOUNT)
        .map(|_| {
            (0..GROUPS)
                .map(|_| {
                    (0..GROUP_LEN)
                        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect()
}

/// The canonical form that is hashed: upper case, dashes and spaces dropped, so
/// "abcd efgh-jkmn" matches "ABCD-EFGH-JKMN". `None` when it cannot be a code.
pub fn normalize(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == GROUPS * GROUP_LEN && code.bytes().all(|b| ALPHABET.contains(&b)))
        .then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_distinct_codes_that_normalise() {
        let codes = generate();
        assert_eq!(codes.len(), CODES_PER_ACCOUNT);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), CODES_PER_ACCOUNT);
        for code in &codes {
            assert_eq!(
                normalize(&code.to_lowercase().replace('-', " ")),
                Some(code.replace('-', ""))
            );
        }
        assert_eq!(normalize("123456"), None);
    }
}
