//! What the person's browser holds: the token of a link just opened, in a
//! short-lived cookie until it is confirmed or resolved (no session for a link
//! merely opened), and then a session bound to the one enrollment it may see.
use axum::http::{HeaderMap, HeaderValue};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::auth::cookies::ENROLLMENT_LINK;
use crate::domain::EnrollmentId;
use crate::error::AppError;
use crate::services::one_time_code::OneTimeCode;

const KEY: &str = "person";
const PICKUP_REFUSAL: &str = "person.pickup_refusal";
const PICKED_FILE: &str = "person.picked_file";
const REVOKE_CODE: &str = "person.revoke_code";
const REVOKE_NOTE: &str = "person.revoke_note";

#[derive(Debug, Default, Serialize, Deserialize)]
struct PersonSession {
    enrollment: Option<EnrollmentId>,
    /// Opened by the reusable link of the "issued" mail rather than by the mailbox proof.
    #[serde(default)]
    by_reusable_link: bool,
}

/// How the session came to be bound to its enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Opened {
    /// The single-use link, with the mailbox proof.
    MailboxProof,
    /// The reusable link of the "issued" mail, which may have been forwarded.
    ReusableLink,
}

/// The `Set-Cookie` value that keeps a token from a mail link until the page resolves it.
pub(super) fn remember_token(token: &str) -> HeaderValue {
    ENROLLMENT_LINK.remember(token)
}

pub(super) fn token(headers: &HeaderMap) -> Option<String> {
    ENROLLMENT_LINK.read(headers)
}

/// The `Set-Cookie` value that drops the link's token.
pub(super) fn forget_token() -> HeaderValue {
    ENROLLMENT_LINK.forget()
}

/// Binds the session to one enrollment (creating it: the link was redeemed),
/// renewed so an id planted before (session fixation) does not gain the access.
pub(super) async fn bind(
    session: &Session,
    enrollment: EnrollmentId,
    opened: Opened,
) -> Result<(), AppError> {
    crate::auth::session::renew(session).await?;
    session
        .insert(
            KEY,
            PersonSession {
                enrollment: Some(enrollment),
                by_reusable_link: opened == Opened::ReusableLink,
            },
        )
        .await?;
    Ok(())
}

/// Whether a revocation from this session first needs a mailed code.
pub(super) async fn needs_revoke_code(session: &Session) -> Result<bool, AppError> {
    let person: Option<PersonSession> = session.get(KEY).await?;
    Ok(person.is_some_and(|person| person.by_reusable_link))
}

pub(super) async fn bound(session: &Session) -> Result<Option<EnrollmentId>, AppError> {
    let person: Option<PersonSession> = session.get(KEY).await?;
    Ok(person.and_then(|person| person.enrollment))
}

/// Why the last pickup was refused, kept for the one page view after the redirect
/// (POST-redirect-GET): a reload neither posts the passphrase again nor shows the
/// message twice.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct PickupRefusal {
    /// A catalogue key.
    pub message_key: String,
    /// When a throttled pickup may be tried again (UTC).
    pub retry_at: Option<String>,
}

pub(super) async fn note_refusal(
    session: &Session,
    refusal: PickupRefusal,
) -> Result<(), AppError> {
    session.insert(PICKUP_REFUSAL, refusal).await?;
    Ok(())
}

/// The refusal to show, once.
pub(super) async fn take_refusal(session: &Session) -> Result<Option<PickupRefusal>, AppError> {
    Ok(session.remove(PICKUP_REFUSAL).await?)
}

/// The PKCS#12 the last pickup built, kept so the page after the redirect can say what
/// happened and the browser fetches the file with a plain GET. It is encrypted under the
/// person's passphrase, as the sealed key the database keeps until the person saved it.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct PickedFile {
    pub filename: String,
    pkcs12_base64: String,
    /// Whether a page already started its download (so a reload does not start it again).
    pub started: bool,
}

impl PickedFile {
    pub(super) fn new(filename: String, pkcs12: &[u8]) -> Self {
        Self {
            filename,
            pkcs12_base64: STANDARD.encode(pkcs12),
            started: false,
        }
    }

    pub(super) fn pkcs12_base64(&self) -> &str {
        &self.pkcs12_base64
    }

    pub(super) fn pkcs12(&self) -> Result<Vec<u8>, AppError> {
        STANDARD
            .decode(&self.pkcs12_base64)
            .map_err(AppError::internal)
    }
}

pub(super) async fn keep_file(session: &Session, file: &PickedFile) -> Result<(), AppError> {
    session.insert(PICKED_FILE, file).await?;
    Ok(())
}

pub(super) async fn picked_file(session: &Session) -> Result<Option<PickedFile>, AppError> {
    Ok(session.get(PICKED_FILE).await?)
}

pub(super) async fn forget_file(session: &Session) -> Result<(), AppError> {
    session.remove::<PickedFile>(PICKED_FILE).await?;
    Ok(())
}

/// The revocation code mailed to this session's person, with the wrong tries so far.
pub(super) async fn keep_code(session: &Session, code: &OneTimeCode) -> Result<(), AppError> {
    session.insert(REVOKE_CODE, code).await?;
    Ok(())
}

pub(super) async fn pending_code(session: &Session) -> Result<Option<OneTimeCode>, AppError> {
    Ok(session.get(REVOKE_CODE).await?)
}

pub(super) async fn forget_code(session: &Session) -> Result<(), AppError> {
    session.remove::<OneTimeCode>(REVOKE_CODE).await?;
    Ok(())
}

/// A catalogue key the revocation part of the page shows once (POST-redirect-GET).
pub(super) async fn note_revocation(session: &Session, message_key: &str) -> Result<(), AppError> {
    session.insert(REVOKE_NOTE, message_key).await?;
    Ok(())
}

pub(super) async fn take_revocation_note(session: &Session) -> Result<Option<String>, AppError> {
    Ok(session.remove(REVOKE_NOTE).await?)
}
