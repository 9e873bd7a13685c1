//! The HTML state page (`GET /sandbox/`) for people training with the sandbox.

use askama::Template;

use super::api::views::iso;
use super::faults::FaultSettings;
use super::lifecycle;
use super::state::{ApprovalMode, EmailValidationMode, SandboxState};

#[derive(Template)]
#[template(path = "sandbox/state.html")]
pub struct StatePage {
    pub now: String,
    pub offset_seconds: i64,
    pub root_cn: &'static str,
    pub faults: FaultSettings,
    pub accounts: Vec<AccountRow>,
}

pub struct AccountRow {
    pub id: u64,
    pub name: String,
    pub key_hint: String,
    pub email_validation: &'static str,
    pub request_approval: &'static str,
    pub access_role: &'static str,
    pub organizations: Vec<OrganizationRow>,
    pub domains: Vec<DomainRow>,
    pub orders: Vec<OrderRow>,
}

pub struct OrganizationRow {
    pub id: u64,
    pub name: String,
    pub status: &'static str,
    pub until: String,
}

pub struct DomainRow {
    pub id: u64,
    pub name: String,
    pub method: String,
    pub status: &'static str,
    pub until: String,
}

pub struct OrderRow {
    pub id: u64,
    pub product: String,
    pub status: &'static str,
    pub common_name: String,
    pub emails: String,
    pub comments: String,
}

impl StatePage {
    pub fn build(
        state: &SandboxState,
        now: time::OffsetDateTime,
        offset_seconds: i64,
        faults: FaultSettings,
    ) -> Self {
        let accounts = state
            .accounts
            .iter()
            .map(|a| AccountRow {
                id: a.id,
                name: a.name.clone(),
                // Only the tail: the page may be shown on a projector during training.
                key_hint: a
                    .api_key
                    .chars()
                    .rev()
                    .take(4)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect(),
                email_validation: match a.email_validation {
                    EmailValidationMode::Automatic => "automatic",
                    EmailValidationMode::Manual => "manual",
                },
                request_approval: match a.request_approval {
                    ApprovalMode::Automatic => "automatic",
                    ApprovalMode::Manual => "manual",
                },
                access_role: a.access_role.id_and_name().1,
                organizations: a
                    .organizations
                    .iter()
                    .map(|o| OrganizationRow {
                        id: o.id,
                        name: o.name.clone(),
                        status: o.smime.as_ref().map_or("none", |v| v.status(now)),
                        until: o
                            .smime
                            .as_ref()
                            .and_then(|v| v.validated_until())
                            .map(iso)
                            .unwrap_or_default(),
                    })
                    .collect(),
                domains: a
                    .domains
                    .iter()
                    .map(|d| DomainRow {
                        id: d.id,
                        name: d.name.clone(),
                        method: d.dcv_method.clone(),
                        status: d.validation.status(now),
                        until: d.validation.validated_until().map(iso).unwrap_or_default(),
                    })
                    .collect(),
                orders: a
                    .orders
                    .iter()
                    .map(|o| OrderRow {
                        id: o.id,
                        product: o.product.clone(),
                        status: lifecycle::effective_status(a, o, now),
                        common_name: o.common_name.clone(),
                        emails: o
                            .emails
                            .iter()
                            .map(|e| e.email.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                        comments: o.comments.clone().unwrap_or_default(),
                    })
                    .collect(),
            })
            .collect();
        Self {
            now: iso(now),
            offset_seconds,
            root_cn: super::ca::ROOT_CN,
            faults,
            accounts,
        }
    }
}
