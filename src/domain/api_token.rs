//! An API token as an admin asks for one on the "API access" page: a name, scopes, a
//! lifetime in days and optionally the source networks it may be used from. Parsed once
//! here; the page, the command line and the store all trust the result.
use std::str::FromStr;

use ipnet::IpNet;

use super::hidden_chars;
use super::invalid::InvalidFields;

/// What a token may do; each API operation needs one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TokenScope {
    OrdersRead,
    OrdersWrite,
    OrdersRevoke,
    DomainsRead,
    /// Reserved for the people lifecycle; grantable now so tokens need not be remade.
    PeopleWrite,
}

impl TokenScope {
    pub const ALL: [Self; 5] = [
        Self::OrdersRead,
        Self::OrdersWrite,
        Self::OrdersRevoke,
        Self::DomainsRead,
        Self::PeopleWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrdersRead => "orders:read",
            Self::OrdersWrite => "orders:write",
            Self::OrdersRevoke => "orders:revoke",
            Self::DomainsRead => "domains:read",
            Self::PeopleWrite => "people:write",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == text)
    }

    /// The catalogue key of what the scope allows, in words.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::OrdersRead => "api_tokens.scope.orders_read",
            Self::OrdersWrite => "api_tokens.scope.orders_write",
            Self::OrdersRevoke => "api_tokens.scope.orders_revoke",
            Self::DomainsRead => "api_tokens.scope.domains_read",
            Self::PeopleWrite => "api_tokens.scope.people_write",
        }
    }
}

/// How long a token lives unless told otherwise, and at most.
pub const DEFAULT_DAYS: i64 = 90;
pub const MAX_DAYS: i64 = 365;

/// The longest token name, as the table allows.
pub const MAX_NAME_CHARS: usize = 100;

/// More source networks than this is a list that belongs in a firewall.
pub const MAX_NETWORKS: usize = 20;

/// A token's name, as lists and the audit log show it: trimmed, 1 to
/// [`MAX_NAME_CHARS`] characters, none of them invisible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenName(String);

impl TokenName {
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let text = text.trim();
        if text.is_empty() {
            return Err("api_tokens.error.name_required");
        }
        if text.chars().count() > MAX_NAME_CHARS {
            return Err("api_tokens.error.name_too_long");
        }
        // A name is one line: a line break or tab would forge lines in lists and logs.
        if text
            .chars()
            .any(|c| c.is_control() || hidden_chars::is_hidden(c))
        {
            return Err(hidden_chars::MESSAGE_KEY);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A token's lifetime in days: 1 to [`MAX_DAYS`], [`DEFAULT_DAYS`] when left empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenLifetime(i64);

impl TokenLifetime {
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Self(DEFAULT_DAYS));
        }
        Self::days(text.parse().map_err(|_| "api_tokens.error.days")?)
    }

    pub fn days(days: i64) -> Result<Self, &'static str> {
        if (1..=MAX_DAYS).contains(&days) {
            Ok(Self(days))
        } else {
            Err("api_tokens.error.days")
        }
    }

    pub fn in_days(self) -> i64 {
        self.0
    }
}

/// At least one known scope, each once, in a stable order.
pub fn parse_scopes<S: AsRef<str>>(texts: &[S]) -> Result<Vec<TokenScope>, &'static str> {
    let mut scopes = texts
        .iter()
        .map(|text| TokenScope::parse(text.as_ref().trim()).ok_or("api_tokens.error.unknown_scope"))
        .collect::<Result<Vec<_>, _>>()?;
    if scopes.is_empty() {
        return Err("api_tokens.error.no_scope");
    }
    scopes.sort();
    scopes.dedup();
    Ok(scopes)
}

/// The source networks, as CIDR blocks separated by commas, spaces or lines; a bare
/// address is a network of one. Empty means anywhere.
pub fn parse_networks(text: &str) -> Result<Vec<IpNet>, &'static str> {
    let networks = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|part| !part.is_empty())
        .map(|part| {
            IpNet::from_str(part)
                .or_else(|_| std::net::IpAddr::from_str(part).map(IpNet::from))
                // Host bits are dropped: 10.1.2.3/8 means 10.0.0.0/8, as the table stores it.
                .map(|net| net.trunc())
                .map_err(|_| "api_tokens.error.network")
        })
        .collect::<Result<Vec<_>, _>>()?;
    if networks.len() > MAX_NETWORKS {
        return Err("api_tokens.error.too_many_networks");
    }
    Ok(networks)
}

/// The token form as typed; kept whole so a refused form comes back as it was.
#[derive(Debug, Default, Clone)]
pub struct TokenForm {
    pub name: String,
    pub scopes: Vec<String>,
    pub expires_in_days: String,
    pub networks: String,
}

