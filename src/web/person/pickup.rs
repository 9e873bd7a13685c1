//! Pickup of the PKCS#12 with the passphrase, and "I saved it".
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pki::Pkcs12Format;
use serde::Deserialize;

use super::status::{self, Notes};
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
    BoundEnrollment { view, page }: BoundEnrollment,
    CsrfForm(form): CsrfForm<PickupForm>,
) -> Result<Response, AppError> {
    let format = match form.format.as_deref() {
        None => Pkcs12Format::Modern,
        Some(value) => Pkcs12Format::parse(value).ok_or(AppError::BadForm)?,
    };
    let notes = match pickup::pickup(&state, &meta, &view, &form.passphrase, format)
        .await
        .map_err(AppError::internal)?
    {
        PickupOutcome::Ready { pkcs12, filename } => {
            return Ok(super::downloads::attachment(
                "application/x-pkcs12",
                &filename,
                pkcs12,
            ));
        }
        PickupOutcome::Wiped => return gone(&page, "person.key_wiped"),
        PickupOutcome::NotAvailable => return Err(AppError::Conflict("person.no_pickup")),
        PickupOutcome::Malformed(error) => Notes {
            status: Some(StatusCode::UNPROCESSABLE_ENTITY),
            pickup_error: Some(error.message_key()),
            ..Notes::default()
        },
        PickupOutcome::WrongPassphrase => Notes {
            status: Some(StatusCode::UNPROCESSABLE_ENTITY),
            pickup_error: Some("person.wrong_passphrase"),
            ..Notes::default()
        },
        PickupOutcome::Throttled(until) => Notes {
            status: Some(StatusCode::TOO_MANY_REQUESTS),
            pickup_error: Some("person.throttled"),
            retry_at: Some(crate::i18n::format::datetime(until)),
            ..Notes::default()
        },
    };
    status::render(&page, &view, notes)
}

/// The person saved the PKCS#12: the sealed key is wiped.
pub async fn saved(
    State(state): State<AppState>,
    meta: RequestMeta,
    BoundEnrollment { view, .. }: BoundEnrollment,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    if !pickup::confirm_saved(&state, &meta, &view)
        .await
        .map_err(AppError::internal)?
    {
        return Err(AppError::Conflict("person.nothing_to_wipe"));
    }
    Ok(Redirect::to("/enroll").into_response())
}
