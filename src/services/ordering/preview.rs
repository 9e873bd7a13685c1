//! The order form's preview: the same checks as placing, then the DigiCert
//! request the submit job will send, built by the same builder. Writes nothing.
use digicert::OrderRequest;

use super::place::{Refusal, vet};
use super::request::{self, RequestSpec};
use crate::auth::{Admin, InstitutionScope};
use crate::domain::NewOrder;
use crate::state::AppState;

/// What DigiCert will be asked for, or why the order cannot go ahead.
pub async fn preview(
    state: &AppState,
    scope: &InstitutionScope<Admin>,
    order: &NewOrder,
) -> anyhow::Result<Result<OrderRequest, Refusal>> {
    let vetted = match vet(state, scope, order).await? {
        Ok(vetted) => vetted,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let common_name = order.name.common_name();
    let spec = RequestSpec {
        product: request::product_id(order.product),
        profile_type: order.profile_type.map(request::profile_type),
        emails: order.emails.to_strings(),
        given_name: order.name.given_name().as_str(),
        surname: order.name.surname().as_str(),
        common_name: &common_name,
        validity_years: order.validity.years(),
        organization: vetted.institution.digicert_org_id,
        reference: None,
    };
    // The checks above hold every rule DigiCert's request has: a request that still
    // cannot be built is our mistake, not the admin's.
    Ok(Ok(request::preview(&spec)?))
}
