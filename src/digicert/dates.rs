//! DigiCert's three date formats, read into one instant type.
//!
//! The API mixes ISO-8601 with an offset (`2023-10-13T15:15:13+00:00`), plain dates
//! (`2024-06-15` for `valid_till`, `dcv_expiration.*`, `date_emailed`) and, in older
//! responses, a space-separated time without a zone (`2020-05-01 15:47:26`). The last two
//! carry no zone; DigiCert's zoned timestamps are all UTC, so both are read as UTC and a
//! plain date becomes the start of that day.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

/// A date string that matches none of DigiCert's formats.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unrecognised DigiCert date {0:?}")]
pub struct DateError(String);

/// Parses any of the three formats DigiCert sends.
pub fn parse(text: &str) -> Result<OffsetDateTime, DateError> {
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
        return Ok(date.midnight().assume_utc());
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
