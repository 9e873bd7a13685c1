//! `/pki/…`: the CA certificates (AIA caIssuers) and CRLs (CRL distribution points) named in
//! every issued certificate. Public, no key, as a CA's repository is.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::Sandbox;
use super::ca::{INTERMEDIATE_CERT_PATH, INTERMEDIATE_CRL_PATH, ROOT_CERT_PATH, ROOT_CRL_PATH};
use super::crl::{self, CrlIssuer};
use super::error::ApiResult;

pub fn router(sandbox: Arc<Sandbox>) -> Router {
    Router::new()
        .route(ROOT_CERT_PATH, get(root_cert))
        .route(INTERMEDIATE_CERT_PATH, get(intermediate_cert))
        .route(ROOT_CRL_PATH, get(root_crl))
        .route(INTERMEDIATE_CRL_PATH, get(intermediate_crl))
        .with_state(sandbox)
}

fn der(content_type: &'static str, bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, content_type)], bytes).into_response()
}

async fn root_cert(State(sandbox): State<Arc<Sandbox>>) -> Response {
    der("application/pkix-cert", sandbox.ca().root_der().to_vec())
}

async fn intermediate_cert(State(sandbox): State<Arc<Sandbox>>) -> Response {
    der(
        "application/pkix-cert",
        sandbox.ca().intermediate_der().to_vec(),
    )
}

async fn root_crl(State(sandbox): State<Arc<Sandbox>>) -> ApiResult<Response> {
    crl_response(&sandbox, CrlIssuer::Root).await
}

async fn intermediate_crl(State(sandbox): State<Arc<Sandbox>>) -> ApiResult<Response> {
    crl_response(&sandbox, CrlIssuer::Intermediate).await
}

async fn crl_response(sandbox: &Sandbox, issuer: CrlIssuer) -> ApiResult<Response> {
    let bytes = sandbox
        .write(|state, ca, now| Ok(crl::current(state, ca, issuer, now)?))
        .await?;
    Ok(der("application/pkix-crl", bytes))
}
