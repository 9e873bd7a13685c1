//! Client-certificate orders: placing them, reading them back, email validation,
//! status changes, downloads.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common::{
    CertificateId, ContainerId, ContainerRef, OrderId, OrganizationId, OrganizationRef, Page,
    Paging, PersonRef,
};
use super::requests::RequestSummary;
use crate::{dates, de};

open_enum!(
    /// A product's `name_id`, the last segment of `POST /order/certificate/{product}`.
    ProductId {
        /// Premium: S/MIME + client authentication; CSR required.
        ClientPremium => "client_premium",
        /// Email Security Plus.
        ClientEmailSecurityPlus => "client_email_security_plus",
        /// Digital Signature Plus.
        ClientDigitalSignaturePlus => "client_digital_signature_plus",
        /// Class 1 S/MIME (mailbox-validated).
        Class1Smime => "class1_smime",
        /// Authentication Plus (not S/MIME).
        ClientAuthenticationPlus => "client_authentication_plus",
        /// Secure Email for Individual (mailbox-validated).
        SecureEmailMailbox => "secure_email_mailbox",
        /// Secure Email for Business (sponsor-validated).
        SecureEmailSponsor => "secure_email_sponsor",
        /// Secure Email for Organization.
        SecureEmailOrganization => "secure_email_organization",
    }
);

impl ProductId {
    fn is_secure_email(&self) -> bool {
        matches!(
            self,
            Self::SecureEmailMailbox | Self::SecureEmailSponsor | Self::SecureEmailOrganization
        )
    }

    /// Legacy client products that need a name indicator since the 2025 profile change.
    fn is_legacy_named(&self) -> bool {
        matches!(
            self,
            Self::ClientPremium | Self::ClientEmailSecurityPlus | Self::ClientDigitalSignaturePlus
        )
    }

    fn needs_organization(&self) -> bool {
        !matches!(
            self,
            Self::SecureEmailMailbox | Self::Class1Smime | Self::Other(_)
        )
    }
}

open_enum!(
    /// Order status; terminal ones are `issued`, `rejected`, `canceled`, `revoked`, `expired`.
    OrderStatus {
        /// Waiting for an in-account approval.
        NeedsApproval => "needs_approval",
        /// Approved, waiting for validation (email validation for client certificates).
        Pending => "pending",
        /// Being processed.
        Processing => "processing",
        /// Issued, waiting to be picked up.
        WaitingPickup => "waiting_pickup",
        /// A reissue is pending.
        ReissuePending => "reissue_pending",
        /// Issued (also reported for orders that later expired in some filters).
        Issued => "issued",
        /// Rejected by DigiCert or the approver.
        Rejected => "rejected",
        /// Canceled before issuance.
        Canceled => "canceled",
        /// Certificate revoked.
        Revoked => "revoked",
        /// Certificate expired.
        Expired => "expired",
    }
);

open_enum!(
    /// What the subject's common name is made of.
    CommonNameIndicator {
        /// The mailbox address.
        EmailAddress => "email_address",
        /// Given name and surname from `individual`.
        GivenNameSurname => "given_name_surname",
        /// `individual.pseudonym`.
        Pseudonym => "pseudonym",
        /// The organization's name.
        OrganizationName => "organization_name",
    }
);

open_enum!(
    /// S/MIME BR certificate profile of Secure Email products.
    ProfileType {
        /// Only the S/MIME EKU.
        Strict => "strict",
        /// Extra EKUs such as client authentication.
        Multipurpose => "multipurpose",
    }
);

open_enum!(
    /// Key usage of a Secure Email certificate.
    PrimaryUsage {
        /// Signing only.
        Signing => "signing",
        /// Encryption only.
        KeyManagement => "key_management",
        /// Signing and encryption.
        DualUse => "dual_use",
    }
);

/// Validity of an order or certificate as DigiCert reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Validity {
    /// Whole years.
    #[serde(default)]
    pub years: Option<u32>,
    /// Days.
    #[serde(default)]
    pub days: Option<u32>,
    /// A fixed end date.
    #[serde(default, deserialize_with = "dates::option::deserialize")]
    pub custom_expiration_date: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct ValidityBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    years: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    days: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
