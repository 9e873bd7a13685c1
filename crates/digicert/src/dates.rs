//! DigiCert's three date formats, read into one instant type.
//!
//! The API mixes ISO-8601 with an offset (`2023-10-13T15:15:13+00:00`), plain dates
//! (`2024-06-15` for `valid_till`, `dcv_expiration.*`, `date_emailed`) and, in older
//! responses, a space-separated time without a zone (`2020-05-01 15:47:26`). The last two
//! carry no zone; DigiCert's zoned timestamps are all UTC, so both are read as UTC and a
//! plain date becomes the start of that day.
//!
//! The exception is `dcv_expiration.*`, which DigiCert documents as a date in US Mountain
//! Time: the recordings show `"ov": "2022-07-30"` next to `validated_until:
//! "2022-07-30T06:00:00+00:00"`, i.e. midnight MDT. [`mountain_option`] reads those.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, UtcOffset, Weekday};

/// A date string that matches none of DigiCert's formats.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unrecognised DigiCert date {0:?}")]
pub struct DateError(String);

/// Parses any of the three formats DigiCert sends; a plain date is midnight UTC.
pub fn parse(text: &str) -> Result<OffsetDateTime, DateError> {
    parse_with_day_start(text, |_| UtcOffset::UTC)
}

/// Like [`parse`], but a plain date is midnight US Mountain Time (MST or MDT).
pub fn parse_mountain(text: &str) -> Result<OffsetDateTime, DateError> {
    parse_with_day_start(text, mountain_offset)
}

/// The US Mountain Time offset at midnight of `date`: MDT (−6) after the second Sunday of
/// March up to and including the first Sunday of November (the switches happen at 02:00,
/// after midnight), MST (−7) otherwise. US rules since 2007.
fn mountain_offset(date: Date) -> UtcOffset {
    let mst = UtcOffset::from_hms(-7, 0, 0).unwrap_or(UtcOffset::UTC);
    let mdt = UtcOffset::from_hms(-6, 0, 0).unwrap_or(UtcOffset::UTC);
    let first_sunday = |month: Month| {
        Date::from_calendar_date(date.year(), month, 1).map(|first| {
            if first.weekday() == Weekday::Sunday {
                first
            } else {
                first.next_occurrence(Weekday::Sunday)
            }
        })
    };
    match (first_sunday(Month::March), first_sunday(Month::November)) {
        (Ok(march), Ok(november)) if date > march + Duration::weeks(1) && date <= november => mdt,
        _ => mst,
    }
}

fn parse_with_day_start(
    text: &str,
    day_start: impl Fn(Date) -> UtcOffset,
) -> Result<OffsetDateTime, DateError> {
    let text = text.trim();
    if let Ok(instant) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(instant);
    }
    // Some documented examples write the zone without a colon or the time with a space.
    let with_offset = format_description!(
        "[year]-[month]-[day][first [T][ ]][hour]:[minute]:[second][optional [.[subsecond]]][offset_hour sign:mandatory][optional [:]][offset_minute]"
    );
    if let Ok(instant) = OffsetDateTime::parse(text, with_offset) {
        return Ok(instant);
    }
    let zoneless = format_description!(
        "[year]-[month]-[day][first [T][ ]][hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    if let Ok(local) = PrimitiveDateTime::parse(text, zoneless) {
        return Ok(local.assume_utc());
    }
    let date_only = format_description!("[year]-[month]-[day]");
    if let Ok(date) = Date::parse(text, date_only) {
        return Ok(date.midnight().assume_offset(day_start(date)));
    }
    Err(DateError(text.to_owned()))
}

/// Formats an instant as `YYYY-MM-DD HH:MM:SS` in UTC, the form DigiCert's date-range
/// filters (`filters[status_last_updated]=A...B`) take.
pub fn format_filter(instant: OffsetDateTime) -> String {
    let utc = instant.to_offset(time::UtcOffset::UTC);
    let layout = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    utc.format(layout)
        .unwrap_or_else(|_| utc.unix_timestamp().to_string())
}

/// Serde helper for an optional date field: absent, `null` and `""` all mean "no date".
pub mod option {
    use serde::{Deserialize, Deserializer};
    use time::OffsetDateTime;

    /// Reads an optional date in any DigiCert format.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        de: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        match Option::<String>::deserialize(de)? {
            Some(text) if !text.trim().is_empty() => super::parse(&text)
                .map(Some)
                .map_err(serde::de::Error::custom),
            _ => Ok(None),
        }
    }
}

/// Serde helper for `dcv_expiration.*`: like [`option`], with plain dates read as midnight
/// US Mountain Time.
pub mod mountain_option {
    use serde::{Deserialize, Deserializer};
    use time::OffsetDateTime;

    /// Reads an optional date, plain dates in Mountain Time.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        de: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        match Option::<String>::deserialize(de)? {
            Some(text) if !text.trim().is_empty() => super::parse_mountain(&text)
                .map(Some)
                .map_err(serde::de::Error::custom),
            _ => Ok(None),
        }
    }
}
