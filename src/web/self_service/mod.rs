//! Self-service for end-users (issue 15 §2): "Log in with your institution" for persons,
//! the landing of an admitted IdP answer, and "My certificates". The key, CSR, pickup,
//! download and revocation pages are the person's pages of `web::person`, reached by
//! binding the browser to the order's enrollment as a redeemed mail link does.
pub mod certificates;
pub mod login;
