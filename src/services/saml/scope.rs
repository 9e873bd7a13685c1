//! Whether a scoped value (`ana@etf.bg.ac.rs`, `staff@etf.bg.ac.rs`) may come from this IdP
//! for this institution: its scope must be one of the institution's validated domains or
//! under one, and, when the IdP's metadata lists `shibmd:Scope`s, one of them.
pub struct ScopeRules<'a> {
    pub validated_domains: &'a [String],
    pub idp_scopes: &'a [String],
}

impl ScopeRules<'_> {
    pub fn allows(&self, scoped_value: &str) -> bool {
        let Some((_, scope)) = scoped_value.rsplit_once('@') else {
            return false;
        };
        let scope = scope.to_ascii_lowercase();
        let under_a_domain = self.validated_domains.iter().any(|domain| {
            scope == *domain
                || scope
                    .strip_suffix(domain.as_str())
                    .is_some_and(|prefix| prefix.ends_with('.'))
        });
        let within_metadata = self.idp_scopes.is_empty() || self.idp_scopes.contains(&scope);
        under_a_domain && within_metadata
    }
}
