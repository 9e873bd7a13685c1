//! Invitations: single-use, expiring, stored by the hash of their token.
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::auth::scope::{Admin, InstitutionScope, RequiredRole};
use crate::domain::{AccountId, InstitutionId, InstitutionRole, InvitationId, StaffRole};

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
    pub id: InvitationId,
    pub email: String,
    pub display_name: String,
    pub kind: InvitationKind,
    pub institution_id: Option<InstitutionId>,
    pub expires_at: OffsetDateTime,
    pub accepted_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    pub declined_at: Option<OffsetDateTime>,
}

impl Invitation {
    pub fn is_usable(&self, now: OffsetDateTime) -> bool {
        self.accepted_at.is_none()
            && self.revoked_at.is_none()
            && self.declined_at.is_none()
            && self.expires_at > now
    }
}

pub struct NewInvitation<'a> {
    pub token_hash: &'a [u8],
    pub email: &'a str,
    pub display_name: &'a str,
    pub invited_by: Option<AccountId>,
    pub expires_at: OffsetDateTime,
}

/// A staff invitation, made from the command line or by staff.
pub async fn insert_staff(
    tx: &mut Transaction<'_, Postgres>,
    invitation: NewInvitation<'_>,
    role: StaffRole,
) -> sqlx::Result<InvitationId> {
    insert(tx, invitation, InvitationKind::Staff(role), None).await
}

/// An invitation into the scope's institution.
pub async fn insert_for_institution(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    invitation: NewInvitation<'_>,
    role: InstitutionRole,
) -> sqlx::Result<InvitationId> {
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
    institution_id: Option<InstitutionId>,
) -> sqlx::Result<InvitationId> {
    sqlx::query_scalar!(
        r#"INSERT INTO invitations (token_hash, email, display_name, kind, institution_id, invited_by, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id AS "id: InvitationId""#,
        invitation.token_hash,
        invitation.email,
        invitation.display_name,
        kind.as_str(),
        institution_id as Option<InstitutionId>,
        invitation.invited_by as Option<AccountId>,
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
    let row = sqlx::query_as!(
        InvitationRow,
        r#"SELECT id, email, display_name, kind, institution_id AS "institution_id: InstitutionId", expires_at, accepted_at,
                  revoked_at, declined_at
           FROM invitations WHERE token_hash = $1 FOR UPDATE"#,
        token_hash
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.and_then(InvitationRow::into_invitation))
}

/// Finds an invitation into an institution addressed to `email` (the logged-in
/// account's own address) and locks it, so that accepting and declining, or two
/// accepts, cannot both go through. Another address's invitation is never found.
pub async fn lock_addressed_to(
    tx: &mut Transaction<'_, Postgres>,
    id: InvitationId,
    email: &str,
) -> sqlx::Result<Option<Invitation>> {
    let row = sqlx::query_as!(
        InvitationRow,
        r#"SELECT id, email, display_name, kind, institution_id AS "institution_id: InstitutionId", expires_at, accepted_at,
                  revoked_at, declined_at
           FROM invitations
           WHERE id = $1 AND email = $2 AND institution_id IS NOT NULL
           FOR UPDATE"#,
        id as InvitationId,
        email
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.and_then(InvitationRow::into_invitation))
}

struct InvitationRow {
    id: InvitationId,
    email: String,
    display_name: String,
    kind: String,
    institution_id: Option<InstitutionId>,
    expires_at: OffsetDateTime,
    accepted_at: Option<OffsetDateTime>,
    revoked_at: Option<OffsetDateTime>,
    declined_at: Option<OffsetDateTime>,
}

impl InvitationRow {
    fn into_invitation(self) -> Option<Invitation> {
        Some(Invitation {
            id: self.id,
            email: self.email,
            display_name: self.display_name,
            kind: InvitationKind::from_db(&self.kind)?,
            institution_id: self.institution_id,
            expires_at: self.expires_at,
            accepted_at: self.accepted_at,
            revoked_at: self.revoked_at,
            declined_at: self.declined_at,
        })
    }
}

pub async fn mark_accepted(
    tx: &mut Transaction<'_, Postgres>,
    id: InvitationId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE invitations SET accepted_at = $2 WHERE id = $1",
        id as InvitationId,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn mark_declined(
    tx: &mut Transaction<'_, Postgres>,
    id: InvitationId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE invitations SET declined_at = $2 WHERE id = $1",
        id as InvitationId,
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
           WHERE institution_id = $1 AND email = $2
             AND accepted_at IS NULL AND revoked_at IS NULL AND declined_at IS NULL"#,
        scope.institution_id() as InstitutionId,
        email,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(revoked.rows_affected())
}

/// What withdrawing one of the scope's invitations did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawal {
    Withdrawn,
    /// Already accepted, declined, withdrawn or expired: nothing to do.
    AlreadyClosed,
    /// Not an invitation of this institution.
    NotFound,
}

/// Withdraws one of the scope's open invitations. The row is locked first, so an
/// acceptance at the same moment either comes first or finds it withdrawn.
pub async fn withdraw(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    id: InvitationId,
    now: OffsetDateTime,
) -> sqlx::Result<Withdrawal> {
    let open = sqlx::query_scalar!(
        r#"SELECT (accepted_at IS NULL AND revoked_at IS NULL AND declined_at IS NULL
                   AND expires_at > $3) AS "open!"
           FROM invitations WHERE institution_id = $1 AND id = $2 FOR UPDATE"#,
        scope.institution_id() as InstitutionId,
        id as InvitationId,
        now
    )
    .fetch_optional(&mut **tx)
    .await?;
    match open {
        None => Ok(Withdrawal::NotFound),
        Some(false) => Ok(Withdrawal::AlreadyClosed),
        Some(true) => {
            sqlx::query!(
                "UPDATE invitations SET revoked_at = $3 WHERE institution_id = $1 AND id = $2",
                scope.institution_id() as InstitutionId,
                id as InvitationId,
                now
            )
            .execute(&mut **tx)
            .await?;
            Ok(Withdrawal::Withdrawn)
        }
    }
}

