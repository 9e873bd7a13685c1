//! Field-level error messages for re-shown forms, tied to their inputs, and the
//! cleaning of free-text reasons.
use crate::domain::{InvalidFields, hidden_chars};
use crate::i18n::Lang;

/// The longest reason kept for the audit log.
pub const REASON_MAX_CHARS: usize = 500;

/// A reason typed for the audit log (a suspension, a staff assignment): controls and
/// hidden characters dropped, at most [`REASON_MAX_CHARS`], trimmed; `None` when
/// nothing is left.
pub fn audit_reason(typed: &str) -> Option<String> {
    let reason: String = typed
        .chars()
        .filter(|&c| !c.is_control() && !hidden_chars::is_hidden(c))
        .take(REASON_MAX_CHARS)
        .collect();
    let reason = reason.trim();
    (!reason.is_empty()).then(|| reason.to_owned())
}

/// Errors keyed by field name, holding catalogue keys (never user input), shown in
/// the page's language.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors {
    lang: Lang,
    errors: InvalidFields,
}

impl FieldErrors {
    pub fn new(lang: Lang) -> Self {
        Self::of(lang, InvalidFields::default())
    }

    /// What a domain parser found wrong, to show beside the fields.
    pub fn of(lang: Lang, errors: InvalidFields) -> Self {
        Self { lang, errors }
    }

    pub fn add(&mut self, field: &'static str, message_key: &'static str) {
        self.errors.add(field, message_key);
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn has(&self, field: &str) -> bool {
        self.errors.get(field).is_some()
    }

    /// The message for `field` in the page's language, or "" when it has none.
    pub fn get(&self, field: &str) -> &'static str {
        self.errors.get(field).map_or("", |key| self.lang.t(key))
    }
}
