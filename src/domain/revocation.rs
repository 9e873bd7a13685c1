//! A revocation as an admin asks for it: one of the reasons the portal offers and an
//! optional comment for the audit log, parsed once for the order page and the API.
//!
//! DigiCert ignores the reason for client certificates (their CRL entries carry no
//! reason code), but the portal still asks for it and records it.
use serde::Deserialize;

use super::hidden_chars;
use super::invalid::InvalidFields;

/// The longest comment kept with a revocation.
pub const MAX_COMMENT_CHARS: usize = 500;

/// The reasons the portal offers (RFC 5280 codes), in the order the page lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevocationReason {
    KeyCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    Unspecified,
}

impl RevocationReason {
    pub const ALL: [Self; 5] = [
        Self::KeyCompromise,
        Self::AffiliationChanged,
        Self::Superseded,
        Self::CessationOfOperation,
        Self::Unspecified,
    ];

    /// RFC 5280's name, as DigiCert spells it and the audit log records it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::KeyCompromise => "keyCompromise",
            Self::AffiliationChanged => "affiliationChanged",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessationOfOperation",
            Self::Unspecified => "unspecified",
        }
    }

    /// The catalogue key of the reason in words.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::KeyCompromise => "order.revoke_reasons.key_compromise",
            Self::AffiliationChanged => "order.revoke_reasons.affiliation_changed",
            Self::Superseded => "order.revoke_reasons.superseded",
            Self::CessationOfOperation => "order.revoke_reasons.cessation",
            Self::Unspecified => "order.revoke_reasons.unspecified",
        }
    }

    pub fn parse(text: &str) -> Result<Self, &'static str> {
        Self::ALL
            .into_iter()
            .find(|reason| reason.as_str() == text)
            .ok_or("order.revoke_reason_required")
    }
}

/// The comment typed with a revocation: trimmed, at most [`MAX_COMMENT_CHARS`], with no
/// character that cannot be seen; may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevocationComment(String);

impl RevocationComment {
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let text = text.trim();
        if text.chars().count() > MAX_COMMENT_CHARS {
            return Err("error.revocation.comment_too_long");
        }
        if hidden_chars::contains_hidden(text) {
            return Err(hidden_chars::MESSAGE_KEY);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A revocation as typed; kept whole so a refused form comes back as it was.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct RevocationForm {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub comment: String,
}

/// What an admin asks DigiCert to do, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    pub reason: RevocationReason,
    pub comment: RevocationComment,
}

impl TryFrom<&RevocationForm> for Revocation {
    type Error = InvalidFields;

    fn try_from(form: &RevocationForm) -> Result<Self, InvalidFields> {
        let mut invalid = InvalidFields::default();
        let reason = invalid.check("reason", RevocationReason::parse(&form.reason));
        let comment = invalid.check("comment", RevocationComment::parse(&form.comment));
        match (reason, comment) {
            (Some(reason), Some(comment)) => Ok(Self { reason, comment }),
            _ => Err(invalid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(reason: &str, comment: &str) -> RevocationForm {
        RevocationForm {
            reason: reason.to_owned(),
            comment: comment.to_owned(),
        }
    }

    #[test]
    fn only_the_offered_reasons_are_taken() {
        let revocation = Revocation::try_from(&form("superseded", "  new key ")).unwrap();
        assert_eq!(revocation.reason, RevocationReason::Superseded);
        assert_eq!(revocation.comment.as_str(), "new key");
        for junk in ["", "KeyCompromise", "certificateHold", "removeFromCRL"] {
            let invalid = Revocation::try_from(&form(junk, "")).unwrap_err();
            assert_eq!(invalid.get("reason"), Some("order.revoke_reason_required"));
        }
    }

    #[test]
    fn a_comment_past_five_hundred_characters_is_refused_not_cut() {
        assert!(Revocation::try_from(&form("unspecified", &"ž".repeat(500))).is_ok());
        let invalid = Revocation::try_from(&form("unspecified", &"ž".repeat(501))).unwrap_err();
        assert_eq!(
            invalid.get("comment"),
            Some("error.revocation.comment_too_long")
        );
    }

    #[test]
    fn a_comment_with_a_hidden_character_is_refused() {
        let invalid = Revocation::try_from(&form("unspecified", "lost\u{202e}pot")).unwrap_err();
        assert_eq!(invalid.get("comment"), Some(hidden_chars::MESSAGE_KEY));
    }
}
