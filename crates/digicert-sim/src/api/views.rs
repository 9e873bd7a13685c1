//! JSON shapes of CertCentral objects, field for field as digicert-api.md and the recorded
//! responses show them, quirks included (empty lists left out, `is_active: "1"` in nested
//! organizations, date-only `valid_*`).

use serde_json::{Map, Value, json};
use time::{Date, OffsetDateTime, UtcOffset};

use crate::ca::{CertificateAuthority, INTERMEDIATE_CN, ROOT_CN};
use crate::lifecycle;
use crate::products;
use crate::state::{Account, Domain, Order, Organization, Request, Validation};

/// CertCentral names its issuing CAs by a hex string id (`ca_cert.id`, quirk 7 of
/// digicert-api.md §7); the sandbox has a single issuing CA.
const CA_CERT_ID: &str = "5A1B0C5A9D3E7F11";

/// `2025-01-10T09:00:00+00:00`
pub fn iso(dt: OffsetDateTime) -> String {
    let dt = dt.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// `2025-01-10`
pub fn ymd(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Adds `key: list` only when the list is not empty, as CertCentral does.
pub fn insert_list(map: &mut Map<String, Value>, key: &str, list: Vec<Value>) {
    if !list.is_empty() {
        map.insert(key.to_string(), Value::Array(list));
    }
}

pub fn page(total: usize, limit: usize, offset: usize) -> Value {
    json!({"total": total, "limit": limit, "offset": offset})
}

/// A list response: `{"<key>": [...], "page": {...}}` with the key left out when empty.
pub fn list_response(key: &str, items: Vec<Value>, limit: usize, offset: usize) -> Value {
    let total = items.len();
    let page_items: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    let mut map = Map::new();
    insert_list(&mut map, key, page_items);
    map.insert("page".into(), page(total, limit, offset));
    Value::Object(map)
}

fn smime_validation_json(v: &Validation, now: OffsetDateTime) -> Value {
    let mut map = Map::new();
    map.insert("type".into(), json!("smime"));
    map.insert("name".into(), json!("SMIME"));
    map.insert("description".into(), json!("SMIME Organization Validation"));
    map.insert("date_created".into(), json!(iso(v.date_created)));
    if let Some(until) = v.validated_until() {
        map.insert("validated_until".into(), json!(iso(until)));
    }
    map.insert("status".into(), json!(v.status(now)));
    Value::Object(map)
}

pub fn organization_validations(org: &Organization, now: OffsetDateTime) -> Vec<Value> {
    org.smime
        .iter()
        .map(|v| smime_validation_json(v, now))
        .collect()
}

pub fn organization_json(
    account: &Account,
    org: &Organization,
    now: OffsetDateTime,
    with_validations: bool,
) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), json!(org.id));
    map.insert("status".into(), json!("active"));
    map.insert("name".into(), json!(org.name));
    if let Some(assumed) = &org.assumed_name {
        map.insert("assumed_name".into(), json!(assumed));
    }
    map.insert("display_name".into(), json!(org.display_name()));
    map.insert("is_active".into(), json!(true));
    map.insert("address".into(), json!(org.address));
    map.insert("zip".into(), json!(org.zip));
    map.insert("city".into(), json!(org.city));
    map.insert("state".into(), json!(org.state));
    map.insert("country".into(), json!(org.country));
    map.insert("telephone".into(), json!(org.telephone));
    if let Some(number) = &org.registration_number {
        map.insert("registration_number".into(), json!(number));
    }
    map.insert(
        "container".into(),
        json!({"id": account.container.id, "parent_id": 0, "name": account.container.name, "is_active": true}),
    );
    map.insert(
        "organization_contact".into(),
        json!({
            "id": account.user.id, "first_name": account.user.first_name,
            "last_name": account.user.last_name, "email": account.user.email,
            "job_title": "PKI officer", "telephone": org.telephone, "telephone_extension": ""
        }),
    );
    if with_validations {
        insert_list(&mut map, "validations", organization_validations(org, now));
    }
    Value::Object(map)
}

fn domain_validation_json(
    domain: &Domain,
    kind: &str,
    now: OffsetDateTime,
    with_dcv_status: bool,
) -> Value {
    let (name, description) = match kind {
        "ev" => ("EV", "Extended Organization Validation (EV)"),
        "smime" => ("SMIME", "SMIME Organization Validation"),
        _ => ("OV", "Normal Organization Validation"),
    };
    let v = &domain.validation;
    let mut map = Map::new();
    map.insert("type".into(), json!(kind));
    map.insert("name".into(), json!(name));
    map.insert("description".into(), json!(description));
    map.insert("date_created".into(), json!(iso(v.date_created)));
    if let Some(until) = v.validated_until() {
        map.insert("validated_until".into(), json!(iso(until)));
    }
    map.insert("status".into(), json!(v.status(now)));
    if with_dcv_status {
        let dcv = if v.validated_until().is_some() {
            "complete"
        } else {
            "pending"
        };
        map.insert("dcv_status".into(), json!(dcv));
    }
    Value::Object(map)
}

