//! "Invitations for you": the open invitations addressed to the logged-in account,
//! each to accept or decline. Nobody with an account joins an institution any other way.
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::audit::RequestMeta;
use crate::auth::CurrentAccount;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::db::invitations::InvitationForYou;
use crate::domain::InvitationId;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::i18n::format;
use crate::services::invitation_answers::{Answer, Choice};
use crate::state::AppState;
use crate::web::page::{self, PageContext, WithPage};

#[derive(Template)]
#[template(path = "invitations.html")]
struct InvitationsTemplate<'a> {
    page: &'a PageContext,
    invitations: Vec<InvitationForYou>,
    notice: Option<&'static str>,
    /// Where "continue" leads: the person's usual place.
    landing: String,
}

impl InvitationsTemplate<'_> {
    fn institution(&self, invitation: &InvitationForYou) -> String {
        match self.page.lang {
            Lang::Serbian => invitation.institution_name_sr.clone(),
            Lang::English => invitation.institution_name_en.clone(),
        }
    }

    fn when(&self, at: &time::OffsetDateTime) -> String {
        format::datetime(*at)
    }
}

async fn render(
    state: &AppState,
    current: &CurrentAccount,
    page: &PageContext,
    status: StatusCode,
    notice: Option<&'static str>,
) -> Result<Response, AppError> {
    let invitations = crate::db::invitations::open_for_address(
        &state.db,
        &current.account.email,
        state.clock.now(),
    )
    .await?;
    page::render(
        status,
        &InvitationsTemplate {
            page,
            invitations,
            notice,
            landing: crate::web::public::home::landing(current, page.nav.as_ref()),
        },
    )
}

pub async fn list(
    State(state): State<AppState>,
    WithPage(current, page): WithPage<CurrentAccount>,
) -> Result<Response, AppError> {
    render(&state, &current, &page, StatusCode::OK, None).await
}

pub async fn accept(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(current, page): WithPage<CurrentAccount>,
    Path(invitation_id): Path<InvitationId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    answer(
        &state,
        &meta,
        &current,
        &page,
        invitation_id,
        Choice::Accept,
    )
    .await
}

pub async fn decline(
    State(state): State<AppState>,
    meta: RequestMeta,
    WithPage(current, page): WithPage<CurrentAccount>,
    Path(invitation_id): Path<InvitationId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    answer(
        &state,
        &meta,
        &current,
        &page,
        invitation_id,
        Choice::Decline,
    )
    .await
}

async fn answer(
    state: &AppState,
    meta: &RequestMeta,
    current: &CurrentAccount,
    page: &PageContext,
    invitation_id: InvitationId,
    choice: Choice,
) -> Result<Response, AppError> {
    match crate::services::invitation_answers::answer(
        state,
        meta,
        &current.account,
        invitation_id,
        choice,
    )
    .await?
    {
        Answer::Accepted { institution_id } => {
            Ok(Redirect::to(&format!("/institutions/{institution_id}")).into_response())
        }
        Answer::Declined => {
            render(
                state,
                current,
                page,
                StatusCode::OK,
                Some("invitations.declined"),
            )
            .await
        }
        Answer::NotOpen => {
            render(
                state,
                current,
                page,
                StatusCode::GONE,
                Some("invitations.not_open"),
            )
            .await
        }
    }
}
