//! Static assets, compiled into the binary so a deployment is one file.
use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;

use crate::error::AppError;

pub async fn serve(Path(name): Path<String>) -> Result<impl IntoResponse, AppError> {
    let (content_type, body): (&str, &'static [u8]) = match name.as_str() {
        "style.css" => (
            "text/css; charset=utf-8",
            include_bytes!("../../../static/style.css"),
        ),
        "app.js" => (
            "text/javascript; charset=utf-8",
            include_bytes!("../../../static/app.js"),
        ),
        "favicon.svg" => (
            "image/svg+xml",
            include_bytes!("../../../static/favicon.svg"),
        ),
        _ => return Err(AppError::NotFound),
    };
    Ok(([(header::CONTENT_TYPE, content_type)], body))
}
