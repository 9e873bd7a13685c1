//! The order builder refuses orders DigiCert would reject for a missing field.

use digicert::{
    CommonNameIndicator, InvalidOrderRequest, OrderRequest, OrganizationId, PrimaryUsage,
    ProductId, ProfileType,
};

fn emails() -> Vec<String> {
    vec!["jane@example.edu".to_owned()]
}

#[test]
fn order_without_emails_is_refused() {
    let result = OrderRequest::builder(ProductId::SecureEmailMailbox, Vec::new())
        .validity_years(1)
        .usage_designation(PrimaryUsage::DualUse, Vec::new())
        .build();
    assert_eq!(result.unwrap_err(), InvalidOrderRequest::NoEmails);
}

#[test]
fn order_without_validity_is_refused() {
    let result = OrderRequest::builder(ProductId::SecureEmailMailbox, emails())
        .usage_designation(PrimaryUsage::DualUse, Vec::new())
        .build();
    assert_eq!(result.unwrap_err(), InvalidOrderRequest::NoValidity);
}

#[test]
fn secure_email_without_usage_designation_is_refused() {
    let result = OrderRequest::builder(ProductId::SecureEmailMailbox, emails())
        .validity_years(1)
        .build();
    assert!(matches!(
        result.unwrap_err(),
        InvalidOrderRequest::NoUsageDesignation(_)
    ));
}

#[test]
fn organization_product_without_organization_is_refused() {
    let result = OrderRequest::builder(ProductId::SecureEmailOrganization, emails())
        .validity_years(1)
        .usage_designation(PrimaryUsage::Signing, Vec::new())
        .common_name_indicator(CommonNameIndicator::OrganizationName)
        .build();
    assert!(matches!(
        result.unwrap_err(),
        InvalidOrderRequest::NoOrganization(_)
    ));
}

#[test]
fn premium_without_csr_is_refused() {
    let result = OrderRequest::builder(ProductId::ClientPremium, emails())
        .validity_years(1)
        .organization(OrganizationId(90_001))
        .common_name_indicator(CommonNameIndicator::GivenNameSurname)
        .individual("Jane", "Researcher")
        .build();
    assert!(matches!(result.unwrap_err(), InvalidOrderRequest::NoCsr(_)));
}

#[test]
fn given_name_surname_indicator_without_names_is_refused() {
    let result = OrderRequest::builder(ProductId::SecureEmailSponsor, emails())
        .validity_years(1)
        .organization(OrganizationId(90_001))
        .usage_designation(PrimaryUsage::DualUse, Vec::new())
        .common_name_indicator(CommonNameIndicator::GivenNameSurname)
        .build();
    assert!(matches!(
        result.unwrap_err(),
        InvalidOrderRequest::NoIndividual(_)
    ));
}

#[test]
fn complete_sponsor_order_builds() {
    let order = OrderRequest::builder(ProductId::SecureEmailSponsor, emails())
        .validity_days(365)
        .organization(OrganizationId(90_001))
        .usage_designation(PrimaryUsage::DualUse, vec!["client_auth".into()])
        .profile_type(ProfileType::Multipurpose)
        .common_name_indicator(CommonNameIndicator::GivenNameSurname)
        .individual("Jane", "Researcher")
        .comments("tcs-portal order 42")
        .build()
        .unwrap();
    assert_eq!(order.product(), &ProductId::SecureEmailSponsor);
    assert_eq!(order.comments(), Some("tcs-portal order 42"));
    let body = serde_json::to_value(&order).unwrap();
    assert_eq!(body["order_validity"], serde_json::json!({"days": 365}));
    assert!(body.get("product").is_none(), "the product goes in the URL");
}
