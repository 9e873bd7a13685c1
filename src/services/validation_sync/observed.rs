//! What DigiCert's answers mean in the portal's validation states. Pure functions,
//! so every branch is tested without a server.
use digicert::types::{DcvMethod, Domain, Validation, ValidationStatus, ValidationType};
use time::OffsetDateTime;

/// A validation state and its end, as our cache stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observed {
    pub status: &'static str,
    pub until: Option<OffsetDateTime>,
}

impl Observed {
    const fn new(status: &'static str, until: Option<OffsetDateTime>) -> Self {
        Self { status, until }
    }
}

/// The organization's S/MIME validation: `validated` only while an active one
/// runs; `unknown` when DigiCert shows none (or a state we do not know).
pub fn organization(validations: &[Validation], now: OffsetDateTime) -> Observed {
    let smime: Vec<&Validation> = validations
        .iter()
        .filter(|validation| validation.kind == ValidationType::Smime)
        .collect();
    classify(&smime, None, now).unwrap_or(Observed::new("unknown", None))
}

/// A domain DigiCert lists: `validated` while an active validation (or the DCV)
/// runs, `expired` once it ran out, otherwise `pending` — DigiCert knows the
/// domain but it cannot be used yet.
pub fn domain(domain: &Domain, now: OffsetDateTime) -> Observed {
    if domain.is_active == Some(false) {
        // A deactivated domain cannot be used for orders whatever its validation.
        return Observed::new("none", None);
    }
    let validations: Vec<&Validation> = domain.validations.iter().collect();
    let dcv_until = dcv_expiry(domain);
    if let Some(observed) = classify(&validations, dcv_until, now) {
        return observed;
    }
    // The list view omits validations that are not active; the DCV expiry still
    // tells a lapsed domain from one never validated.
    match dcv_until {
        Some(until) if until <= now => Observed::new("expired", Some(until)),
        _ => Observed::new("pending", None),
    }
}

/// Our column's name for DigiCert's DCV method; `None` for one we do not store.
pub fn dcv_method(method: Option<&DcvMethod>) -> Option<&'static str> {
    match method? {
        DcvMethod::Email => Some("email"),
        DcvMethod::DnsTxtToken => Some("dns-txt-token"),
        DcvMethod::DnsCnameToken => Some("dns-cname-token"),
        DcvMethod::HttpToken => Some("http-token"),
        DcvMethod::Other(_) => None,
    }
}

/// The latest DCV expiry DigiCert gives for the domain.
fn dcv_expiry(domain: &Domain) -> Option<OffsetDateTime> {
    let per_type = domain
        .dcv_expiration
        .as_ref()
        .map(|expiration| [expiration.ov, expiration.ev]);
    per_type
        .into_iter()
        .flatten()
        .chain([domain.dcv_expiration_datetime])
        .flatten()
        .max()
}

/// The best of `validations`: one running now wins, then a lapsed one, then a
/// pending one. `fallback_until` stands in for an active validation's missing end.
fn classify(
    validations: &[&Validation],
    fallback_until: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Option<Observed> {
    let mut lapsed: Option<Option<OffsetDateTime>> = None;
    let mut running: Option<OffsetDateTime> = None;
    let mut pending = false;
    for validation in validations {
        let until = validation.validated_until.or(fallback_until);
        match &validation.status {
            Some(ValidationStatus::Active | ValidationStatus::Complete) => match until {
                Some(until) if until > now => running = running.max(Some(until)),
                Some(until) => lapsed = Some(lapsed.flatten().max(Some(until))),
                // Active with no end given: not proof enough to order against.
                None => pending = true,
            },
            Some(ValidationStatus::Expired) => lapsed = Some(lapsed.flatten().max(until)),
            Some(ValidationStatus::Pending) => pending = true,
            Some(ValidationStatus::Other(_)) | None => {}
        }
    }
    if let Some(until) = running {
        return Some(Observed::new("validated", Some(until)));
    }
    if let Some(until) = lapsed {
        return Some(Observed::new("expired", until));
    }
    pending.then_some(Observed::new("pending", None))
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::Duration;

    use super::*;

    fn now() -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::days(20_000)
    }

    fn iso(at: OffsetDateTime) -> String {
        at.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    }

    fn validation(kind: &str, status: &str, until: Option<OffsetDateTime>) -> serde_json::Value {
        match until {
            Some(until) => json!({"type": kind, "status": status, "validated_until": iso(until)}),
            None => json!({"type": kind, "status": status}),
        }
    }

    fn validations(list: serde_json::Value) -> Vec<Validation> {
        serde_json::from_value(list).unwrap_or_default()
    }

    fn domain_of(value: serde_json::Value) -> Domain {
        let mut base = json!({"id": 7, "name": "etf.ac.rs"});
        if let (Some(base), Some(extra)) = (base.as_object_mut(), value.as_object()) {
            base.extend(extra.clone());
        }
        serde_json::from_value(base).unwrap_or_else(|error| panic!("{error}"))
    }

    #[test]
    fn an_active_smime_validation_in_the_future_is_validated() {
        let until = now() + Duration::days(300);
        let list = validations(json!([
            validation("ov", "active", Some(now() + Duration::days(900))),
            validation("smime", "active", Some(until)),
        ]));
        assert_eq!(
            organization(&list, now()),
            Observed::new("validated", Some(until))
        );
    }

    #[test]
    fn an_active_smime_validation_that_ran_out_is_expired() {
        let until = now() - Duration::days(1);
        let list = validations(json!([validation("smime", "active", Some(until))]));
        assert_eq!(
            organization(&list, now()),
            Observed::new("expired", Some(until))
        );
    }

    #[test]
    fn organization_states_pending_expired_and_none() {
        let pending = validations(json!([validation("smime", "pending", None)]));
        assert_eq!(organization(&pending, now()).status, "pending");
        let expired = validations(json!([validation("smime", "expired", None)]));
        assert_eq!(organization(&expired, now()).status, "expired");
        let only_ov = validations(json!([validation("ov", "active", Some(now()))]));
        assert_eq!(organization(&only_ov, now()).status, "unknown");
        let strange = validations(json!([validation("smime", "on_hold", None)]));
        assert_eq!(organization(&strange, now()).status, "unknown");
    }

    #[test]
    fn a_listed_domain_with_an_active_validation_is_validated_until_its_end() {
        let until = now() + Duration::days(200);
        let listed = domain_of(json!({
            "validations": [validation("ov", "active", Some(until))],
            "dcv_method": "dns-txt-token",
        }));
        assert_eq!(
            domain(&listed, now()),
            Observed::new("validated", Some(until))
        );
        assert_eq!(
            dcv_method(listed.dcv_method.as_ref()),
            Some("dns-txt-token")
        );
    }

    #[test]
    fn a_domain_with_only_a_past_dcv_expiry_is_expired() {
        let listed = domain_of(json!({"dcv_expiration": {"ov": "2020-01-02"}}));
        let observed = domain(&listed, now());
        assert_eq!(observed.status, "expired");
        assert!(observed.until.is_some());
    }

    #[test]
    fn a_domain_without_validations_is_pending_and_a_deactivated_one_is_none() {
        assert_eq!(domain(&domain_of(json!({})), now()).status, "pending");
        let inactive = domain_of(json!({
            "is_active": false,
            "validations": [validation("ov", "active", Some(now() + Duration::days(9)))],
        }));
        assert_eq!(domain(&inactive, now()).status, "none");
    }
}
