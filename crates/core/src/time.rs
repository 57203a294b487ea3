//! Time recording: durations, units, activities and the value of time. Integer arithmetic
//! throughout; money in pence.

use crate::{Invalid, Money};
use serde::{Deserialize, Serialize};

/// Time is recorded in units of this many minutes unless the firm chooses otherwise.
pub const DEFAULT_UNIT_MINUTES: u32 = 6;
/// The longest single entry: a day. Anything longer is a typing slip or a forgotten timer.
pub const MAX_ENTRY_MINUTES: u32 = 24 * 60;

/// A firm's choice of time unit: whole minutes from 1 to 60 that divide an hour (1, 5, 6,
/// 10, 15, 30, 60…), so that an hour is always a whole number of units.
pub fn unit_minutes(n: i64) -> Result<u32, Invalid> {
    match u32::try_from(n) {
        Ok(u) if (1..=60).contains(&u) && 60 % u == 0 => Ok(u),
        _ => Err(Invalid::new(
            "unit_minutes",
            format!(
                "must divide an hour exactly (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60); {n} does not"
            ),
        )),
    }
}

/// Units for a duration, rounding any part-unit up (6-minute units: 1–6 min is 1 unit,
/// 7–12 is 2).
pub fn units(minutes: u32, unit_minutes: u32) -> u32 {
    let unit = unit_minutes.max(1);
    minutes.div_ceil(unit)
}

/// Minutes to record for a timer that ran `seconds`: whole minutes, any part rounded up,
/// at least one.
pub fn timer_minutes(seconds: i64) -> Result<u32, Invalid> {
    if seconds < 0 {
        return Err(Invalid::new(
            "timer",
            "started in the future: the computer's clock has changed; discard the timer and record the time by hand",
        ));
    }
    let minutes = u32::try_from(seconds.div_euclid(60) + i64::from(seconds.rem_euclid(60) > 0))
        .unwrap_or(u32::MAX);
    if minutes > MAX_ENTRY_MINUTES {
        return Err(Invalid::new(
            "timer",
            format!(
                "ran for {} hours, more than a day; discard it and record the time by hand",
                minutes / 60
            ),
        ));
    }
    Ok(minutes.max(1))
}

/// Read a duration as people type it: `1:30`, `1h30`, `1h 30m`, `90m`, `90` (minutes),
/// `1.5h` or `0.1h` (decimal hours, exactly). Between 1 minute and a day.
pub fn parse_duration(text: &str) -> Result<u32, Invalid> {
    let t = text.trim().to_ascii_lowercase().replace(' ', "");
    let bad = || {
        Invalid::new(
            "duration",
            format!(
                "'{}' is not a duration such as 1:30, 1h30m, 90m or 0.5h",
                text.trim()
            ),
        )
    };
    let num = |s: &str| -> Result<u32, Invalid> {
        if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse::<u32>().map_err(|_| bad())
    };
    let minutes = if let Some((h, m)) = t.split_once(':') {
        let m = num(m)?;
        if m >= 60 {
            return Err(bad());
        }
        num(h)?
            .checked_mul(60)
            .and_then(|h| h.checked_add(m))
            .ok_or_else(bad)?
    } else if let Some(hours) = t.strip_suffix('h').filter(|h| h.contains('.')) {
        // Decimal hours, exactly: "1.25h" is 75 minutes; a fraction that is not a whole
        // number of minutes is refused rather than rounded.
        let (whole, frac) = hours.split_once('.').ok_or_else(bad)?;
        let whole = if whole.is_empty() { 0 } else { num(whole)? };
        let digits = u32::try_from(frac.len()).map_err(|_| bad())?;
        if digits == 0 || digits > 4 {
            return Err(bad());
        }
        let scale = 10u32.pow(digits);
        let frac_minutes = num(frac)?.checked_mul(60).ok_or_else(bad)?;
        if frac_minutes % scale != 0 {
            return Err(Invalid::new(
                "duration",
                format!("'{}' is not a whole number of minutes", text.trim()),
            ));
        }
        whole
            .checked_mul(60)
            .and_then(|w| w.checked_add(frac_minutes / scale))
            .ok_or_else(bad)?
    } else if let Some((h, rest)) = t.split_once('h') {
        let m = rest.strip_suffix('m').unwrap_or(rest);
        let m = if m.is_empty() { 0 } else { num(m)? };
        num(h)?
            .checked_mul(60)
            .and_then(|h| h.checked_add(m))
            .ok_or_else(bad)?
    } else {
        num(t
            .strip_suffix("min")
            .or_else(|| t.strip_suffix('m'))
            .unwrap_or(&t))?
    };
    if minutes == 0 {
        return Err(Invalid::new("duration", "must be at least one minute"));
    }
    if minutes > MAX_ENTRY_MINUTES {
        return Err(Invalid::new(
            "duration",
            format!(
                "is more than a day ({} hours); split it by day",
                minutes / 60
            ),
        ));
    }
    Ok(minutes)
}

