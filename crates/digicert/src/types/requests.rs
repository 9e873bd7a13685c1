//! Approval requests (`/request`) and revocation.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common::{
    ContainerId, ContainerRef, OrderId, OrganizationRef, Page, Paging, PersonRef, RequestId,
};
use super::orders::OrderProduct;
use crate::{dates, de};

open_enum!(
    /// State of an approval request.
    RequestStatus {
        /// Submitted, not yet looked at.
        Submitted => "submitted",
        /// Waiting for an approver.
        Pending => "pending",
        /// Approved.
        Approved => "approved",
        /// Rejected.
        Rejected => "rejected",
    }
);

open_enum!(
    /// What a request asks for.
    RequestType {
        /// A new order.
        NewRequest => "new_request",
        /// A revocation.
        Revoke => "revoke",
        /// A duplicate certificate.
        Duplicate => "duplicate",
        /// A reissue.
        Reissue => "reissue",
    }
);

open_enum!(
    /// Reason given when revoking.
    RevocationReason {
        /// No specific reason.
        Unspecified => "unspecified",
        /// The private key leaked.
        KeyCompromise => "keyCompromise",
        /// The subject left the organization.
        AffiliationChanged => "affiliationChanged",
        /// Replaced by a new certificate.
        Superseded => "superseded",
        /// No longer needed.
        CessationOfOperation => "cessationOfOperation",
    }
);

/// A request as listed inside orders and order-creation answers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RequestSummary {
    /// Request id.
    pub id: RequestId,
    /// State, when given.
    #[serde(default)]
    pub status: Option<RequestStatus>,
    /// Kind, when given.
    #[serde(default, rename = "type")]
    pub kind: Option<RequestType>,
    /// When it was made.
    #[serde(default, deserialize_with = "dates::option::deserialize")]
    pub date: Option<OffsetDateTime>,
}

/// The certificate part of a request's order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RequestCertificate {
    /// Subject CN.
    #[serde(default)]
    pub common_name: Option<String>,
    /// Mailbox addresses.
    #[serde(default, deserialize_with = "de::list")]
    pub emails: Vec<String>,
}

/// The order a request belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RequestOrder {
    /// Order id.
    pub id: OrderId,
    /// Its certificate.
    #[serde(default, deserialize_with = "de::object_or_empty")]
    pub certificate: Option<RequestCertificate>,
    /// Its organization.
    #[serde(default, deserialize_with = "de::object_or_empty")]
    pub organization: Option<OrganizationRef>,
    /// Its container.
    #[serde(default, deserialize_with = "de::object_or_empty")]
    pub container: Option<ContainerRef>,
    /// Its product.
    #[serde(default, deserialize_with = "de::object_or_empty")]
    pub product: Option<OrderProduct>,
}

/// An approval request (`GET /request/{id}`, items of `GET /request`, 201 of revoke).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ServiceRequest {
    /// Request id.
    pub id: RequestId,
    /// State.
    pub status: RequestStatus,
    /// Kind.
    #[serde(default, rename = "type")]
    pub kind: Option<RequestType>,
    /// When it was made.
    #[serde(default, deserialize_with = "dates::option::deserialize")]
    pub date: Option<OffsetDateTime>,
    /// When it was approved or rejected; absent while pending.
    #[serde(default, deserialize_with = "dates::option::deserialize")]
    pub date_processed: Option<OffsetDateTime>,
    /// Who asked.
    #[serde(default, deserialize_with = "de::object_or_empty")]
    pub requester: Option<PersonRef>,
    /// Who decided.
    #[serde(default, deserialize_with = "de::object_or_empty")]
    pub processor: Option<PersonRef>,
    /// Requester's comment.
    #[serde(default)]
    pub comments: Option<String>,
    /// Approver's comment, e.g. a rejection reason.
    #[serde(default)]
    pub processor_comment: Option<String>,
    /// The order concerned.
    #[serde(default, deserialize_with = "de::object_or_empty")]
    pub order: Option<RequestOrder>,
}

/// `GET /request`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RequestList {
    /// Requests; omitted when empty.
    #[serde(default, deserialize_with = "de::list")]
    pub requests: Vec<ServiceRequest>,
    /// Paging information.
    #[serde(default)]
    pub page: Option<Page>,
}

/// Filters of `GET /request`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestListQuery {
    /// `filters[status]`.
    pub status: Option<RequestStatus>,
    /// `filters[type]`.
    pub kind: Option<RequestType>,
    /// `filters[container_id]`.
    pub container_id: Option<ContainerId>,
    /// `filters[search]` (matches the order's common name).
    pub search: Option<String>,
    /// Paging.
    pub paging: Paging,
}

impl RequestListQuery {
    pub(crate) fn to_query(&self) -> Vec<(String, String)> {
        let filters = [
            ("status", self.status.as_ref().map(|s| s.to_string())),
            ("type", self.kind.as_ref().map(|k| k.to_string())),
            ("container_id", self.container_id.map(|id| id.to_string())),
            ("search", self.search.clone()),
        ];
        let mut query: Vec<(String, String)> = filters
            .into_iter()
            .filter_map(|(name, value)| value.map(|v| (format!("filters[{name}]"), v)))
            .collect();
        self.paging.push_query(&mut query);
        query
    }
}

/// Body of `PUT /request/{id}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpdateRequestStatus {
    /// New state, normally `approved` or `rejected`.
    pub status: RequestStatus,
    /// Reason, expected when rejecting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processor_comment: Option<String>,
}

/// Body of `PUT /certificate/{id}/revoke` and `PUT /order/certificate/{id}/revoke`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevokeRequest {
    /// Why; DigiCert's examples spell the key `comments`.
    pub comments: String,
    /// Reason code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation_reason: Option<RevocationReason>,
    /// Revoke at once (administrator key) instead of creating a revoke request.
    pub skip_approval: bool,
}

/// What a revoke call did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeOutcome {
    /// 201: a revoke request now waits for approval.
    Requested(Box<ServiceRequest>),
    /// 204: revoked without approval.
    Revoked,
}
