//! Pickup of the PKCS#12 with the passphrase, and "I saved it". Every answer to the
//! pickup form is a redirect to the person's page (POST-redirect-GET): the built file
//! or the refusal waits in the session for that one page view.
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use pki::Pkcs12Format;
use serde::Deserialize;
use tower_sessions::Session;

use super::session::{self, PickedFile, PickupRefusal};
use super::{BoundEnrollment, gone};
use crate::audit::RequestMeta;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::AppError;
use crate::services::enrollment::pickup::{self, PickupOutcome};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct PickupForm {
    passphrase: String,
    /// `modern` (the default when absent) or `legacy`, for older devices.
    #[serde(default)]
    format: Option<String>,
}

pub async fn pickup(
    State(state): State<AppState>,
    meta: RequestMeta,
    session: Session,
    BoundEnrollment { view, page }: BoundEnrollment,
    CsrfForm(form): CsrfForm<PickupForm>,
) -> Result<Response, AppError> {
    let format = match form.format.as_deref() {
        None => Pkcs12Format::Modern,
        Some(value) => Pkcs12Format::parse(value).ok_or(AppError::BadForm)?,
    };
    let refusal = |message_key: &str, retry_at: Option<String>| PickupRefusal {
        message_key: message_key.to_owned(),
        retry_at,
    };
    let refused = match pickup::pickup(&state, &meta, &view, &form.passphrase, format)
        .await
        .map_err(AppError::internal)?
    {
        PickupOutcome::Ready { pkcs12, filename } => {
            session::keep_file(&session, &PickedFile::new(filename, &pkcs12)).await?;
            return Ok(Redirect::to("/enroll").into_response());
        }
        PickupOutcome::Wiped => return gone(&page, "person.key_wiped"),
        PickupOutcome::NotAvailable => return Err(AppError::Conflict("person.no_pickup")),
        PickupOutcome::Malformed(error) => refusal(error.message_key(), None),
        PickupOutcome::WrongPassphrase => refusal("person.wrong_passphrase", None),
        PickupOutcome::Throttled(until) => refusal(
            "person.throttled",
            Some(crate::i18n::format::datetime(until)),
        ),
    };
    session::note_refusal(&session, refused).await?;
    Ok(Redirect::to("/enroll").into_response())
}

/// The person saved the PKCS#12: the sealed key is wiped, and the file with it.
pub async fn saved(
    State(state): State<AppState>,
    meta: RequestMeta,
    session: Session,
    BoundEnrollment { view, .. }: BoundEnrollment,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    if !pickup::confirm_saved(&state, &meta, &view)
        .await
        .map_err(AppError::internal)?
    {
        return Err(AppError::Conflict("person.nothing_to_wipe"));
    }
    session::forget_file(&session).await?;
    Ok(Redirect::to("/enroll").into_response())
}
