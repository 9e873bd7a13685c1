//! The "DigiCert rejected our API key" banner on staff pages: shown from the
//! first refusal the ordering jobs met until a later call succeeds.
use sqlx::PgPool;

use crate::error::AppError;
use crate::i18n::format;

/// What the banner shows.
#[derive(Debug, Clone)]
pub struct KeyBanner {
    /// Since when (UTC) DigiCert has been refusing the key.
    pub since: String,
}

pub async fn load(pool: &PgPool) -> Result<Option<KeyBanner>, AppError> {
    Ok(from_since(
        crate::db::orders::key_rejected_since(pool).await?,
    ))
}

/// The banner of a refusal read with other figures (the overview reads it in its one
/// statement).
pub fn from_since(since: Option<time::OffsetDateTime>) -> Option<KeyBanner> {
    since.map(|since| KeyBanner {
        since: format::datetime(since),
    })
}