struct Individual {
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pseudonym: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct UsageDesignation {
    primary_usage: PrimaryUsage,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    additional_usages: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct CertificateBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    common_name: Option<String>,
    emails: Vec<String>,
    signature_hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    csr: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    organization_units: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    common_name_indicator: Option<CommonNameIndicator>,
    #[serde(skip_serializing_if = "Option::is_none")]
    individual: Option<Individual>,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile_type: Option<ProfileType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage_designation: Option<UsageDesignation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct IdBody<T> {
    id: T,
}

/// Body of `POST /order/certificate/{product}`, built with [`OrderRequest::builder`] so
/// that product rules are checked before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderRequest {
    #[serde(skip)]
    product: ProductId,
    certificate: CertificateBody,
    #[serde(skip_serializing_if = "Option::is_none")]
    organization: Option<IdBody<OrganizationId>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    container: Option<IdBody<ContainerId>>,
    order_validity: ValidityBody,
    skip_approval: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comments: Option<String>,
}

impl OrderRequest {
    /// Starts an order of `product` for the given mailbox addresses.
    pub fn builder(product: ProductId, emails: Vec<String>) -> OrderRequestBuilder {
        OrderRequestBuilder {
            product,
            emails,
            common_name: None,
            signature_hash: "sha256".into(),
            csr: None,
            organization_units: Vec::new(),
            common_name_indicator: None,
            individual: None,
            profile_type: None,
            usage_designation: None,
            organization: None,
            container: None,
            validity: None,
            skip_approval: false,
            payment_method: None,
            comments: None,
        }
    }

    /// The product this order is placed for.
    pub fn product(&self) -> &ProductId {
        &self.product
    }

    /// The free-text comment; the portal puts its own order reference here.
    pub fn comments(&self) -> Option<&str> {
        self.comments.as_deref()
    }
}

/// Why an [`OrderRequestBuilder`] refused to build.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidOrderRequest {
    /// No or blank email addresses.
    #[error("an order needs at least one email address, none blank")]
    NoEmails,
    /// Neither years nor days were given.
    #[error("an order needs a validity in years or days")]
    NoValidity,
    /// The product needs a validated organization.
    #[error("product {0} needs organization.id")]
    NoOrganization(String),
    /// The product needs a CSR.
    #[error("product {0} needs a CSR")]
    NoCsr(String),
    /// Secure Email products need `usage_designation.primary_usage`.
    #[error("product {0} needs usage_designation")]
    NoUsageDesignation(String),
    /// The product needs a `common_name_indicator`.
    #[error("product {0} needs common_name_indicator")]
    NoCommonNameIndicator(String),
    /// The indicator or product needs `individual` names that were not given.
    #[error("{0} needs individual names")]
    NoIndividual(String),
}

/// Builder of [`OrderRequest`].
#[derive(Debug, Clone)]
pub struct OrderRequestBuilder {
    product: ProductId,
    emails: Vec<String>,
    common_name: Option<String>,
    signature_hash: String,
    csr: Option<String>,
    organization_units: Vec<String>,
    common_name_indicator: Option<CommonNameIndicator>,
    individual: Option<Individual>,
    profile_type: Option<ProfileType>,
    usage_designation: Option<UsageDesignation>,
    organization: Option<OrganizationId>,
    container: Option<ContainerId>,
    validity: Option<ValidityBody>,
    skip_approval: bool,
    payment_method: Option<String>,
    comments: Option<String>,
}

impl OrderRequestBuilder {
    /// Subject common name (legacy client products).
    pub fn common_name(mut self, common_name: impl Into<String>) -> Self {
        self.common_name = Some(common_name.into());
        self
    }

    /// `sha256` (default), `sha384` or `sha512`.
    pub fn signature_hash(mut self, hash: impl Into<String>) -> Self {
        self.signature_hash = hash.into();
        self
    }

    /// PEM CSR; DigiCert uses only its public key.
    pub fn csr(mut self, csr: impl Into<String>) -> Self {
        self.csr = Some(csr.into());
        self
    }

