//! The portal's session store: tower-sessions' records in `tower_sessions.session`
//! (encoded as tower-sessions' own PostgreSQL store encodes them, MessagePack), plus the
//! account each session speaks for in a column of its own, so that one statement can
//! authenticate a request (`db::sessions::signed_in`).
//!
//! A request's session loads lazily, on its first read. The extractors read the row
//! themselves (with the account and the membership) and then hand it over with
//! [`hydrate`], so the session does not read the same row a second time.
use std::cell::RefCell;

use async_trait::async_trait;
use sqlx::PgPool;
use tower_sessions::Session;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

use crate::auth::session::AuthState;
use crate::db::sessions::StoredSession;
use crate::domain::AccountId;

tokio::task_local! {
    /// A record already read in this task, for the session's lazy load to take.
    static READ_ALREADY: RefCell<Option<Record>>;
}

#[derive(Clone, Debug)]
pub struct PortalStore {
    pool: PgPool,
}

impl PortalStore {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

fn backend(error: sqlx::Error) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

/// The row that stores `record`.
fn stored(record: &Record) -> session_store::Result<StoredSession> {
    Ok(StoredSession {
        id: record.id.to_string(),
        data: rmp_serde::to_vec(record)
            .map_err(|error| session_store::Error::Encode(error.to_string()))?,
        expiry_date: record.expiry_date,
        account_id: account_of(record),
    })
}

/// Decodes a row's record.
pub fn decode(data: &[u8]) -> session_store::Result<Record> {
    rmp_serde::from_slice(data).map_err(|error| session_store::Error::Decode(error.to_string()))
}

/// The account a record's `auth` entry names, for the row's `account_id`.
fn account_of(record: &Record) -> Option<AccountId> {
    record
        .data
        .get(crate::auth::session::AUTH_KEY)
        .and_then(|value| serde_json::from_value::<AuthState>(value.clone()).ok())
        .map(|auth| auth.account_id)
}

/// Gives `session` the record just read for it (when the session has not loaded yet),
/// then reads `key` from it, all without another round trip. A record of another
/// session id is not taken: the session then loads its own.
pub async fn hydrate<T: serde::de::DeserializeOwned>(
    session: &Session,
    record: Record,
    key: &str,
) -> Result<Option<T>, tower_sessions::session::Error> {
    READ_ALREADY
        .scope(RefCell::new(Some(record)), session.get::<T>(key))
        .await
}

#[async_trait]
impl SessionStore for PortalStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh random 128-bit id is practically never taken; if it is, draw again
        // rather than overwrite someone's session.
        loop {
            let inserted = crate::db::sessions::insert(&self.pool, &stored(record)?)
                .await
                .map_err(backend)?;
            if inserted {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        crate::db::sessions::upsert(&self.pool, &stored(record)?)
            .await
            .map_err(backend)
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        let handed = READ_ALREADY
            .try_with(|slot| slot.borrow_mut().take())
            .ok()
            .flatten();
        if let Some(record) = handed.filter(|record| record.id == *session_id) {
            return Ok(Some(record));
        }
        match crate::db::sessions::load(&self.pool, &session_id.to_string())
            .await
            .map_err(backend)?
        {
            Some(data) => decode(&data).map(Some),
            None => Ok(None),
        }
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        crate::db::sessions::delete(&self.pool, &session_id.to_string())
            .await
            .map_err(backend)
    }
}

#[async_trait]
impl ExpiredDeletion for PortalStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        crate::db::sessions::delete_expired(&self.pool)
            .await
            .map(drop)
            .map_err(backend)
    }
}
