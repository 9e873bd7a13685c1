//! "Sync now": pull the institution's validation states from DigiCert, then go
//! back to the page the button was on, with a notice saying how it went.
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::audit::RequestMeta;
use crate::auth::csrf::CsrfForm;
use crate::auth::{Admin, InstitutionScope};
use crate::error::AppError;
use crate::i18n::format;
use crate::services::dcv::DcvNotice;
use crate::services::validation_sync::{self, SyncNotice};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct SyncForm {
    /// `domains` from the Domains tab; anything else returns to the dashboard.
    #[serde(default)]
    back: String,
}

/// `?sync=` on the dashboard and the Domains tab.
#[derive(Deserialize, Default)]
pub struct SyncQuery {
    #[serde(default)]
    sync: Option<String>,
    /// How an onboarding action (domain DCV, organization submission) went.
    #[serde(default)]
    dcv: Option<String>,
}

impl SyncQuery {
    pub fn notice(&self) -> Option<SyncNotice> {
        self.sync.as_deref().and_then(SyncNotice::from_code)
    }

    pub fn dcv_notice(&self) -> Option<DcvNotice> {
        self.dcv.as_deref().and_then(DcvNotice::from_code)
    }
}

/// What the sync panel shows.
pub struct SyncPanel {
    pub notice: Option<SyncNotice>,
    pub dcv: Option<DcvNotice>,
    /// When the cache was last synced, formatted; `None` when never.
    pub synced_at: Option<String>,
    /// The form's `back` value.
    pub back: &'static str,
}

impl SyncPanel {
    pub fn new(
        query: &SyncQuery,
        synced_at: Option<time::OffsetDateTime>,
        back: &'static str,
    ) -> Self {
        Self {
            notice: query.notice(),
            dcv: query.dcv_notice(),
            synced_at: synced_at.map(format::datetime),
            back,
        }
    }
}

pub async fn run(
    State(state): State<AppState>,
    meta: RequestMeta,
    scope: InstitutionScope<Admin>,
    CsrfForm(form): CsrfForm<SyncForm>,
) -> Result<Response, AppError> {
    let outcome = validation_sync::sync_now(&state, &meta, &scope).await?;
    let page = if form.back == "domains" {
        "/domains"
    } else {
        ""
    };
    let to = format!(
        "/institutions/{}{page}?sync={}",
        scope.institution_id(),
        outcome.notice().code()
    );
    Ok(Redirect::to(&to).into_response())
}
