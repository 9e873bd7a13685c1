//! Institutions, their domains and people, and the wall between institutions.
mod domains;
mod institutions;
mod matrix;
mod names;
mod people;

use tcs_portal::domain::StaffRole;
use uuid::Uuid;

use crate::helpers::{EnrolledUser, TestApp};

/// Two institutions with an admin each, and a staff member who made them.
pub struct TwoInstitutions {
    pub staff: EnrolledUser,
    pub a: Uuid,
    pub b: Uuid,
    pub admin_a: EnrolledUser,
    pub admin_b: EnrolledUser,
}

pub async fn two_institutions(app: &TestApp) -> TwoInstitutions {
    let staff = app
        .enrolled_staff("staff@amres.ac.rs", StaffRole::Staff)
        .await;
    let a = app
        .create_institution(&staff.client, "etf-bg", "Elektrotehnički fakultet", true)
        .await;
    let b = app
        .create_institution(
            &staff.client,
            "pmf-ns",
            "Prirodno-matematički fakultet",
            true,
        )
        .await;
    let admin_a = app
        .enrolled_member(&staff.client, a, "ana@etf.bg.ac.rs", "admin")
        .await;
    let admin_b = app
        .enrolled_member(&staff.client, b, "boris@pmf.uns.ac.rs", "admin")
        .await;
    TwoInstitutions {
        staff,
        a,
        b,
        admin_a,
        admin_b,
    }
}