/// An open invitation of an institution, as its people page shows it: the address the
/// admin typed, the role and the expiry. Nothing about any account that address may
/// have: the page must not tell whether the person already uses the portal.
#[derive(Debug, Clone)]
pub struct PendingInvitation {
    pub id: InvitationId,
    pub email: String,
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
        r#"SELECT id, email, kind, expires_at FROM invitations
           WHERE institution_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL
             AND declined_at IS NULL AND expires_at > $2
           ORDER BY created_at DESC"#,
        scope.institution_id() as InstitutionId,
        now
    )
    .fetch_all(pool)
    .await
}

/// An open invitation addressed to the logged-in account, with what it needs to decide.
#[derive(Debug, Clone)]
pub struct InvitationForYou {
    pub id: InvitationId,
    pub institution_name_sr: String,
    pub institution_name_en: String,
    pub role: InstitutionRole,
    pub invited_by: Option<String>,
    pub expires_at: OffsetDateTime,
}

/// Whether any invitation into an institution addressed to `email` is open.
pub async fn any_open_for_address(
    pool: &PgPool,
    email: &str,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM invitations
                          WHERE email = $1 AND institution_id IS NOT NULL
                            AND accepted_at IS NULL AND revoked_at IS NULL
                            AND declined_at IS NULL AND expires_at > $2) AS "open!""#,
        email,
        now
    )
    .fetch_one(pool)
    .await
}

/// The open invitations into institutions addressed to `email` (the account's own).
pub async fn open_for_address(
    pool: &PgPool,
    email: &str,
    now: OffsetDateTime,
) -> sqlx::Result<Vec<InvitationForYou>> {
    let rows = sqlx::query!(
        r#"SELECT v.id AS "id: InvitationId", i.name_sr, i.name_en, v.kind, a.display_name AS "invited_by?", v.expires_at
           FROM invitations v
           JOIN institutions i ON i.id = v.institution_id
           LEFT JOIN accounts a ON a.id = v.invited_by
           WHERE v.email = $1 AND v.accepted_at IS NULL AND v.revoked_at IS NULL
             AND v.declined_at IS NULL AND v.expires_at > $2
           ORDER BY v.created_at"#,
        email,
        now
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(InvitationForYou {
                id: row.id,
                institution_name_sr: row.name_sr,
                institution_name_en: row.name_en,
                role: InstitutionRole::from_db(&row.kind)?,
                invited_by: row.invited_by,
                expires_at: row.expires_at,
            })
        })
        .collect())
}