    /// Organizational units.
    pub fn organization_units(mut self, units: Vec<String>) -> Self {
        self.organization_units = units;
        self
    }

    /// What the common name is built from.
    pub fn common_name_indicator(mut self, indicator: CommonNameIndicator) -> Self {
        self.common_name_indicator = Some(indicator);
        self
    }

    /// The person's given name and surname (`individual`).
    pub fn individual(
        mut self,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
    ) -> Self {
        let individual = self.individual.get_or_insert_with(Individual::default);
        individual.first_name = Some(first_name.into());
        individual.last_name = Some(last_name.into());
        self
    }

    /// The person's pseudonym (`individual.pseudonym`).
    pub fn pseudonym(mut self, pseudonym: impl Into<String>) -> Self {
        self.individual
            .get_or_insert_with(Individual::default)
            .pseudonym = Some(pseudonym.into());
        self
    }

    /// Secure Email profile.
    pub fn profile_type(mut self, profile: ProfileType) -> Self {
        self.profile_type = Some(profile);
        self
    }

    /// Secure Email key usage, e.g. `dual_use` plus `client_auth`.
    pub fn usage_designation(mut self, primary: PrimaryUsage, additional: Vec<String>) -> Self {
        self.usage_designation = Some(UsageDesignation {
            primary_usage: primary,
            additional_usages: additional,
        });
        self
    }

    /// The S/MIME-validated organization (`organization.id`).
    pub fn organization(mut self, id: OrganizationId) -> Self {
        self.organization = Some(id);
        self
    }

    /// The container (division) to order in.
    pub fn container(mut self, id: ContainerId) -> Self {
        self.container = Some(id);
        self
    }

    /// Order validity in whole years.
    pub fn validity_years(mut self, years: u32) -> Self {
        self.validity = Some(ValidityBody {
            years: Some(years),
            days: None,
        });
        self
    }

    /// Order validity in days.
    pub fn validity_days(mut self, days: u32) -> Self {
        self.validity = Some(ValidityBody {
            years: None,
            days: Some(days),
        });
        self
    }

    /// Skip the in-account approval step (needs an administrator key).
    pub fn skip_approval(mut self, skip: bool) -> Self {
        self.skip_approval = skip;
        self
    }

    /// `balance`, `card`, `profile` or `wire_transfer`.
    pub fn payment_method(mut self, method: impl Into<String>) -> Self {
        self.payment_method = Some(method.into());
        self
    }

    /// Free text stored with the order; the portal's own order reference goes here so an
    /// ambiguous placement can be found again with `filters[search]`.
    pub fn comments(mut self, comments: impl Into<String>) -> Self {
        self.comments = Some(comments.into());
        self
    }

    /// Checks DigiCert's per-product rules and builds the request.
    pub fn build(self) -> Result<OrderRequest, InvalidOrderRequest> {
        self.build_checked(true)
    }

    /// Builds the request as it will be once the person's CSR is added: every
    /// rule is checked except that the product needs a CSR. For previews only;
    /// what is sent to DigiCert comes from [`Self::build`].
    pub fn build_awaiting_csr(self) -> Result<OrderRequest, InvalidOrderRequest> {
        self.build_checked(false)
    }

