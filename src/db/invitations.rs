//! Invitations: single-use, expiring, stored by the hash of their token.
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::scope::{Admin, InstitutionScope, RequiredRole};
use crate::domain::{InstitutionRole, StaffRole};

/// What accepting an invitation makes of the invitee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationKind {
    Staff(StaffRole),
    Institution(InstitutionRole),
}

impl InvitationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Staff(role) => role.as_str(),
            Self::Institution(role) => role.as_str(),
        }
    }

    fn from_db(value: &str) -> Option<Self> {
        StaffRole::from_db(value)
            .map(Self::Staff)
            .or_else(|| InstitutionRole::from_db(value).map(Self::Institution))
    }

    pub fn staff_role(self) -> Option<StaffRole> {
        match self {
            Self::Staff(role) => Some(role),
            Self::Institution(_) => None,
        }
    }

    pub fn institution_role(self) -> Option<InstitutionRole> {
        match self {
            Self::Institution(role) => Some(role),
            Self::Staff(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub kind: InvitationKind,
    pub institution_id: Option<Uuid>,
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
    pub invited_by: Option<Uuid>,
    pub expires_at: OffsetDateTime,
}

/// A staff invitation, made from the command line or by staff.
pub async fn insert_staff(
    tx: &mut Transaction<'_, Postgres>,
    invitation: NewInvitation<'_>,
    role: StaffRole,
) -> sqlx::Result<Uuid> {
    insert(tx, invitation, InvitationKind::Staff(role), None).await
}

/// An invitation into the scope's institution.
pub async fn insert_for_institution(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    invitation: NewInvitation<'_>,
    role: InstitutionRole,
) -> sqlx::Result<Uuid> {
    insert(
        tx,
        invitation,
        InvitationKind::Institution(role),
        Some(scope.institution_id()),
    )
    .await
}

async fn insert(
    tx: &mut Transaction<'_, Postgres>,
    invitation: NewInvitation<'_>,
    kind: InvitationKind,
    institution_id: Option<Uuid>,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        r#"INSERT INTO invitations (token_hash, email, display_name, kind, institution_id, invited_by, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"#,
        invitation.token_hash,
        invitation.email,
        invitation.display_name,
        kind.as_str(),
        institution_id,
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
        r#"SELECT id, email, display_name, kind, institution_id, expires_at, accepted_at, revoked_at
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
            kind: InvitationKind::from_db(&row.kind)?,
            institution_id: row.institution_id,
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

/// Revokes the scope's still-open invitations of `email`, so a new invitation
/// replaces an older one rather than adding a second live link.
pub async fn revoke_open_for_email(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    email: &str,
    now: OffsetDateTime,
) -> sqlx::Result<u64> {
    let revoked = sqlx::query!(
        r#"UPDATE invitations SET revoked_at = $3
           WHERE institution_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL"#,
        scope.institution_id(),
        email,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(revoked.rows_affected())
}

#[derive(Debug, Clone)]
pub struct PendingInvitation {
    pub email: String,
    pub display_name: String,
    pub kind: String,
    pub expires_at: OffsetDateTime,
}

/// Open invitations of the scope's institution, for the people page.
pub async fn pending<R: RequiredRole>(
    pool: &PgPool,
    scope: &InstitutionScope<R>,
    now: OffsetDateTime,
) -> sqlx::Result<Vec<PendingInvitation>> {
    sqlx::query_as!(
        PendingInvitation,
        r#"SELECT email, display_name, kind, expires_at FROM invitations
           WHERE institution_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2
           ORDER BY created_at DESC"#,
        scope.institution_id(),
        now
    )
    .fetch_all(pool)
    .await
}
