//! Authentication: passwords, TOTP, recovery codes, sessions, who is asking (the
//! client's address and its share of the server), the portal's cookies, and the
//! extractors that decide who may see a page.
pub mod api_token;
pub mod client;
pub mod cookies;
pub mod csrf;
pub mod extractors;
pub mod password;
pub mod person;
pub mod rate_limit;
pub mod recovery;
pub mod scope;
pub mod session;
pub mod session_store;
pub mod signed_in_cache;
pub mod totp;

pub use extractors::{CurrentAccount, PendingLogin, StaffAdmin, StaffScope};
pub use password::PasswordHasher;
pub use scope::{Acting, Admin, InstitutionScope, Read};
