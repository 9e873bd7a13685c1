//! `/`: sends each visitor to where they belong.
use axum::extract::State;
use axum::response::Redirect;

use crate::auth::CurrentAccount;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::page::{Nav, WithPage};

/// Open invitations come first (right after login, that is), then the person's place.
pub async fn home(
    State(state): State<AppState>,
    WithPage(current, page): WithPage<CurrentAccount>,
) -> Result<Redirect, AppError> {
    let invited = crate::db::invitations::any_open_for_address(
        &state.db,
        &current.account.email,
        state.clock.now(),
    )
    .await?;
    if invited {
        return Ok(Redirect::to("/account/invitations"));
    }
    Ok(Redirect::to(&landing(&current, page.nav.as_ref())))
}

/// Where the person works: the staff pages, their one institution, the institution
/// switcher, or (with no institution) the account page.
pub fn landing(current: &CurrentAccount, nav: Option<&Nav>) -> String {
    if current.account.staff_role.is_some() {
        return "/staff".to_owned();
    }
    match nav.map(|nav| nav.institutions.as_slice()) {
        Some([(only, _)]) => format!("/institutions/{only}"),
        Some([_, _, ..]) => "/institutions".to_owned(),
        _ => "/account".to_owned(),
    }
}
