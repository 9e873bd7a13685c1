//! The two ways to a key: the portal makes it, or the person brings a CSR.
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use pki::KeyType;
use serde::Deserialize;

use super::BoundEnrollment;
use super::status::{self, Notes};
use crate::audit::RequestMeta;
use crate::auth::csrf::CsrfForm;
use crate::error::AppError;
use crate::services::enrollment::key::{self, CsrOutcome, KeyOutcome};
use crate::state::AppState;
use crate::web::page::{self, PageContext};

#[derive(Deserialize)]
pub struct KeyForm {
    key_type: String,
}

#[derive(Template)]
#[template(path = "person/passphrase.html")]
struct PassphraseTemplate<'a> {
    page: &'a PageContext,
    /// The canonical passphrase's groups of five, shown apart for reading aloud.
    groups: Vec<&'a str>,
}

/// Makes the key and shows its passphrase in this one answer. A reload posts
/// again, finds the key made, and lands on the status page: the passphrase is
/// never shown twice and no second key is made.
pub async fn make_key(
    State(state): State<AppState>,
    meta: RequestMeta,
    BoundEnrollment { view, page }: BoundEnrollment,
    CsrfForm(form): CsrfForm<KeyForm>,
) -> Result<Response, AppError> {
    let key_type = KeyType::parse(&form.key_type).ok_or(AppError::BadForm)?;
    match key::make_server_key(&state, &meta, &view, key_type)
        .await
        .map_err(AppError::internal)?
    {
        KeyOutcome::Made(passphrase) => {
            let mut response = page::ok(&PassphraseTemplate {
                page: &page,
                groups: passphrase.expose_secret().split('-').collect(),
            })?;
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            Ok(response)
        }
        KeyOutcome::AlreadyChosen => Ok(Redirect::to("/enroll").into_response()),
    }
}

#[derive(Deserialize)]
pub struct CsrForm {
    csr: String,
}

/// Checks a pasted CSR and sends the order on its way with it.
pub async fn upload_csr(
    State(state): State<AppState>,
    meta: RequestMeta,
    BoundEnrollment { view, page }: BoundEnrollment,
    CsrfForm(form): CsrfForm<CsrForm>,
) -> Result<Response, AppError> {
    match key::submit_csr(&state, &meta, &view, &form.csr)
        .await
        .map_err(AppError::internal)?
    {
        CsrOutcome::Queued | CsrOutcome::AlreadyChosen => {
            Ok(Redirect::to("/enroll").into_response())
        }
        CsrOutcome::Refused(refusal) => status::render(
            &page,
            &view,
            Notes {
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                csr_refusal: Some(
                    page.lang
                        .fill(refusal.message_key(), &refusal.message_args()),
                ),
                ..Notes::default()
            },
        ),
    }
}
