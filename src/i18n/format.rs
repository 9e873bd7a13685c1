//! How dates and times are shown (UTC, unambiguous in both languages).
use time::OffsetDateTime;
use time::macros::format_description;

pub fn datetime(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!("[year]-[month]-[day] [hour]:[minute]"))
        .unwrap_or_default()
}

/// To the second, for figures that may be a few seconds old.
pub fn datetime_seconds(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap_or_default()
}

pub fn date(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

pub fn optional_date(at: Option<OffsetDateTime>) -> String {
    at.map(date).unwrap_or_else(|| "—".to_owned())
}
