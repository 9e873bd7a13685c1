//! The portal as a SAML service provider: its metadata, the "log in with your institution"
//! choice, the assertion consumer service, and an admin linking their federated identity.
pub mod acs;
pub mod login;
pub mod metadata;

/// Where IdPs post their answers; exempt from the cross-site check (see `app`).
pub const ACS_PATH: &str = "/saml/acs";
