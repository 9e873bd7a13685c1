//! Opening the link from the mail, and the mailbox proof.
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::{bound_view, gone, session, status};
use crate::audit::RequestMeta;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::AppError;
use crate::services::enrollment::link::{self, Opened};
use crate::state::AppState;
use crate::web::page::{self, Page, PageContext};

/// The link from a mail. The token moves into the session and the browser is
/// sent to a URL without it, so it does not linger in history or logs.
pub async fn open_link(session: Session, Path(token): Path<String>) -> Result<Redirect, AppError> {
    session::remember_token(&session, &token).await?;
    Ok(Redirect::to("/enroll"))
}

#[derive(Template)]
#[template(path = "person/confirm.html")]
struct ConfirmTemplate<'a> {
    page: &'a PageContext,
    name: &'a str,
    mailbox: &'a str,
}

/// The person's page: the confirmation a fresh link asks for, or where their
/// certificate stands.
pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Page(page): Page,
) -> Result<Response, AppError> {
    if let Some(token) = session::token(&session).await? {
        match link::open(&state, &token).await? {
            Opened::Link(view) => {
                return page::ok(&ConfirmTemplate {
                    page: &page,
                    name: &view.order.common_name,
                    mailbox: view.mailbox(),
                });
            }
            Opened::Access(enrollment) => session::bind(&session, enrollment).await?,
            Opened::Unusable => {
                // A person who already confirmed in this browser and clicks the
                // mail again keeps their page; anyone else learns the link is dead.
                session::forget_token(&session).await?;
                if session::bound(&session).await?.is_none() {
                    return gone(&page, "person.link_unusable");
                }
            }
        }
    }
    match bound_view(&state, &session).await? {
        Some(view) => status::render(&page, &view, status::Notes::default()),
        None => gone(&page, "person.link_unusable"),
    }
}

/// "Yes, this is my mailbox": spends the link and binds the session.
pub async fn confirm(
    State(state): State<AppState>,
    meta: RequestMeta,
    session: Session,
    Page(page): Page,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let Some(token) = session::token(&session).await? else {
        return gone(&page, "person.link_unusable");
    };
    match link::confirm(&state, &meta, &token)
        .await
        .map_err(AppError::internal)?
    {
        Some(enrollment) => {
            session::bind(&session, enrollment).await?;
            Ok(Redirect::to("/enroll").into_response())
        }
        None => {
            session::forget_token(&session).await?;
            gone(&page, "person.link_unusable")
        }
    }
}
