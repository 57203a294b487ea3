//! Matters: the unit of work for a client.

use crate::{Invalid, required_text};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A matter's human number, e.g. `M00042`. Unique across the firm: each device draws
/// numbers from a block leased to it (see `satchel-store`), so two laptops opening matters
/// offline never collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MatterNumber(u32);

impl MatterNumber {
    pub const fn new(n: u32) -> Self {
        MatterNumber(n)
    }
    pub const fn get(self) -> u32 {
        self.0
    }
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let t = text.trim();
        let digits = t.strip_prefix(['M', 'm']).unwrap_or(t);
        digits
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .map(MatterNumber)
            .ok_or_else(|| {
                Invalid::new(
                    "number",
                    format!("must look like M00042 ('{text}' does not)"),
                )
            })
    }
}

impl fmt::Display for MatterNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "M{:05}", self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatterStatus {
    Open,
    Closed,
    Archived,
}

impl MatterStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MatterStatus::Open => "open",
            MatterStatus::Closed => "closed",
            MatterStatus::Archived => "archived",
        }
    }
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        match text.trim().to_ascii_lowercase().as_str() {
            "open" => Ok(MatterStatus::Open),
            "closed" => Ok(MatterStatus::Closed),
            "archived" => Ok(MatterStatus::Archived),
            _ => Err(Invalid::new(
                "status",
                format!("must be open, closed or archived ('{text}' is not)"),
            )),
        }
    }

    /// May a matter go from `self` to `to`? Open ⇄ closed (a closed matter can be
    /// reopened); only a closed matter is archived; an archived matter is reopened by
    /// un-archiving it to closed first, so that the closing date stays on record.
    pub fn check_move(self, to: MatterStatus) -> Result<(), Invalid> {
        use MatterStatus::*;
        match (self, to) {
            (Open, Closed) | (Closed, Open) | (Closed, Archived) | (Archived, Closed) => Ok(()),
            (a, b) if a == b => Err(Invalid::new(
                "status",
                format!("the matter is already {}", a.as_str()),
            )),
            (Open, Archived) => Err(Invalid::new(
                "status",
                "an open matter must be closed before it is archived",
            )),
            (Archived, _) => Err(Invalid::new(
                "status",
                "an archived matter must be returned to closed before it is reopened",
            )),
            (a, b) => Err(Invalid::new(
                "status",
                format!("cannot go from {} to {}", a.as_str(), b.as_str()),
            )),
        }
    }
}

/// Practice areas a matter can belong to (they drive retention and reporting).
pub const PRACTICE_AREAS: &[&str] = &[
    "conveyancing",
    "commercial property",
    "corporate",
    "commercial",
    "dispute resolution",
    "personal injury",
    "clinical negligence",
    "employment",
    "family",
    "private client",
    "wills and probate",
    "immigration",
    "crime",
    "general",
];

/// A practice area from the list above (case-insensitive).
pub fn practice_area(text: &str) -> Result<String, Invalid> {
    let t = text.trim().to_lowercase();
    PRACTICE_AREAS
        .iter()
        .find(|a| **a == t)
        .map(|a| (*a).to_owned())
        .ok_or_else(|| {
            Invalid::new(
                "practice_area",
                format!(
                    "'{text}' is not a practice area (one of: {})",
                    PRACTICE_AREAS.join(", ")
                ),
            )
        })
}

/// Longest task title accepted.
pub const TASK_TITLE_MAX: usize = 300;

/// A task's title, trimmed and required.
pub fn task_title(text: &str) -> Result<String, Invalid> {
    required_text("title", text, TASK_TITLE_MAX)
}

/// A request to open a matter, before validation.
#[derive(Debug, Clone)]
pub struct NewMatter<'a> {
    pub client_name: &'a str,
    pub description: &'a str,
    /// `None`: today.
    pub opened: Option<Date>,
}

/// A validated request to open a matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidMatter {
    pub client_name: String,
    pub description: String,
    pub opened: Date,
}

/// Longest client name accepted.
pub const CLIENT_NAME_MAX: usize = 200;
/// Longest matter description accepted.
pub const DESCRIPTION_MAX: usize = 500;

impl NewMatter<'_> {
    /// Validate against today's civil date in London. A matter cannot be opened in the
    /// future: a date after today is almost always a typing slip or a wrong clock.
    pub fn validate(&self, today: Date) -> Result<ValidMatter, Invalid> {
        let client_name = required_text("client_name", self.client_name, CLIENT_NAME_MAX)?;
        let description = required_text("description", self.description, DESCRIPTION_MAX)?;
        let opened = self.opened.unwrap_or(today);
        if opened > today {
            return Err(Invalid::new(
                "opened",
                format!("must be today ({today}) or earlier; {opened} is after today"),
            ));
        }
        if opened.year() < 1900 {
            return Err(Invalid::new("opened", format!("{opened} is not plausible")));
        }
        Ok(ValidMatter {
            client_name,
            description,
            opened,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn numbers_print_and_parse() {
        let n = MatterNumber::new(42);
        assert_eq!(n.to_string(), "M00042");
        assert_eq!(MatterNumber::parse("M00042").unwrap(), n);
        assert_eq!(MatterNumber::parse("42").unwrap(), n);
        assert!(MatterNumber::parse("M0").is_err());
        assert!(MatterNumber::parse("X1").is_err());
    }

    #[test]
    fn status_moves_follow_the_file_lifecycle() {
        use MatterStatus::*;
        assert!(Open.check_move(Closed).is_ok());
        assert!(Closed.check_move(Open).is_ok());
        assert!(Closed.check_move(Archived).is_ok());
        assert!(Archived.check_move(Closed).is_ok());
        assert!(
            Open.check_move(Archived)
                .unwrap_err()
                .message
                .contains("closed before")
        );
        assert!(
            Archived
                .check_move(Open)
                .unwrap_err()
                .message
                .contains("returned to closed")
        );
        assert!(
            Open.check_move(Open)
                .unwrap_err()
                .message
                .contains("already open")
        );
        assert_eq!(MatterStatus::parse(" Archived ").unwrap(), Archived);
        assert_eq!(MatterStatus::parse("gone").unwrap_err().field, "status");
    }

    #[test]
    fn practice_areas_come_from_the_list() {
        assert_eq!(practice_area("Family").unwrap(), "family");
        assert_eq!(
            practice_area(" wills and probate ").unwrap(),
            "wills and probate"
        );
        assert!(
            practice_area("astrology")
                .unwrap_err()
                .message
                .contains("conveyancing")
        );
        assert!(task_title("   ").is_err());
    }

    #[test]
    fn validation_defaults_to_today_and_trims() {
        let today = date(2026, 11, 25);
        let v = NewMatter {
            client_name: " Jane Smith ",
            description: "Purchase of 1 High St",
            opened: None,
        }
        .validate(today)
        .unwrap();
        assert_eq!(v.client_name, "Jane Smith");
        assert_eq!(v.opened, today);
    }

    #[test]
    fn validation_refuses_future_and_blank() {
        let today = date(2026, 11, 25);
        let future = NewMatter {
            client_name: "A",
            description: "B",
            opened: Some(date(2026, 11, 26)),
        };
        assert_eq!(future.validate(today).unwrap_err().field, "opened");
        let blank = NewMatter {
            client_name: "",
            description: "B",
            opened: None,
        };
        assert_eq!(blank.validate(today).unwrap_err().field, "client_name");
    }
}
