//! Opening the link from the mail, and the mailbox proof.
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::{bound_view, gone, session, status};
use crate::audit::RequestMeta;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::AppError;
use crate::services::enrollment::link::{self, Opened};
use crate::services::products::ProductText;
use crate::state::AppState;
use crate::web::page::{self, Page, PageContext};

/// The link from a mail. The token moves into a short-lived cookie and the
/// browser is sent to a URL without it, so it does not linger in history or logs.
pub async fn open_link(Path(token): Path<String>) -> impl IntoResponse {
    (
        [(header::SET_COOKIE, session::remember_token(&token))],
        Redirect::to("/enroll"),
    )
}

#[derive(Template)]
#[template(path = "person/confirm.html")]
struct ConfirmTemplate<'a> {
    page: &'a PageContext,
    name: &'a str,
    mailbox: &'a str,
    product: ProductText,
}

/// The person's page: the confirmation a fresh link asks for, or where their
/// certificate stands.
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    session: Session,
    Page(mut page): Page,
) -> Result<Response, AppError> {
    let Some(token) = session::token(&headers) else {
        return status_or_gone(&state, &session, &page).await;
    };
    let answer = match link::open(&state, &token).await? {
        Opened::Link(view) => {
            return page::ok(&ConfirmTemplate {
                page: &page,
                name: &view.order.common_name,
                mailbox: view.mailbox(),
                product: view.product(),
            });
        }
        Opened::Access(enrollment) => {
            session::bind(&session, enrollment, session::Opened::ReusableLink).await?;
            page.follow_renewal(&session).await?;
            status_or_gone(&state, &session, &page).await?
        }
        // A person who already confirmed in this browser and clicks the mail
        // again keeps their page; anyone else learns the link is dead.
        Opened::Unusable => status_or_gone(&state, &session, &page).await?,
    };
    // The token has done its work either way.
    Ok(([(header::SET_COOKIE, session::forget_token())], answer).into_response())
}

async fn status_or_gone(
    state: &AppState,
    session: &Session,
    page: &PageContext,
) -> Result<Response, AppError> {
    match bound_view(state, session).await? {
        Some(view) => status::show(page, session, &view, state.clock.now()).await,
        None => gone(page, "person.link_unusable"),
    }
}

/// "Yes, this is my mailbox": spends the link and binds the session.
pub async fn confirm(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    session: Session,
    Page(page): Page,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let Some(token) = session::token(&headers) else {
        return gone(&page, "person.link_unusable");
    };
    let answer = match link::confirm(&state, &meta, &token)
        .await
        .map_err(AppError::internal)?
    {
        Some(enrollment) => {
            session::bind(&session, enrollment, session::Opened::MailboxProof).await?;
            Redirect::to("/enroll").into_response()
        }
        None => gone(&page, "person.link_unusable")?,
    };
    // Spent or dead, the token is of no more use.
    Ok(([(header::SET_COOKIE, session::forget_token())], answer).into_response())
}
