//! The person's page: what happens next, and what they can do now. It reloads
//! itself with a `<meta http-equiv="refresh">` (no script, strict CSP) while
//! the order moves, and stops once the order reached a final state.
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use tower_sessions::Session;

use super::session;
use crate::domain::OrderStatus;
use crate::error::AppError;
use crate::services::enrollment::PersonView;
use crate::web::page::{self, PageContext};
use crate::web::public::guides::{GUIDES, Guide};

/// Seconds between reloads while the order is on its way.
const REFRESH_SECONDS: u32 = 10;

/// Messages a form answer adds to the page.
#[derive(Debug, Default)]
pub(super) struct Notes {
    pub status: Option<StatusCode>,
    /// Why a CSR was refused, in the visitor's language.
    pub csr_refusal: Option<String>,
    /// A catalogue key for the pickup form.
    pub pickup_error: Option<String>,
    /// When a throttled pickup may be tried again (UTC).
    pub retry_at: Option<String>,
    /// The file the last pickup built: its name, and whether this page starts its download.
    pub ready: Option<Ready>,
    /// The session was opened by the reusable link: revoking needs a mailed code.
    pub needs_revoke_code: bool,
    /// A mailed code waits to be typed.
    pub code_pending: bool,
    /// A catalogue key about the revocation, shown once.
    pub revoke_note: Option<String>,
    /// The person came through self-service: the page leads back to "My certificates".
    pub self_service: bool,
}

#[derive(Debug)]
pub(super) struct Ready {
    pub filename: String,
    pub download_now: bool,
}

impl Notes {
    fn download_now(&self) -> bool {
        self.ready.as_ref().is_some_and(|ready| ready.download_now)
    }
}

/// The person's page as a plain GET shows it: with what the last pickup left in the
/// session (its refusal once; its file while the key waits).
pub(super) async fn show(
    page: &PageContext,
    session: &Session,
    view: &PersonView,
    now: time::OffsetDateTime,
) -> Result<Response, AppError> {
    let mut notes = Notes {
        self_service: crate::auth::person::logged_in(session, now).await?,
        ..Notes::default()
    };
    if let Some(refusal) = session::take_refusal(session).await? {
        notes.pickup_error = Some(refusal.message_key);
        notes.retry_at = refusal.retry_at;
    }
    notes.needs_revoke_code = session::needs_revoke_code(session).await?;
    notes.code_pending = session::pending_code(session).await?.is_some();
    notes.revoke_note = session::take_revocation_note(session).await?;
    match session::picked_file(session).await? {
        Some(mut file) if view.key_waiting() => {
            notes.ready = Some(Ready {
                filename: file.filename.clone(),
                download_now: !file.started,
            });
            if !file.started {
                file.started = true;
                session::keep_file(session, &file).await?;
            }
        }
        Some(_) => session::forget_file(session).await?,
        None => {}
    }
    render(page, view, notes)
}

#[derive(Template)]
#[template(path = "person/status.html")]
struct StatusTemplate<'a> {
    page: &'a PageContext,
    guides: &'a [Guide],
    view: &'a PersonView,
    stage: Stage,
    refresh: Option<u32>,
    notes: &'a Notes,
    not_after: String,
}

/// Where the order stands, from the person's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    ChooseKey,
    /// On its way; the key says where.
    Waiting(&'static str),
    Issued,
    /// Over without a usable certificate; the key says why.
    Ended(&'static str),
}

impl Stage {
    fn of(view: &PersonView) -> Self {
        match view.order.status {
            OrderStatus::AwaitingPerson => Self::ChooseKey,
            OrderStatus::Queued => Self::Waiting("person.stage.queued"),
            OrderStatus::Submitted => Self::Waiting("person.stage.submitted"),
            OrderStatus::PendingValidation => Self::Waiting("person.stage.pending_validation"),
            OrderStatus::Issued => Self::Issued,
            OrderStatus::Revoked => Self::Ended("person.stage.revoked"),
            OrderStatus::Rejected => Self::Ended("person.stage.rejected"),
            OrderStatus::Canceled => Self::Ended("person.stage.canceled"),
            OrderStatus::Failed => Self::Ended("person.stage.failed"),
        }
    }

    fn is_choose_key(self) -> bool {
        self == Self::ChooseKey
    }

    fn is_issued(self) -> bool {
        self == Self::Issued
    }

    /// The catalogue key of a waiting or ended stage ("" otherwise).
    fn message_key(self) -> &'static str {
        match self {
            Self::Waiting(key) | Self::Ended(key) => key,
            Self::ChooseKey | Self::Issued => "",
        }
    }
}

pub(super) fn render(
    page: &PageContext,
    view: &PersonView,
    notes: Notes,
) -> Result<Response, AppError> {
    let stage = Stage::of(view);
    let refresh = matches!(stage, Stage::Waiting(_)).then_some(REFRESH_SECONDS);
    page::render(
        notes.status.unwrap_or(StatusCode::OK),
        &StatusTemplate {
            page,
            guides: &GUIDES,
            view,
            stage,
            refresh,
            notes: &notes,
            not_after: view
                .order
                .not_after
                .map(crate::i18n::format::date)
                .unwrap_or_default(),
        },
    )
}
