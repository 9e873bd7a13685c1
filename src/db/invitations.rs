//! Invitations: single-use, expiring, stored by the hash of their token.
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::StaffRole;

#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: StaffRole,
    pub expires_at: OffsetDateTime,
    pub accepted_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

impl Invitation {
    pub fn is_usable(&self, now: OffsetDateTime) -> bool {
        self.accepted_at.is_none() && self.revoked_at.is_none() && self.expires_at > now
    }
}

pub struct NewInvitation<'a> {
    pub token_hash: &'a [u8],
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: StaffRole,
    pub invited_by: Option<Uuid>,
    pub expires_at: OffsetDateTime,
}

pub async fn insert(
    tx: &mut Transaction<'_, Postgres>,
    invitation: NewInvitation<'_>,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        r#"INSERT INTO invitations (token_hash, email, display_name, kind, invited_by, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"#,
        invitation.token_hash,
        invitation.email,
        invitation.display_name,
        invitation.role.as_str(),
        invitation.invited_by,
        invitation.expires_at,
    )
    .fetch_one(&mut **tx)
    .await
}

/// Finds an invitation by token hash and locks it, so that two tabs accepting the
/// same invitation at once cannot both succeed.
pub async fn lock_by_token_hash(
    tx: &mut Transaction<'_, Postgres>,
    token_hash: &[u8],
) -> sqlx::Result<Option<Invitation>> {
    let row = sqlx::query!(
        r#"SELECT id, email, display_name, kind, expires_at, accepted_at, revoked_at
           FROM invitations WHERE token_hash = $1 FOR UPDATE"#,
        token_hash
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.and_then(|row| {
        Some(Invitation {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            role: StaffRole::from_db(&row.kind)?,
            expires_at: row.expires_at,
            accepted_at: row.accepted_at,
            revoked_at: row.revoked_at,
        })
    }))
}

pub async fn mark_accepted(
    tx: &mut Transaction<'_, Postgres>,
    id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE invitations SET accepted_at = $2 WHERE id = $1",
        id,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
