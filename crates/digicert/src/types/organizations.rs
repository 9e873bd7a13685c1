//! Organizations and their (S/MIME) validations.

use serde::Deserialize;

use super::common::{
    ContainerId, ContainerRef, OrganizationId, Page, Paging, PersonRef, Validation,
};
use crate::de;

/// An organization (`GET /organization/{id}`, items of `GET /organization`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Organization {
    /// Organization id.
    pub id: OrganizationId,
    /// Legal name.
    pub name: String,
    /// `active` / `inactive` (`approved` in old responses).
    #[serde(default)]
    pub status: Option<String>,
    /// Doing-business-as name.
    #[serde(default)]
    pub assumed_name: Option<String>,
    /// Name shown in CertCentral.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Whether the organization is active.
    #[serde(default, deserialize_with = "de::flag_option")]
    pub is_active: Option<bool>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// Two-letter country code.
    #[serde(default)]
    pub country: Option<String>,
    /// The number in the national business register (in Serbia the matični broj); the
    /// certificates' `organizationIdentifier` is `NTR<country>-<number>`.
    #[serde(default)]
    pub registration_number: Option<String>,
    /// The container it lives in.
    #[serde(default)]
    pub container: Option<ContainerRef>,
    /// Organization contact.
    #[serde(default)]
    pub organization_contact: Option<PersonRef>,
    /// Present with `include_validation=true`; omitted when there are none.
    #[serde(default, deserialize_with = "de::list")]
    pub validations: Vec<Validation>,
}

/// `GET /organization`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrganizationList {
    /// Organizations; omitted by DigiCert when empty.
    #[serde(default, deserialize_with = "de::list")]
    pub organizations: Vec<Organization>,
    /// Paging information.
    #[serde(default)]
    pub page: Option<Page>,
}

/// `GET /organization/{id}/validation`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrganizationValidations {
    /// Validations; omitted when empty.
    #[serde(default, deserialize_with = "de::list")]
    pub validations: Vec<Validation>,
}

/// Options of `GET /organization`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganizationListQuery {
    /// `include_validation=true`: each organization lists its validations.
    pub include_validation: bool,
    /// `filters[status]`: `active` or `inactive`.
    pub status: Option<String>,
    /// `container_id`.
    pub container_id: Option<ContainerId>,
    /// Paging.
    pub paging: Paging,
}

impl OrganizationListQuery {
    pub(crate) fn to_query(&self) -> Vec<(String, String)> {
        let mut query = Vec::new();
        if self.include_validation {
            query.push(("include_validation".into(), "true".into()));
        }
        if let Some(status) = &self.status {
            query.push(("filters[status]".into(), status.clone()));
        }
        if let Some(container) = self.container_id {
            query.push(("container_id".into(), container.to_string()));
        }
        self.paging.push_query(&mut query);
        query
    }
}
