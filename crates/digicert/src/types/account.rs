//! `GET /account`, `GET /user/me` and `GET /user`: who the API key belongs to.

use serde::Deserialize;
use time::OffsetDateTime;

use super::common::{ContainerId, ContainerRef, OrganizationId, Page, UserId};
use crate::{dates, de};

/// The CertCentral account (`GET /account`); a cheap "test connection" call.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Account {
    /// Account id.
    pub id: u64,
    /// Absent in older responses.
    #[serde(default)]
    pub primary_organization_id: Option<OrganizationId>,
    /// Name of the primary organization.
    #[serde(default)]
    pub primary_organization_name: Option<String>,
    /// Country of the primary organization, sometimes lower case.
    #[serde(default)]
    pub primary_organization_country: Option<String>,
    /// The top container (division) of the account.
    #[serde(default)]
    pub root_container_id: Option<ContainerId>,
    /// `retail`, `enterprise`, …
    #[serde(default)]
    pub cert_central_type: Option<String>,
    /// Billing account name.
    #[serde(default)]
    pub billing_account_name: Option<String>,
    /// Sent as the string `"1"`; absent in older responses.
    #[serde(default, deserialize_with = "de::flag_option")]
    pub ent_support_plan: Option<bool>,
}

/// A role of a CertCentral user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AccessRole {
    /// Role id.
    pub id: u64,
    /// Role name, e.g. `Administrator`.
    #[serde(default)]
    pub name: Option<String>,
}

/// A CertCentral user (`GET /user/me`, items of `GET /user`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct User {
    /// User id.
    pub id: UserId,
    /// Login name.
    #[serde(default)]
    pub username: Option<String>,
    /// Account the user belongs to.
    #[serde(default)]
    pub account_id: Option<u64>,
    /// Given name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// `active`, …
    #[serde(default)]
    pub status: Option<String>,
    /// ISO-8601 now, space-separated without a zone in older responses; absent for users
    /// who never logged in.
    #[serde(default, deserialize_with = "dates::option::deserialize")]
    pub last_login_date: Option<OffsetDateTime>,
    /// The user's container.
    #[serde(default)]
    pub container: Option<ContainerRef>,
    /// Roles; a 403 `missing_permission` is explained by these.
    #[serde(default, deserialize_with = "de::list")]
    pub access_roles: Vec<AccessRole>,
}

/// `GET /user`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UserList {
    /// Users on this page; DigiCert omits the key when there are none.
    #[serde(default, deserialize_with = "de::list")]
    pub users: Vec<User>,
    /// Paging information.
    #[serde(default)]
    pub page: Option<Page>,
}
