//! The person's pages (no account): the link from their mail, the choice of
//! key, the status of their order, pickup, downloads and revocation. Access is
//! the token from a mail, moved into the session, then the enrollment the
//! session is bound to; see `services::enrollment`.
pub mod downloads;
pub mod key;
pub mod link;
pub mod pickup;
pub mod revoke;
mod session;
mod status;

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use tower_sessions::Session;

use crate::app::AppState;
use crate::error::AppError;
use crate::services::enrollment::{self, PersonView};
use crate::web::page::{self, PageContext};

#[derive(Template)]
#[template(path = "person/gone.html")]
struct GoneTemplate<'a> {
    page: &'a PageContext,
    message_key: &'static str,
}

/// 410: the link was used, expired or replaced, or the key was wiped.
fn gone(page: &PageContext, message_key: &'static str) -> Result<Response, AppError> {
    page::render(StatusCode::GONE, &GoneTemplate { page, message_key })
}

/// The enrollment this session is bound to; `None` without one.
async fn bound_view(state: &AppState, session: &Session) -> Result<Option<PersonView>, AppError> {
    let Some(id) = session::bound(session).await? else {
        return Ok(None);
    };
    Ok(enrollment::load(state, id).await?)
}
