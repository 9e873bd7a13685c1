//! Ids, paging and the small nested objects many responses share.

use serde::Deserialize;
use time::OffsetDateTime;

use crate::{dates, de};

digicert_id!(
    /// A certificate order at DigiCert.
    OrderId
);
digicert_id!(
    /// One certificate of an order.
    CertificateId
);
digicert_id!(
    /// An approval request (new order, revocation, reissue).
    RequestId
);
digicert_id!(
    /// An organization in the CertCentral account.
    OrganizationId
);
digicert_id!(
    /// A domain in the CertCentral account.
    DomainId
);
digicert_id!(
    /// A container (division).
    ContainerId
);
digicert_id!(
    /// A CertCentral user.
    UserId
);

/// The `page` object of list responses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct Page {
    /// Number of matching items across all pages.
    #[serde(default)]
    pub total: u64,
    /// Page size the server applied.
    #[serde(default)]
    pub limit: u64,
    /// Index of the first item of this page.
    #[serde(default)]
    pub offset: u64,
}

/// Paging and sorting for list requests (`limit`, `offset`, `sort`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paging {
    /// Page size; DigiCert's maximum and default is 1000.
    pub limit: Option<u32>,
    /// Index of the first item.
    pub offset: Option<u64>,
    /// Comma-separated fields, `-` prefix for descending.
    pub sort: Option<String>,
}

impl Paging {
    /// One page of `limit` items starting at `offset`.
    pub fn page(offset: u64, limit: u32) -> Self {
        Self {
            limit: Some(limit),
            offset: Some(offset),
            sort: None,
        }
    }

    pub(crate) fn push_query(&self, query: &mut Vec<(String, String)>) {
        if let Some(limit) = self.limit {
            query.push(("limit".into(), limit.to_string()));
        }
        if let Some(offset) = self.offset {
            query.push(("offset".into(), offset.to_string()));
        }
        if let Some(sort) = &self.sort {
            query.push(("sort".into(), sort.clone()));
        }
    }
}

/// A container (division) as nested in other objects.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ContainerRef {
    /// Container id.
    pub id: ContainerId,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Parent container, 0 for the root.
    #[serde(default)]
    pub parent_id: Option<u64>,
    /// Whether the container is active.
    #[serde(default, deserialize_with = "de::flag_option")]
    pub is_active: Option<bool>,
}

/// An organization as nested in domains, orders and requests.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrganizationRef {
    /// Organization id.
    pub id: OrganizationId,
    /// Legal name.
    #[serde(default)]
    pub name: Option<String>,
    /// Name shown in CertCentral.
    #[serde(default)]
    pub display_name: Option<String>,
    /// `active`, `inactive`, …
    #[serde(default)]
    pub status: Option<String>,
    /// A real boolean in orders, `"1"` inside domain objects.
    #[serde(default, deserialize_with = "de::flag_option")]
    pub is_active: Option<bool>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// Two-letter country code, sometimes lower case.
    #[serde(default)]
    pub country: Option<String>,
}

/// A person (requester, processor, user) as nested in other objects.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PersonRef {
    /// User id; absent on some contact objects.
    #[serde(default)]
    pub id: Option<UserId>,
    /// Given name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
}

open_enum!(
    /// Kind of an organization or domain validation.
    ValidationType {
        /// Organization validation for TLS.
        Ov => "ov",
        /// Extended validation.
        Ev => "ev",
        /// Code signing.
        Cs => "cs",
        /// EV code signing.
        EvCs => "ev_cs",
        /// Document signing.
        Ds => "ds",
        /// S/MIME organization validation (825 days).
        Smime => "smime",
    }
);

open_enum!(
    /// State of an organization or domain validation.
    ValidationStatus {
        /// Valid now.
        Active => "active",
        /// Submitted, not finished.
        Pending => "pending",
        /// Lapsed.
        Expired => "expired",
        /// Finished (order-validation view).
        Complete => "complete",
    }
);

/// One validation of an organization or domain.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Validation {
    /// Validation kind.
    #[serde(rename = "type")]
    pub kind: ValidationType,
    /// Short name, e.g. `OV`.
    #[serde(default)]
    pub name: Option<String>,
    /// Long description.
    #[serde(default)]
    pub description: Option<String>,
    /// When it was created.
    #[serde(default, deserialize_with = "dates::option::deserialize")]
    pub date_created: Option<OffsetDateTime>,
    /// End of validity.
    #[serde(default, deserialize_with = "dates::option::deserialize")]
    pub validated_until: Option<OffsetDateTime>,
    /// Current state; absent in some list views that only show active validations.
    #[serde(default)]
    pub status: Option<ValidationStatus>,
    /// DCV state in the domain-info view (`pending`, `complete`).
    #[serde(default)]
    pub dcv_status: Option<String>,
    /// Users verified for EV / code signing validations.
    #[serde(default, deserialize_with = "de::list")]
    pub verified_users: Vec<PersonRef>,
}
