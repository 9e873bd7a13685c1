//! The TCS preconditions for ordering a certificate, checked by one function that
//! every ordering path calls. Each unmet condition has its own message saying
//! what to do next.
use time::OffsetDateTime;

use crate::db::domains::Domain;
use crate::db::institutions::InstitutionDetail;
use crate::domain::{EmailAddress, TcsStatus, ValidationStatus};

/// One condition that stops an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmet {
    /// The institution has applied but is not registered for TCS yet.
    NotRegistered,
    Suspended,
    NoDigicertOrganization,
    /// The organization's S/MIME validation is missing, pending or expired.
    OrganizationNotValidated,
    /// The address is in none of the institution's domains.
    EmailOutsideDomains {
        email: String,
    },
    /// The address's domain is not (or no longer) validated with DigiCert.
    DomainNotValidated {
        email: String,
        domain: String,
    },
}

impl Unmet {
    /// The catalogue key of the message that says what is wrong and what to do.
    pub fn message_key(&self) -> &'static str {
        match self {
            Self::NotRegistered => "precondition.not_registered",
            Self::Suspended => "precondition.suspended",
            Self::NoDigicertOrganization => "precondition.no_digicert_org",
            Self::OrganizationNotValidated => "precondition.org_not_validated",
            Self::EmailOutsideDomains { .. } => "precondition.email_outside_domains",
            Self::DomainNotValidated { .. } => "precondition.domain_not_validated",
        }
    }

    /// The address or domain the message is about, if any.
    pub fn subject(&self) -> Option<&str> {
        match self {
            Self::EmailOutsideDomains { email } => Some(email),
            Self::DomainNotValidated { domain, .. } => Some(domain),
            _ => None,
        }
    }
}

