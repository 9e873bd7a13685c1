//! An account (what one API key sees), its only user and its root container.

use serde::{Deserialize, Serialize};

use super::{Domain, IssuedCertificate, Order, Organization, Request};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub api_key: String,
    pub id: u64,
    pub name: String,
    pub container: Container,
    pub user: User,
    pub email_validation: EmailValidationMode,
    #[serde(default)]
    pub request_approval: ApprovalMode,
    #[serde(default)]
    pub access_role: AccessRole,
    /// Set through the control API: the next this-many certificates are issued with the
    /// other S/MIME profile than the order asked for (its EKU and policy), a CA mistake that
    /// clients must catch.
    #[serde(default)]
    pub mis_issue_profiles: u32,
    pub organizations: Vec<Organization>,
    pub domains: Vec<Domain>,
    pub orders: Vec<Order>,
    pub requests: Vec<Request>,
    pub certificates: Vec<IssuedCertificate>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Container {
    pub id: u64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: u64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

/// How recipients' mailbox validation completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailValidationMode {
    /// Addresses in the account's validated domains validate on their own at once.
    #[default]
    Automatic,
    /// Every address waits for the control API (as if the recipient had to click a link).
    Manual,
}

/// Whether `new_request` and `revoke` requests wait for someone to approve them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalMode {
    /// As CertCentral: pending until `PUT /request/{id}/status` unless `skip_approval`.
    #[default]
    Manual,
    /// Every request is approved as soon as it is filed (an approver who never says no).
    Automatic,
}

/// The role the account's API key is restricted to (CertCentral API key roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessRole {
    /// Everything, including approving requests and `skip_approval`.
    #[default]
    Administrator,
    /// Role 100 "Orders": orders, requests and certificates, but no approving and no
    /// organization or domain changes.
    Orders,
    /// Role 102 "View Only": GET requests only.
    ViewOnly,
}

impl AccessRole {
    /// `access_roles[]` of `GET /user/me`.
    pub fn id_and_name(self) -> (u64, &'static str) {
        match self {
            AccessRole::Administrator => (1, "Administrator"),
            AccessRole::Orders => (100, "Orders"),
            AccessRole::ViewOnly => (102, "View Only"),
        }
    }
}

impl Account {
    pub fn organization(&self, id: u64) -> Option<&Organization> {
        self.organizations.iter().find(|o| o.id == id)
    }

    pub fn organization_mut(&mut self, id: u64) -> Option<&mut Organization> {
        self.organizations.iter_mut().find(|o| o.id == id)
    }

    pub fn domain(&self, id: u64) -> Option<&Domain> {
        self.domains.iter().find(|d| d.id == id)
    }

    pub fn domain_mut(&mut self, id: u64) -> Option<&mut Domain> {
        self.domains.iter_mut().find(|d| d.id == id)
    }

    pub fn order(&self, id: u64) -> Option<&Order> {
        self.orders.iter().find(|o| o.id == id)
    }

    pub fn order_mut(&mut self, id: u64) -> Option<&mut Order> {
        self.orders.iter_mut().find(|o| o.id == id)
    }

    pub fn request(&self, id: u64) -> Option<&Request> {
        self.requests.iter().find(|r| r.id == id)
    }

    pub fn certificate(&self, id: u64) -> Option<&IssuedCertificate> {
        self.certificates.iter().find(|c| c.id == id)
    }

    /// Finds a certificate by id or, as DigiCert allows on revoke, by serial number (hex).
    pub fn certificate_by_id_or_serial(&self, key: &str) -> Option<&IssuedCertificate> {
        if let Ok(id) = key.parse::<u64>()
            && let Some(cert) = self.certificate(id)
        {
            return Some(cert);
        }
        self.certificates
            .iter()
            .find(|c| c.serial_hex.eq_ignore_ascii_case(key))
    }
}