/// A domain as `GET /domain` lists it; `detail` adds what `GET /domain/{id}` shows.
pub fn domain_json(
    account: &Account,
    domain: &Domain,
    now: OffsetDateTime,
    detail: bool,
    include_dcv: bool,
    include_validation: bool,
) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), json!(domain.id));
    map.insert("is_active".into(), json!(domain.is_active));
    map.insert("name".into(), json!(domain.name));
    map.insert("date_created".into(), json!(iso(domain.date_created)));
    if let Some(org) = account.organization(domain.organization_id) {
        // Nested `is_active` is the string "1" in real responses (recorded get_domain_200.json).
        map.insert(
            "organization".into(),
            json!({"id": org.id, "status": "active", "name": org.name, "display_name": org.display_name(), "is_active": "1"}),
        );
    }
    let validations: Vec<Value> = domain
        .validation_types
        .iter()
        .filter(|_| (detail && include_validation) || domain.validation.is_active(now))
        .map(|t| domain_validation_json(domain, t, now, detail))
        .collect();
    insert_list(&mut map, "validations", validations);
    map.insert("dcv_method".into(), json!(domain.dcv_method));
    if let Some(until) = domain.validation.validated_until() {
        let mut expiration = Map::new();
        for kind in &domain.validation_types {
            expiration.insert(kind.clone(), json!(ymd(until.date())));
        }
        map.insert("dcv_expiration".into(), Value::Object(expiration));
    }
    map.insert(
        "container".into(),
        json!({"id": account.container.id, "name": account.container.name}),
    );
    if detail {
        map.insert(
            "status".into(),
            json!(if domain.is_active {
                "active"
            } else {
                "inactive"
            }),
        );
        map.insert(
            "is_pending_validation".into(),
            json!(domain.validation.validated_until().is_none()),
        );
        if include_dcv && let Some(token) = &domain.dcv_token {
            let status = if domain.validation.is_active(now) {
                "active"
            } else {
                "pending"
            };
            map.insert(
                "dcv_token".into(),
                json!({"token": token.token, "status": status, "expiration_date": iso(token.expiration_date)}),
            );
        }
    }
    Value::Object(map)
}

fn product_json(order: &Order) -> Value {
    let name = products::find(&order.product).map_or(order.product.as_str(), |p| p.name);
    json!({"name_id": order.product, "name": name, "type": "client_certificate"})
}

fn product_json_detail(order: &Order) -> Value {
    let mut value = product_json(order);
    if let Value::Object(map) = &mut value {
        map.insert("validation_type".into(), json!("smime"));
        map.insert("validation_name".into(), json!("SMIME"));
        map.insert(
            "validation_description".into(),
            json!("SMIME Organization Validation"),
        );
    }
    value
}

fn order_validity_json(order: &Order) -> Value {
    if let Some(days) = order.validity_days {
        json!({"days": days})
    } else if let Some(date) = order.custom_expiration_date {
        json!({"custom_expiration_date": ymd(date)})
    } else {
        json!({"years": order.validity_years.unwrap_or(1)})
    }
}

