//! Every recorded DigiCert response in `tests/fixtures/recorded/` parses into the client's
//! type for its endpoint, quirks included.

use digicert::{
    Account, CertificateChain, CertificateId, DcvMethod, Domain, DomainList, EmailValidation,
    Error, Order, OrderCreated, OrderId, OrderList, OrderStatus, OrganizationId, OrganizationList,
    OrganizationValidations, Product, ProductList, RequestList, RequestStatus, ServiceRequest,
    StatusChangeList, User, UserList, ValidationType, pem,
};
use serde_json::Value;
use testkit::recorded::{body_text, load};
use time::macros::datetime;

/// What one recorded response parsed into.
#[derive(Debug)]
#[expect(
    dead_code,
    reason = "endpoints with no public recording yet are parsed and only printed"
)]
enum Parsed {
    Account(Account),
    User(User),
    Users(UserList),
    Domain(Domain),
    Domains(DomainList),
    Order(Box<Order>),
    Orders(OrderList),
    OrderCreated(OrderCreated),
    StatusChanges(StatusChangeList),
    EmailValidation(EmailValidation),
    Products(ProductList),
    Product(Product),
    Organizations(OrganizationList),
    OrganizationValidations(OrganizationValidations),
    Requests(RequestList),
    Request(ServiceRequest),
    Chain(CertificateChain),
    Download(String),
    Error(Error),
}

fn typed<T: serde::de::DeserializeOwned>(body: &Value) -> Result<T, String> {
    serde_json::from_value(body.clone()).map_err(|e| e.to_string())
}

/// Picks the client's type by method and path, as the client itself would for that call.
fn parse(method: &str, path: &str, status: u16, body: &Value) -> Result<Parsed, String> {
    if status >= 400 {
        let bytes = body.to_string().into_bytes();
        return Ok(Parsed::Error(Error::from_response(status, None, &bytes)));
    }
    let relative = path
        .strip_prefix("/services/v2/")
        .ok_or_else(|| format!("path {path} is not under /services/v2/"))?;
    let segments: Vec<&str> = relative.split('/').collect();
    let parsed = match (method, segments.as_slice()) {
        ("GET", ["account"]) => Parsed::Account(typed(body)?),
        ("GET", ["user", "me"]) => Parsed::User(typed(body)?),
        ("GET", ["user"]) => Parsed::Users(typed(body)?),
        ("GET", ["domain"]) => Parsed::Domains(typed(body)?),
        ("GET", ["domain", _]) => Parsed::Domain(typed(body)?),
        ("GET", ["order", "certificate"]) => Parsed::Orders(typed(body)?),
        ("GET", ["order", "certificate", "status-changes"]) => Parsed::StatusChanges(typed(body)?),
        ("GET", ["order", "certificate", _]) => Parsed::Order(Box::new(typed(body)?)),
        ("GET", ["order", "certificate", _, "email-validation"]) => {
            Parsed::EmailValidation(typed(body)?)
        }
        ("POST", ["order", "certificate", _]) => Parsed::OrderCreated(typed(body)?),
        ("GET", ["product"]) => Parsed::Products(typed(body)?),
        ("GET", ["product", _]) => Parsed::Product(typed(body)?),
        ("GET", ["organization"]) => Parsed::Organizations(typed(body)?),
        ("GET", ["organization", _, "validation"]) => Parsed::OrganizationValidations(typed(body)?),
        ("GET", ["request"]) => Parsed::Requests(typed(body)?),
        ("GET", ["request", _]) => Parsed::Request(typed(body)?),
        ("GET", ["certificate", _, "chain"]) => Parsed::Chain(typed(body)?),
        ("GET", ["certificate", _, "download", "format", _])
        | ("GET", ["certificate", "download", "order", _, "format", _]) => {
            let text = body.as_str().ok_or("download body is not a string")?;
            Parsed::Download(text.to_owned())
        }
        _ => return Err(format!("no client type for {method} {path}")),
    };
    Ok(parsed)
}

