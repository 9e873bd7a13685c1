//! An institution's people: inviting admins and auditors, withdrawing invitations,
//! changing roles, removing.
use askama::Template;
use serde_json::json;
use time::Duration;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::scope::{Admin, InstitutionScope};
use crate::crypto::tokens;
use crate::db::invitations::{NewInvitation, Withdrawal};
use crate::db::memberships::MembershipChange;
use crate::domain::{AccountId, DisplayName, EmailAddress, InstitutionRole, InvitationId};
use crate::mail::Mail;
use crate::mail::templates::{InvitationMail, role_words, subject};
use crate::services::onboarding::{INVITATION_TTL_HOURS, invitation_link};
use crate::state::AppState;

pub enum InviteOutcome {
    /// An invitation mail is on its way. The same answer whether or not the address
    /// belongs to an account: nobody joins before accepting, and the inviting
    /// institution learns nothing about people who are not its members.
    Invited,
    /// The address is already one of this institution's own members.
    AlreadyMember,
}

/// Invites a person into the scope's institution. The same steps run whatever the
/// address is (no lookup of accounts, no branch on one), so neither the answer nor
/// the time it takes tells whether the address has an account.
pub async fn invite(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    email: &EmailAddress,
    name: &DisplayName,
    role: InstitutionRole,
) -> anyhow::Result<InviteOutcome> {
    let now = state.clock.now();
    let institution = scope.institution();
    let (role_sr, role_en) = role_words(role);
    let mut tx = state.db.begin().await?;
    if crate::db::memberships::is_member_by_email(&mut tx, scope, email.as_str()).await? {
        return Ok(InviteOutcome::AlreadyMember);
    }
    crate::db::invitations::revoke_open_for_email(&mut tx, scope, email.as_str(), now).await?;
    let token = tokens::generate();
    let expires_at = now + Duration::hours(INVITATION_TTL_HOURS);
    let id = crate::db::invitations::insert_for_institution(
        &mut tx,
        scope,
        NewInvitation {
            token_hash: &token.hash,
            email: email.as_str(),
            display_name: name.as_str(),
            invited_by: Some(scope.account_id()),
            expires_at,
        },
        role,
    )
    .await?;
    let body = InvitationMail {
        name: name.as_str(),
        inviter: scope.display_name(),
        role_sr,
        role_en,
        institution_sr: &institution.name_sr,
        institution_en: &institution.name_en,
        link: &invitation_link(&state.settings.public_url, &token.secret),
        expires: &crate::i18n::format::datetime(expires_at),
    }
    .render()?;
    Mail {
        to: email.as_str().to_owned(),
        subject: subject(
            "mail.subject.invitation",
            &[("institution", &institution.short_name)],
        ),
        body,
    }
    .enqueue(&mut tx, now)
    .await?;
    AuditEvent::new("invitation.created")
        .actor(scope.account_id())
        .institution(scope.institution_id())
        .target(format!("invitation:{id}"))
        .details(json!({ "email": email.as_str(), "role": role.as_str() }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(InviteOutcome::Invited)
}

/// Withdraws one of the institution's open invitations; withdrawing one that is
/// already closed changes nothing.
pub async fn withdraw(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    invitation_id: InvitationId,
) -> anyhow::Result<Withdrawal> {
    let mut tx = state.db.begin().await?;
    let outcome =
        crate::db::invitations::withdraw(&mut tx, scope, invitation_id, state.clock.now()).await?;
    if outcome == Withdrawal::Withdrawn {
        AuditEvent::new("invitation.withdrawn")
            .actor(scope.account_id())
            .institution(scope.institution_id())
            .target(format!("invitation:{invitation_id}"))
            .record(&mut tx, meta)
            .await?;
        tx.commit().await?;
    }
    Ok(outcome)
}

pub async fn change_role(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    account_id: AccountId,
    role: InstitutionRole,
) -> anyhow::Result<MembershipChange> {
    let mut tx = state.db.begin().await?;
    let outcome =
        crate::db::memberships::change_role(&mut tx, scope, account_id, role, state.clock.now())
            .await?;
    if outcome == MembershipChange::Done {
        AuditEvent::new("membership.role_changed")
            .actor(scope.account_id())
            .institution(scope.institution_id())
            .target(format!("account:{account_id}"))
            .details(json!({ "role": role.as_str() }))
            .record(&mut tx, meta)
            .await?;
        tx.commit().await?;
    }
    Ok(outcome)
}

pub async fn remove(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    account_id: AccountId,
) -> anyhow::Result<MembershipChange> {
    let mut tx = state.db.begin().await?;
    let outcome =
        crate::db::memberships::remove(&mut tx, scope, account_id, state.clock.now()).await?;
    if outcome == MembershipChange::Done {
        AuditEvent::new("membership.removed")
            .actor(scope.account_id())
            .institution(scope.institution_id())
            .target(format!("account:{account_id}"))
            .record(&mut tx, meta)
            .await?;
        tx.commit().await?;
    }
    Ok(outcome)
}
