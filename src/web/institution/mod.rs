//! An institution's own pages, reached through `InstitutionScope` only.
pub mod api_tokens;
pub mod audit;
pub mod bulk;
pub mod dashboard;
pub mod departures;
pub mod domains;
pub mod enrollment_links;
pub mod order_actions;
pub mod order_form;
pub mod order_page;
pub mod orders_csv;
pub mod orders_list;
pub mod people;
pub mod self_service;
pub mod switcher;
pub mod sync;

use crate::auth::scope::{Acting, InstitutionScope, RequiredRole};
use crate::db::institutions::InstitutionHeader;
use crate::domain::{StaffRole, TcsStatus};
use crate::i18n::Lang;

/// What the tabs and the heading of every institution page need.
pub struct InstitutionNav {
    pub id: String,
    pub name: String,
    pub short_name: String,
    pub suspended: bool,
    pub can_write: bool,
    pub is_staff: bool,
    /// The visitor's capacity here, as a catalogue key.
    pub acting_key: &'static str,
}

impl InstitutionNav {
    pub fn new<R: RequiredRole>(scope: &InstitutionScope<R>, lang: Lang) -> Self {
        let institution: &InstitutionHeader = scope.institution();
        Self {
            id: institution.id.to_string(),
            name: match lang {
                Lang::Serbian => institution.name_sr.clone(),
                Lang::English => institution.name_en.clone(),
            },
            short_name: institution.short_name.clone(),
            suspended: institution.status == TcsStatus::Suspended,
            can_write: scope.can_write(),
            is_staff: scope.is_staff(),
            acting_key: match scope.acting() {
                Acting::Member(role) => role.label_key(),
                Acting::Staff(StaffRole::Staff) => "role.staff",
                Acting::Staff(StaffRole::StaffAuditor) => "role.staff_auditor",
            },
        }
    }
}
