//! The DigiCert request for one of our orders, with the fields each product needs.
use crate::db::orders::OrderRecord;
use crate::digicert::{
    CommonNameIndicator, InvalidOrderRequest, OrderRequest, OrganizationId, PrimaryUsage,
    ProductId, ProfileType,
};

/// Why an order cannot become a DigiCert request; no retry fixes these.
#[derive(Debug, thiserror::Error)]
pub(super) enum BuildError {
    #[error("the order has no reference")]
    NoReference,
    #[error("the institution is not linked to a DigiCert organization")]
    NoOrganization,
    #[error(transparent)]
    Invalid(#[from] InvalidOrderRequest),
}

pub(super) fn build(order: &OrderRecord) -> Result<OrderRequest, BuildError> {
    let reference = order.reference.as_deref().ok_or(BuildError::NoReference)?;
    let organization = order
        .digicert_org_id
        .and_then(|id| u64::try_from(id).ok())
        .map(OrganizationId)
        .ok_or(BuildError::NoOrganization)?;
    let product = ProductId::from(order.product.as_str());
    let mut builder = OrderRequest::builder(product.clone(), order.emails.clone())
        .organization(organization)
        .validity_years(u32::try_from(order.validity_years).unwrap_or(1))
        // Our admins approved the order in the portal; a second approval at
        // DigiCert would only stall it.
        .skip_approval(true)
        .comments(reference)
        .common_name_indicator(CommonNameIndicator::GivenNameSurname)
        .individual(order.given_name.clone(), order.surname.clone());
    if let Some(csr) = &order.csr_pem {
        builder = builder.csr(csr.clone());
    }
    if matches!(
        product,
        ProductId::SecureEmailSponsor
            | ProductId::SecureEmailOrganization
            | ProductId::SecureEmailMailbox
    ) {
        let profile = order
            .profile_type
            .as_deref()
            .map_or(ProfileType::Strict, ProfileType::from);
        builder = builder
            .profile_type(profile)
            .usage_designation(PrimaryUsage::DualUse, Vec::new());
    } else {
        builder = builder.common_name(order.common_name.clone());
    }
    Ok(builder.build()?)
}