impl TokenForm {
    /// The form from its fields in order: `scope` comes once per ticked box.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut form = Self::default();
        for (name, value) in pairs {
            match name.as_str() {
                "name" => form.name.clone_from(value),
                "scope" => form.scopes.push(value.clone()),
                "expires_in_days" => form.expires_in_days.clone_from(value),
                "networks" => form.networks.clone_from(value),
                _ => {}
            }
        }
        form
    }

    pub fn ticked(&self, scope: &TokenScope) -> bool {
        self.scopes.iter().any(|ticked| ticked == scope.as_str())
    }
}

/// A token to make, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    pub name: TokenName,
    pub scopes: Vec<TokenScope>,
    pub lifetime: TokenLifetime,
    pub allowed_networks: Vec<IpNet>,
}

impl TryFrom<&TokenForm> for NewApiToken {
    type Error = InvalidFields;

    fn try_from(form: &TokenForm) -> Result<Self, InvalidFields> {
        let mut invalid = InvalidFields::default();
        let name = invalid.check("name", TokenName::parse(&form.name));
        let scopes = invalid.check("scope", parse_scopes(&form.scopes));
        let lifetime = invalid.check(
            "expires_in_days",
            TokenLifetime::parse(&form.expires_in_days),
        );
        let networks = invalid.check("networks", parse_networks(&form.networks));
        match (name, scopes, lifetime, networks) {
            (Some(name), Some(scopes), Some(lifetime), Some(allowed_networks)) => Ok(Self {
                name,
                scopes,
                lifetime,
                allowed_networks,
            }),
            _ => Err(invalid),
        }
    }
}

/// Where a token stands, as lists show it and staff filter by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    Active,
    Expired,
    Revoked,
}

impl TokenState {
    pub const ALL: [Self; 3] = [Self::Active, Self::Expired, Self::Revoked];

    /// A revoked token stays revoked after its expiry passes: revocation is the act
    /// someone took, and the one the list should show.
    pub fn of(
        revoked_at: Option<time::OffsetDateTime>,
        expires_at: time::OffsetDateTime,
        now: time::OffsetDateTime,
    ) -> Self {
        if revoked_at.is_some() {
            Self::Revoked
        } else if expires_at <= now {
            Self::Expired
        } else {
            Self::Active
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }

    pub fn message_key(self) -> &'static str {
        match self {
            Self::Active => "api_tokens.state.active",
            Self::Expired => "api_tokens.state.expired",
            Self::Revoked => "api_tokens.state.revoked",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, scopes: &[&str], days: &str, networks: &str) -> TokenForm {
        TokenForm {
            name: name.to_owned(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            expires_in_days: days.to_owned(),
            networks: networks.to_owned(),
        }
    }

    #[test]
    fn an_empty_lifetime_is_ninety_days_and_zero_or_a_year_and_a_day_is_refused() {
        assert_eq!(TokenLifetime::parse("").unwrap().in_days(), DEFAULT_DAYS);
        assert_eq!(TokenLifetime::parse("365").unwrap().in_days(), 365);
        for bad in ["0", "366", "abc", "-1", "1e3"] {
            assert_eq!(
                TokenLifetime::parse(bad),
                Err("api_tokens.error.days"),
                "{bad}"
            );
        }
    }

    #[test]
    fn networks_read_as_cidr_blocks_or_addresses_and_anything_else_is_refused() {
        let parsed = parse_networks("192.0.2.7/24, 2001:db8::1\n10.0.0.1").unwrap();
        let shown: Vec<String> = parsed.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["192.0.2.0/24", "2001:db8::1/128", "10.0.0.1/32"]);
        assert_eq!(
            parse_networks("192.0.2.0/33"),
            Err("api_tokens.error.network")
        );
        assert_eq!(parse_networks("intranet"), Err("api_tokens.error.network"));
    }

    #[test]
    fn a_form_with_every_field_wrong_says_so_for_each_field() {
        let invalid = NewApiToken::try_from(&form("", &[], "0", "x")).unwrap_err();
        assert_eq!(invalid.get("name"), Some("api_tokens.error.name_required"));
        assert_eq!(invalid.get("scope"), Some("api_tokens.error.no_scope"));
        assert_eq!(
            invalid.get("expires_in_days"),
            Some("api_tokens.error.days")
        );
        assert_eq!(invalid.get("networks"), Some("api_tokens.error.network"));
    }

    #[test]
    fn an_unknown_scope_or_a_nul_in_the_name_is_refused() {
        let invalid =
            NewApiToken::try_from(&form("IDM\0", &["orders:read", "root"], "", "")).unwrap_err();
        assert_eq!(invalid.get("name"), Some(hidden_chars::MESSAGE_KEY));
        assert_eq!(invalid.get("scope"), Some("api_tokens.error.unknown_scope"));
    }

    #[test]
    fn a_good_form_gives_its_scopes_once_each() {
        let token = NewApiToken::try_from(&form(
            " IDM ",
            &["orders:write", "orders:read", "orders:write"],
            "30",
            "",
        ))
        .unwrap();
        assert_eq!(token.name.as_str(), "IDM");
        assert_eq!(
            token.scopes,
            [TokenScope::OrdersRead, TokenScope::OrdersWrite]
        );
        assert_eq!(token.lifetime.in_days(), 30);
    }
}
