//! AMRES staff levels: full staff, or read-only staff auditors.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Staff,
    StaffAuditor,
}

impl StaffRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Staff => "staff",
            Self::StaffAuditor => "staff_auditor",
        }
    }

    pub fn from_db(value: &str) -> Option<Self> {
        match value {
            "staff" => Some(Self::Staff),
            "staff_auditor" => Some(Self::StaffAuditor),
            _ => None,
        }
    }

    /// Whether this role may change anything; auditors only read.
    pub fn can_write(self) -> bool {
        self == Self::Staff
    }
}