/// The `certificate` object of an order; issued-only fields appear once issued.
fn order_certificate_json(
    account: &Account,
    order: &Order,
    now: OffsetDateTime,
    detail: bool,
) -> Value {
    let mut map = Map::new();
    let cert = order.certificate_id.and_then(|id| account.certificate(id));
    if let Some(id) = order.certificate_id {
        map.insert("id".into(), json!(id));
    }
    if let Some(cert) = cert {
        if detail {
            map.insert("thumbprint".into(), json!(cert.thumbprint));
        }
        map.insert("serial_number".into(), json!(cert.serial_hex));
    }
    map.insert("common_name".into(), json!(order.common_name));
    map.insert(
        "emails".into(),
        json!(
            order
                .emails
                .iter()
                .map(|e| e.email.clone())
                .collect::<Vec<_>>()
        ),
    );
    if detail {
        map.insert("date_created".into(), json!(iso(order.date_created)));
    }
    if let Some(cert) = cert {
        if detail {
            map.insert("date_issued".into(), json!(iso(cert.not_before)));
        }
        map.insert("valid_from".into(), json!(ymd(cert.not_before.date())));
        map.insert("valid_till".into(), json!(ymd(cert.not_after.date())));
        map.insert(
            "days_remaining".into(),
            json!((cert.not_after - now).whole_days().max(0)),
        );
    }
    let cert_validity = match order.cert_validity_days {
        Some(days) => json!({ "days": days }),
        None => order_validity_json(order),
    };
    map.insert("cert_validity".into(), cert_validity);
    map.insert("signature_hash".into(), json!(order.signature_hash));
    if detail {
        if let Some(csr) = &order.csr {
            map.insert("csr".into(), json!(csr));
        }
        if let Some(org_id) = order.organization_id {
            map.insert("organization".into(), json!({"id": org_id}));
        }
        insert_list(
            &mut map,
            "organization_units",
            order.organization_units.iter().map(|u| json!(u)).collect(),
        );
        if let Some(size) = order.key_size {
            map.insert("key_size".into(), json!(size));
        }
        if cert.is_some() {
            map.insert(
                "ca_cert".into(),
                json!({"id": CA_CERT_ID, "name": INTERMEDIATE_CN}),
            );
        }
        map.insert(
            "profile_type".into(),
            json!(match order.profile {
                crate::state::Profile::Strict => "strict",
                crate::state::Profile::Multipurpose => "multipurpose",
            }),
        );
    }
    Value::Object(map)
}

fn organization_ref(account: &Account, order: &Order, detail: bool) -> Option<Value> {
    let org = order
        .organization_id
        .and_then(|id| account.organization(id))?;
    Some(if detail {
        json!({
            "id": org.id, "name": org.name, "display_name": org.display_name(), "is_active": true,
            "city": org.city, "state": org.state, "country": org.country
        })
    } else {
        json!({"id": org.id, "name": org.name})
    })
}

fn valid_till(account: &Account, order: &Order) -> Option<String> {
    let cert = order
        .certificate_id
        .and_then(|id| account.certificate(id))?;
    Some(ymd(cert.not_after.date()))
}

/// An order as `GET /order/certificate` lists it (the recorded list's keys).
pub fn order_list_item(account: &Account, order: &Order, now: OffsetDateTime) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), json!(order.id));
    map.insert(
        "certificate".into(),
        order_certificate_json(account, order, now, false),
    );
    map.insert(
        "status".into(),
        json!(lifecycle::effective_status(account, order, now)),
    );
    map.insert("is_renewed".into(), json!(false));
    map.insert("date_created".into(), json!(iso(order.date_created)));
    if let Some(org) = organization_ref(account, order, false) {
        map.insert("organization".into(), org);
    }
    map.insert(
        "validity_years".into(),
        json!(order.validity_years.unwrap_or(1)),
    );
    map.insert("order_validity".into(), order_validity_json(order));
    if let Some(till) = valid_till(account, order) {
        map.insert("order_valid_till".into(), json!(till));
    }
    map.insert(
        "disable_renewal_notifications".into(),
        json!(order.disable_renewal_notifications),
    );
    map.insert(
        "container".into(),
        json!({"id": account.container.id, "name": account.container.name, "is_active": true}),
    );
    map.insert("product".into(), product_json(order));
    map.insert("duplicates_count".into(), json!(0));
    map.insert("has_duplicates".into(), json!(false));
    map.insert("reissues_count".into(), json!(0));
    map.insert("has_reissues".into(), json!(false));
    map.insert("price".into(), json!(0));
    map.insert("product_name_id".into(), json!(order.product));
    map.insert("number_of_sans".into(), json!(order.emails.len()));
    Value::Object(map)
}

/// The 201 of placing (or reissuing) an order: `{"id", "requests":[{"id","status"}]}` plus `certificate_id` and `certificate_chain` when
/// the certificate was issued at once (the recorded 201's shape); `with_certificate` is false
/// when the order's certificate is not new (a reissue still awaiting approval).
pub fn order_created(
    account: &Account,
    order: &Order,
    request_ids: &[u64],
    ca: &CertificateAuthority,
    with_certificate: bool,
) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), json!(order.id));
    let requests: Vec<Value> = request_ids
        .iter()
        .filter_map(|id| account.request(*id))
        .map(|r| json!({"id": r.id, "status": r.status.as_str()}))
        .collect();
    map.insert("requests".into(), Value::Array(requests));
    let issued = order.certificate_id.and_then(|id| account.certificate(id));
    if let Some(cert) = issued.filter(|_| with_certificate) {
        map.insert("certificate_id".into(), json!(cert.id));
        // Inside JSON, DigiCert's PEMs use CRLF line endings (recorded fixture).
        let crlf = |pem: &str| pem.replace('\n', "\r\n");
        map.insert(
            "certificate_chain".into(),
            json!([
                {"subject_common_name": order.common_name, "pem": crlf(&cert.pem)},
                {"subject_common_name": INTERMEDIATE_CN, "pem": crlf(&ca.intermediate_pem())},
                {"subject_common_name": ROOT_CN, "pem": crlf(&ca.root_pem())}
            ]),
        );
    }
    Value::Object(map)
}

