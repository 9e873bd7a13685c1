//! Departures over the API (issue 15 §4), with the `people:write` scope: an institution's
//! identity system marks a person who left as departed by their address, lists the
//! departures, and undoes one during its grace period. The same service as the
//! Departures page does it ([`departures`]): the same mails, grace period and audit.
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::bearer::{Bearer, PeopleWrite};
use super::body::JsonObject;
use super::openapi::{BodyRefusals, Refusals};
use super::orders::Done;
use super::problem::{ApiLang, Kind, Problem, not_found};
use crate::audit::RequestMeta;
use crate::db::departures::Departure;
use crate::domain::{DepartureId, EmailAddress, InstitutionId, InvalidFields};
use crate::error::AppError;
use crate::services::departures::{self, Marked};
use crate::state::AppState;

/// A person to mark as departed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartureBody {
    /// An address that holds or held a certificate of the institution.
    pub email: String,
}

/// A departure. Times are Unix seconds.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartureView {
    #[schema(value_type = uuid::Uuid)]
    pub id: DepartureId,
    pub email: String,
    /// `grace` (the certificates are revoked at `revoke_at` unless undone), `undone` or
    /// `revoked`.
    pub state: String,
    pub marked_at: i64,
    pub revoke_at: i64,
}

impl From<Departure> for DepartureView {
    fn from(departure: Departure) -> Self {
        Self {
            id: departure.id,
            email: departure.email,
            state: departure.state,
            marked_at: departure.marked_at.unix_timestamp(),
            revoke_at: departure.revoke_at.unix_timestamp(),
        }
    }
}

/// What marking did.
#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedView {
    /// `marked`.
    pub outcome: &'static str,
    #[schema(value_type = uuid::Uuid)]
    pub departure_id: DepartureId,
}

/// The institution's departures (at most 500), open ones first, then the newest.
#[utoipa::path(
    get,
    path = "/api/v1/institutions/{institution_id}/departures",
    operation_id = "list_departures",
    tag = "people",
    params(("institution_id" = uuid::Uuid, Path, description = "The token's institution")),
    responses(
        (status = 200, description = "The departures", body = Vec<DepartureView>),
        Refusals,
    ),
    security(("bearer" = ["people:write"]))
)]
pub async fn list(
    State(state): State<AppState>,
    Bearer(scope, _): Bearer<PeopleWrite>,
) -> Result<Json<Vec<DepartureView>>, AppError> {
    let departures = crate::db::departures::list(&state.db, &scope).await?;
    Ok(Json(
        departures.into_iter().map(DepartureView::from).collect(),
    ))
}

/// Marks the holder of an address as departed: the grace period starts, the person and
/// the admins are mailed, and at its end the person's certificates are revoked
/// (reason: affiliation changed).
#[utoipa::path(
    post,
    path = "/api/v1/institutions/{institution_id}/departures",
    operation_id = "mark_departure",
    tag = "people",
    params(("institution_id" = uuid::Uuid, Path, description = "The token's institution")),
    request_body = DepartureBody,
    responses(
        (status = 201, description = "Marked; the grace period runs", body = MarkedView),
        (status = 409, description = "The person is departing already", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Not an address, or none of the institution's certificates names it", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        BodyRefusals,
        Refusals,
    ),
    security(("bearer" = ["people:write"]))
)]
pub async fn mark(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiLang(lang): ApiLang,
    Bearer(scope, _): Bearer<PeopleWrite>,
    JsonObject(body): JsonObject<DepartureBody>,
) -> Result<Response, AppError> {
    let refuse = |key| {
        let mut invalid = InvalidFields::default();
        invalid.add("email", key);
        Problem::invalid(lang, &invalid).into_response()
    };
    let Ok(email) = EmailAddress::parse(&body.email) else {
        return Ok(refuse("departures.bad_address"));
    };
    let marked = departures::mark(&state, &meta, &scope, scope.account_id(), &email)
        .await
        .map_err(AppError::internal)?;
    Ok(match marked {
        Marked::Opened(departure_id) => (
            StatusCode::CREATED,
            Json(MarkedView {
                outcome: "marked",
                departure_id,
            }),
        )
            .into_response(),
        Marked::AlreadyOpen => {
            Problem::new(Kind::Conflict, lang, "departures.already_open").into_response()
        }
        Marked::UnknownAddress => refuse("departures.unknown_address"),
    })
}

/// Takes a departure back during its grace period: nothing is revoked.
#[utoipa::path(
    post,
    path = "/api/v1/institutions/{institution_id}/departures/{departure_id}/undo",
    operation_id = "undo_departure",
    tag = "people",
    params(
        ("institution_id" = uuid::Uuid, Path, description = "The token's institution"),
        ("departure_id" = uuid::Uuid, Path, description = "The departure"),
    ),
    responses(
        (status = 200, description = "Undone", body = Done),
        (status = 409, description = "Undone or revoked already: the grace period is over for it", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["people:write"]))
)]
pub async fn undo(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiLang(lang): ApiLang,
    Bearer(scope, _): Bearer<PeopleWrite>,
    Path((_, departure_id)): Path<(InstitutionId, DepartureId)>,
) -> Result<Response, AppError> {
    if departures::undo(&state, &meta, &scope, scope.account_id(), departure_id)
        .await
        .map_err(AppError::internal)?
    {
        Ok(Json(Done { outcome: "undone" }).into_response())
    } else if crate::db::departures::exists(&state.db, &scope, departure_id).await? {
        Ok(Problem::new(Kind::Conflict, lang, "departures.not_open").into_response())
    } else {
        Ok(not_found(lang))
    }
}
