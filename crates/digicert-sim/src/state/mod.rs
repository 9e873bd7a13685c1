//! The sandbox's data: accounts (one per API key) and everything they own. Plain data with
//! serde so `persist` can write it to the state directory; behaviour lives in `lifecycle`.

mod account;
mod domain;
mod order;
mod organization;

pub use account::{AccessRole, Account, ApprovalMode, Container, EmailValidationMode, User};
pub use domain::{DcvToken, Domain};
pub use order::{
    EmailCheck, Individual, IssuedCertificate, Order, OrderStatus, Profile, Request, RequestStatus,
    RequestType, Revocation, Usage,
};
pub use organization::{Organization, Validation, ValidationState};
use serde::{Deserialize, Serialize};

/// Everything that survives a restart when a state directory is configured.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SandboxState {
    pub accounts: Vec<Account>,
    pub ids: IdCounters,
    pub clock_offset_seconds: i64,
    /// The CRL each CA published last.
    #[serde(default)]
    pub crls: Crls,
}

/// The last CRL of each CA; each has its own number sequence.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Crls {
    pub root: Option<PublishedCrl>,
    pub intermediate: Option<PublishedCrl>,
}

/// A CRL as published, kept so later downloads get the same bytes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PublishedCrl {
    pub number: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub this_update: time::OffsetDateTime,
    /// How many revoked certificates it lists; revocations are final, so a higher count
    /// means the CRL is out of date.
    pub revoked: usize,
    pub der_hex: String,
}

/// Ids are unique across accounts, as in CertCentral, so an id from one account looked up with
/// another account's key is simply "not found".
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdCounters {
    next: u64,
}

impl Default for IdCounters {
    fn default() -> Self {
        Self { next: 1000 }
    }
}

impl IdCounters {
    /// Ids look like DigiCert's (several digits) but each kind gets its own range prefix,
    /// which makes logs easier to read: 7xxxxx orders, 8xxxxx requests, 9xxxxx certificates.
    pub fn next(&mut self, kind: IdKind) -> u64 {
        self.next += 1;
        kind.base() + self.next
    }
}

#[derive(Debug, Clone, Copy)]
pub enum IdKind {
    Account,
    Container,
    User,
    Organization,
    Domain,
    Order,
    Request,
    Certificate,
}

impl IdKind {
    fn base(self) -> u64 {
        match self {
            IdKind::Account => 1_600_000,
            IdKind::Container => 630_000,
            IdKind::User => 2_700_000,
            IdKind::Organization => 90_000,
            IdKind::Domain => 1_580_000,
            IdKind::Order => 700_000,
            IdKind::Request => 800_000,
            IdKind::Certificate => 900_000,
        }
    }
}

impl SandboxState {
    pub fn account(&self, api_key: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.api_key == api_key)
    }

    pub fn account_mut(&mut self, api_key: &str) -> Option<&mut Account> {
        self.accounts.iter_mut().find(|a| a.api_key == api_key)
    }
}
