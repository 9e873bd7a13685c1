//! What the person's browser holds: the token of a link just opened, in a
//! short-lived cookie until it is confirmed or resolved (no session for a link
//! merely opened), and then a session bound to the one enrollment it may see.
use axum::http::{HeaderMap, HeaderValue};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

use crate::auth::cookies::ENROLLMENT_LINK;
use crate::error::AppError;

const KEY: &str = "person";

#[derive(Debug, Default, Serialize, Deserialize)]
struct PersonSession {
    enrollment: Option<Uuid>,
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
pub(super) async fn bind(session: &Session, enrollment: Uuid) -> Result<(), AppError> {
    crate::auth::session::renew(session).await?;
    session
        .insert(
            KEY,
            PersonSession {
                enrollment: Some(enrollment),
            },
        )
        .await?;
    Ok(())
}

pub(super) async fn bound(session: &Session) -> Result<Option<Uuid>, AppError> {
    let person: Option<PersonSession> = session.get(KEY).await?;
    Ok(person.and_then(|person| person.enrollment))
}
