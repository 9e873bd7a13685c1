//! The door to `/api`: an `Authorization: Bearer` token, checked by
//! [`api_token::authenticate`] for the operation's scope, becomes the same
//! [`InstitutionScope`] a logged-in admin gets. Cookies are not read here, so a browser
//! session cannot act through the API (and the API needs no CSRF token).
use std::marker::PhantomData;

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::problem::{Kind, Problem, lang_of};
use crate::audit::RequestMeta;
use crate::auth::api_token::{self, Refusal, TokenScope};
use crate::auth::{Admin, InstitutionScope};
use crate::domain::InstitutionId;
use crate::state::AppState;

/// The scope an operation needs, as a type; `None` for any scope.
pub trait Needs: Send + Sync + 'static {
    const SCOPE: Option<TokenScope>;
}

macro_rules! needs {
    ($($name:ident => $scope:ident),* $(,)?) => {$(
        pub struct $name;
        impl Needs for $name {
            const SCOPE: Option<TokenScope> = Some(TokenScope::$scope);
        }
    )*};
}

needs! {
    OrdersRead => OrdersRead,
    OrdersWrite => OrdersWrite,
    OrdersRevoke => OrdersRevoke,
    DomainsRead => DomainsRead,
    PeopleWrite => PeopleWrite,
}

/// Any token of the institution: what every client must know before it acts (the
/// institution's TCS state and what blocks ordering) needs no scope of its own.
pub struct AnyScope;

impl Needs for AnyScope {
    const SCOPE: Option<TokenScope> = None;
}

/// An institution's scope opened by a token that has the scope `N`.
pub struct Bearer<N: Needs>(pub InstitutionScope<Admin>, pub PhantomData<N>);

impl<N: Needs> FromRequestParts<AppState> for Bearer<N> {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = lang_of(&parts.headers);
        let refuse = |kind, detail| Problem::new(kind, lang, detail).into_response();
        let unauthorized = || refuse(Kind::Unauthorized, "api.unauthorized");
        let not_found = || refuse(Kind::NotFound, "error.page.not_found");
        let Some(bearer) = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
        else {
            return Err(unauthorized());
        };
        let bearer = bearer.to_owned();
        let institution_id = RawPathParams::from_request_parts(parts, state)
            .await
            .ok()
            .and_then(|params| {
                params
                    .iter()
                    .find(|(name, _)| *name == "institution_id")
                    .and_then(|(_, value)| value.parse::<InstitutionId>().ok())
            });
        let meta = match RequestMeta::from_request_parts(parts, state).await {
            Ok(meta) => meta,
            Err(never) => match never {},
        };
        let internal = |error: anyhow::Error| {
            tracing::error!(error = %format!("{error:#}"), "API token check failed");
            refuse(Kind::Internal, "error.page.internal")
        };
        let Some(institution_id) = institution_id else {
            return Err(not_found());
        };
        let Some(institution) =
            crate::db::institutions::load_for_scope_check(&state.db, institution_id)
                .await
                .map_err(|error| internal(error.into()))?
        else {
            // An unknown institution: the token is checked first, so that a caller
            // without one learns nothing about which institutions exist.
            return Err(
                match api_token::authenticate_any(&state.db, &bearer, state.clock.now())
                    .await
                    .map_err(internal)?
                {
                    true => not_found(),
                    false => unauthorized(),
                },
            );
        };
        let verified = api_token::authenticate(
            &state.db,
            &meta,
            &bearer,
            &institution,
            N::SCOPE,
            state.clock.now(),
        )
        .await
        .map_err(internal)?;
        match verified {
            Ok(token) => {
                if let Some(wait) = state.api_limiter.check(token.id(), state.clock.now()) {
                    let seconds = wait.whole_seconds().max(1);
                    let mut refused = Problem::new(Kind::TooManyRequests, lang, "api.too_many")
                        .with("retry_after", serde_json::json!(seconds))
                        .into_response();
                    refused
                        .headers_mut()
                        .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(seconds));
                    return Err(refused);
                }
                Ok(Self(
                    InstitutionScope::from_token(institution, token),
                    PhantomData,
                ))
            }
            Err(Refusal::Unauthenticated) => Err(unauthorized()),
            Err(Refusal::NotFound) => Err(not_found()),
            Err(Refusal::MissingScope) => {
                Err(refuse(Kind::InsufficientScope, "api.insufficient_scope"))
            }
            Err(Refusal::NetworkNotAllowed) => {
                Err(refuse(Kind::NetworkNotAllowed, "api.network_not_allowed"))
            }
            Err(Refusal::Suspended) => Err(refuse(
                Kind::InstitutionSuspended,
                "api.institution_suspended",
            )),
        }
    }
}
