//! An account's answers to the invitations addressed to it. Accepting is the only way
//! someone who already has an account joins an institution: logged in, with the second
//! factor done, by their own choice. Declining closes the invitation.
use serde_json::json;

use crate::audit::{AuditEvent, RequestMeta};
use crate::db::accounts::Account;
use crate::domain::{InstitutionId, InvitationId};
use crate::state::AppState;

pub enum Answer {
    Accepted {
        institution_id: InstitutionId,
    },
    Declined,
    /// Accepted, declined, withdrawn or expired already, or not addressed to this
    /// account: one answer for all.
    NotOpen,
}

#[derive(Clone, Copy)]
pub enum Choice {
    Accept,
    Decline,
}

/// Accepts or declines one invitation addressed to `account`'s own e-mail address.
pub async fn answer(
    state: &AppState,
    meta: &RequestMeta,
    account: &Account,
    invitation_id: InvitationId,
    choice: Choice,
) -> anyhow::Result<Answer> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let invitation =
        crate::db::invitations::lock_addressed_to(&mut tx, invitation_id, &account.email).await?;
    let Some(invitation) = invitation.filter(|invitation| invitation.is_usable(now)) else {
        return Ok(Answer::NotOpen);
    };
    let Some(institution_id) = invitation.institution_id else {
        return Ok(Answer::NotOpen);
    };
    let (action, answer) = match choice {
        Choice::Accept => {
            crate::db::memberships::add_from_invitation(&mut tx, &invitation, account.id, now)
                .await?;
            crate::db::invitations::mark_accepted(&mut tx, invitation.id, now).await?;
            ("invitation.accepted", Answer::Accepted { institution_id })
        }
        Choice::Decline => {
            crate::db::invitations::mark_declined(&mut tx, invitation.id, now).await?;
            ("invitation.declined", Answer::Declined)
        }
    };
    AuditEvent::new(action)
        .actor(account.id)
        .institution(institution_id)
        .target(format!("invitation:{}", invitation.id))
        .details(json!({ "role": invitation.kind.as_str() }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(answer)
}