/// The value of `minutes` at an hourly `rate`, to the nearest penny (half a penny up).
pub fn value(minutes: u32, rate_per_hour: Money) -> Money {
    let pence = i128::from(rate_per_hour.pence()) * i128::from(minutes);
    let rounded = (pence * 2 + 60).div_euclid(120);
    Money::from_pence(i64::try_from(rounded).unwrap_or(i64::MAX))
}

/// What the time was spent on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    Attendance,
    Call,
    Letter,
    Email,
    Drafting,
    Research,
    Review,
    Travel,
    Court,
    Other,
}

impl Activity {
    pub const ALL: [Activity; 10] = [
        Activity::Attendance,
        Activity::Call,
        Activity::Letter,
        Activity::Email,
        Activity::Drafting,
        Activity::Research,
        Activity::Review,
        Activity::Travel,
        Activity::Court,
        Activity::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Activity::Attendance => "attendance",
            Activity::Call => "call",
            Activity::Letter => "letter",
            Activity::Email => "email",
            Activity::Drafting => "drafting",
            Activity::Research => "research",
            Activity::Review => "review",
            Activity::Travel => "travel",
            Activity::Court => "court",
            Activity::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Result<Activity, Invalid> {
        let t = text.trim().to_ascii_lowercase();
        Activity::ALL
            .into_iter()
            .find(|a| a.as_str() == t)
            .ok_or_else(|| {
                Invalid::new(
                    "activity",
                    format!(
                        "must be one of: {} ('{}' is not)",
                        Activity::ALL.map(Activity::as_str).join(", "),
                        text.trim()
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_lengths_must_divide_an_hour() {
        for ok in [1, 5, 6, 10, 15, 30, 60] {
            assert_eq!(unit_minutes(ok).unwrap(), ok as u32);
        }
        for bad in [0, -6, 7, 45, 90] {
            assert_eq!(unit_minutes(bad).unwrap_err().field, "unit_minutes");
        }
        // 15-minute units: 16 minutes is two units.
        assert_eq!(units(16, unit_minutes(15).unwrap()), 2);
    }

    #[test]
    fn six_minute_units_round_up() {
        assert_eq!(units(0, 6), 0);
        assert_eq!(units(1, 6), 1);
        assert_eq!(units(6, 6), 1);
        assert_eq!(units(7, 6), 2);
        assert_eq!(units(60, 6), 10);
        assert_eq!(units(61, 15), 5);
    }

    #[test]
    fn durations_as_people_type_them() {
        for (text, minutes) in [
            ("1:30", 90),
            ("1h30", 90),
            ("1h 30m", 90),
            ("2h", 120),
            ("90m", 90),
            ("45", 45),
            ("45min", 45),
            ("1.5h", 90),
            ("0.1h", 6),
            ("1.25h", 75),
            (".5h", 30),
        ] {
            assert_eq!(parse_duration(text), Ok(minutes), "{text}");
        }
    }

    #[test]
    fn absurd_durations_are_refused() {
        assert!(
            parse_duration("0")
                .unwrap_err()
                .to_string()
                .contains("at least one minute")
        );
        assert!(parse_duration("-5").is_err());
        assert!(
            parse_duration("25h")
                .unwrap_err()
                .to_string()
                .contains("more than a day")
        );
        assert!(parse_duration("1:75").is_err());
        assert!(
            parse_duration("0.01h")
                .unwrap_err()
                .to_string()
                .contains("whole number of minutes")
        );
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("99999999999").is_err());
    }

    #[test]
    fn timers_round_up_to_the_minute_and_refuse_the_absurd() {
        assert_eq!(timer_minutes(5), Ok(1));
        assert_eq!(timer_minutes(60), Ok(1));
        assert_eq!(timer_minutes(61), Ok(2));
        assert!(timer_minutes(-1).unwrap_err().to_string().contains("clock"));
        assert!(timer_minutes(25 * 3600).is_err());
    }

    #[test]
    fn value_is_exact_to_the_penny() {
        // 6 minutes at £250/h = £25.00; 7 minutes at £199.99/h = £23.33 (23.3321…).
        assert_eq!(
            value(6, Money::from_pence(25_000)),
            Money::from_pence(2_500)
        );
        assert_eq!(
            value(7, Money::from_pence(19_999)),
            Money::from_pence(2_333)
        );
        // Half a penny rounds up: 1 minute at £0.30/h = 0.5p → 1p.
        assert_eq!(value(1, Money::from_pence(30)), Money::from_pence(1));
        assert_eq!(value(0, Money::from_pence(30_000)), Money::ZERO);
    }

    #[test]
    fn activities() {
        assert_eq!(Activity::parse(" Call "), Ok(Activity::Call));
        assert!(Activity::parse("lunch").is_err());
    }
}
