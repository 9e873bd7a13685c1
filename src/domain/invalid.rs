//! What is wrong with a typed input, field by field, as catalogue keys (never the input
//! itself), so every door that reads the input (a form, the API) shows the same words.
use std::collections::BTreeMap;

/// Field name → catalogue key of its error; the first error of a field is the one kept.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct InvalidFields(BTreeMap<&'static str, &'static str>);

impl InvalidFields {
    pub fn add(&mut self, field: &'static str, message_key: &'static str) {
        self.0.entry(field).or_insert(message_key);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.get(field).copied()
    }

    /// Each field with its catalogue key, by field name.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.0.iter().map(|(field, key)| (*field, *key))
    }

    /// Records the error of `field`, if any, and passes the value on.
    pub fn check<T>(&mut self, field: &'static str, parsed: Result<T, &'static str>) -> Option<T> {
        parsed.map_err(|key| self.add(field, key)).ok()
    }
}
