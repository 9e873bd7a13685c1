//! Where an order of ours stands, and the one table of the moves between those states.
//! DigiCert's own status is kept beside it as DigiCert spells it.
use std::fmt;

/// The portal's order states, stored as their snake_case names (the database's CHECK
/// on `certificate_orders.status` allows exactly these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type, serde::Deserialize)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Placed without a key: waiting for the person to prove the mailbox.
    AwaitingPerson,
    /// Has a CSR; the submit job will place it at DigiCert.
    Queued,
    /// DigiCert took the order.
    Submitted,
    /// DigiCert waits for the mailboxes to be validated.
    PendingValidation,
    Issued,
    Rejected,
    Canceled,
    Failed,
    Revoked,
}

impl OrderStatus {
    /// Every state, in lifecycle order.
    pub const ALL: [Self; 9] = [
        Self::AwaitingPerson,
        Self::Queued,
        Self::Submitted,
        Self::PendingValidation,
        Self::Issued,
        Self::Rejected,
        Self::Canceled,
        Self::Failed,
        Self::Revoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingPerson => "awaiting_person",
            Self::Queued => "queued",
            Self::Submitted => "submitted",
            Self::PendingValidation => "pending_validation",
            Self::Issued => "issued",
            Self::Rejected => "rejected",
            Self::Canceled => "canceled",
            Self::Failed => "failed",
            Self::Revoked => "revoked",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }

    /// The state in words.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::AwaitingPerson => "order.status.awaiting_person",
            Self::Queued => "order.status.queued",
            Self::Submitted => "order.status.submitted",
            Self::PendingValidation => "order.status.pending_validation",
            Self::Issued => "order.status.issued",
            Self::Rejected => "order.status.rejected",
            Self::Canceled => "order.status.canceled",
            Self::Failed => "order.status.failed",
            Self::Revoked => "order.status.revoked",
        }
    }

    /// The moves that exist. Staying is always allowed (a follow job records DigiCert's
    /// news without a change of ours); an ended order moves no more.
    pub fn can_become(self, next: Self) -> bool {
        use OrderStatus::*;
        self == next
            || matches!(
                (self, next),
                // The person brings or gets a key; or the admin cancels first.
                (AwaitingPerson, Queued | Canceled)
                    // Placed at DigiCert, canceled before, or refused for good.
                    | (Queued, Submitted | Canceled | Failed)
                    // DigiCert's answers while we follow the order.
                    | (
                        Submitted | PendingValidation,
                        PendingValidation | Issued | Rejected | Canceled | Failed | Revoked
                    )
                    // Revoked; or the issued certificate failed our check.
                    | (Issued, Revoked | Failed)
            )
    }

    /// The states an order may be in to become `self`.
    pub fn sources(self) -> Vec<Self> {
        Self::ALL
            .into_iter()
            .filter(|from| from.can_become(self))
            .collect()
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;
    use super::*;

    #[test]
    fn an_ended_order_moves_no_more() {
        for ended in [Rejected, Canceled, Failed, Revoked] {
            for next in OrderStatus::ALL {
                assert_eq!(ended.can_become(next), ended == next, "{ended} → {next}");
            }
        }
    }

    #[test]
    fn an_order_goes_back_nowhere() {
        assert!(!Issued.can_become(PendingValidation));
        assert!(!Submitted.can_become(Queued));
        assert!(!Queued.can_become(AwaitingPerson));
        assert!(!AwaitingPerson.can_become(Issued));
    }

    #[test]
    fn only_an_issued_or_followed_order_can_be_revoked() {
        assert_eq!(
            Revoked.sources(),
            [Submitted, PendingValidation, Issued, Revoked]
        );
    }
}
