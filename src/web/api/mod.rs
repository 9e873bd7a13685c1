//! The JSON API under `/api/v1`, for an institution's own systems: an API token
//! ([`bearer`]) opens the same `InstitutionScope` a logged-in admin gets, the same
//! services answer, in JSON, and every error is a problem detail ([`problem`]).
pub mod bearer;
pub mod body;
pub mod bulk;
pub mod departures;
pub mod docs;
pub mod enrollment;
pub mod institution;
pub mod openapi;
pub mod order_list;
pub mod orders;
pub mod problem;