fn parse_fixture(name: &str) -> Parsed {
    let wrapper = load(name);
    let method = wrapper["request"]["method"]
        .as_str()
        .expect("request.method");
    let path = wrapper["request"]["path"].as_str().expect("request.path");
    let status = wrapper["response"]["status"]
        .as_u64()
        .expect("response.status");
    let status = u16::try_from(status).expect("HTTP status fits u16");
    parse(method, path, status, &wrapper["response"]["body"])
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

#[test]
fn every_recorded_response_parses_into_its_type() {
    let dir = testkit::recorded::dir();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "the recorded DigiCert fixtures must be at {}: {e}",
            dir.display()
        )
    });
    let mut names: Vec<String> = entries
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(
        names.len() >= 16,
        "expected the recorded fixtures, found {names:?}"
    );
    let mut parsed = 0;
    for name in &names {
        if let Some(stem) = name.strip_suffix(".pem") {
            // A raw download body; its wrapper `<stem>.json` must carry the same text.
            let raw = std::fs::read_to_string(dir.join(name)).unwrap();
            assert_eq!(
                raw,
                body_text(&format!("{stem}.json")),
                "{name} vs its wrapper"
            );
            assert!(
                !pem::certificate_blocks(&raw).is_empty(),
                "{name} has no certificate"
            );
        } else if name.ends_with(".json") {
            check(name, parse_fixture(name));
            parsed += 1;
        } else if name != "README.md" {
            panic!("unexpected file {name} in {}", dir.display());
        }
    }
    assert_eq!(
        parsed,
        names.iter().filter(|n| n.ends_with(".json")).count()
    );
}

/// Per-fixture expectations: the quirk each recording shows must come out right.
fn check(name: &str, parsed: Parsed) {
    match (name, parsed) {
        ("get_account_403.json", Parsed::Error(error)) => {
            assert!(matches!(error, Error::InvalidApiKey), "{error:?}");
        }
        ("get_account_200.json", Parsed::Account(account)) => {
            assert_eq!(account.id, 1_696_530);
            assert_eq!(
                account.primary_organization_id,
                Some(OrganizationId(1_850_242))
            );
            assert_eq!(account.ent_support_plan, Some(true), "\"1\" is a flag");
            assert_eq!(account.primary_organization_country.as_deref(), Some("ar"));
        }
        ("get_account_200_2020.json", Parsed::Account(account)) => {
            assert_eq!(account.id, 1_449_471);
            assert_eq!(account.primary_organization_id, None);
            assert_eq!(account.ent_support_plan, None);
        }
        ("get_domain_200.json", Parsed::Domains(list)) => {
            let domain = &list.domains[0];
            assert_eq!(domain.name, "marko-example.com");
            assert_eq!(domain.is_active, Some(true));
            let org = domain.organization.as_ref().unwrap();
            assert_eq!(org.is_active, Some(true), "nested \"1\" is a flag");
            assert_eq!(domain.dcv_method, Some(DcvMethod::DnsTxtToken));
            let expiry = domain.dcv_expiration.as_ref().unwrap();
            let ov = domain
                .validations
                .iter()
                .find(|v| v.kind == ValidationType::Ov)
                .unwrap();
            assert_eq!(ov.validated_until, Some(datetime!(2022-07-30 06:00 UTC)));
            // The date-only DCV expiry is midnight Mountain Time: the same instant.
            assert_eq!(expiry.ov, ov.validated_until);
            assert_eq!(expiry.ev, Some(datetime!(2021-05-21 06:00 UTC)));
            assert_eq!(list.page.unwrap().total, 1);
        }
        ("get_domain_200_dcv-email.json", Parsed::Domains(list)) => {
            let domain = &list.domains[0];
            assert_eq!(domain.dcv_method, Some(DcvMethod::Email));
            let expiry = domain.dcv_expiration.as_ref().unwrap();
            for validation in &domain.validations {
                let date_only = match validation.kind {
                    ValidationType::Ov => expiry.ov,
                    ValidationType::Ev => expiry.ev,
                    _ => continue,
                };
                assert_eq!(
                    date_only, validation.validated_until,
                    "{:?}",
                    validation.kind
                );
            }
        }
        ("get_order-certificate_200_empty.json", Parsed::Orders(list)) => {
            assert!(
                list.orders.is_empty(),
                "missing `orders` key is an empty list"
            );
            assert_eq!(list.page.unwrap().limit, 1000);
        }
        ("get_order-certificate_200_empty_offset0-limit1.json", Parsed::Orders(list)) => {
            assert!(list.orders.is_empty());
            assert_eq!(list.page.unwrap().limit, 1);
        }
        ("get_order-certificate_200_list.json", Parsed::Orders(list)) => check_order_list(&list),
        ("get_user_200_2020.json", Parsed::Users(list)) => {
            let user = &list.users[0];
            assert_eq!(
                user.last_login_date,
                Some(datetime!(2020-05-01 15:47:26 UTC)),
                "space-separated date without zone is UTC"
            );
            assert_eq!(user.access_roles[0].name.as_deref(), Some("Administrator"));
        }
        ("get_user_200.json", Parsed::Users(list)) => {
            assert_eq!(list.users.len(), 3);
            assert_eq!(
                list.users[0].last_login_date,
                Some(datetime!(2023-10-13 15:15:13 UTC))
            );
            assert_eq!(list.users[1].last_login_date, None, "absent for this user");
            assert_eq!(list.page.unwrap().total, 3);
        }
        (
            "get_user_200_offset0-limit1.json"
            | "get_user_200_offset1-limit1.json"
            | "get_user_200_offset2-limit1.json",
            Parsed::Users(list),
        ) => {
            let page = list.page.unwrap();
            assert_eq!((page.total, page.limit), (3, 1));
            assert_eq!(list.users.len(), 1);
        }
        ("post_order-certificate-ssl_plus_201.json", Parsed::OrderCreated(created)) => {
            check_immediate_issuance(&created);
        }
        ("get_certificate-download-format-pem_all_200.json", Parsed::Download(text)) => {
            let blocks = pem::certificate_blocks(&text);
            assert_eq!(blocks.len(), 3, "leaf, intermediate, root");
        }
        (name, parsed) => {
            // A fixture added later still has to parse; its specific checks come with it.
            assert!(
                !matches!(parsed, Parsed::Error(Error::MalformedResponse { .. })),
                "{name}: {parsed:?}"
            );
        }
    }
}

