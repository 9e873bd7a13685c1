//! Domains and domain control validation (DCV).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common::{
    ContainerRef, DomainId, OrganizationId, OrganizationRef, Page, Paging, Validation,
    ValidationType,
};
use crate::{dates, de};

open_enum!(
    /// How control of a domain is proven.
    DcvMethod {
        /// Email to a constructed or WHOIS address.
        Email => "email",
        /// A TXT record with DigiCert's random value.
        DnsTxtToken => "dns-txt-token",
        /// A CNAME record with DigiCert's random value.
        DnsCnameToken => "dns-cname-token",
        /// A file under `/.well-known/pki-validation/`.
        HttpToken => "http-token",
    }
);

/// DCV expiry per validation type: plain dates, meaning midnight US Mountain Time, by
/// default; UTC timestamps with `include_dcv_expiration_time=true`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DcvExpiration {
    /// OV expiry.
    #[serde(default, deserialize_with = "dates::mountain_option::deserialize")]
    pub ov: Option<OffsetDateTime>,
    /// EV expiry.
    #[serde(default, deserialize_with = "dates::mountain_option::deserialize")]
    pub ev: Option<OffsetDateTime>,
    /// `valid`, `expiring_soon`, `expired`.
    #[serde(default)]
    pub ov_status: Option<String>,
}

/// A DCV random value and its state.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DcvToken {
    /// The value to publish (the TXT record content for `dns-txt-token`).
    pub token: String,
    /// `pending` or `active`.
    #[serde(default)]
    pub status: Option<String>,
    /// When the value stops being accepted.
    #[serde(default, deserialize_with = "dates::option::deserialize")]
    pub expiration_date: Option<OffsetDateTime>,
    /// CNAME target for `dns-cname-token`.
    #[serde(default)]
    pub verification_value: Option<String>,
    /// File URL for `http-token`.
    #[serde(default)]
    pub http_token_url: Option<String>,
}

/// A domain (`GET /domain/{id}`, items of `GET /domain`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Domain {
    /// Domain id.
    pub id: DomainId,
    /// Domain name.
    pub name: String,
    /// A real boolean here, unlike the nested organization's `"1"`.
    #[serde(default, deserialize_with = "de::flag_option")]
    pub is_active: Option<bool>,
    /// Deprecated overall status.
    #[serde(default)]
    pub status: Option<String>,
    /// When the domain was added.
    #[serde(default, deserialize_with = "dates::option::deserialize")]
    pub date_created: Option<OffsetDateTime>,
    /// Owning organization.
    #[serde(default, deserialize_with = "de::object_or_empty")]
    pub organization: Option<OrganizationRef>,
    /// Validations; list views show only active ones and omit the key when none are.
    #[serde(default, deserialize_with = "de::list")]
    pub validations: Vec<Validation>,
    /// Current DCV method.
    #[serde(default)]
    pub dcv_method: Option<DcvMethod>,
    /// DCV expiry per validation type.
    #[serde(default, deserialize_with = "de::object_or_empty")]
    pub dcv_expiration: Option<DcvExpiration>,
    /// Domain info with `include_dcv=true`: the current random value.
    #[serde(default, deserialize_with = "de::object_or_empty")]
    pub dcv_token: Option<DcvToken>,
    /// Domain info: whether a validation is in progress.
    #[serde(default, deserialize_with = "de::flag_option")]
    pub is_pending_validation: Option<bool>,
    /// Newer responses: DCV expiry as a timestamp.
    #[serde(default, deserialize_with = "dates::option::deserialize")]
    pub dcv_expiration_datetime: Option<OffsetDateTime>,
    /// Newer responses: when DCV was approved.
    #[serde(default, deserialize_with = "dates::option::deserialize")]
    pub dcv_approval_datetime: Option<OffsetDateTime>,
    /// The container it lives in.
    #[serde(default)]
    pub container: Option<ContainerRef>,
}

/// `GET /domain`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DomainList {
    /// Domains; omitted by DigiCert when empty.
    #[serde(default, deserialize_with = "de::list")]
    pub domains: Vec<Domain>,
    /// Paging information.
    #[serde(default)]
    pub page: Option<Page>,
}

