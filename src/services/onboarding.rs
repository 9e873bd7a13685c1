//! Invitations: staff ones made on the command line (`tcs-portal staff create`, here), and
//! following an invitation link: registering a new account with it, or (for an address that
//! has an account already) being sent to log in and answer it there. Institution admins
//! invite from the people page (`services::people`, which mails the link made here).
use clock::{Clock, SystemClock};
use serde_json::json;
use time::Duration;

use crate::audit::{AuditEvent, RequestMeta};
use crate::config::Settings;
use crate::crypto::tokens;
use crate::db::invitations::{Invitation, NewInvitation};
use crate::domain::{AccountId, DisplayName, EmailAddress, NewPassword, StaffRole};
use crate::state::AppState;

pub const INVITATION_TTL_HOURS: i64 = 72;

/// `tcs-portal staff create`: invites a staff member and returns the enrolment link.
pub async fn create_staff(
    settings: &Settings,
    email: &str,
    name: &str,
    auditor: bool,
) -> anyhow::Result<String> {
    let email = EmailAddress::parse(email).map_err(|error| anyhow::anyhow!("--email: {error}"))?;
    let name = DisplayName::parse(name).map_err(|error| anyhow::anyhow!("--name: {error}"))?;
    let pool = crate::db::connect_and_migrate(settings).await?;
    if crate::db::accounts::find_by_email(&pool, email.as_str())
        .await?
        .is_some()
    {
        anyhow::bail!("an account with the e-mail {email} already exists");
    }
    let role = if auditor {
        StaffRole::StaffAuditor
    } else {
        StaffRole::Staff
    };
    let token = invite_staff(&pool, &email, &name, role, SystemClock.now()).await?;
    Ok(invitation_link(&settings.public_url, &token))
}

/// Records a staff invitation made outside any web session (the command line)
/// and returns its secret token.
pub async fn invite_staff(
    pool: &sqlx::PgPool,
    email: &EmailAddress,
    name: &DisplayName,
    role: StaffRole,
    now: time::OffsetDateTime,
) -> sqlx::Result<String> {
    let token = tokens::generate();
    let mut tx = pool.begin().await?;
    let id = crate::db::invitations::insert_staff(
        &mut tx,
        NewInvitation {
            token_hash: &token.hash,
            email: email.as_str(),
            display_name: name.as_str(),
            invited_by: None,
            expires_at: now + Duration::hours(INVITATION_TTL_HOURS),
        },
        role,
    )
    .await?;
    AuditEvent::new("invitation.created")
        .actor_label("command line")
        .target(format!("invitation:{id}"))
        .details(json!({ "email": email.as_str(), "role": role.as_str() }))
        .record(&mut tx, &RequestMeta::default())
        .await?;
    tx.commit().await?;
    Ok(token.secret)
}

/// The link carries the token in the path, never in a query string; the page it
/// opens moves the token into the session and redirects to a clean URL.
pub fn invitation_link(public_url: &str, token: &str) -> String {
    format!("{public_url}/invite/{token}")
}

/// Looks up a presented token; `None` for unknown, used, revoked or expired ones.
pub async fn find_usable(state: &AppState, token: &str) -> anyhow::Result<Option<Invitation>> {
    if !tokens::looks_valid(token) {
        return Ok(None);
    }
    let mut tx = state.db.begin().await?;
    let invitation =
        crate::db::invitations::lock_by_token_hash(&mut tx, &tokens::hash(token)).await?;
    tx.rollback().await?;
    Ok(invitation.filter(|invitation| invitation.is_usable(state.clock.now())))
}

/// Whether the invitation's address already has an account: then the link's page does
/// not offer to register but to log in and answer the invitation there. Only whoever
/// holds the link (sent to that very address) ever sees this.
pub async fn addressee_has_account(
    state: &AppState,
    invitation: &Invitation,
) -> anyhow::Result<bool> {
    Ok(
        crate::db::accounts::find_by_email(&state.db, &invitation.email)
            .await?
            .is_some(),
    )
}

pub enum AcceptOutcome {
    Accepted {
        account_id: AccountId,
        session_epoch: i32,
    },
    /// Used, expired, revoked or unknown: the same answer for all.
    InvitationUnusable,
    /// Someone registered this e-mail in the meantime.
    EmailTaken,
}

/// Creates the invited account with the chosen name and password, and marks the
/// invitation used, in one transaction.
pub async fn accept(
    state: &AppState,
    meta: &RequestMeta,
    token: &str,
    name: &DisplayName,
    password: &NewPassword,
) -> anyhow::Result<AcceptOutcome> {
    if !tokens::looks_valid(token) {
        return Ok(AcceptOutcome::InvitationUnusable);
    }
    let password_hash = state.hasher.hash(password.expose()).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let invitation =
        crate::db::invitations::lock_by_token_hash(&mut tx, &tokens::hash(token)).await?;
    let Some(invitation) = invitation.filter(|invitation| invitation.is_usable(now)) else {
        return Ok(AcceptOutcome::InvitationUnusable);
    };
    let account_id = crate::db::accounts::insert(
        &mut tx,
        crate::db::accounts::NewAccount {
            email: &invitation.email,
            display_name: name.as_str(),
            password_hash: &password_hash,
            staff_role: invitation.kind.staff_role(),
        },
    )
    .await?;
    let Some(account_id) = account_id else {
        return Ok(AcceptOutcome::EmailTaken);
    };
    crate::db::memberships::add_from_invitation(&mut tx, &invitation, account_id, now).await?;
    crate::db::invitations::mark_accepted(&mut tx, invitation.id, now).await?;
    let mut event = AuditEvent::new("invitation.accepted")
        .actor(account_id)
        .target(format!("invitation:{}", invitation.id))
        .details(json!({ "role": invitation.kind.as_str() }));
    if let Some(institution) = invitation.institution_id {
        event = event.institution(institution);
    }
    event.record(&mut tx, meta).await?;
    tx.commit().await?;
    Ok(AcceptOutcome::Accepted {
        account_id,
        session_epoch: 0,
    })
}
