//! What every page's layout needs: language, CSRF token, and who is logged in.
//! Anonymous pages take [`Page`]; pages behind one of `auth`'s extractors take
//! [`WithPage`] around it, which adds the logged-in person to the header.
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use tower_sessions::Session;

use crate::auth::cookies;
use crate::auth::csrf::FormTokens;
use crate::auth::extractors::session_of;
use crate::auth::scope::RequiredRole;
use crate::auth::{CurrentAccount, InstitutionScope, PendingLogin, StaffAdmin, StaffScope};
use crate::domain::ValidationStatus;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;

/// The visitor's explicit choice of language; a cookie, so choosing costs no session.
const LANG_COOKIE: &str = "__Host-tcs_lang";
const LANG_COOKIE_LIFETIME: time::Duration = time::Duration::days(365);

/// The logged-in person, as the page header shows them.
#[derive(Debug, Clone)]
pub struct Nav {
    pub display_name: String,
    pub is_staff: bool,
    /// The institutions the person belongs to, as (id, short name), for the switcher.
    pub institutions: Vec<(String, String)>,
}

impl Nav {
    /// From what the extractor read with the session: no statement of its own.
    fn of(current: &CurrentAccount) -> Self {
        Self {
            display_name: current.account.display_name.clone(),
            is_staff: current.account.staff_role.is_some(),
            institutions: current
                .memberships
                .iter()
                .map(|(id, short_name)| (id.to_string(), short_name.clone()))
                .collect(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct PageContext {
    pub lang: Lang,
    forms: FormTokens,
    pub nav: Option<Nav>,
    /// Where the language switch sends the visitor back to.
    pub path: String,
}

impl PageContext {
    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    /// A DigiCert validation state (`validated`, `expired`…) in words.
    pub fn validation(&self, status: &ValidationStatus) -> &'static str {
        self.t(status.message_key())
    }

    /// A stored role name (`admin`, `staff_auditor`…) in words.
    pub fn role(&self, role: &str) -> &'static str {
        self.t(match role {
            "admin" => "role.admin",
            "auditor" => "role.auditor",
            "staff" => "role.staff",
            _ => "role.staff_auditor",
        })
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// The CSRF token for a form posting to the route `purpose` (its pattern).
    pub fn csrf(&self, purpose: &str) -> String {
        self.forms.token(purpose)
    }

    /// For a page shown after its session was renewed in the same request
    /// (second factor, password change, link redeemed): its forms carry the new
    /// session's token, as the old one no longer works.
    pub async fn follow_renewal(&mut self, session: &Session) -> Result<(), AppError> {
        self.forms = FormTokens::of_renewed_session(session).await?;
        Ok(())
    }

    pub async fn build(
        parts: &Parts,
        session: &Session,
        nav: Option<Nav>,
    ) -> Result<Self, AppError> {
        Ok(Self {
            lang: lang_from_headers(&parts.headers),
            forms: FormTokens::for_request(parts, session).await?,
            nav,
            path: parts.uri.path().to_owned(),
        })
    }
}

/// The page context of a page anyone may see.
pub struct Page(pub PageContext);

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let session = session_of(parts)?;
        Ok(Self(PageContext::build(parts, &session, None).await?))
    }
}

/// A visitor that one of `auth`'s extractors let in, as a page's header shows them.
pub trait Visitor {
    /// The fully logged-in account the header names; `None` while the second factor is owed.
    fn signed_in(&self) -> Option<&CurrentAccount>;
    /// `None` for a caller without a session (an API token), who gets no page.
    fn session(&self) -> Option<&Session>;
}

impl Visitor for CurrentAccount {
    fn signed_in(&self) -> Option<&CurrentAccount> {
        Some(self)
    }

    fn session(&self) -> Option<&Session> {
        Some(&self.session)
    }
}

impl Visitor for PendingLogin {
    fn signed_in(&self) -> Option<&CurrentAccount> {
        None
    }

    fn session(&self) -> Option<&Session> {
        Some(&self.session)
    }
}

impl Visitor for StaffScope {
    fn signed_in(&self) -> Option<&CurrentAccount> {
        Some(self.current())
    }

    fn session(&self) -> Option<&Session> {
        Some(&self.current().session)
    }
}

impl Visitor for StaffAdmin {
    fn signed_in(&self) -> Option<&CurrentAccount> {
        Some(self.current())
    }

    fn session(&self) -> Option<&Session> {
        Some(&self.current().session)
    }
}

impl<R: RequiredRole> Visitor for InstitutionScope<R> {
    fn signed_in(&self) -> Option<&CurrentAccount> {
        self.session_account()
    }

    fn session(&self) -> Option<&Session> {
        self.session_account().map(|current| &current.session)
    }
}

/// A page for a visitor that the extractor `V` let in, with its layout's context:
/// `WithPage(scope, page): WithPage<InstitutionScope<Read>>`. `V` decides who may see
/// the page (and rejects everyone else before anything is built); this only presents them.
pub struct WithPage<V>(pub V, pub PageContext);

impl<V> FromRequestParts<AppState> for WithPage<V>
where
    V: FromRequestParts<AppState, Rejection = AppError> + Visitor + Send,
{
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let visitor = V::from_request_parts(parts, state).await?;
        let nav = visitor.signed_in().map(Nav::of);
        let session = visitor
            .session()
            .ok_or_else(|| AppError::bug("a page for a caller without a session"))?;
        let page = PageContext::build(parts, session, nav).await?;
        Ok(Self(visitor, page))
    }
}

/// The visitor's language: their explicit choice, else their browser's, else Serbian.
pub fn lang_from_headers(headers: &HeaderMap) -> Lang {
    cookies::read(headers, LANG_COOKIE)
        .and_then(|code| Lang::from_code(&code))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|value| value.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

/// The `Set-Cookie` value that remembers an explicit choice of language.
pub fn choose_lang(lang: Lang) -> HeaderValue {
    cookies::set(LANG_COOKIE, lang.code(), Some(LANG_COOKIE_LIFETIME))
}

/// Renders a page with the given status (forms re-shown with errors are 4xx).
pub fn render(status: StatusCode, template: &impl Template) -> Result<Response, AppError> {
    Ok((status, Html(template.render()?)).into_response())
}

pub fn ok(template: &impl Template) -> Result<Response, AppError> {
    render(StatusCode::OK, template)
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorTemplate<'a> {
    pub lang: Lang,
    pub status: u16,
    pub message: &'a str,
    pub request_id: &'a str,
}