/// Filters of `GET /domain`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainListQuery {
    /// `filters[status]`: `active` or `inactive`.
    pub status: Option<String>,
    /// `filters[search]`: domain name, exact or partial per `search_criteria`.
    pub search: Option<String>,
    /// `filters[search_criteria]`: `exact` or `partial`.
    pub search_criteria: Option<String>,
    /// `filters[dcv_method]`.
    pub dcv_method: Option<DcvMethod>,
    /// `include_validation=true`.
    pub include_validation: bool,
    /// `include_dcv_expiration_time=true`: DCV expiry as UTC timestamps.
    pub include_dcv_expiration_time: bool,
    /// Paging.
    pub paging: Paging,
}

impl DomainListQuery {
    pub(crate) fn to_query(&self) -> Vec<(String, String)> {
        let mut query = Vec::new();
        let filters = [
            ("status", self.status.clone()),
            ("search", self.search.clone()),
            ("search_criteria", self.search_criteria.clone()),
            (
                "dcv_method",
                self.dcv_method.as_ref().map(|m| m.to_string()),
            ),
        ];
        for (name, value) in filters {
            if let Some(value) = value {
                query.push((format!("filters[{name}]"), value));
            }
        }
        if self.include_validation {
            query.push(("include_validation".into(), "true".into()));
        }
        if self.include_dcv_expiration_time {
            query.push(("include_dcv_expiration_time".into(), "true".into()));
        }
        self.paging.push_query(&mut query);
        query
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct IdOnly {
    id: OrganizationId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct TypeOnly {
    #[serde(rename = "type")]
    kind: ValidationType,
}

/// Body of `POST /domain`: add a domain and submit it for validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewDomain {
    name: String,
    organization: IdOnly,
    validations: Vec<TypeOnly>,
    dcv_method: DcvMethod,
}

impl NewDomain {
    /// A domain of `organization` to validate as `validation` by `dcv_method`.
    pub fn new(
        name: impl Into<String>,
        organization: OrganizationId,
        validation: ValidationType,
        dcv_method: DcvMethod,
    ) -> Self {
        Self {
            name: name.into(),
            organization: IdOnly { id: organization },
            validations: vec![TypeOnly { kind: validation }],
            dcv_method,
        }
    }
}

/// Body of `POST /domain/{id}/validation` and `POST /organization/{id}/validation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct SubmitValidations {
    validations: Vec<TypeOnly>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dcv_method: Option<DcvMethod>,
}

impl SubmitValidations {
    pub(crate) fn new(kinds: &[ValidationType], dcv_method: Option<DcvMethod>) -> Self {
        Self {
            validations: kinds
                .iter()
                .map(|kind| TypeOnly { kind: kind.clone() })
                .collect(),
            dcv_method,
        }
    }
}

/// Addresses DigiCert will mail for email DCV.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ValidationEmails {
    /// Scope the emails validate.
    #[serde(default)]
    pub name_scope: Option<String>,
    /// Constructed addresses (admin@, webmaster@, …).
    #[serde(default, deserialize_with = "de::list")]
    pub base_emails: Vec<String>,
    /// WHOIS addresses (no longer used since 2025).
    #[serde(default, deserialize_with = "de::list")]
    pub whois_emails: Vec<String>,
}

/// 201 answer of `POST /domain`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DomainCreated {
    /// The new domain's id.
    pub id: DomainId,
    /// For token methods: the value to publish.
    #[serde(default, deserialize_with = "de::object_or_empty")]
    pub dcv_token: Option<DcvToken>,
    /// For the email method: where DigiCert writes.
    #[serde(default, deserialize_with = "de::object_or_empty")]
    pub validation_emails: Option<ValidationEmails>,
}

/// Answer of `PUT /domain/{id}/dcv/validate-token`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DcvCheck {
    /// `active` when DigiCert found the token; other values mean not yet.
    #[serde(default)]
    pub status: Option<String>,
    /// DCV state if DigiCert reports it separately.
    #[serde(default)]
    pub dcv_status: Option<String>,
}
