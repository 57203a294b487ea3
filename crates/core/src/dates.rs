//! Civil dates in Europe/London. Instants are UTC; the dates people see, file and plead
//! are the calendar date in London.

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
