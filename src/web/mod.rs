//! HTTP handlers, one folder per area, and the router that ties them together.
pub mod account;
pub mod forms;
pub mod layers;
pub mod page;
pub mod public;
pub mod qr;
pub mod routes;
pub mod staff;

use axum::routing::{get, post};

use crate::app::AppState;
use routes::RouteTable;

/// Every route of the portal. Routes are registered only through [`RouteTable`],
/// which keeps a list of them for the authorization-matrix test.
pub fn routes() -> RouteTable {
    RouteTable::new()
        .add("GET", "/", get(public::home::home))
        .add("GET", "/static/{name}", get(public::assets::serve))
        .add("GET", "/healthz", get(public::health::healthz))
        .add("GET", "/readyz", get(public::health::readyz))
        .add("POST", "/lang", post(public::lang::switch))
        .add("GET", "/login", get(public::login::show))
        .add("POST", "/login", post(public::login::submit))
        .add("POST", "/logout", post(public::login::logout))
        .add("GET", "/mfa", get(public::mfa::show))
        .add("POST", "/mfa", post(public::mfa::submit))
        .add("GET", "/mfa/enrol", get(public::mfa::show_enrolment))
        .add("POST", "/mfa/enrol", post(public::mfa::confirm_enrolment))
        .add("GET", "/invite/{token}", get(public::invite::open_link))
        .add("GET", "/invite", get(public::invite::show))
        .add("POST", "/invite", post(public::invite::accept))
        .add("GET", "/account", get(account::show))
        .add("POST", "/account/password", post(account::change_password))
        .add(
            "POST",
            "/account/recovery-codes",
            post(account::regenerate_recovery_codes),
        )
        .add("GET", "/staff", get(staff::home::show))
        .add("GET", "/staff/audit", get(staff::audit::list))
}

pub fn router(state: AppState) -> axum::Router {
    routes().into_router(state)
}
