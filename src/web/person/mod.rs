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
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use crate::auth::extractors::session_of;
use crate::error::AppError;
use crate::services::enrollment::{self, PersonView};
use crate::state::AppState;
use crate::web::page::{self, Page, PageContext};

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

/// The enrollment a person acts on, for the handlers that change it (key, CSR, pickup,
/// "I saved it", revocation): the session must be bound to one by the link from their mail.
/// Without it the answer is the 410 page ("this link can no longer be used"), before the
/// handler runs.
pub struct BoundEnrollment {
    pub view: PersonView,
    pub page: PageContext,
}

impl FromRequestParts<AppState> for BoundEnrollment {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let found = async {
            let Page(page) = Page::from_request_parts(parts, state).await?;
            let view = bound_view(state, &session_of(parts)?).await?;
            Ok::<_, AppError>((view, page))
        };
        match found.await {
            Ok((Some(view), page)) => Ok(Self { view, page }),
            Ok((None, page)) => Err(gone(&page, "person.link_unusable").into_response()),
            Err(error) => Err(error.into_response()),
        }
    }
}

/// Binds the browser to a self-service order's enrollment, exactly as redeeming a mail link
/// does: the mailbox was proved before the order (the IdP's `mail` or a mailed code).
pub(crate) async fn bind_proven(
    session: &Session,
    enrollment: crate::domain::EnrollmentId,
) -> Result<(), AppError> {
    session::bind(session, enrollment, session::Opened::MailboxProof).await
}
