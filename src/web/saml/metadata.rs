//! `GET /saml/metadata`: the SP's metadata for IdPs and federations.
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::state::AppState;

pub async fn show(State(state): State<AppState>) -> Result<Response, AppError> {
    let xml = crate::services::saml::sp_metadata::xml(&state).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
        xml,
    )
        .into_response())
}