    fn build_checked(self, csr_needed_now: bool) -> Result<OrderRequest, InvalidOrderRequest> {
        let product = self.product.as_str().to_owned();
        if self.emails.is_empty() || self.emails.iter().any(|e| e.trim().is_empty()) {
            return Err(InvalidOrderRequest::NoEmails);
        }
        let validity = self.validity.ok_or(InvalidOrderRequest::NoValidity)?;
        if self.product.needs_organization() && self.organization.is_none() {
            return Err(InvalidOrderRequest::NoOrganization(product));
        }
        if csr_needed_now && self.product == ProductId::ClientPremium && self.csr.is_none() {
            return Err(InvalidOrderRequest::NoCsr(product));
        }
        if self.product.is_secure_email() && self.usage_designation.is_none() {
            return Err(InvalidOrderRequest::NoUsageDesignation(product));
        }
        let indicator_required = self.product.is_legacy_named()
            || matches!(
                self.product,
                ProductId::SecureEmailSponsor | ProductId::SecureEmailOrganization
            );
        if indicator_required && self.common_name_indicator.is_none() {
            return Err(InvalidOrderRequest::NoCommonNameIndicator(product));
        }
        let has_names = self
            .individual
            .as_ref()
            .is_some_and(|i| i.first_name.is_some() && i.last_name.is_some());
        let has_pseudonym = self
            .individual
            .as_ref()
            .is_some_and(|i| i.pseudonym.is_some());
        match &self.common_name_indicator {
            Some(CommonNameIndicator::GivenNameSurname) if !has_names => {
                return Err(InvalidOrderRequest::NoIndividual(
                    "common_name_indicator given_name_surname".into(),
                ));
            }
            Some(CommonNameIndicator::Pseudonym) if !has_pseudonym => {
                return Err(InvalidOrderRequest::NoIndividual(
                    "common_name_indicator pseudonym".into(),
                ));
            }
            _ => {}
        }
        if self.product == ProductId::SecureEmailSponsor && self.individual.is_none() {
            return Err(InvalidOrderRequest::NoIndividual(product));
        }
        Ok(OrderRequest {
            product: self.product,
            certificate: CertificateBody {
                common_name: self.common_name,
                emails: self.emails,
                signature_hash: self.signature_hash,
                csr: self.csr,
                organization_units: self.organization_units,
                common_name_indicator: self.common_name_indicator,
                individual: self.individual,
                profile_type: self.profile_type,
                usage_designation: self.usage_designation,
            },
            organization: self.organization.map(|id| IdBody { id }),
            container: self.container.map(|id| IdBody { id }),
            order_validity: validity,
            skip_approval: self.skip_approval,
            payment_method: self.payment_method,
            comments: self.comments,
        })
    }
}

/// One certificate of a chain, as JSON (`certificate_chain[]`, `intermediates[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ChainCertificate {
    /// Subject CN.
    #[serde(default)]
    pub subject_common_name: Option<String>,
    /// PEM text; `\r\n` line endings in DigiCert's JSON (see [`crate::pem`]).
    pub pem: String,
}

/// 201 answer of `POST /order/certificate/{product}`. Only `id` is guaranteed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrderCreated {
    /// The new order's id.
    pub id: OrderId,
    /// The approval request(s) the order created.
    #[serde(default, deserialize_with = "de::list")]
    pub requests: Vec<RequestSummary>,
    /// Present when the certificate was issued immediately.
    #[serde(default)]
    pub certificate_id: Option<CertificateId>,
    /// Present when the certificate was issued immediately: leaf first.
    #[serde(default, deserialize_with = "de::list")]
    pub certificate_chain: Vec<ChainCertificate>,
}

/// The issuing CA of a certificate; its id is a hex string, unlike other ids.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CaCert {
    /// Hex id.
    pub id: String,
    /// CA name.
    #[serde(default)]
    pub name: Option<String>,
}

/// The certificate part of an order. Pending orders lack id, serial and dates.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrderCertificate {
    /// Certificate id, once issued.
    #[serde(default)]
    pub id: Option<CertificateId>,
    /// Serial number as DigiCert prints it; not guaranteed to be hex.
    #[serde(default)]
    pub serial_number: Option<String>,
    /// Thumbprint.
    #[serde(default)]
    pub thumbprint: Option<String>,
    /// Subject CN.
    #[serde(default)]
    pub common_name: Option<String>,
    /// Mailbox addresses (S/MIME orders).
    #[serde(default, deserialize_with = "de::list")]
    pub emails: Vec<String>,
    /// DNS names (TLS orders).
    #[serde(default, deserialize_with = "de::list")]
    pub dns_names: Vec<String>,
    /// When the certificate was issued.
    #[serde(default, deserialize_with = "dates::option::deserialize")]
    pub date_issued: Option<OffsetDateTime>,
    /// Start of validity (a plain date).
    #[serde(default, deserialize_with = "dates::option::deserialize")]
    pub valid_from: Option<OffsetDateTime>,
    /// End of validity (a plain date).
    #[serde(default, deserialize_with = "dates::option::deserialize")]
    pub valid_till: Option<OffsetDateTime>,
    /// Days left, as DigiCert computed them.
    #[serde(default)]
    pub days_remaining: Option<i64>,
    /// Certificate validity.
    #[serde(default, deserialize_with = "de::object_or_empty")]
    pub cert_validity: Option<Validity>,
    /// Signature hash.
    #[serde(default)]
    pub signature_hash: Option<String>,
    /// Issuing CA.
    #[serde(default, deserialize_with = "de::object_or_empty")]
    pub ca_cert: Option<CaCert>,
}

