//! The chain as PEM and as P7B, for the certificate's whole life, whichever
//! way the key was made; the PKCS#12 the last pickup built, while the key waits.
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::{bound_view, gone, session};
use crate::error::AppError;
use crate::services::enrollment::{PersonView, pickup};
use crate::state::AppState;
use crate::web::page::Page;

/// A file to save, never kept by a cache on the way.
pub fn attachment(content_type: &'static str, filename: &str, body: Vec<u8>) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The name is ASCII letters, digits and dashes (see `pickup::file_stem`).
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

async fn issued_view(
    state: &AppState,
    session: &Session,
) -> Result<Option<(PersonView, pki::CertificateChain)>, AppError> {
    let Some(view) = bound_view(state, session).await? else {
        return Ok(None);
    };
    let chain = pickup::chain(&view).map_err(AppError::internal)?;
    Ok(chain.map(|chain| (view, chain)))
}

pub async fn chain_pem(
    State(state): State<AppState>,
    session: Session,
    Page(page): Page,
) -> Result<Response, AppError> {
    let Some((view, chain)) = issued_view(&state, &session).await? else {
        return gone(&page, "person.no_certificate");
    };
    let name = format!("{}-chain.pem", pickup::file_stem(&view));
    Ok(attachment(
        "application/pem-certificate-chain",
        &name,
        chain.to_pem().into_bytes(),
    ))
}

pub async fn chain_p7b(
    State(state): State<AppState>,
    session: Session,
    Page(page): Page,
) -> Result<Response, AppError> {
    let Some((view, chain)) = issued_view(&state, &session).await? else {
        return gone(&page, "person.no_certificate");
    };
    let name = format!("{}.p7b", pickup::file_stem(&view));
    Ok(attachment("application/pkcs7-mime", &name, chain.to_p7b()))
}

/// The PKCS#12 the last pickup built, for as long as the sealed key waits on the portal:
/// once the person saved it (or the grace period ended) the file goes with the key.
pub async fn pkcs12(
    State(state): State<AppState>,
    session: Session,
    Page(page): Page,
) -> Result<Response, AppError> {
    let Some(view) = bound_view(&state, &session).await? else {
        return gone(&page, "person.link_unusable");
    };
    if !view.key_waiting() {
        session::forget_file(&session).await?;
        return gone(&page, "person.key_wiped");
    }
    let Some(file) = session::picked_file(&session).await? else {
        return Ok(Redirect::to("/enroll").into_response());
    };
    Ok(attachment(
        "application/x-pkcs12",
        &file.filename,
        file.pkcs12()?,
    ))
}
