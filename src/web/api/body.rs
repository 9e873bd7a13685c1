//! The JSON body of an API operation: an object, read into `T`. Serde would also fill a
//! struct from an array of its fields in order (`["ana@…"]` for `{"email": "ana@…"}`);
//! a client that sends an array has made a mistake, so that is refused too.
use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::problem::{Kind, Problem, lang_of};

/// A JSON object body read into `T`; anything else is refused as a problem: 415 for
/// another media type, 400 for what is not JSON, 422 for a non-object or wrong fields.
pub struct JsonObject<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonObject<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let lang = lang_of(request.headers());
        let Json(object) = Json::<Map<String, Value>>::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        serde_json::from_value(Value::Object(object))
            .map(Self)
            .map_err(|_| {
                Problem::new(Kind::InvalidInput, lang, "problem.invalid_input_detail")
                    .into_response()
            })
    }
}