/// The product part of an order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrderProduct {
    /// Product identifier.
    pub name_id: ProductId,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// `client_certificate`, …
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Validation the product relies on (`smime` for client certificates).
    #[serde(default)]
    pub validation_type: Option<String>,
}

/// A custom field value on an order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CustomFieldValue {
    /// Field definition id.
    #[serde(default)]
    pub metadata_id: Option<u64>,
    /// Label.
    #[serde(default)]
    pub label: Option<String>,
    /// Value.
    #[serde(default)]
    pub value: Option<String>,
}

/// An order (`GET /order/certificate/{id}`, items of `GET /order/certificate`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Order {
    /// Order id.
    pub id: OrderId,
    /// Current status; unknown values are kept in `Other`.
    pub status: OrderStatus,
    /// The certificate.
    #[serde(default, deserialize_with = "de::object_or_empty")]
    pub certificate: Option<OrderCertificate>,
    /// When the order was placed.
    #[serde(default, deserialize_with = "dates::option::deserialize")]
    pub date_created: Option<OffsetDateTime>,
    /// The organization; DigiCert sends `[]` when there is none.
    #[serde(default, deserialize_with = "de::object_or_empty")]
    pub organization: Option<OrganizationRef>,
    /// The container.
    #[serde(default, deserialize_with = "de::object_or_empty")]
    pub container: Option<ContainerRef>,
    /// The product.
    #[serde(default, deserialize_with = "de::object_or_empty")]
    pub product: Option<OrderProduct>,
    /// Order validity.
    #[serde(default, deserialize_with = "de::object_or_empty")]
    pub order_validity: Option<Validity>,
    /// End of the order (a plain date); absent on rejected orders.
    #[serde(default, deserialize_with = "dates::option::deserialize")]
    pub order_valid_till: Option<OffsetDateTime>,
    /// Free text given at placement; carries the portal's order reference.
    #[serde(default)]
    pub comments: Option<String>,
    /// Requests of the order.
    #[serde(default, deserialize_with = "de::list")]
    pub requests: Vec<RequestSummary>,
    /// Who placed it.
    #[serde(default, deserialize_with = "de::object_or_empty")]
    pub user: Option<PersonRef>,
    /// Whether it has been renewed.
    #[serde(default, deserialize_with = "de::flag_option")]
    pub is_renewed: Option<bool>,
    /// Sent as `"1"` and omitted when false.
    #[serde(default, deserialize_with = "de::flag")]
    pub is_multi_year_plan: bool,
    /// Custom fields.
    #[serde(default, deserialize_with = "de::list")]
    pub custom_fields: Vec<CustomFieldValue>,
}

/// `GET /order/certificate`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrderList {
    /// Orders; the key is absent, not `[]`, when there are none.
    #[serde(default, deserialize_with = "de::list")]
    pub orders: Vec<Order>,
    /// Paging information.
    #[serde(default)]
    pub page: Option<Page>,
}

/// Filters of `GET /order/certificate`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderListQuery {
    /// `filters[search]`, sent as given.
    pub search: Option<String>,
    /// `filters[status]`.
    pub status: Option<OrderStatus>,
    /// `filters[organization_id]`.
    pub organization_id: Option<OrganizationId>,
    /// `filters[product_name_id]`.
    pub product_name_id: Option<ProductId>,
    /// `filters[email]`.
    pub email: Option<String>,
    /// `filters[common_name]`.
    pub common_name: Option<String>,
    /// `filters[serial_number]`.
    pub serial_number: Option<String>,
    /// `filters[container_id]`.
    pub container_id: Option<ContainerId>,
    /// `filters[date_created]`, e.g. `2025-01-01...2025-02-01`.
    pub date_created: Option<String>,
    /// Paging.
    pub paging: Paging,
}

