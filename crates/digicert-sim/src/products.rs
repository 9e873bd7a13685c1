//! The client-certificate product catalogue and each product's ordering rules.

use serde_json::{Value, json};

/// Which S/MIME BR certificate type (validation level) a product issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmimeType {
    Mailbox,
    Organization,
    Sponsored,
}

/// The legacy products have a fixed usage; Secure Email takes `usage_designation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageRule {
    Fixed {
        signing: bool,
        encryption: bool,
        client_auth: bool,
    },
    Designated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product {
    pub name_id: &'static str,
    pub name: &'static str,
    pub smime_type: SmimeType,
    pub usage: UsageRule,
    pub csr_required: bool,
    /// Whether the order must name an S/MIME-validated organization.
    pub organization_required: bool,
    pub common_name_indicator_required: bool,
    pub individual_always_required: bool,
    /// Legacy products may only issue the Multipurpose profile since 2025-07-10.
    pub multipurpose_only: bool,
    pub allowed_validity_years: &'static [u32],
}

/// S/MIME BR §6.3.2: no subscriber certificate may be valid for more than 825 days.
pub const MAX_VALIDITY_DAYS: i64 = 825;

pub const PRODUCTS: &[Product] = &[
    Product {
        name_id: "client_premium",
        name: "Premium",
        smime_type: SmimeType::Sponsored,
        usage: UsageRule::Fixed {
            signing: true,
            encryption: true,
            client_auth: true,
        },
        csr_required: true,
        organization_required: true,
        common_name_indicator_required: true,
        individual_always_required: false,
        multipurpose_only: true,
        allowed_validity_years: &[1, 2],
    },
    Product {
        name_id: "client_email_security_plus",
        name: "Email Security Plus",
        smime_type: SmimeType::Sponsored,
        usage: UsageRule::Fixed {
            signing: true,
            encryption: true,
            client_auth: false,
        },
        csr_required: false,
        organization_required: true,
        common_name_indicator_required: true,
        individual_always_required: false,
        multipurpose_only: true,
        allowed_validity_years: &[1, 2],
    },
    Product {
        name_id: "client_digital_signature_plus",
        name: "Digital Signature Plus",
        smime_type: SmimeType::Sponsored,
        usage: UsageRule::Fixed {
            signing: true,
            encryption: false,
            client_auth: false,
        },
        csr_required: false,
        organization_required: true,
        common_name_indicator_required: true,
        individual_always_required: false,
        multipurpose_only: true,
        allowed_validity_years: &[1, 2],
    },
    Product {
        name_id: "secure_email_mailbox",
        name: "Secure Email for Individual",
        smime_type: SmimeType::Mailbox,
        usage: UsageRule::Designated,
        csr_required: false,
        organization_required: false,
        common_name_indicator_required: false,
        individual_always_required: false,
        multipurpose_only: false,
        allowed_validity_years: &[1, 2],
    },
    Product {
        name_id: "secure_email_sponsor",
        name: "Secure Email for Business",
        smime_type: SmimeType::Sponsored,
        usage: UsageRule::Designated,
        csr_required: false,
        organization_required: true,
        common_name_indicator_required: true,
        individual_always_required: true,
        multipurpose_only: false,
        allowed_validity_years: &[1, 2],
    },
    Product {
        name_id: "secure_email_organization",
        name: "Secure Email for Organization",
        smime_type: SmimeType::Organization,
        usage: UsageRule::Designated,
        csr_required: false,
        organization_required: true,
        common_name_indicator_required: true,
        individual_always_required: false,
        multipurpose_only: false,
        allowed_validity_years: &[1, 2],
    },
];

pub fn find(name_id: &str) -> Option<&'static Product> {
    PRODUCTS.iter().find(|p| p.name_id == name_id)
}

impl Product {
    /// The entry of `GET /product`.
    pub fn summary_json(&self, container_id: u64) -> Value {
        json!({
            "group_name": "client_certificate",
            "name_id": self.name_id,
            "name": self.name,
            "type": "client_certificate",
            "allowed_container_ids": [container_id],
            "allowed_validity_years": self.allowed_validity_years,
            "allowed_order_validity_years": self.allowed_validity_years,
            "signature_hash_types": {
                "allowed_hash_types": [
                    {"id": "sha256", "name": "SHA-256"},
                    {"id": "sha384", "name": "SHA-384"},
                    {"id": "sha512", "name": "SHA-512"}
                ],
                "default_hash_type_id": "sha256"
            },
            "csr_required": self.csr_required
        })
    }

    /// `GET /product/{name_id}`: the summary plus the detail flags.
    pub fn detail_json(&self, container_id: u64) -> Value {
        let mut value = self.summary_json(container_id);
        if let Value::Object(map) = &mut value {
            map.insert("duplicates_allowed".into(), json!(false));
            map.insert("additional_dns_names_allowed".into(), json!(false));
            map.insert("increased_compatibility_allowed".into(), json!(false));
            map.insert("custom_expiration_date_allowed".into(), json!(true));
            map.insert("allow_auto_renew".into(), json!(false));
            map.insert(
                "license_agreement".into(),
                json!("SANDBOX: no agreement applies."),
            );
        }
        value
    }
}
