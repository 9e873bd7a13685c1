//! The message a person sees after "sync now", carried across the redirect as a
//! fixed code so nothing from the request is ever echoed.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncNotice {
    Done,
    NotConfigured,
    NotLinked,
    KeyRejected,
    RateLimited,
    Unavailable,
    OrganizationNotFound,
    Failed,
}

const ALL: [SyncNotice; 8] = [
    SyncNotice::Done,
    SyncNotice::NotConfigured,
    SyncNotice::NotLinked,
    SyncNotice::KeyRejected,
    SyncNotice::RateLimited,
    SyncNotice::Unavailable,
    SyncNotice::OrganizationNotFound,
    SyncNotice::Failed,
];

impl SyncNotice {
    /// The `?sync=` value.
    pub fn code(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::NotConfigured => "not_configured",
            Self::NotLinked => "not_linked",
            Self::KeyRejected => "key_rejected",
            Self::RateLimited => "rate_limited",
            Self::Unavailable => "unavailable",
            Self::OrganizationNotFound => "org_not_found",
            Self::Failed => "failed",
        }
    }

    /// Unknown codes show nothing.
    pub fn from_code(code: &str) -> Option<Self> {
        ALL.into_iter().find(|notice| notice.code() == code)
    }

    pub fn message_key(self) -> &'static str {
        match self {
            Self::Done => "sync.done",
            Self::NotConfigured => "sync.not_configured",
            Self::NotLinked => "sync.not_linked",
            Self::KeyRejected => "sync.key_rejected",
            Self::RateLimited => "sync.rate_limited",
            Self::Unavailable => "sync.unavailable",
            Self::OrganizationNotFound => "sync.org_not_found",
            Self::Failed => "sync.failed",
        }
    }

    pub fn is_error(self) -> bool {
        self != Self::Done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_and_strangers_show_nothing() {
        for notice in ALL {
            assert_eq!(SyncNotice::from_code(notice.code()), Some(notice));
        }
        assert_eq!(SyncNotice::from_code("<script>"), None);
    }
}
