//! The portal as a SAML service provider: its metadata, the "log in with your institution"
//! choice, the assertion consumer service, and an admin linking their federated identity.
pub mod acs;
pub mod login;
pub mod metadata;
