//! An institution's people: inviting admins and auditors, changing roles, removing.
use askama::Template;
use serde_json::json;
use time::Duration;
use uuid::Uuid;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::scope::{Admin, InstitutionScope};
use crate::crypto::tokens;
use crate::db::invitations::NewInvitation;
use crate::db::memberships::MembershipChange;
use crate::domain::{DisplayName, EmailAddress, InstitutionRole};
use crate::error::AppError;
use crate::mail::Mail;
use crate::mail::templates::{InvitationMail, MembershipAddedMail, Word, role_words, subject};
use crate::services::onboarding::{INVITATION_TTL_HOURS, invitation_link};
use crate::state::AppState;

pub enum InviteOutcome {
    /// A new person: an invitation mail is on its way.
    Invited,
    /// Someone with an account already: the membership exists now, and they were told.
    AddedExistingAccount,
    AlreadyMember,
}

pub async fn invite(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    email: &EmailAddress,
    name: &DisplayName,
    role: InstitutionRole,
) -> Result<InviteOutcome, AppError> {
    let now = state.clock.now();
    let institution = scope.institution();
    let (role_sr, role_en) = role_words(role);
    let inviter = scope.current.account.display_name.as_str();
    let existing = crate::db::accounts::find_by_email(&state.db, email.as_str()).await?;
    let mut tx = state.db.begin().await?;
    let outcome = match existing {
        Some(account) => {
            if crate::db::memberships::is_member(&mut tx, scope, account.id).await? {
                return Ok(InviteOutcome::AlreadyMember);
            }
            crate::db::memberships::add(&mut tx, scope, account.id, role, now).await?;
            let body = MembershipAddedMail {
                name: &account.display_name,
                inviter,
                role_sr,
                role_en,
                institution_sr: &institution.name_sr,
                institution_en: &institution.name_en,
                link: &format!("{}/login", state.settings.public_url),
            }
            .render()?;
            Mail {
                to: account.email.clone(),
                subject: subject(
                    "mail.subject.membership_added",
                    &[
                        ("institution", Word::Text(&institution.short_name)),
                        ("role", Word::Key(role.label_key())),
                    ],
                ),
                body,
            }
            .enqueue(&mut tx, now)
            .await?;
            AuditEvent::new("membership.added")
                .actor(scope.account_id())
                .institution(scope.institution_id())
                .target(format!("account:{}", account.id))
                .details(json!({ "email": email.as_str(), "role": role.as_str() }))
                .record(&mut tx, meta)
                .await?;
            InviteOutcome::AddedExistingAccount
        }
        None => {
            crate::db::invitations::revoke_open_for_email(&mut tx, scope, email.as_str(), now)
                .await?;
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
                inviter,
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
                    &[("institution", Word::Text(&institution.short_name))],
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
            InviteOutcome::Invited
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

pub async fn change_role(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
    account_id: Uuid,
    role: InstitutionRole,
) -> Result<MembershipChange, AppError> {
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
    account_id: Uuid,
) -> Result<MembershipChange, AppError> {
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
