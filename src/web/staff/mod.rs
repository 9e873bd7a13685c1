//! Pages for AMRES staff.
pub mod api_tokens;
pub mod audit;
pub mod domains;
pub mod home;
pub mod institutions;
pub mod key_banner;
pub mod onboarding;
pub mod operations;
pub mod orders;
pub mod saml;
