//! Key dates: hearings, limitation dates and deadlines, with reminders that always come
//! before the date, never after it.

use crate::{Invalid, required_text};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyDateKind {
    Hearing,
    Limitation,
    Deadline,
    Other,
}

impl KeyDateKind {
    pub const ALL: [KeyDateKind; 4] = [
        KeyDateKind::Hearing,
        KeyDateKind::Limitation,
        KeyDateKind::Deadline,
        KeyDateKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyDateKind::Hearing => "hearing",
            KeyDateKind::Limitation => "limitation",
            KeyDateKind::Deadline => "deadline",
            KeyDateKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let t = text.trim().to_ascii_lowercase();
        KeyDateKind::ALL
            .into_iter()
            .find(|k| k.as_str() == t)
            .ok_or_else(|| {
                Invalid::new(
                    "kind",
                    format!(
                        "must be one of: hearing, limitation, deadline, other ('{}' is not)",
                        text.trim()
                    ),
                )
            })
    }

    /// Days of warning when none is given. Limitation dates are the most claim-prone, so
    /// they warn earliest.
    pub fn default_reminder_days(self) -> u32 {
        match self {
            KeyDateKind::Limitation => 90,
            KeyDateKind::Hearing => 14,
            KeyDateKind::Deadline => 7,
            KeyDateKind::Other => 3,
        }
    }
}

/// The most days of warning accepted.
pub const MAX_REMINDER_DAYS: u32 = 365;

/// A key date as typed.
#[derive(Debug, Clone, Default)]
pub struct NewKeyDate<'a> {
    pub kind: &'a str,
    /// ISO date.
    pub date: &'a str,
    pub title: &'a str,
    /// Empty: the kind's default.
    pub reminder_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidKeyDate {
    pub kind: KeyDateKind,
    pub date: Date,
    pub title: String,
    pub reminder_days: u32,
}

impl NewKeyDate<'_> {
    pub fn validate(&self, today: Date) -> Result<ValidKeyDate, Invalid> {
        let kind = KeyDateKind::parse(self.kind)?;
        let date = crate::dates::parse_optional("date", self.date)?
            .ok_or_else(|| Invalid::new("date", "is required"))?;
        if date < today {
            return Err(Invalid::new(
                "date",
                format!("{date} is in the past; key dates are for what is still to come"),
            ));
        }
        if date.year() > today.year() + 50 {
            return Err(Invalid::new("date", format!("{date} is not plausible")));
        }
        let reminder_days = self.reminder_days.unwrap_or(kind.default_reminder_days());
        if reminder_days > MAX_REMINDER_DAYS {
            return Err(Invalid::new(
                "reminder_days",
                format!("must be at most {MAX_REMINDER_DAYS} days before the date"),
            ));
        }
        Ok(ValidKeyDate {
            kind,
            date,
            title: required_text("title", self.title, 300)?,
            reminder_days,
        })
    }
}

/// When to remind: `days_before` the date, but never before `created` (a reminder already
/// overdue when the date is entered is due at once) and never after the date itself.
pub fn reminder_on(date: Date, days_before: u32, created: Date) -> Date {
    let wanted = date
        .checked_sub(i64::from(days_before).days())
        .unwrap_or(Date::MIN);
    wanted.max(created).min(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 11, 25);

    #[test]
    fn reminders_come_before_the_date_never_after() {
        let hearing = date(2027, 1, 20);
        assert_eq!(reminder_on(hearing, 14, TODAY), date(2027, 1, 6));
        // Entered late: due now, not in the past.
        assert_eq!(reminder_on(date(2026, 11, 30), 14, TODAY), TODAY);
        // Zero days: on the day.
        assert_eq!(reminder_on(hearing, 0, TODAY), hearing);
        // Whatever happens, never after the date.
        assert_eq!(reminder_on(TODAY, 30, date(2026, 12, 1)), TODAY);
    }

    #[test]
    fn key_dates_validate() {
        let v = NewKeyDate {
            kind: "Limitation",
            date: "2029-11-24",
            title: "Limitation: personal injury (3 years)",
            reminder_days: None,
        }
        .validate(TODAY)
        .unwrap();
        assert_eq!(v.reminder_days, 90);
        for (k, field) in [
            (
                NewKeyDate {
                    kind: "party",
                    date: "2027-01-01",
                    title: "x",
                    reminder_days: None,
                },
                "kind",
            ),
            (
                NewKeyDate {
                    kind: "hearing",
                    date: "2026-11-24",
                    title: "x",
                    reminder_days: None,
                },
                "date",
            ),
            (
                NewKeyDate {
                    kind: "hearing",
                    date: "2027-02-30",
                    title: "x",
                    reminder_days: None,
                },
                "date",
            ),
            (
                NewKeyDate {
                    kind: "hearing",
                    date: "2027-01-01",
                    title: " ",
                    reminder_days: None,
                },
                "title",
            ),
            (
                NewKeyDate {
                    kind: "hearing",
                    date: "2027-01-01",
                    title: "x",
                    reminder_days: Some(400),
                },
                "reminder_days",
            ),
        ] {
            assert_eq!(k.validate(TODAY).unwrap_err().field, field);
        }
    }
}
