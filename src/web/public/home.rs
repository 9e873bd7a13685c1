//! `/`: sends each visitor to where they belong.
use axum::response::Redirect;

use crate::auth::CurrentAccount;

pub async fn home(current: CurrentAccount) -> Redirect {
    if current.account.staff_role.is_some() {
        Redirect::to("/staff")
    } else {
        Redirect::to("/account")
    }
}
