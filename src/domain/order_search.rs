//! What the orders' search box asked for, read once: which index can answer it depends on
//! its shape (issue 16 §2).

/// The longest search term kept; the rest of a longer one is ignored.
pub const MAX_CHARS: usize = 200;

/// A piece of a name or an address, in any case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderSearch {
    /// A piece with exactly one '@' and no white space ("ana@", "@etf.bg.ac.rs",
    /// "petrovic@etf"): it can only lie inside one address, whose local part then ends
    /// with `local_end` and whose domain starts with `domain_start` (either may be empty).
    /// A name never holds an '@' (`PersonName` refuses it), so nothing else can match.
    /// The trigram index cannot answer such a piece cheaply: "osoba4242@" is made of
    /// trigrams that nearly every address shares, so it read megabytes of the index per
    /// search at a million orders; an index on the addresses' reversed local parts finds
    /// the few that end so.
    Address {
        local_end: String,
        domain_start: String,
    },
    /// Any other piece of the names and addresses.
    Text(String),
}

impl OrderSearch {
    /// The search for what was typed, trimmed and cut at [`MAX_CHARS`]; none when blank.
    pub fn parse(typed: &str) -> Option<Self> {
        let term: String = typed.trim().chars().take(MAX_CHARS).collect();
        if term.is_empty() {
            return None;
        }
        let address = match term.split_once('@') {
            Some((local, domain))
                if !domain.contains('@') && !term.contains(char::is_whitespace) =>
            {
                Some(Self::Address {
                    local_end: local.to_owned(),
                    domain_start: domain.to_owned(),
                })
            }
            _ => None,
        };
        Some(address.unwrap_or(Self::Text(term)))
    }
}

#[cfg(test)]
mod tests {
    use super::OrderSearch;

    fn address(local_end: &str, domain_start: &str) -> Option<OrderSearch> {
        Some(OrderSearch::Address {
            local_end: local_end.to_owned(),
            domain_start: domain_start.to_owned(),
        })
    }

    #[test]
    fn a_piece_around_one_at_sign_is_searched_as_part_of_one_address() {
        assert_eq!(OrderSearch::parse(" Osoba4242@ "), address("Osoba4242", ""));
        assert_eq!(
            OrderSearch::parse("@etf.bg.ac.rs"),
            address("", "etf.bg.ac.rs")
        );
        assert_eq!(OrderSearch::parse("ana@etf"), address("ana", "etf"));
        assert_eq!(OrderSearch::parse("@"), address("", ""));
    }

    #[test]
    fn names_spaces_and_two_at_signs_are_searched_as_text() {
        assert_eq!(
            OrderSearch::parse("Petrović"),
            Some(OrderSearch::Text("Petrović".to_owned()))
        );
        assert_eq!(
            OrderSearch::parse("ana@etf.rs mila@"),
            Some(OrderSearch::Text("ana@etf.rs mila@".to_owned()))
        );
        assert_eq!(
            OrderSearch::parse("a@b@c"),
            Some(OrderSearch::Text("a@b@c".to_owned()))
        );
    }

    #[test]
    fn a_blank_search_is_no_search_and_a_long_one_is_cut() {
        assert_eq!(OrderSearch::parse(" \t "), None);
        let long = "x".repeat(500);
        assert_eq!(
            OrderSearch::parse(&long),
            Some(OrderSearch::Text("x".repeat(200)))
        );
    }
}
