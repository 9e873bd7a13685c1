//! Pages reachable without a full login: health, language, login, MFA, invitations,
//! install guides.
pub mod assets;
pub mod guides;
pub mod health;
pub mod home;
pub mod invite;
pub mod lang;
pub mod login;
pub mod mfa;
