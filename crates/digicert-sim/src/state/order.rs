//! Orders, their approval requests and the certificates issued for them.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Order {
    pub id: u64,
    pub product: String,
    pub status: OrderStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub date_created: OffsetDateTime,
    pub organization_id: Option<u64>,
    pub container_id: u64,
    pub common_name: String,
    pub emails: Vec<EmailCheck>,
    /// PEM of the CSR supplied with the order, or at pickup.
    pub csr: Option<String>,
    pub key_size: Option<usize>,
    pub signature_hash: String,
    /// What the client asked for, echoed as `order_validity`.
    pub validity_years: Option<u32>,
    pub validity_days: Option<u32>,
    pub custom_expiration_date: Option<Date>,
    /// `certificate.cert_validity`, when shorter than the order.
    #[serde(default)]
    pub cert_validity_days: Option<u32>,
    pub comments: Option<String>,
    pub organization_units: Vec<String>,
    pub common_name_indicator: Option<String>,
    pub individual: Option<Individual>,
    pub profile: Profile,
    pub usage: Usage,
    pub certificate_id: Option<u64>,
    pub request_ids: Vec<u64>,
    pub custom_fields: Vec<serde_json::Value>,
    pub disable_renewal_notifications: bool,
    pub payment_method: String,
    pub cancel_note: Option<String>,
    /// The CSR of a reissue waiting for approval (`None` with a pending reissue means the
    /// recipient will make a new key at pickup).
    #[serde(default)]
    pub reissue_csr: Option<String>,
    /// When `status` last changed, for `GET /order/certificate/status-changes`.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub status_changed: Option<OffsetDateTime>,
}

impl Order {
    /// Moves the order to `status`, remembering when.
    pub fn set_status(&mut self, status: OrderStatus, now: OffsetDateTime) {
        if self.status != status {
            self.status = status;
            self.status_changed = Some(now);
        }
    }

    /// When the order last changed status (its creation counts as one).
    pub fn status_last_updated(&self) -> OffsetDateTime {
        self.status_changed.unwrap_or(self.date_created)
    }
}

/// Stored statuses. `expired` is not stored: it is derived from the clock (see `lifecycle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    NeedsApproval,
    /// Approved, waiting for the recipients' mailbox validation.
    Pending,
    /// Validated but no CSR yet: the recipient must generate a key (DigiCert KeyGen).
    WaitingPickup,
    Issued,
    /// A reissue waits for approval; the current certificate stays valid meanwhile.
    ReissuePending,
    Rejected,
    Canceled,
    Revoked,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::NeedsApproval => "needs_approval",
            OrderStatus::Pending => "pending",
            OrderStatus::WaitingPickup => "waiting_pickup",
            OrderStatus::Issued => "issued",
            OrderStatus::ReissuePending => "reissue_pending",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Canceled => "canceled",
            OrderStatus::Revoked => "revoked",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmailCheck {
    pub email: String,
    pub validated: bool,
    pub date_emailed: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Individual {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub pseudonym: Option<String>,
}

/// S/MIME BR certificate generation (`profile_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    Strict,
    Multipurpose,
}

/// Resolved key usage of the leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub signing: bool,
    pub encryption: bool,
    pub non_repudiation: bool,
    pub client_auth: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    pub id: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub date: OffsetDateTime,
    pub kind: RequestType,
    pub status: RequestStatus,
    pub order_id: u64,
    /// For revoke requests on a single certificate.
    pub certificate_id: Option<u64>,
    pub comments: String,
    pub revocation_reason: Option<String>,
    pub processor_comment: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub date_processed: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestType {
    NewRequest,
    Revoke,
    Reissue,
}

impl RequestType {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestType::NewRequest => "new_request",
            RequestType::Revoke => "revoke",
            RequestType::Reissue => "reissue",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Pending,
    Approved,
    Rejected,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Approved => "approved",
            RequestStatus::Rejected => "rejected",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssuedCertificate {
    pub id: u64,
    pub order_id: u64,
    /// Upper-case hex without separators, as DigiCert shows `serial_number`.
    pub serial_hex: String,
    /// SHA-1 of the DER, upper-case hex (`thumbprint`).
    pub thumbprint: String,
    pub pem: String,
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    pub revocation: Option<Revocation>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Revocation {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// RFC 5280 CRLReason name as the API took it (`superseded`, `key_compromise`…).
    pub reason: String,
}