/// The unmet conditions of the institution itself, whatever the addresses: its TCS
/// status, its DigiCert organization (`linked`) and that organization's validation.
pub fn for_institution(
    status: TcsStatus,
    linked: bool,
    validation: ValidationStatus,
    validated_until: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Vec<Unmet> {
    let mut unmet = Vec::new();
    match status {
        TcsStatus::Registered => {}
        TcsStatus::Applied => unmet.push(Unmet::NotRegistered),
        TcsStatus::Suspended => unmet.push(Unmet::Suspended),
    }
    if !linked {
        unmet.push(Unmet::NoDigicertOrganization);
    } else if !validation.is_current(validated_until, now) {
        unmet.push(Unmet::OrganizationNotValidated);
    }
    unmet
}

/// Every unmet condition for ordering a certificate for `emails`, in the order a
/// person would fix them. Empty when the order may go ahead.
pub fn evaluate(
    institution: &InstitutionDetail,
    domains: &[Domain],
    emails: &[EmailAddress],
    now: OffsetDateTime,
) -> Vec<Unmet> {
    let mut unmet = for_institution(
        institution.status,
        institution.digicert_org_id.is_some(),
        institution.org_validation_status,
        institution.org_validated_until,
        now,
    );
    for email in emails {
        // The most specific of our domains that covers the address decides.
        let covering = domains
            .iter()
            .filter(|domain| domain.name.covers(email.domain()))
            .max_by_key(|domain| domain.name.as_str().len());
        match covering {
            None => unmet.push(Unmet::EmailOutsideDomains {
                email: email.as_str().to_owned(),
            }),
            Some(domain)
                if !domain
                    .validation_status
                    .is_current(domain.validated_until, now) =>
            {
                unmet.push(Unmet::DomainNotValidated {
                    email: email.as_str().to_owned(),
                    domain: domain.name.to_unicode(),
                });
            }
            Some(_) => {}
        }
    }
    unmet
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{DomainId, DomainName, InstitutionId};
    use time::Duration;
    use uuid::Uuid;

    fn now() -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::days(20_000)
    }

    fn institution(
        status: TcsStatus,
        org: Option<i64>,
        validation: &str,
        until: Option<OffsetDateTime>,
    ) -> InstitutionDetail {
        InstitutionDetail {
            id: InstitutionId::from(Uuid::nil()),
            slug: "etf-bg".into(),
            name_sr: "ETF".into(),
            name_en: "ETF".into(),
            short_name: "ETF".into(),
            registration_number: "07032501".into(),
            status,
            tcs_registered_at: None,
            digicert_org_id: org,
            org_validation_status: stored(validation),
            org_validated_until: until,
            org_synced_at: None,
        }
    }

    fn ready() -> InstitutionDetail {
        institution(
            TcsStatus::Registered,
            Some(1),
            "validated",
            Some(now() + Duration::days(30)),
        )
    }

    fn domain(name: &str, status: &str, until: Option<OffsetDateTime>) -> Domain {
        Domain {
            id: DomainId::from(Uuid::nil()),
            name: DomainName::from_trusted(name.into()),
            validation_status: stored(status),
            validated_until: until,
            dcv_method: None,
            digicert_domain_id: None,
            dcv_token: None,
            dcv_token_expires_at: None,
            created_at: now(),
        }
    }

    /// The status stored as `text`.
    fn stored(text: &str) -> ValidationStatus {
        ValidationStatus::parse(text).unwrap_or_else(|| unreachable!("test statuses are stored"))
    }

    fn email(text: &str) -> EmailAddress {
        EmailAddress::parse(text).unwrap_or_else(|_| unreachable!("test addresses are valid"))
    }

    #[test]
    fn a_ready_institution_with_validated_domains_may_order_for_subdomains_too() {
        let domains = [domain(
            "etf.bg.ac.rs",
            "validated",
            Some(now() + Duration::days(1)),
        )];
        let emails = [email("ana@etf.bg.ac.rs"), email("pera@rti.etf.bg.ac.rs")];
        assert_eq!(evaluate(&ready(), &domains, &emails, now()), vec![]);
    }

    #[test]
    fn each_institution_condition_has_its_own_refusal() {
        let emails = [email("ana@etf.bg.ac.rs")];
        let domains = [domain(
            "etf.bg.ac.rs",
            "validated",
            Some(now() + Duration::days(1)),
        )];
        let cases = [
            (
                institution(
                    TcsStatus::Applied,
                    Some(1),
                    "validated",
                    Some(now() + Duration::days(1)),
                ),
                Unmet::NotRegistered,
            ),
            (
                institution(
                    TcsStatus::Suspended,
                    Some(1),
                    "validated",
                    Some(now() + Duration::days(1)),
                ),
                Unmet::Suspended,
            ),
            (
                institution(TcsStatus::Registered, None, "unknown", None),
                Unmet::NoDigicertOrganization,
            ),
            (
                institution(TcsStatus::Registered, Some(1), "pending", None),
                Unmet::OrganizationNotValidated,
            ),
            (
                institution(
                    TcsStatus::Registered,
                    Some(1),
                    "validated",
                    Some(now() - Duration::seconds(1)),
                ),
                Unmet::OrganizationNotValidated,
            ),
        ];
        for (institution, expected) in cases {
            assert_eq!(
                evaluate(&institution, &domains, &emails, now()),
                vec![expected]
            );
        }
    }

    #[test]
    fn addresses_outside_our_domains_or_in_unvalidated_ones_are_named() {
        let domains = [
            domain("etf.bg.ac.rs", "validated", Some(now() + Duration::days(1))),
            domain(
                "old.etf.bg.ac.rs",
                "expired",
                Some(now() - Duration::days(1)),
            ),
            domain("pmf.bg.ac.rs", "validated", Some(now() - Duration::days(1))),
        ];
        let emails = [
            email("a@gmail.com"),
            email("b@x.old.etf.bg.ac.rs"),
            email("c@pmf.bg.ac.rs"),
            email("d@xetf.bg.ac.rs"),
        ];
        assert_eq!(
            evaluate(&ready(), &domains, &emails, now()),
            vec![
                Unmet::EmailOutsideDomains {
                    email: "a@gmail.com".into()
                },
                Unmet::DomainNotValidated {
                    email: "b@x.old.etf.bg.ac.rs".into(),
                    domain: "old.etf.bg.ac.rs".into()
                },
                Unmet::DomainNotValidated {
                    email: "c@pmf.bg.ac.rs".into(),
                    domain: "pmf.bg.ac.rs".into()
                },
                Unmet::EmailOutsideDomains {
                    email: "d@xetf.bg.ac.rs".into()
                },
            ]
        );
    }
}
