//! Whether an account may be used: staff disable an account and enable it again, and a
//! disabled one cannot log in.

/// Stored as its snake_case name (the database's CHECK on `accounts.status` allows exactly
/// these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum AccountStatus {
    Active,
    Disabled,
}

impl AccountStatus {
    pub const ALL: [Self; 2] = [Self::Active, Self::Disabled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Disabled => "disabled",
        }
    }
}
