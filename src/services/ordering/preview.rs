//! The order form's preview: the same checks as placing, then the DigiCert
//! request the submit job will send, built by the same builder. Writes nothing.
use digicert::OrderRequest;

use super::place::{NewOrder, Refusal, vet};
use super::request::{self, RequestSpec};
use crate::auth::{Admin, InstitutionScope};
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
    let spec = RequestSpec {
        product: order.product.clone(),
        profile_type: order.profile_type.clone(),
        emails: order
            .emails
            .iter()
            .map(|email| email.as_str().to_owned())
            .collect(),
        given_name: &order.given_name,
        surname: &order.surname,
        common_name: &order.common_name,
        validity_years: order.validity_years,
        organization: vetted.institution.digicert_org_id,
        reference: None,
    };
    Ok(request::preview(&spec).map_err(|error| Refusal::Invalid(error.to_string())))
}
