//! What authenticating a request read, kept per session and institution, and used again
//! only once a cheap statement has shown that none of it changed (issue 16 §2).
//!
//! Authenticating reads the session's record, its account, the account's memberships and
//! the institution the page is about, with the person's role there
//! (`db::sessions::signed_in`). That statement was the costliest part of the staff
//! overview and of every list page, yet what it reads rarely changes: a session is
//! written at most once a minute, an account or a membership far more rarely. So the
//! reading is kept with the versions of the rows it came from, and a request whose
//! reading is kept runs `db::sessions::versions` instead: three lookups by key, no
//! memberships to gather, no record to send.
//!
//! Everything a reading holds moves one of those versions in the same transaction that
//! changes it:
//! - a logout deletes the session's row; a login, a second factor, a new CSRF secret or
//!   a touch rewrites it;
//! - a password change, a suspension, a lockout or a staff role rewrites the account's
//!   row;
//! - a membership added, changed or ended, and an institution's new short name, rewrite
//!   the row of each account concerned (migration 20261210010000);
//! - an institution's name, slug or state rewrites its row.
//!
//! The versions are read in one statement, in one snapshot, so a kept reading is used
//! only where reading afresh would have read the same. A logout, a role taken away or a
//! suspension counts from the very next request, in this process or in any other.
use std::sync::Arc;

use sqlx::PgPool;
use tower_sessions::session::Record;

use crate::auth::session_store;
use crate::db::accounts::Account;
use crate::db::institutions::InstitutionHeader;
use crate::db::sessions::{self, RowVersions};
use crate::domain::{InstitutionId, InstitutionRole};
use crate::error::AppError;

/// How many readings are kept at most: one per session and institution in use. A reading
/// is about a kilobyte, so the cache stays within a few megabytes however many sessions
/// there are; a reading pushed out is read afresh when its session comes back.
const CAPACITY: usize = 2048;

/// What authenticating a session read: its record, decoded, its account, the account's
/// memberships, and the institution asked about with the account's role there.
#[derive(Debug)]
pub struct Reading {
    pub record: Record,
    pub account: Option<Account>,
    /// The account's active memberships as (institution, short name), by name.
    pub memberships: Vec<(InstitutionId, String)>,
    pub institution: Option<InstitutionHeader>,
    pub role: Option<InstitutionRole>,
    rows: RowVersions,
}

/// A reading that holds now, and the dashboards' figures version read with it.
#[derive(Debug)]
pub struct Verified {
    pub reading: Arc<Reading>,
    pub figures_version: i64,
}

type Key = (String, Option<InstitutionId>);

/// Readings by session id and institution.
#[derive(Debug)]
pub struct SignedInCache {
    kept: quick_cache::sync::Cache<Key, Arc<Reading>>,
}

impl Default for SignedInCache {
    fn default() -> Self {
        Self {
            kept: quick_cache::sync::Cache::new(CAPACITY),
        }
    }
}

impl SignedInCache {
    /// The reading of the unexpired session `id` for `institution`: the kept one when
    /// its rows are unchanged, otherwise a fresh one (then kept, when it names an
    /// account). `None` when there is no such session.
    pub async fn read(
        &self,
        pool: &PgPool,
        id: &str,
        institution: Option<InstitutionId>,
    ) -> Result<Option<Verified>, AppError> {
        let key = (id.to_owned(), institution);
        if let Some(kept) = self.kept.get(&key) {
            match sessions::versions(pool, id, institution).await? {
                Some(now) if now.rows == kept.rows => {
                    return Ok(Some(Verified {
                        reading: kept,
                        figures_version: now.figures,
                    }));
                }
                Some(_) => {}
                None => {
                    self.kept.remove(&key);
                    return Ok(None);
                }
            }
        }
        let Some(row) = sessions::signed_in(pool, id, institution).await? else {
            self.kept.remove(&key);
            return Ok(None);
        };
        let record = session_store::decode(&row.data).map_err(|error| {
            AppError::Internal(anyhow::anyhow!("a stored session does not decode: {error}"))
        })?;
        let reading = Arc::new(Reading {
            record,
            account: row.account,
            memberships: row.memberships,
            institution: row.institution,
            role: row.role,
            rows: row.versions.rows,
        });
        if reading.account.is_some() {
            self.kept.insert(key, Arc::clone(&reading));
        } else {
            self.kept.remove(&key);
        }
        Ok(Some(Verified {
            reading,
            figures_version: row.versions.figures,
        }))
    }
}
