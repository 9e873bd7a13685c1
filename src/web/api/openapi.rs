//! The OpenAPI 3.1 document of `/api/v1`, generated from the handlers' annotations, and
//! served as JSON at `/api/v1/openapi.json` (no token needed: it says nothing about any
//! institution).
use axum::Json;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use super::{bulk, departures, enrollment, institution, order_list, orders};

/// An RFC 9457 problem, as every error of the API is answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDoc {
    /// Stable per kind of error: `tag:tcs.amres.ac.rs,2026:problem:<kind>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For invalid input: each wrong field and why, in the caller's language.
    #[schema(value_type = Option<Object>)]
    pub errors: Option<serde_json::Value>,
}

/// The refusals every operation may answer with before its handler runs (the bearer
/// check and the per-token limit): one list, named by every operation.
#[derive(utoipa::IntoResponses)]
pub enum Refusals {
    /// No token, or one that is unknown, expired or revoked.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(ProblemDoc),
    /// The token lacks the scope, is used from outside its networks, or the institution
    /// is suspended.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(ProblemDoc),
    /// Not the token's institution, or nothing with that id there.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(ProblemDoc),
    /// Too many requests for this token; `Retry-After` says when to try again.
    #[response(status = 429, content_type = "application/problem+json")]
    TooManyRequests(ProblemDoc),
}

/// The refusals of a JSON body before the handler reads it, for every operation that
/// takes one.
#[derive(utoipa::IntoResponses)]
pub enum BodyRefusals {
    /// Not JSON, or nested too deep.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(ProblemDoc),
    /// The body is too large.
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(ProblemDoc),
    /// Not `application/json`.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(ProblemDoc),
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "TCS portal API",
        version = "1",
        description = "Orders of GÉANT TCS client certificates for one institution, with an API token (Authorization: Bearer tcs_…) made on the institution's API access page or by `tcs-portal token create`. Errors are RFC 9457 problem details."
    ),
    paths(
        institution::show,
        institution::domains,
        order_list::list,
        orders::place,
        orders::show,
        orders::cancel,
        orders::revoke,
        orders::resend_link,
        enrollment::show,
        departures::list,
        departures::mark,
        departures::undo,
        bulk::submit,
        bulk::show
    ),
    components(schemas(ProblemDoc)),
    modifiers(&BearerAuth),
    tags(
        (name = "institution", description = "The institution, its TCS preconditions and its domains"),
        (name = "orders", description = "Certificate orders and their people's enrollment"),
        (name = "bulk orders", description = "Many orders from one CSV or JSON list, previewed or placed at once"),
        (name = "people", description = "People who left the institution (departures)")
    )
)]
pub struct ApiDoc;

/// Declares the bearer scheme the operations name.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn document() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}
