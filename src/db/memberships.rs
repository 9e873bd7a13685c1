//! Who administers or audits an institution.
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::auth::scope::{Admin, InstitutionScope, RequiredRole};
use crate::domain::{AccountId, InstitutionId, InstitutionRole};

/// The API token's membership check: the role of an *active* membership of an
/// *active* account, or nothing. A session's request reads the same in the statement
/// that authenticates it (`db::sessions::signed_in`).
///
/// It runs on every request to an institution's pages and API, and nothing about a
/// membership is kept in the session. That is why a role change or a removal in one
/// institution does not end the person's sessions (which would log them out of their
/// work in every other institution too): the very next request in this institution
/// reads the new role, or finds no membership and answers 404, so the lost rights stop
/// working at once here and nowhere else is touched. A request that passed this check
/// just before the change finishes with the rights it started with, as it would with a
/// session epoch checked at the same point.
pub async fn active_role(
    pool: &PgPool,
    institution_id: InstitutionId,
    account_id: AccountId,
) -> sqlx::Result<Option<InstitutionRole>> {
    let role = sqlx::query_scalar!(
        r#"SELECT m.role FROM memberships m JOIN accounts a ON a.id = m.account_id
           WHERE m.institution_id = $1 AND m.account_id = $2
             AND m.status = 'active' AND a.status = 'active'"#,
        institution_id as InstitutionId,
        account_id as AccountId
    )
    .fetch_optional(pool)
    .await?;
    Ok(role.as_deref().and_then(InstitutionRole::from_db))
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct Member {
    pub account_id: AccountId,
    pub email: String,
    pub display_name: String,
    pub role: InstitutionRole,
    pub account_active: bool,
    pub mfa_enrolled: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}

/// The active members of institution $1 (admins first, then by name) as one JSON array:
/// what [`list`] reads, and the institution dashboard's one statement with it.
macro_rules! members_json {
    () => {
        "(SELECT coalesce(json_agg(x ORDER BY x.role, lower(x.display_name)), '[]'::json)
          FROM (SELECT a.id AS account_id, a.email, a.display_name, m.role,
                       a.status = 'active' AS account_active,
                       a.totp_secret_sealed IS NOT NULL AS mfa_enrolled, m.created_at AS since
                FROM memberships m JOIN accounts a ON a.id = m.account_id
                WHERE m.institution_id = $1 AND m.status = 'active') AS x)"
    };
}
pub(crate) use members_json;

pub async fn list<R: RequiredRole>(
    pool: &PgPool,
    scope: &InstitutionScope<R>,
) -> sqlx::Result<Vec<Member>> {
    let sqlx::types::Json(members) = sqlx::query_scalar(concat!("SELECT ", members_json!()))
        .bind(scope.institution_id())
        .fetch_one(pool)
        .await?;
    Ok(members)
}

/// The membership an accepted invitation grants, the only way a membership begins:
/// nobody becomes a member without accepting. The invitation row itself is the
/// authority here: it was created through an admin scope of this institution, and
/// the person accepting it owns its address. False when already an active member.
pub async fn add_from_invitation(
    tx: &mut Transaction<'_, Postgres>,
    invitation: &crate::db::invitations::Invitation,
    account_id: AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let (Some(institution_id), Some(role)) = (
        invitation.institution_id,
        invitation.kind.institution_role(),
    ) else {
        return Ok(false);
    };
    let changed = sqlx::query!(
        r#"INSERT INTO memberships (institution_id, account_id, role, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $4)
           ON CONFLICT (institution_id, account_id) DO UPDATE
               SET role = EXCLUDED.role, status = 'active', created_at = EXCLUDED.created_at,
                   updated_at = EXCLUDED.updated_at
               WHERE memberships.status <> 'active'"#,
        institution_id as InstitutionId,
        account_id as AccountId,
        role.as_str(),
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(changed.rows_affected() == 1)
}

/// Why a role change or removal was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipChange {
    Done,
    NotAMember,
    LastAdmin,
    Unchanged,
}

/// Changes a member's role, never leaving the institution without an admin.
/// The admins' rows are locked first, so two concurrent demotions cannot both
/// pass the last-admin check.
///
/// The change takes effect at the person's next request without ending any of
/// their sessions: every tenant request sees the role as it is now (`db::sessions::signed_in`,
/// and `auth::signed_in_cache`, whose kept readings this change makes stale).
pub async fn change_role(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    account_id: AccountId,
    role: InstitutionRole,
    now: OffsetDateTime,
) -> sqlx::Result<MembershipChange> {
    let current = lock_members(tx, scope.institution_id(), account_id).await?;
    let Some((current_role, admins)) = current else {
        return Ok(MembershipChange::NotAMember);
    };
    if current_role == role {
        return Ok(MembershipChange::Unchanged);
    }
    if current_role == InstitutionRole::Admin && admins <= 1 {
        return Ok(MembershipChange::LastAdmin);
    }
    sqlx::query!(
        "UPDATE memberships SET role = $3, updated_at = $4 WHERE institution_id = $1 AND account_id = $2",
        scope.institution_id() as InstitutionId,
        account_id as AccountId,
        role.as_str(),
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(MembershipChange::Done)
}

/// Removes a member, never the last admin. Like a role change, it takes effect at
/// the person's next request in this institution and touches nothing else.
pub async fn remove(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    account_id: AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<MembershipChange> {
    let Some((role, admins)) = lock_members(tx, scope.institution_id(), account_id).await? else {
        return Ok(MembershipChange::NotAMember);
    };
    if role == InstitutionRole::Admin && admins <= 1 {
        return Ok(MembershipChange::LastAdmin);
    }
    sqlx::query!(
        "UPDATE memberships SET status = 'removed', updated_at = $3 WHERE institution_id = $1 AND account_id = $2",
        scope.institution_id() as InstitutionId,
        account_id as AccountId,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(MembershipChange::Done)
}

/// Locks the institution's active memberships and returns the target's role and
/// the number of active admins.
async fn lock_members(
    tx: &mut Transaction<'_, Postgres>,
    institution_id: InstitutionId,
    account_id: AccountId,
) -> sqlx::Result<Option<(InstitutionRole, i64)>> {
    let rows = sqlx::query!(
        r#"SELECT account_id AS "account_id: AccountId", role FROM memberships
           WHERE institution_id = $1 AND status = 'active'
           FOR UPDATE"#,
        institution_id as InstitutionId
    )
    .fetch_all(&mut **tx)
    .await?;
    let admins = rows.iter().filter(|row| row.role == "admin").count();
    let target = rows
        .iter()
        .find(|row| row.account_id == account_id)
        .and_then(|row| InstitutionRole::from_db(&row.role));
    Ok(target.map(|role| (role, i64::try_from(admins).unwrap_or(i64::MAX))))
}

/// Whether an account with the address `email` is an active member of the scope's
/// institution (the institution's own people, which its people page lists anyway).
pub async fn is_member_by_email<R: RequiredRole>(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<R>,
    email: &str,
) -> sqlx::Result<bool> {
    let found = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM memberships m JOIN accounts a ON a.id = m.account_id
                          WHERE m.institution_id = $1 AND a.email = $2
                            AND m.status = 'active') AS "found!""#,
        scope.institution_id() as InstitutionId,
        email
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(found)
}
