//! The JSON API under `/api/v1`: the same services as the HTML pages, behind the same
//! extractors (`InstitutionScope`, the CSRF token), answering JSON instead of pages and
//! problem details ([`problem`]) for every error.
pub mod orders;
pub mod problem;
