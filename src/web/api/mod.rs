//! The JSON API under `/api/v1`, for an institution's own systems: an API token
//! ([`bearer`]) opens the same `InstitutionScope` a logged-in admin gets, the same
//! services answer, in JSON, and every error is a problem detail ([`problem`]).
pub mod bearer;
pub mod bulk;
pub mod openapi;
pub mod orders;
pub mod problem;
