//! Civil dates in Europe/London. Instants are UTC; the dates people see, file and plead
//! are the calendar date in London.

use crate::Invalid;
use jiff::{Timestamp, civil::Date, tz::TimeZone};

/// The firm's time zone. Accounting and court dates are civil dates here.
pub fn london() -> TimeZone {
    // The tz database is bundled (jiff feature `tzdb-bundle-always`), so this cannot be
    // missing on a machine without /usr/share/zoneinfo; fall back to UTC only if a future
    // build drops the bundle, which the tests below would catch.
    TimeZone::get("Europe/London").unwrap_or(TimeZone::UTC)
}

/// The civil date in London at the given instant.
pub fn london_date(at: Timestamp) -> Date {
    at.to_zoned(london()).date()
}

/// A civil date typed as `YYYY-MM-DD`; blank is `None`.
pub fn parse_optional(field: &'static str, text: &str) -> Result<Option<Date>, Invalid> {
    match text.trim() {
        "" => Ok(None),
        t => t.parse::<Date>().map(Some).map_err(|_| {
            Invalid::new(
                field,
                format!("must be a date written YYYY-MM-DD ('{t}' is not)"),
            )
        }),
    }
}

/// A date something happened on: blank means `today`, and a date after today is refused.
pub fn on_or_before_today(field: &'static str, text: &str, today: Date) -> Result<Date, Invalid> {
    let date = parse_optional(field, text)?.unwrap_or(today);
    if date > today {
        return Err(Invalid::new(
            field,
            format!("must be today ({today}) or earlier; {date} is after today"),
        ));
    }
    Ok(date)
}

/// An instant as people in the firm read it: London wall-clock time, e.g. "25 Nov 2026 09:05".
pub fn london_display(at: Timestamp) -> String {
    at.to_zoned(london())
        .strftime("%-d %b %Y %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_evening_utc_in_summer_is_next_day_in_london() {
        // 23:30 UTC on 30 June 2026 is 00:30 BST on 1 July.
        let at: Timestamp = "2026-06-30T23:30:00Z".parse().unwrap();
        assert_eq!(london_date(at), jiff::civil::date(2026, 7, 1));
    }

    #[test]
    fn typed_dates() {
        let today = jiff::civil::date(2026, 11, 25);
        assert_eq!(parse_optional("d", " "), Ok(None));
        assert_eq!(on_or_before_today("d", "", today), Ok(today));
        assert_eq!(
            on_or_before_today("d", "2026-11-24", today),
            Ok(jiff::civil::date(2026, 11, 24))
        );
        assert!(
            on_or_before_today("d", "2026-11-26", today)
                .unwrap_err()
                .message
                .contains("after today")
        );
        assert!(
            parse_optional("d", "25/11/2026")
                .unwrap_err()
                .message
                .contains("YYYY-MM-DD")
        );
        assert!(parse_optional("d", "2026-02-30").is_err());
    }

    #[test]
    fn instants_display_in_london_time() {
        let summer: Timestamp = "2026-06-30T23:30:00Z".parse().unwrap();
        assert_eq!(london_display(summer), "1 Jul 2026 00:30");
        let winter: Timestamp = "2026-11-25T09:05:59Z".parse().unwrap();
        assert_eq!(london_display(winter), "25 Nov 2026 09:05");
    }

    #[test]
    fn winter_london_is_utc() {
        let at: Timestamp = "2026-12-31T23:30:00Z".parse().unwrap();
        assert_eq!(london_date(at), jiff::civil::date(2026, 12, 31));
        assert_eq!(london().iana_name(), Some("Europe/London"));
    }
}
