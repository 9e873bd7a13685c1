//! Self-service for end-users (issue 15 §2): the institution's policy, a person's login
//! through their IdP with each refusal, "My certificates", a request placed through the
//! admins' parser and placement, the mailbox proved by the IdP or by a mailed code.
mod login;
mod policy;
mod requests;
pub mod world;
