//! What the person's session holds: the token of a link just opened (until it
//! is confirmed or resolved), and then the one enrollment the session may see.
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

use crate::error::AppError;

const KEY: &str = "person";

#[derive(Debug, Default, Serialize, Deserialize)]
struct PersonSession {
    token: Option<String>,
    enrollment: Option<Uuid>,
}

async fn read(session: &Session) -> Result<PersonSession, AppError> {
    Ok(session.get(KEY).await?.unwrap_or_default())
}

/// Keeps a token from a mail link until the page resolves it.
pub(super) async fn remember_token(session: &Session, token: &str) -> Result<(), AppError> {
    let mut state = read(session).await?;
    state.token = Some(token.to_owned());
    session.insert(KEY, state).await?;
    Ok(())
}

pub(super) async fn token(session: &Session) -> Result<Option<String>, AppError> {
    Ok(read(session).await?.token)
}

pub(super) async fn forget_token(session: &Session) -> Result<(), AppError> {
    let mut state = read(session).await?;
    state.token = None;
    session.insert(KEY, state).await?;
    Ok(())
}

/// Binds the session to one enrollment, with a new session id so an id planted
/// before (session fixation) does not gain the access.
pub(super) async fn bind(session: &Session, enrollment: Uuid) -> Result<(), AppError> {
    session.cycle_id().await?;
    session
        .insert(
            KEY,
            PersonSession {
                token: None,
                enrollment: Some(enrollment),
            },
        )
        .await?;
    Ok(())
}

pub(super) async fn bound(session: &Session) -> Result<Option<Uuid>, AppError> {
    Ok(read(session).await?.enrollment)
}