/// `GET /order/certificate/{id}`.
pub fn order_info(account: &Account, order: &Order, now: OffsetDateTime) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), json!(order.id));
    map.insert(
        "certificate".into(),
        order_certificate_json(account, order, now, true),
    );
    map.insert(
        "status".into(),
        json!(lifecycle::effective_status(account, order, now)),
    );
    map.insert("is_renewal".into(), json!(false));
    map.insert("is_renewed".into(), json!(false));
    map.insert("renewed_order_id".into(), json!(0));
    map.insert("date_created".into(), json!(iso(order.date_created)));
    map.insert("order_validity".into(), order_validity_json(order));
    if let Some(till) = valid_till(account, order) {
        map.insert("order_valid_till".into(), json!(till));
    }
    map.insert(
        "validity_years".into(),
        json!(order.validity_years.unwrap_or(1)),
    );
    if let Some(org) = organization_ref(account, order, true) {
        map.insert("organization".into(), org);
    }
    map.insert(
        "container".into(),
        json!({"id": account.container.id, "name": account.container.name}),
    );
    map.insert("product".into(), product_json_detail(order));
    // The account's only user stands in for the organization and technical contacts.
    let contact = json!({
        "first_name": account.user.first_name, "last_name": account.user.last_name,
        "email": account.user.email, "telephone": "+381 11 0000000"
    });
    map.insert("organization_contact".into(), contact.clone());
    map.insert("technical_contact".into(), contact);
    map.insert("user".into(), user_ref(account));
    let requests: Vec<Value> = order
        .request_ids
        .iter()
        .filter_map(|id| account.request(*id))
        .map(|r| {
            json!({"id": r.id, "date": iso(r.date), "type": r.kind.as_str(), "status": r.status.as_str(), "comments": r.comments})
        })
        .collect();
    insert_list(&mut map, "requests", requests);
    map.insert("payment_method".into(), json!(order.payment_method));
    map.insert(
        "disable_renewal_notifications".into(),
        json!(order.disable_renewal_notifications),
    );
    // Order info shows `custom_fields` even when empty (digicert-api.md §4.5).
    map.insert(
        "custom_fields".into(),
        Value::Array(order.custom_fields.clone()),
    );
    if let Some(comments) = &order.comments {
        map.insert("comments".into(), json!(comments));
    }
    Value::Object(map)
}

fn user_ref(account: &Account) -> Value {
    json!({
        "id": account.user.id, "first_name": account.user.first_name,
        "last_name": account.user.last_name, "email": account.user.email
    })
}

/// A request as listed; `detail` adds the processing fields of `GET /request/{id}`.
pub fn request_json(account: &Account, request: &Request, detail: bool) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), json!(request.id));
    map.insert("date".into(), json!(iso(request.date)));
    map.insert("type".into(), json!(request.kind.as_str()));
    map.insert("status".into(), json!(request.status.as_str()));
    map.insert("requester".into(), user_ref(account));
    if let Some(order) = account.order(request.order_id) {
        let mut order_map = Map::new();
        order_map.insert("id".into(), json!(order.id));
        order_map.insert(
            "certificate".into(),
            json!({"common_name": order.common_name}),
        );
        if let Some(org) = organization_ref(account, order, false) {
            order_map.insert("organization".into(), org);
        }
        order_map.insert(
            "container".into(),
            json!({"id": account.container.id, "name": account.container.name}),
        );
        order_map.insert("product".into(), product_json(order));
        map.insert("order".into(), Value::Object(order_map));
    }
    if detail {
        map.insert("comments".into(), json!(request.comments));
        if let Some(processed) = request.date_processed {
            map.insert("date_processed".into(), json!(iso(processed)));
            map.insert("processor".into(), user_ref(account));
        }
        if let Some(comment) = &request.processor_comment {
            map.insert("processor_comment".into(), json!(comment));
        }
    }
    Value::Object(map)
}

/// The 201 body of a revoke without `skip_approval`.
pub fn revoke_request_created(account: &Account, request: &Request) -> Value {
    json!({
        "id": request.id, "date": iso(request.date), "type": "revoke", "status": request.status.as_str(),
        "requester": user_ref(account), "comments": request.comments
    })
}
