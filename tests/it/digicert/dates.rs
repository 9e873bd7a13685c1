//! DigiCert's three date formats all read to the right instant.

use tcs_portal::digicert::dates;
use time::macros::datetime;

#[test]
fn iso_timestamp_with_offset_keeps_its_offset() {
    assert_eq!(
        dates::parse("2023-10-13T15:15:13+00:00").unwrap(),
        datetime!(2023-10-13 15:15:13 UTC)
    );
    assert_eq!(
        dates::parse("2025-01-10T09:00:00-07:00").unwrap(),
        datetime!(2025-01-10 16:00:00 UTC)
    );
}

#[test]
fn plain_date_is_the_start_of_that_day_in_utc() {
    assert_eq!(
        dates::parse("2021-05-21").unwrap(),
        datetime!(2021-05-21 00:00 UTC)
    );
}

#[test]
fn space_separated_time_without_zone_is_utc() {
    assert_eq!(
        dates::parse("2020-05-01 15:47:26").unwrap(),
        datetime!(2020-05-01 15:47:26 UTC)
    );
}

#[test]
fn garbage_date_is_an_error_naming_the_text() {
    let error = dates::parse("next tuesday").unwrap_err();
    assert!(error.to_string().contains("next tuesday"));
}

#[test]
fn range_filter_dates_are_utc_with_a_space() {
    assert_eq!(
        dates::format_filter(datetime!(2025-01-10 10:00:05 +01:00)),
        "2025-01-10 09:00:05"
    );
}
