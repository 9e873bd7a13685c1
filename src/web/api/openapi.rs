//! The OpenAPI 3.1 document of `/api/v1`, generated from the handlers' annotations, and
//! served as JSON at `/api/v1/openapi.json` (no token needed: it says nothing about any
//! institution).
use axum::Json;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use super::{bulk, orders};

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

#[derive(OpenApi)]
#[openapi(
    info(
        title = "TCS portal API",
        version = "1",
        description = "Orders of GÉANT TCS client certificates for one institution, with an API token (Authorization: Bearer tcs_…) made on the institution's API access page or by `tcs-portal token create`. Errors are RFC 9457 problem details."
    ),
    paths(
        orders::place,
        orders::show,
        orders::cancel,
        orders::revoke,
        orders::resend_link,
        bulk::submit,
        bulk::show
    ),
    components(schemas(ProblemDoc)),
    modifiers(&BearerAuth),
    tags(
        (name = "orders", description = "Certificate orders"),
        (name = "bulk orders", description = "Many orders from one CSV or JSON list, previewed or placed at once")
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
