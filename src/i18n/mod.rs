//! The message catalogue: every piece of UI text, in Serbian (Latin) and English.
//!
//! Catalogues are TOML files compiled into the binary. A test checks that both
//! languages have the same keys and that every key a template uses exists.
//! [`format`] writes dates and times the way both languages read them.
pub mod format;

use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Serbian,
    English,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Serbian, Lang::English];

    pub fn code(self) -> &'static str {
        match self {
            Self::Serbian => "sr",
            Self::English => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "sr" => Some(Self::Serbian),
            "en" => Some(Self::English),
            _ => None,
        }
    }

    /// The first language of an `Accept-Language` header we speak, by q-value.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut ranges: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim();
                let quality = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((quality, tag))
            })
            .collect();
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranges.into_iter().find_map(|(quality, tag)| {
            let primary = tag.split('-').next()?.to_ascii_lowercase();
            match primary.as_str() {
                _ if quality <= 0.0 => None,
                // Serbian readers of Latin script also read these closely related languages.
                "sr" | "hr" | "bs" | "cnr" => Some(Self::Serbian),
                "en" => Some(Self::English),
                _ => None,
            }
        })
    }

    /// The text for `key`. A missing key shows the key itself, which the catalogue
    /// test prevents from ever reaching a user.
    pub fn t(self, key: &str) -> &'static str {
        let catalogue = match self {
            Self::Serbian => &*SERBIAN,
            Self::English => &*ENGLISH,
        };
        catalogue.get(key).copied().unwrap_or_else(|| leak_key(key))
    }

    /// The text for `key` with each `{name}` replaced by its value from `args`, for
    /// messages that carry a detail (a number of bits, an address, a date). One pass over
    /// the catalogue's text: braces inside a value (which may be a person's input) stay as
    /// they are.
    pub fn fill<V: AsRef<str>>(self, key: &str, args: &[(&str, V)]) -> String {
        let mut filled = String::new();
        let mut rest = self.t(key);
        while let Some(open) = rest.find('{') {
            filled.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let value = after.find('}').and_then(|close| {
                let name = &after[..close];
                args.iter()
                    .find(|(wanted, _)| *wanted == name)
                    .map(|(_, value)| (value.as_ref(), close))
            });
            match value {
                Some((value, close)) => {
                    filled.push_str(value);
                    rest = &after[close + 1..];
                }
                None => {
                    filled.push('{');
                    rest = after;
                }
            }
        }
        filled.push_str(rest);
        filled
    }
}

fn leak_key(key: &str) -> &'static str {
    static MISSING: LazyLock<std::sync::Mutex<HashMap<String, &'static str>>> =
        LazyLock::new(Default::default);
    let mut missing = MISSING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    missing
        .entry(key.to_owned())
        .or_insert_with(|| Box::leak(key.to_owned().into_boxed_str()))
}

static SERBIAN: LazyLock<HashMap<String, &'static str>> =
    LazyLock::new(|| load(include_str!("../../i18n/sr.toml")));
static ENGLISH: LazyLock<HashMap<String, &'static str>> =
    LazyLock::new(|| load(include_str!("../../i18n/en.toml")));

/// Flattens nested TOML tables into dotted keys.
fn load(source: &'static str) -> HashMap<String, &'static str> {
    let table: toml::Table = toml::from_str(source).unwrap_or_default();
    let mut out = HashMap::new();
    flatten("", &table, &mut out);
    out
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, &'static str>) {
    for (name, value) in table {
        let key = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match value {
            toml::Value::Table(inner) => flatten(&key, inner, out),
            toml::Value::String(text) => {
                out.insert(key, Box::leak(text.clone().into_boxed_str()));
            }
            _ => {}
        }
    }
}

/// Every key of a catalogue, for the completeness tests.
pub fn keys(lang: Lang) -> Vec<String> {
    let catalogue = match lang {
        Lang::Serbian => &*SERBIAN,
        Lang::English => &*ENGLISH,
    };
    let mut keys: Vec<String> = catalogue.keys().cloned().collect();
    keys.sort();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_parse_and_have_the_same_keys() {
        let serbian = keys(Lang::Serbian);
        assert!(serbian.len() > 50, "the Serbian catalogue did not load");
        assert_eq!(serbian, keys(Lang::English));
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut missing = Vec::new();
        for dir in ["templates", "src"] {
            visit(&std::path::Path::new(root).join(dir), &mut |text| {
                for key in used_keys(text) {
                    if !SERBIAN.contains_key(&key) {
                        missing.push(key);
                    }
                }
            });
        }
        missing.sort();
        missing.dedup();
        assert!(
            missing.is_empty(),
            "keys missing from the catalogue: {missing:?}"
        );
    }

    /// Keys appear as `t("key")` in templates and as `"area.key"` literals ending
    /// in message_key() tables; both are quoted strings after `t(` or in `=> "`;
    /// texts with details are `fill("key", …)` and mail subjects `subject("key", …)`.
    fn used_keys(text: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for marker in ["t(\"", "=> \"", "_key: \"", "fill(\"", "subject(\""] {
            for (at, _) in text.match_indices(marker) {
                // `t(` only as a name of its own: `audit_event("order.placed")` ends
                // in `t(` too, and its argument is an audit action, not a text.
                let joined = text[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_');
                if marker.starts_with(|c: char| c.is_alphanumeric()) && joined {
                    continue;
                }
                let piece = &text[at + marker.len()..];
                if let Some(end) = piece.find('"') {
                    let key = &piece[..end];
                    if key.contains('.') && !key.contains(' ') && !key.contains('/') {
                        keys.push(key.to_owned());
                    }
                }
            }
        }
        keys
    }

    fn visit(dir: &std::path::Path, each: &mut dyn FnMut(&str)) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                visit(&path, each);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                each(&text);
            }
        }
    }

    /// The `{name}`s of a text, in order of appearance.
    fn placeholders(text: &str) -> Vec<&str> {
        let mut names: Vec<&str> = text
            .split('{')
            .skip(1)
            .filter_map(|piece| piece.split_once('}').map(|(name, _)| name))
            .collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn both_languages_fill_the_same_details_into_a_text() {
        let mismatched: Vec<String> = keys(Lang::Serbian)
            .into_iter()
            .filter(|key| placeholders(Lang::Serbian.t(key)) != placeholders(Lang::English.t(key)))
            .collect();
        assert!(mismatched.is_empty(), "placeholders differ: {mismatched:?}");
    }

    #[test]
    fn fill_puts_each_detail_in_its_place() {
        assert_eq!(
            Lang::English.fill(
                "person.csr.rsa_too_small",
                &[("bits", "1024"), ("min", "2048")]
            ),
            "The RSA key has 1024 bits; at least 2048 are required."
        );
        // A value that looks like a placeholder is text, not a second substitution.
        assert_eq!(
            Lang::English.fill(
                "person.csr.wrong_mailboxes",
                &[("in_csr", "{ordered}@x.rs"), ("ordered", "ana@x.rs")]
            ),
            "The CSR is for {ordered}@x.rs, but the certificate is ordered for ana@x.rs."
        );
    }

    #[test]
    fn accept_language_picks_the_best_language_we_speak() {
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9"),
            Some(Lang::English)
        );
        assert_eq!(
            Lang::from_accept_language("de;q=1, sr-Latn-RS;q=0.8, en;q=0.5"),
            Some(Lang::Serbian)
        );
        assert_eq!(Lang::from_accept_language("de, fr"), None);
        assert_eq!(
            Lang::from_accept_language("en;q=0, hr;q=0.1"),
            Some(Lang::Serbian)
        );
    }
}
