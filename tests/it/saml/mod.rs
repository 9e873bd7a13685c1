//! The portal as a SAML service provider (issue 15): its metadata and trusted IdPs, the
//! ACS against honest and forged responses, and admins logging in through their IdP.
mod acs;
mod admin_login;
mod federation;
mod rollover;
mod simplesamlphp;
pub mod world;
