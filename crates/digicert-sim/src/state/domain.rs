//! Domains and their domain control validation (DCV).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Validation;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Domain {
    pub id: u64,
    pub name: String,
    pub organization_id: u64,
    pub is_active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub date_created: OffsetDateTime,
    /// `email`, `dns-txt-token`, `dns-cname-token` or `http-token`.
    pub dcv_method: String,
    /// Validation types asked for (`ov`, `ev`, `smime`…); they share one DCV.
    pub validation_types: Vec<String>,
    pub validation: Validation,
    pub dcv_token: Option<DcvToken>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DcvToken {
    pub token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expiration_date: OffsetDateTime,
    /// Set through the control API: "the TXT record / HTTP file is in place", so that
    /// `validate-token` succeeds.
    pub published: bool,
}

impl Domain {
    /// Whether `email`'s domain is this domain or one of its subdomains.
    pub fn covers_email(&self, email: &str) -> bool {
        let Some((_, host)) = email.rsplit_once('@') else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        let name = self.name.to_ascii_lowercase();
        host == name || host.ends_with(&format!(".{name}"))
    }

    pub fn validated(&self, now: OffsetDateTime) -> bool {
        self.is_active && self.validation.is_active(now)
    }
}
