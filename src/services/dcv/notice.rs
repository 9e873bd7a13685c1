//! The message shown after an onboarding action, carried across the redirect as
//! a fixed code (`?dcv=`) so nothing from the request is ever echoed.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DcvNotice {
    Submitted,
    Validated,
    NotFoundYet,
    NewToken,
    OrganizationSubmitted,
    NotConfigured,
    NotLinked,
    KeyRejected,
    RateLimited,
    Unavailable,
    NotFoundAtDigicert,
    Refused,
}

const ALL: [DcvNotice; 12] = [
    DcvNotice::Submitted,
    DcvNotice::Validated,
    DcvNotice::NotFoundYet,
    DcvNotice::NewToken,
    DcvNotice::OrganizationSubmitted,
    DcvNotice::NotConfigured,
    DcvNotice::NotLinked,
    DcvNotice::KeyRejected,
    DcvNotice::RateLimited,
    DcvNotice::Unavailable,
    DcvNotice::NotFoundAtDigicert,
    DcvNotice::Refused,
];

impl DcvNotice {
    /// The `?dcv=` value.
    pub fn code(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Validated => "validated",
            Self::NotFoundYet => "not_found_yet",
            Self::NewToken => "new_token",
            Self::OrganizationSubmitted => "org_submitted",
            Self::NotConfigured => "not_configured",
            Self::NotLinked => "not_linked",
            Self::KeyRejected => "key_rejected",
            Self::RateLimited => "rate_limited",
            Self::Unavailable => "unavailable",
            Self::NotFoundAtDigicert => "unknown_at_digicert",
            Self::Refused => "refused",
        }
    }

    /// Unknown codes show nothing.
    pub fn from_code(code: &str) -> Option<Self> {
        ALL.into_iter().find(|notice| notice.code() == code)
    }

    pub fn message_key(self) -> &'static str {
        match self {
            Self::Submitted => "dcv.submitted",
            Self::Validated => "dcv.validated",
            Self::NotFoundYet => "dcv.not_found_yet",
            Self::NewToken => "dcv.new_token",
            Self::OrganizationSubmitted => "dcv.org_submitted",
            Self::NotConfigured => "dcv.not_configured",
            Self::NotLinked => "dcv.not_linked",
            Self::KeyRejected => "dcv.key_rejected",
            Self::RateLimited => "dcv.rate_limited",
            Self::Unavailable => "dcv.unavailable",
            Self::NotFoundAtDigicert => "dcv.unknown_at_digicert",
            Self::Refused => "dcv.refused",
        }
    }

    pub fn is_error(self) -> bool {
        !matches!(
            self,
            Self::Submitted | Self::Validated | Self::NewToken | Self::OrganizationSubmitted
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_and_strangers_show_nothing() {
        for notice in ALL {
            assert_eq!(DcvNotice::from_code(notice.code()), Some(notice));
        }
        assert_eq!(DcvNotice::from_code("<script>"), None);
    }
}
