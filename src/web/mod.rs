//! HTTP handlers, one folder per area, and the router that ties them together.
pub mod account;
pub mod api;
pub mod audit_view;
pub mod chart;
pub mod dashboard;
pub mod forms;
pub mod input;
pub mod institution;
pub mod invitations;
pub mod layers;
pub mod page;
pub mod person;
pub mod public;
pub mod qr;
pub mod routes;
pub mod saml;
pub mod self_service;
pub mod staff;

use axum::routing::{get, post};

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
        .add(
            "GET",
            crate::services::saml::METADATA_PATH,
            get(saml::metadata::show),
        )
        .add("GET", "/saml/login", get(saml::login::show))
        .add("POST", "/saml/login", post(saml::login::start))
        .add(
            "POST",
            crate::services::saml::ACS_PATH,
            post(saml::acs::consume),
        )
        .add("GET", "/self-service", get(self_service::login::show))
        .add(
            "POST",
            "/self-service/login",
            post(self_service::login::start),
        )
        .add(
            "GET",
            self_service::certificates::PATH,
            get(self_service::certificates::show),
        )
        .add(
            "POST",
            self_service::certificates::PATH,
            post(self_service::certificates::request),
        )
        .add(
            "POST",
            "/self-service/code",
            post(self_service::certificates::confirm_code),
        )
        .add(
            "POST",
            "/self-service/orders/{order_id}/open",
            post(self_service::certificates::open),
        )
        .add(
            "POST",
            "/self-service/logout",
            post(self_service::certificates::log_out),
        )
        .add("GET", "/mfa", get(public::mfa::show))
        .add("POST", "/mfa", post(public::mfa::submit))
        .add("GET", "/mfa/enrol", get(public::mfa::show_enrolment))
        .add("POST", "/mfa/enrol", post(public::mfa::confirm_enrolment))
        .add("GET", "/invite/{token}", get(public::invite::open_link))
        .add("GET", "/invite", get(public::invite::show))
        .add("POST", "/invite", post(public::invite::accept))
        .add("GET", "/guides", get(public::guides::index))
        .add("GET", "/guides/{guide}", get(public::guides::show))
        .add("GET", "/enroll/{token}", get(person::link::open_link))
        .add("GET", "/enroll", get(person::link::show))
        .add("POST", "/enroll/confirm", post(person::link::confirm))
        .add("POST", "/enroll/key", post(person::key::make_key))
        .add("POST", "/enroll/csr", post(person::key::upload_csr))
        .add("POST", "/enroll/pickup", post(person::pickup::pickup))
        .add("POST", "/enroll/saved", post(person::pickup::saved))
        .add(
            "GET",
            "/enroll/certificate.p12",
            get(person::downloads::pkcs12),
        )
        .add(
            "GET",
            "/enroll/certificate.mobileconfig",
            get(person::downloads::mobileconfig),
        )
        .add(
            "GET",
            "/enroll/chain.pem",
            get(person::downloads::chain_pem),
        )
        .add(
            "GET",
            "/enroll/chain.p7b",
            get(person::downloads::chain_p7b),
        )
        .add("POST", "/enroll/revoke", post(person::revoke::revoke))
        .add(
            "POST",
            "/enroll/revoke/code",
            post(person::revoke::send_code),
        )
        .add("GET", "/account", get(account::show))
        .add("POST", "/account/password", post(account::change_password))
        .add(
            "POST",
            "/account/recovery-codes",
            post(account::regenerate_recovery_codes),
        )
        .add("GET", "/account/federated", get(saml::login::show_link))
        .add("POST", "/account/federated", post(saml::login::start_link))
        .add("GET", "/account/invitations", get(invitations::list))
        .add(
            "POST",
            "/account/invitations/{invitation_id}/accept",
            post(invitations::accept),
        )
        .add(
            "POST",
            "/account/invitations/{invitation_id}/decline",
            post(invitations::decline),
        )
        .add("GET", "/staff", get(staff::home::show))
        .add(
            "GET",
            "/staff/dashboard/orders-by-product.csv",
            get(staff::home::orders_by_product_csv),
        )
        .add(
            "GET",
            "/staff/dashboard/orders-by-outcome.csv",
            get(staff::home::orders_by_outcome_csv),
        )
        .add(
            "GET",
            "/staff/dashboard/certificates-ending.csv",
            get(staff::home::certificates_ending_csv),
        )
        .add(
            "GET",
            "/staff/dashboard/validations-ending.csv",
            get(staff::home::validations_ending_csv),
        )
        .add("GET", "/staff/audit", get(staff::audit::list))
        .add("GET", "/staff/institutions", get(staff::institutions::list))
        .add(
            "POST",
            "/staff/institutions",
            post(staff::institutions::create),
        )
        .add(
            "GET",
            "/staff/institutions/new",
            get(staff::institutions::new_form),
        )
        .add(
            "GET",
            "/staff/institutions/{institution_id}/edit",
            get(staff::institutions::edit_form),
        )
        .add(
            "POST",
            "/staff/institutions/{institution_id}",
            post(staff::institutions::update),
        )
        .add(
            "POST",
            "/staff/institutions/{institution_id}/status",
            post(staff::institutions::set_institution_status),
        )
        .add(
            "POST",
            "/staff/institutions/{institution_id}/submit-validation",
            post(staff::onboarding::submit_validation),
        )
        .add(
            "GET",
            "/staff/institutions/{institution_id}/domains/assign",
            get(staff::domains::show),
        )
        .add(
            "POST",
            "/staff/institutions/{institution_id}/domains/assign",
            post(staff::domains::assign),
        )
        .add(
            "POST",
            "/staff/accounts/{account_id}/status",
            post(staff::institutions::set_account_status),
        )
        .add("GET", "/staff/saml", get(staff::saml::show))
        .add("POST", "/staff/saml/sources", post(staff::saml::add_source))
        .add(
            "POST",
            "/staff/saml/sources/{source_id}/refresh",
            post(staff::saml::refresh_source),
        )
        .add(
            "POST",
            "/staff/institutions/{institution_id}/idps",
            post(staff::saml::set_institution_idps),
        )
        .add(
            "POST",
            "/staff/saml/sp-key/rollover",
            post(staff::saml::start_key_rollover),
        )
        .add(
            "POST",
            "/staff/saml/sp-key/finish",
            post(staff::saml::finish_key_rollover),
        )
        .add("GET", "/staff/api-tokens", get(staff::api_tokens::list))
        .add(
            "POST",
            "/staff/api-tokens/{token_id}/revoke",
            post(staff::api_tokens::revoke),
        )
        .add("GET", "/staff/orders", get(staff::orders::list))
        .add("GET", "/staff/orders.csv", get(staff::orders::csv))
        .add("GET", "/staff/operations", get(staff::operations::show))
        .add(
            "POST",
            "/staff/operations/digicert-check",
            post(staff::operations::check_digicert),
        )
        .add(
            "POST",
            "/staff/jobs/{job_id}/retry",
            post(staff::operations::retry_job),
        )
        .add(
            "POST",
            "/staff/mail/{mail_id}/send-again",
            post(staff::operations::send_mail_again),
        )
        .add("GET", "/institutions", get(institution::switcher::show))
        .add(
            "GET",
            "/institutions/{institution_id}",
            get(institution::dashboard::show),
        )
        .add(
            "GET",
            "/institutions/{institution_id}/dashboard/orders-by-product.csv",
            get(institution::dashboard::orders_by_product_csv),
        )
        .add(
            "GET",
            "/institutions/{institution_id}/dashboard/orders-by-outcome.csv",
            get(institution::dashboard::orders_by_outcome_csv),
        )
        .add(
            "GET",
            "/institutions/{institution_id}/dashboard/certificates-ending.csv",
            get(institution::dashboard::certificates_ending_csv),
        )
        .add(
            "GET",
            "/institutions/{institution_id}/dashboard/validations-ending.csv",
            get(institution::dashboard::validations_ending_csv),
        )
        .add(
            "GET",
            "/institutions/{institution_id}/domains",
            get(institution::domains::list),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/domains",
            post(institution::domains::add),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/domains/{domain_id}/remove",
            post(institution::domains::remove),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/domains/{domain_id}/check",
            post(institution::domains::check),
        )
        .add(
            "GET",
            "/institutions/{institution_id}/api-tokens",
            get(institution::api_tokens::show),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/api-tokens",
            post(institution::api_tokens::create),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/api-tokens/{token_id}/revoke",
            post(institution::api_tokens::revoke),
        )
        .add(
            "GET",
            "/institutions/{institution_id}/people",
            get(institution::people::list),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/people",
            post(institution::people::invite),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/invitations/{invitation_id}/withdraw",
            post(institution::people::withdraw),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/people/{account_id}/role",
            post(institution::people::change_role),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/people/{account_id}/remove",
            post(institution::people::remove),
        )
        .add(
            "GET",
            "/institutions/{institution_id}/orders",
            get(institution::orders_list::list),
        )
        .add(
            "GET",
            "/institutions/{institution_id}/orders.csv",
            get(institution::orders_list::csv),
        )
        .add(
            "GET",
            "/institutions/{institution_id}/orders/new",
            get(institution::order_form::show),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/orders/new",
            post(institution::order_form::submit),
        )
        .add(
            "GET",
            "/institutions/{institution_id}/orders/{order_id}",
            get(institution::order_page::show),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/orders/{order_id}/cancel",
            post(institution::order_actions::cancel),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/orders/{order_id}/revoke",
            post(institution::order_actions::revoke),
        )
        .add(
            "GET",
            "/institutions/{institution_id}/bulk",
            get(institution::bulk::list),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/bulk",
            post(institution::bulk::upload).layer(axum::extract::DefaultBodyLimit::max(
                institution::bulk::UPLOAD_BODY_LIMIT,
            )),
        )
        .add(
            "GET",
            "/institutions/{institution_id}/bulk/template.csv",
            get(institution::bulk::template),
        )
        .add(
            "GET",
            "/institutions/{institution_id}/bulk/{upload_id}",
            get(institution::bulk::show),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/bulk/{upload_id}/place",
            post(institution::bulk::place),
        )
        .add(
            "GET",
            "/institutions/{institution_id}/bulk/{upload_id}/result.csv",
            get(institution::bulk::result),
        )
        .add(
            "POST",
            "/api/v1/institutions/{institution_id}/orders",
            post(api::orders::place),
        )
        .add(
            "POST",
            "/api/v1/institutions/{institution_id}/bulk-orders",
            post(api::bulk::submit)
                .layer(axum::extract::DefaultBodyLimit::max(api::bulk::BODY_LIMIT)),
        )
        .add(
            "GET",
            "/api/v1/institutions/{institution_id}/bulk-orders/{upload_id}",
            get(api::bulk::show),
        )
        .add("GET", "/api/v1/openapi.json", get(api::openapi::document))
        .add("GET", "/api/docs", get(api::docs::show))
        .add(
            "GET",
            "/api/v1/institutions/{institution_id}",
            get(api::institution::show),
        )
        .add(
            "GET",
            "/api/v1/institutions/{institution_id}/domains",
            get(api::institution::domains),
        )
        .add(
            "GET",
            "/api/v1/institutions/{institution_id}/orders",
            get(api::order_list::list),
        )
        .add(
            "GET",
            "/api/v1/institutions/{institution_id}/orders/{order_id}/enrollment",
            get(api::enrollment::show),
        )
        .add(
            "GET",
            "/api/v1/institutions/{institution_id}/departures",
            get(api::departures::list),
        )
        .add(
            "POST",
            "/api/v1/institutions/{institution_id}/departures",
            post(api::departures::mark),
        )
        .add(
            "POST",
            "/api/v1/institutions/{institution_id}/departures/{departure_id}/undo",
            post(api::departures::undo),
        )
        .add(
            "GET",
            "/api/v1/institutions/{institution_id}/orders/{order_id}",
            get(api::orders::show),
        )
        .add(
            "POST",
            "/api/v1/institutions/{institution_id}/orders/{order_id}/cancel",
            post(api::orders::cancel),
        )
        .add(
            "POST",
            "/api/v1/institutions/{institution_id}/orders/{order_id}/revoke",
            post(api::orders::revoke),
        )
        .add(
            "POST",
            "/api/v1/institutions/{institution_id}/orders/{order_id}/resend-link",
            post(api::orders::resend_link),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/orders/{order_id}/resend-link",
            post(institution::enrollment_links::resend),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/sync",
            post(institution::sync::run),
        )
        .add(
            "GET",
            "/institutions/{institution_id}/audit",
            get(institution::audit::list),
        )
        .add(
            "GET",
            "/institutions/{institution_id}/departures",
            get(institution::departures::show),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/departures",
            post(institution::departures::mark),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/departures/upload",
            post(institution::departures::upload),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/departures/grace",
            post(institution::departures::set_grace),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/departures/{departure_id}/undo",
            post(institution::departures::undo),
        )
        .add(
            "GET",
            "/institutions/{institution_id}/self-service",
            get(institution::self_service::show),
        )
        .add(
            "POST",
            "/institutions/{institution_id}/self-service",
            post(institution::self_service::save),
        )
}
