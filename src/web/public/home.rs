//! `/`: sends each visitor to where they belong.
use axum::response::Redirect;

use crate::auth::CurrentAccount;

pub async fn home(current: CurrentAccount) -> Redirect {
    if current.account.staff_role.is_some() {
        return Redirect::to("/staff");
    }
    match current
        .page
        .nav
        .as_ref()
        .map(|nav| nav.institutions.as_slice())
    {
        Some([(only, _)]) => Redirect::to(&format!("/institutions/{only}")),
        Some([_, _, ..]) => Redirect::to("/institutions"),
        _ => Redirect::to("/account"),
    }
}
