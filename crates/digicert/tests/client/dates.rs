//! DigiCert's three date formats all read to the right instant.

use digicert::dates;
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

#[test]
fn dcv_expiry_date_is_midnight_mountain_time_across_daylight_saving() {
    let summer = dates::parse_mountain("2022-07-30").unwrap();
    assert_eq!(summer, datetime!(2022-07-30 06:00 UTC), "MDT");
    let winter = dates::parse_mountain("2025-01-15").unwrap();
    assert_eq!(winter, datetime!(2025-01-15 07:00 UTC), "MST");
    // 2025: DST from Sunday 9 March 02:00 to Sunday 2 November 02:00.
    assert_eq!(
        dates::parse_mountain("2025-03-09").unwrap(),
        datetime!(2025-03-09 07:00 UTC)
    );
    assert_eq!(
        dates::parse_mountain("2025-03-10").unwrap(),
        datetime!(2025-03-10 06:00 UTC)
    );
    assert_eq!(
        dates::parse_mountain("2025-11-02").unwrap(),
        datetime!(2025-11-02 06:00 UTC)
    );
    assert_eq!(
        dates::parse_mountain("2025-11-03").unwrap(),
        datetime!(2025-11-03 07:00 UTC)
    );
}

#[test]
fn dcv_expiry_with_time_keeps_its_own_offset() {
    assert_eq!(
        dates::parse_mountain("2025-03-05T06:00:00+00:00").unwrap(),
        datetime!(2025-03-05 06:00 UTC)
    );
}
