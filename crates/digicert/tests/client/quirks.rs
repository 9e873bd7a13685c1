//! DigiCert's loose JSON beyond the recordings: documented shapes other clients met.

use digicert::{Order, OrderId, OrganizationId, StatusChangeList};
use serde_json::json;

fn order(value: serde_json::Value) -> Order {
    serde_json::from_value(value).unwrap()
}

#[test]
fn ids_sent_as_digit_strings_are_read_as_numbers() {
    let parsed = order(json!({"id": "112211", "status": "pending",
        "organization": {"id": "90001", "name": "Example University"}}));
    assert_eq!(parsed.id, OrderId(112_211));
    assert_eq!(parsed.organization.unwrap().id, OrganizationId(90_001));
}

#[test]
fn flags_read_from_every_spelling_digicert_uses() {
    for (sent, expected) in [
        (json!("1"), true),
        (json!("0"), false),
        (json!(1), true),
        (json!(0), false),
        (json!(true), true),
        (json!("false"), false),
    ] {
        let parsed = order(
            json!({"id": 1, "status": "issued", "is_multi_year_plan": sent,
            "is_renewed": sent}),
        );
        assert_eq!(parsed.is_multi_year_plan, expected, "{sent}");
        assert_eq!(parsed.is_renewed, Some(expected), "{sent}");
    }
}

#[test]
fn empty_arrays_and_nulls_stand_in_for_objects_and_lists() {
    let parsed = order(json!({"id": 1, "status": "pending", "organization": [],
        "certificate": [], "container": null, "requests": null, "custom_fields": null,
        "is_renewed": null, "order_valid_till": "", "brand_new_field": {"x": 1}}));
    assert_eq!(parsed.organization, None);
    assert_eq!(parsed.certificate, None);
    assert_eq!(parsed.container, None);
    assert!(parsed.requests.is_empty());
    assert!(parsed.custom_fields.is_empty());
    assert_eq!(parsed.is_renewed, None);
    assert_eq!(parsed.order_valid_till, None);
}

#[test]
fn a_non_empty_array_where_an_object_belongs_is_still_an_error() {
    let result = serde_json::from_value::<Order>(
        json!({"id": 1, "status": "pending", "organization": [{"id": 2}]}),
    );
    assert!(result.is_err());
}

#[test]
fn status_changes_accept_id_or_order_id_and_no_orders_key() {
    let list: StatusChangeList =
        serde_json::from_value(json!({"orders": [{"id": 5, "status": "rejected"}]})).unwrap();
    assert_eq!(list.orders[0].order_id, OrderId(5));
    let empty: StatusChangeList = serde_json::from_value(json!({})).unwrap();
    assert!(empty.orders.is_empty());
}
