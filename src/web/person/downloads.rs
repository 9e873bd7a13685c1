//! The chain as PEM and as P7B, for the certificate's whole life, whichever
//! way the key was made; the PKCS#12 the last pickup built, while the key waits, as
//! it is and inside an Apple configuration profile.
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::session::PickedFile;
use super::{bound_view, gone, session};
use crate::domain::{EnrollmentId, OrderId};
use crate::error::AppError;
use crate::services::enrollment::{PersonView, pickup};
use crate::state::AppState;
use crate::web::page::{Page, PageContext};

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

/// The person's view and the PKCS#12 the last pickup built, for as long as the sealed
/// key waits on the portal (once the person saved it, or the grace period ended, the file
/// goes with the key); otherwise the answer to give instead.
async fn picked(
    state: &AppState,
    session: &Session,
    page: &PageContext,
) -> Result<Result<(PersonView, PickedFile), Response>, AppError> {
    let Some(view) = bound_view(state, session).await? else {
        return Ok(Err(gone(page, "person.link_unusable")?));
    };
    if !view.key_waiting() {
        session::forget_file(session).await?;
        return Ok(Err(gone(page, "person.key_wiped")?));
    }
    Ok(match session::picked_file(session).await? {
        Some(file) => Ok((view, file)),
        None => Err(Redirect::to("/enroll").into_response()),
    })
}

pub async fn pkcs12(
    State(state): State<AppState>,
    session: Session,
    Page(page): Page,
) -> Result<Response, AppError> {
    let (_, file) = match picked(&state, &session, &page).await? {
        Ok(picked) => picked,
        Err(answer) => return Ok(answer),
    };
    Ok(attachment(
        "application/x-pkcs12",
        &file.filename,
        file.pkcs12()?,
    ))
}

#[derive(Template)]
#[template(path = "person/profile.mobileconfig", escape = "html")]
struct ProfileTemplate<'a> {
    filename: &'a str,
    pkcs12_base64: &'a str,
    name: &'a str,
    description: &'a str,
    order_id: OrderId,
    /// The payload's UUID: the enrollment's id, the same on every download.
    payload_uuid: EnrollmentId,
}

/// An Apple configuration profile with the picked-up PKCS#12 as its one payload
/// (`com.apple.security.pkcs12`). It holds no passphrase: the device asks for it while
/// installing. Its identifiers come from the order, so installing it again replaces it.
pub async fn mobileconfig(
    State(state): State<AppState>,
    session: Session,
    Page(page): Page,
) -> Result<Response, AppError> {
    let (view, file) = match picked(&state, &session, &page).await? {
        Ok(picked) => picked,
        Err(answer) => return Ok(answer),
    };
    let stem = file.filename.trim_end_matches(".p12");
    let profile = ProfileTemplate {
        filename: &file.filename,
        pkcs12_base64: file.pkcs12_base64(),
        name: &format!("{} <{}>", view.order.common_name, view.mailbox()),
        description: page.t("guides.profile_hint"),
        order_id: view.order.id,
        payload_uuid: view.enrollment.id,
    }
    .render()
    .map_err(AppError::internal)?;
    Ok(attachment(
        "application/x-apple-aspen-config",
        &format!("{stem}.mobileconfig"),
        profile.into_bytes(),
    ))
}
