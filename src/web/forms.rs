//! Field-level error messages for re-shown forms, tied to their inputs.
use std::collections::BTreeMap;

use crate::i18n::Lang;

/// Errors keyed by field name, holding catalogue keys (never user input).
#[derive(Debug, Default, Clone)]
pub struct FieldErrors {
    lang: Lang,
    errors: BTreeMap<&'static str, &'static str>,
}

impl FieldErrors {
    pub fn new(lang: Lang) -> Self {
        Self {
            lang,
            errors: BTreeMap::new(),
        }
    }

    pub fn add(&mut self, field: &'static str, message_key: &'static str) {
        self.errors.entry(field).or_insert(message_key);
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn has(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }

    /// The message for `field` in the page's language, or "" when it has none.
    pub fn get(&self, field: &str) -> &'static str {
        self.errors.get(field).map_or("", |key| self.lang.t(key))
    }
}
