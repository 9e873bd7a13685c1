//! QR codes rendered on the server as inline SVG, so no script or CDN is needed.
use qrcode::QrCode;
use qrcode::render::svg;

use crate::error::AppError;

pub fn svg(data: &str) -> Result<String, AppError> {
    let code = QrCode::new(data.as_bytes()).map_err(AppError::internal)?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    // The renderer emits a standalone document; inside HTML only the <svg> element belongs.
    Ok(image
        .find("<svg")
        .map_or(image.clone(), |start| image[start..].to_owned()))
}
