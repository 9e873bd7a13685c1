//! Pages for AMRES staff.
pub mod audit;
pub mod home;
pub mod institutions;
pub mod onboarding;
pub mod operations;
