//! Self-service for end-users (issue 15 §2): a person logs in at their institution's IdP
//! and, within the institution's policy, requests and collects their own certificate.
//!
//! - [`admission`]: after the ACS accepted the IdP's answer, the policy decides (on, the
//!   affiliation or entitlement allowed, `mail` within the institution's validated
//!   domains, the TCS preconditions met); the person then gets a short session with what
//!   the IdP vouched for (`auth::person`). Admissions and refusals are audited with the
//!   IdP, the assertion ID and the attributes used.
//! - [`request`]: "Request a certificate" builds the same `OrderForm` an admin would type
//!   (the name from the IdP, the mailbox from `mail`, product, profile and validity from
//!   the policy), parses it with the same parser and places it through the same
//!   `ordering::place`, marked as self-service. The mailbox is proved by the IdP's `mail`
//!   when the policy trusts it, else by a one-time code mailed first.
pub mod admission;
pub mod policy;
pub mod request;