fn check_order_list(list: &OrderList) {
    assert_eq!(list.orders.len(), 9);
    assert_eq!(list.page.unwrap().total, 9);
    assert!(
        list.orders.iter().all(|o| o.is_multi_year_plan),
        "\"1\" is true"
    );
    let rejected = list
        .orders
        .iter()
        .find(|o| o.status == OrderStatus::Rejected)
        .unwrap();
    assert_eq!(rejected.id, OrderId(2222));
    assert_eq!(rejected.order_valid_till, None);
    let cert = rejected.certificate.as_ref().unwrap();
    assert_eq!(
        cert.id,
        Some(CertificateId(15_164_434_343)),
        "id above 2^32"
    );
    assert!(cert.id.unwrap().0 > u64::from(u32::MAX));
    assert_eq!(cert.serial_number, None);
    assert_eq!(cert.valid_till, None);

    let first = &list.orders[0];
    assert_eq!(first.status, OrderStatus::Expired);
    let cert = first.certificate.as_ref().unwrap();
    assert_eq!(
        cert.serial_number.as_deref(),
        Some("7S5RIKI62FJDKVTGD2YK0MKBCKDF9"),
        "serials are kept as sent, not validated as hex"
    );
    assert_eq!(cert.valid_till, Some(datetime!(2024-06-15 00:00 UTC)));
    assert_eq!(first.date_created, Some(datetime!(2021-06-08 14:59:13 UTC)));
    assert_eq!(first.container.as_ref().unwrap().is_active, Some(false));

    let custom = list
        .orders
        .iter()
        .find(|o| o.id == OrderId(172_366))
        .unwrap();
    let validity = custom
        .certificate
        .as_ref()
        .and_then(|c| c.cert_validity.as_ref())
        .unwrap();
    assert_eq!(
        validity.custom_expiration_date,
        Some(datetime!(2024-10-18 00:00 UTC))
    );
}

fn check_immediate_issuance(created: &OrderCreated) {
    assert_eq!(created.id, OrderId(123_456_789));
    assert_eq!(created.requests[0].status, Some(RequestStatus::Approved));
    assert_eq!(created.certificate_id, Some(CertificateId(456_789_123)));
    assert_eq!(created.certificate_chain.len(), 3);
    let leaf = &created.certificate_chain[0];
    assert_eq!(
        leaf.subject_common_name.as_deref(),
        Some("*.ribosetest.com")
    );
    assert!(leaf.pem.contains("\r\n"), "JSON PEMs use CRLF");
    assert!(leaf.pem.contains("FkS/DoUmb"), "`\\/` unescapes to `/`");
    let blocks = pem::certificate_blocks(&leaf.pem);
    assert_eq!(blocks.len(), 1);
    assert!(!blocks[0].contains('\r'));
    // The same intermediate appears with CRLF here and LF in the pem_all download.
    let intermediate = pem::certificate_blocks(&created.certificate_chain[1].pem);
    let download = pem::certificate_blocks(&body_text(
        "get_certificate-download-format-pem_all_200.json",
    ));
    assert_eq!(intermediate[0], download[1]);
}
