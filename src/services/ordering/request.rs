//! The DigiCert request for an order, with the fields each product needs. One
//! builder serves both the submit job and the order form's preview, so what an
//! admin sees before placing is what DigiCert receives.
use digicert::{
    CommonNameIndicator, InvalidOrderRequest, OrderRequest, OrderRequestBuilder, OrganizationId,
    PrimaryUsage, ProductId, ProfileType,
};

use crate::db::orders::OrderRecord;
use crate::domain::{self, Product};

/// DigiCert's `additional_usages` value for the clientAuth EKU.
const CLIENT_AUTH: &str = "client_auth";

/// Why an order cannot become a DigiCert request; no retry fixes these.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("the order has no reference")]
    NoReference,
    #[error("the institution is not linked to a DigiCert organization")]
    NoOrganization,
    #[error(transparent)]
    Invalid(#[from] InvalidOrderRequest),
}

/// What the request is made of, whether it comes from an order row or from the
/// order form before anything is written.
#[derive(Debug, Clone)]
pub struct RequestSpec<'a> {
    pub product: ProductId,
    pub profile_type: Option<ProfileType>,
    pub emails: Vec<String>,
    pub given_name: &'a str,
    pub surname: &'a str,
    pub common_name: &'a str,
    pub validity_years: u32,
    /// The institution's DigiCert organization.
    pub organization: Option<i64>,
    /// Our reference for DigiCert's `comments`; assigned when the order is placed.
    pub reference: Option<&'a str>,
}

impl<'a> RequestSpec<'a> {
    pub fn of_order(order: &'a OrderRecord) -> Self {
        Self {
            product: ProductId::from(order.product.as_str()),
            profile_type: order.profile_type.as_deref().map(ProfileType::from),
            emails: order.emails.clone(),
            given_name: &order.given_name,
            surname: &order.surname,
            common_name: &order.common_name,
            validity_years: u32::try_from(order.validity_years).unwrap_or(1),
            organization: order.digicert_org_id,
            reference: order.reference.as_deref(),
        }
    }
}

/// The request the submit job sends for a placed order.
pub(super) fn build(order: &OrderRecord) -> Result<OrderRequest, BuildError> {
    let spec = RequestSpec::of_order(order);
    let reference = spec.reference.ok_or(BuildError::NoReference)?;
    let mut builder = builder(&spec)?.comments(reference);
    if let Some(csr) = &order.csr_pem {
        builder = builder.csr(csr.clone());
    }
    Ok(builder.build()?)
}

/// The request for `spec` with the person's CSR, valid for `days` rather than
/// whole years: for the demo's certificates that end soon.
pub fn with_validity_days(
    spec: &RequestSpec<'_>,
    csr_pem: &str,
    days: u32,
) -> Result<OrderRequest, BuildError> {
    let reference = spec.reference.ok_or(BuildError::NoReference)?;
    Ok(builder(spec)?
        .comments(reference)
        .csr(csr_pem.to_owned())
        .validity_days(days)
        .build()?)
}

/// The request as it will be sent once the person's key is known; for the
/// order form's preview.
pub fn preview(spec: &RequestSpec<'_>) -> Result<OrderRequest, BuildError> {
    let mut builder = builder(spec)?;
    if let Some(reference) = spec.reference {
        builder = builder.comments(reference);
    }
    Ok(builder.build_awaiting_csr()?)
}

fn builder(spec: &RequestSpec<'_>) -> Result<OrderRequestBuilder, BuildError> {
    let organization = spec
        .organization
        .and_then(|id| u64::try_from(id).ok())
        .map(OrganizationId)
        .ok_or(BuildError::NoOrganization)?;
    let mut builder = OrderRequest::builder(spec.product.clone(), spec.emails.clone())
        .organization(organization)
        .validity_years(spec.validity_years)
        // Our admins approved the order in the portal; a second approval at
        // DigiCert would only stall it.
        .skip_approval(true)
        .common_name_indicator(CommonNameIndicator::GivenNameSurname)
        .individual(spec.given_name.to_owned(), spec.surname.to_owned());
    if is_secure_email(&spec.product) {
        let profile = spec.profile_type.clone().unwrap_or(ProfileType::Strict);
        // DigiCert adds clientAuth only when asked; the multipurpose profile is sold as
        // "mail and client authentication", and strict must not have it.
        let additional = if profile == ProfileType::Multipurpose {
            vec![CLIENT_AUTH.to_owned()]
        } else {
            Vec::new()
        };
        builder = builder
            .profile_type(profile)
            .usage_designation(PrimaryUsage::DualUse, additional);
    } else {
        builder = builder.common_name(spec.common_name.to_owned());
    }
    Ok(builder)
}

/// What an issued certificate must say about its use for the product and profile ordered:
/// the S/MIME BR profile of its policy (multipurpose or strict) and whether its EKU has
/// clientAuth beside emailProtection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromisedUse {
    pub multipurpose: bool,
    pub client_auth: bool,
}

impl PromisedUse {
    pub fn of(spec: &RequestSpec<'_>) -> Self {
        if is_secure_email(&spec.product) {
            let multipurpose = spec.profile_type == Some(ProfileType::Multipurpose);
            Self {
                multipurpose,
                client_auth: multipurpose,
            }
        } else {
            // The legacy products issue only the multipurpose profile since 2025-07-10;
            // Premium alone is sold for client authentication.
            Self {
                multipurpose: true,
                client_auth: spec.product == ProductId::ClientPremium,
            }
        }
    }
}

/// DigiCert's name for one of our products.
pub fn product_id(product: Product) -> ProductId {
    ProductId::from(product.as_str())
}

/// DigiCert's name for one of our profiles.
pub fn profile_type(profile: domain::ProfileType) -> ProfileType {
    ProfileType::from(profile.as_str())
}

fn is_secure_email(product: &ProductId) -> bool {
    matches!(
        product,
        ProductId::SecureEmailSponsor
            | ProductId::SecureEmailOrganization
            | ProductId::SecureEmailMailbox
    )
}
