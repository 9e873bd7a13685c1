//! `/`: sends each visitor to where they belong.
use axum::response::Redirect;

use crate::auth::CurrentAccount;
use crate::web::page::WithPage;

pub async fn home(WithPage(current, page): WithPage<CurrentAccount>) -> Redirect {
    if current.account.staff_role.is_some() {
        return Redirect::to("/staff");
    }
    match page.nav.as_ref().map(|nav| nav.institutions.as_slice()) {
        Some([(only, _)]) => Redirect::to(&format!("/institutions/{only}")),
        Some([_, _, ..]) => Redirect::to("/institutions"),
        _ => Redirect::to("/account"),
    }
}
