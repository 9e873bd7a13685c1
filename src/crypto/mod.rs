//! Cryptographic building blocks: sealing secrets at rest and single-use tokens.
pub mod seal;
pub mod tokens;

pub use seal::{MasterKey, SealError};