impl OrderListQuery {
    /// Orders whose searchable text (including `comments`) contains `text`: DigiCert reads a
    /// leading `%` in `filters[search]` as "contains". Used to find an order placed with the
    /// portal's reference after an ambiguous failure.
    pub fn search_containing(text: &str) -> Self {
        Self {
            search: Some(format!("%{text}")),
            ..Self::default()
        }
    }

    pub(crate) fn to_query(&self) -> Vec<(String, String)> {
        let filters = [
            ("search", self.search.clone()),
            ("status", self.status.as_ref().map(|s| s.to_string())),
            (
                "organization_id",
                self.organization_id.map(|id| id.to_string()),
            ),
            (
                "product_name_id",
                self.product_name_id.as_ref().map(|p| p.to_string()),
            ),
            ("email", self.email.clone()),
            ("common_name", self.common_name.clone()),
            ("serial_number", self.serial_number.clone()),
            ("container_id", self.container_id.map(|id| id.to_string())),
            ("date_created", self.date_created.clone()),
        ];
        let mut query: Vec<(String, String)> = filters
            .into_iter()
            .filter_map(|(name, value)| value.map(|v| (format!("filters[{name}]"), v)))
            .collect();
        self.paging.push_query(&mut query);
        query
    }
}

/// One order whose status changed (`GET /order/certificate/status-changes`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StatusChange {
    /// The order.
    #[serde(alias = "id")]
    pub order_id: OrderId,
    /// The certificate, once there is one.
    #[serde(default)]
    pub certificate_id: Option<CertificateId>,
    /// The new status.
    pub status: OrderStatus,
}

/// `GET /order/certificate/status-changes`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StatusChangeList {
    /// Changed orders; omitted when none changed.
    #[serde(default, deserialize_with = "de::list")]
    pub orders: Vec<StatusChange>,
}

open_enum!(
    /// Whether a mailbox on a client-certificate order has been proven.
    EmailValidationStatus {
        /// The recipient clicked DigiCert's link.
        Validated => "validated",
        /// Still waiting.
        Unvalidated => "unvalidated",
    }
);

/// One address of `GET /order/certificate/{id}/email-validation`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct EmailValidationEntry {
    /// The address.
    pub email: String,
    /// Its state.
    pub status: EmailValidationStatus,
    /// When DigiCert mailed it (a plain date).
    #[serde(default, deserialize_with = "dates::option::deserialize")]
    pub date_emailed: Option<OffsetDateTime>,
}

/// `GET /order/certificate/{id}/email-validation`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct EmailValidation {
    /// How an admin may (re)send the validation mails (`api`, `browser`).
    #[serde(default, deserialize_with = "de::list")]
    pub delivery_options: Vec<String>,
    /// Per-address state.
    #[serde(default, deserialize_with = "de::list")]
    pub emails: Vec<EmailValidationEntry>,
}

/// Download formats the portal uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertificateFormat {
    /// Leaf, intermediate(s) and root, PEM.
    PemAll,
    /// Leaf and intermediate(s), PEM.
    PemNoRoot,
    /// PKCS#7 bundle of the chain.
    P7b,
}

impl CertificateFormat {
    /// The `{format}` path segment.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PemAll => "pem_all",
            Self::PemNoRoot => "pem_noroot",
            Self::P7b => "p7b",
        }
    }
}

/// `GET /certificate/{id}/chain`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CertificateChain {
    /// Intermediates, issuing CA first.
    #[serde(default, deserialize_with = "de::list")]
    pub intermediates: Vec<ChainCertificate>,
}

/// A downloaded certificate file: raw bytes, as DigiCert sent them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// The answer's content type, e.g. `application/x-pem-file`.
    pub content_type: Option<String>,
    /// The file.
    pub body: Vec<u8>,
}

impl Download {
    /// The body as text, for the PEM formats.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }
}
