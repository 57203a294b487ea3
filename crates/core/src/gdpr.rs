//! UK GDPR for a law firm: when a subject access request must be answered, what must be
//! kept when a person asks to be erased (and until when), how long matters are kept after
//! closing, the 72-hour clock of a personal-data breach, and taking a person's details out
//! of text. Pure: callers pass "today" and "now".

use crate::Invalid;
use jiff::civil::Date;
use jiff::{Span, Timestamp, ToSpan};

/// Accounting records (client and office) are kept at least six years (SRA Accounts Rules
/// 2019, r13.5).
pub const ACCOUNTING_YEARS: i16 = 6;
/// Customer due diligence records are kept five years after the business relationship
/// ends (Money Laundering Regulations 2017, reg. 40).
pub const AML_YEARS: i16 = 5;
/// The ICO is told of a personal-data breach within this many hours of the firm becoming
/// aware of it.
pub const ICO_HOURS: i64 = 72;

/// `date` plus whole months: the same calendar date, or the last day of the month when
/// there is none (31 January + 1 month = 28 or 29 February).
fn add_months(date: Date, months: i32) -> Date {
    // jiff constrains a day past the month's end to its last day.
    date.checked_add(Span::new().months(months)).unwrap_or(date)
}

fn add_years(date: Date, years: i16) -> Date {
    date.checked_add(Span::new().years(years)).unwrap_or(date)
}

/// When a subject access request received on `received` must be answered: one calendar
/// month.
pub fn response_due(received: Date) -> Date {
    add_months(received, 1)
}

/// The latest answer to a complex request, extended by two further months.
pub fn extended_due(received: Date) -> Date {
    add_months(received, 3)
}

/// Extending is allowed only while the first month runs: the requester must be told
/// within it.
pub fn check_extension(received: Date, today: Date) -> Result<Date, Invalid> {
    let due = response_due(received);
    if today > due {
        return Err(Invalid::new(
            "extension",
            format!(
                "is too late: the requester had to be told within the first month (by {due}); answer the request now"
            ),
        ));
    }
    Ok(extended_due(received))
}

/// Why a record must be kept although its subject asked for it to be erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    /// The matter is still open: the firm needs the record to act.
    OpenMatter,
    /// Client money and office records: six years from the last entry.
    AccountingRecords { until: Date },
    /// Identification (CDD) of a client: five years from the end of the relationship.
    AmlRecords { until: Date },
    /// A claim on the matter may still be brought: the firm's retention period for the
    /// practice area, from closing.
    Limitation {
        until: Date,
        area: String,
        years: u32,
    },
}

impl Hold {
    /// The date the hold ends (none: while the matter stays open).
    pub fn until(&self) -> Option<Date> {
        match self {
            Hold::OpenMatter => None,
            Hold::AccountingRecords { until }
            | Hold::AmlRecords { until }
            | Hold::Limitation { until, .. } => Some(*until),
        }
    }

    /// A short name for the hold.
    pub fn name(&self) -> &'static str {
        match self {
            Hold::OpenMatter => "open matter",
            Hold::AccountingRecords { .. } => "accounting records",
            Hold::AmlRecords { .. } => "AML identification records",
            Hold::Limitation { .. } => "limitation period",
        }
    }

    /// The reason in words, with the law and the date the hold ends.
    pub fn reason(&self) -> String {
        match self {
            Hold::OpenMatter => {
                "the matter is open: its records are kept while the firm acts (close it first)"
                    .to_owned()
            }
            Hold::AccountingRecords { until } => format!(
                "accounting records are kept six years (SRA Accounts Rules r13.5), until {until}"
            ),
            Hold::AmlRecords { until } => format!(
                "client identification records are kept five years after the matter ends (Money Laundering Regulations 2017 reg. 40), until {until}"
            ),
            Hold::Limitation { until, area, years } => format!(
                "a claim on the matter may still be brought: the firm keeps {area} matters {years} years after closing, until {until}"
            ),
        }
    }
}

/// What decides whether a matter's records must be kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatterFacts {
    pub open: bool,
    /// When it was closed (none: open, or closed before the date was recorded — then the
    /// date it was opened stands in, which only keeps it longer).
    pub closed_on: Option<Date>,
    pub opened: Date,
    /// The latest posting or bill on it.
    pub last_money: Option<Date>,
    /// Whether the person is a client on it (their identification was taken).
    pub client: bool,
    pub area: String,
    pub retention_years: u32,
}

impl MatterFacts {
    /// The date the firm's retention period for the matter ends (none while it is open).
    pub fn retention_ends(&self) -> Option<Date> {
        if self.open {
            return None;
        }
        let closed = self.closed_on.unwrap_or(self.opened);
        Some(add_years(
            closed,
            i16::try_from(self.retention_years).unwrap_or(i16::MAX),
        ))
    }
}

/// Every hold on a matter's records as of `today`; empty when they may go.
pub fn holds(m: &MatterFacts, today: Date) -> Vec<Hold> {
    let mut held = Vec::new();
    if m.open {
        held.push(Hold::OpenMatter);
    }
    if let Some(last) = m.last_money {
        let until = add_years(last, ACCOUNTING_YEARS);
        if until > today {
            held.push(Hold::AccountingRecords { until });
        }
    }
    if !m.open {
        let ended = m.closed_on.unwrap_or(m.opened);
        if m.client {
            let until = add_years(ended, AML_YEARS);
            if until > today {
                held.push(Hold::AmlRecords { until });
            }
        }
        if let Some(until) = m.retention_ends().filter(|u| *u > today) {
            held.push(Hold::Limitation {
                until,
                area: m.area.clone(),
                years: m.retention_years,
            });
        }
    }
    held
}

/// The latest date among holds (none if any lasts while a matter is open).
pub fn held_until(holds: &[Hold]) -> Option<Date> {
    if holds.iter().any(|h| h.until().is_none()) {
        return None;
    }
    holds.iter().filter_map(Hold::until).max()
}

/// How many years after closing a matter of a practice area is kept unless the firm sets
/// its own: six (the limitation period in contract and tort) for most; fifteen for
/// conveyancing and property (the long-stop for latent damage); and for wills and probate,
/// personal injury and clinical negligence, where claims come late, also fifteen.
pub fn default_retention_years(area: &str) -> u32 {
    match area {
        "conveyancing"
        | "commercial property"
        | "wills and probate"
        | "private client"
        | "personal injury"
        | "clinical negligence" => 15,
        _ => 6,
    }
}

/// A firm's retention period: at least the six years accounting records need, at most
/// a hundred.
pub fn check_retention_years(years: i64) -> Result<u32, Invalid> {
    if !(6..=100).contains(&years) {
        return Err(Invalid::new(
            "years",
            format!(
                "must be between 6 and 100 ({years} is not): accounting records alone are kept six years"
            ),
        ));
    }
    u32::try_from(years).map_err(|_| Invalid::new("years", "must be a whole number of years"))
}

/// How likely a personal-data breach is to harm the people affected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreachRisk {
    /// Unlikely to result in a risk to people's rights and freedoms: recorded, not reported.
    Unlikely,
    /// A risk: the ICO is told within 72 hours.
    Risk,
    /// A high risk: the ICO and the people affected are told.
    High,
}

impl BreachRisk {
    pub fn as_str(self) -> &'static str {
        match self {
            BreachRisk::Unlikely => "unlikely",
            BreachRisk::Risk => "risk",
            BreachRisk::High => "high",
        }
    }

    pub fn parse(text: &str) -> Result<BreachRisk, Invalid> {
        match text.trim() {
            "unlikely" => Ok(BreachRisk::Unlikely),
            "risk" => Ok(BreachRisk::Risk),
            "high" => Ok(BreachRisk::High),
            other => Err(Invalid::new(
                "risk",
                format!("must be unlikely, risk or high ('{other}' is not)"),
            )),
        }
    }

    /// Whether the ICO must be told.
    pub fn ico_must_be_told(self) -> bool {
        !matches!(self, BreachRisk::Unlikely)
    }

    /// Whether the people affected must be told.
    pub fn people_must_be_told(self) -> bool {
        matches!(self, BreachRisk::High)
    }
}

/// When the ICO must have been told of a breach the firm became aware of at `aware`.
pub fn ico_deadline(aware: Timestamp) -> Timestamp {
    aware
        .checked_add(ICO_HOURS.hours())
        .unwrap_or(Timestamp::MAX)
}

/// A discovery time must not be after now (a clock can be a minute out: allowed).
pub fn check_discovered(discovered: Timestamp, now: Timestamp) -> Result<Timestamp, Invalid> {
    let slack = now.checked_add(2.minutes()).unwrap_or(now);
    if discovered > slack {
        return Err(Invalid::new(
            "discovered",
            "is in the future: enter when the firm became aware of the breach",
        ));
    }
    Ok(discovered)
}

/// The ICO clock as people read it: hours left, or overdue, or reported.
pub fn ico_clock(aware: Timestamp, reported: Option<Timestamp>, now: Timestamp) -> String {
    let deadline = ico_deadline(aware);
    if let Some(at) = reported {
        return if at <= deadline {
            "told the ICO in time".to_owned()
        } else {
            "told the ICO late".to_owned()
        };
    }
    let left = deadline.as_second() - now.as_second();
    if left < 0 {
        let late = (-left) / 3600;
        format!("overdue by {late} h: tell the ICO now")
    } else {
        let h = left / 3600;
        let m = (left % 3600) / 60;
        format!("{h} h {m:02} min left to tell the ICO")
    }
}

/// A person's details as they may appear in text: each is taken out of any text it is
/// found in, whatever its case.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    needles: Vec<String>,
}

/// What an erased detail becomes.
pub const ERASED: &str = "[erased]";

impl Redactor {
    /// A redactor for these details; those shorter than three characters are ignored (they
    /// would take parts of other words).
    pub fn new<'a>(details: impl IntoIterator<Item = &'a str>) -> Redactor {
        let mut needles: Vec<String> = details
            .into_iter()
            .map(|d| d.trim().to_lowercase())
            .filter(|d| d.chars().count() >= 3)
            .collect();
        // The longest first, so that "Jane Smith" goes before "Smith" could.
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        needles.dedup();
        Redactor { needles }
    }

    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// Whether the text holds any of the details, as words of their own.
    pub fn finds(&self, text: &str) -> bool {
        self.needles
            .iter()
            .any(|n| !occurrences(text, n).is_empty())
    }

    /// The text with every detail replaced by [`ERASED`]; `None` if there was none.
    pub fn redact(&self, text: &str) -> Option<String> {
        if !self.finds(text) {
            return None;
        }
        let mut out = text.to_owned();
        for needle in &self.needles {
            out = replace_caseless(&out, needle);
        }
        Some(out)
    }
}

/// Where `needle` (lower case) stands in `text` as words of its own, whatever the case:
/// (byte offset, byte length) of each, left to right. A match inside a longer word ("Ann
/// Lee" in "Joann Leeds") is not one.
fn occurrences(text: &str, needle: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut prev: Option<char> = None;
    let mut skip_to = 0;
    for (i, c) in text.char_indices() {
        let before = prev;
        prev = Some(c);
        if i < skip_to || before.is_some_and(char::is_alphanumeric) {
            continue;
        }
        // Lower-case char by char, so that offsets stay on the text's own boundaries
        // (lower-casing can change a character's length).
        let mut lowered = String::new();
        let mut taken = 0;
        for c in text[i..].chars() {
            if lowered.len() >= needle.len() {
                break;
            }
            lowered.extend(c.to_lowercase());
            taken += c.len_utf8();
        }
        let after = text[i + taken..].chars().next();
        if lowered == needle && !after.is_some_and(char::is_alphanumeric) {
            found.push((i, taken));
            skip_to = i + taken;
        }
    }
    found
}

/// `text` with each occurrence of `needle` replaced by [`ERASED`].
fn replace_caseless(text: &str, needle: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (i, len) in occurrences(text, needle) {
        out.push_str(&text[at..i]);
        out.push_str(ERASED);
        at = i + len;
    }
    out.push_str(&text[at..]);
    out
}

/// The lawful bases of UK GDPR Article 6, for the record of processing.
pub const LAWFUL_BASES: &[&str] = &[
    "consent",
    "contract",
    "legal obligation",
    "vital interests",
    "public task",
    "legitimate interests",
];

pub fn check_lawful_basis(text: &str) -> Result<String, Invalid> {
    let t = text.trim().to_lowercase();
    LAWFUL_BASES
        .iter()
        .find(|b| **b == t)
        .map(|b| (*b).to_owned())
        .ok_or_else(|| {
            Invalid::new(
                "lawful_basis",
                format!(
                    "must be one of {} ('{}' is not)",
                    LAWFUL_BASES.join(", "),
                    text.trim()
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_request_is_due_a_calendar_month_later_or_at_the_months_end() {
        assert_eq!(response_due(date(2026, 3, 15)), date(2026, 4, 15));
        assert_eq!(response_due(date(2026, 1, 31)), date(2026, 2, 28));
        assert_eq!(response_due(date(2028, 1, 31)), date(2028, 2, 29));
        assert_eq!(response_due(date(2026, 8, 31)), date(2026, 9, 30));
        assert_eq!(response_due(date(2026, 12, 20)), date(2027, 1, 20));
        assert_eq!(extended_due(date(2026, 1, 31)), date(2026, 4, 30));
        assert_eq!(extended_due(date(2026, 11, 26)), date(2027, 2, 26));
    }

    #[test]
    fn an_extension_is_refused_after_the_first_month() {
        let received = date(2026, 1, 31);
        assert_eq!(
            check_extension(received, date(2026, 2, 28)),
            Ok(date(2026, 4, 30))
        );
        let late = check_extension(received, date(2026, 3, 1)).unwrap_err();
        assert!(late.message.contains("by 2026-02-28"), "{late}");
    }

    fn closed(on: Date, last_money: Option<Date>, client: bool) -> MatterFacts {
        MatterFacts {
            open: false,
            closed_on: Some(on),
            opened: date(2010, 1, 4),
            last_money,
            client,
            area: "employment".into(),
            retention_years: 6,
        }
    }

    #[test]
    fn an_open_matter_is_held_with_no_end_date() {
        let m = MatterFacts {
            open: true,
            closed_on: None,
            ..closed(date(2020, 1, 1), None, true)
        };
        let h = holds(&m, date(2026, 11, 26));
        assert_eq!(h, vec![Hold::OpenMatter]);
        assert_eq!(held_until(&h), None);
        assert!(h[0].reason().contains("open"));
    }

    #[test]
    fn young_accounting_records_hold_a_closed_matter_six_years_from_the_last_entry() {
        // Closed eight years ago, but a payment was made four years ago.
        let m = closed(date(2018, 5, 1), Some(date(2022, 7, 14)), false);
        let h = holds(&m, date(2026, 11, 26));
        assert_eq!(
            h,
            vec![Hold::AccountingRecords {
                until: date(2028, 7, 14)
            }]
        );
        assert!(h[0].reason().contains("until 2028-07-14"));
        assert!(h[0].reason().contains("six years"));
        assert_eq!(held_until(&h), Some(date(2028, 7, 14)));
        // The day the six years end, they may go.
        assert!(holds(&m, date(2028, 7, 14)).is_empty());
    }

    #[test]
    fn a_clients_identification_is_held_five_years_and_the_limitation_period_its_years() {
        let m = MatterFacts {
            retention_years: 15,
            area: "conveyancing".into(),
            ..closed(date(2023, 3, 10), None, true)
        };
        let h = holds(&m, date(2026, 11, 26));
        assert_eq!(
            h,
            vec![
                Hold::AmlRecords {
                    until: date(2028, 3, 10)
                },
                Hold::Limitation {
                    until: date(2038, 3, 10),
                    area: "conveyancing".into(),
                    years: 15
                }
            ]
        );
        assert_eq!(held_until(&h), Some(date(2038, 3, 10)));
        // Someone who was not the client: no identification was taken of them.
        let other = MatterFacts {
            client: false,
            ..m.clone()
        };
        assert_eq!(holds(&other, date(2026, 11, 26)).len(), 1);
    }

    #[test]
    fn a_matter_past_every_period_is_free_to_go() {
        let m = closed(date(2015, 2, 2), Some(date(2014, 12, 1)), true);
        assert!(holds(&m, date(2026, 11, 26)).is_empty());
        assert_eq!(m.retention_ends(), Some(date(2021, 2, 2)));
    }

    #[test]
    fn retention_periods() {
        assert_eq!(default_retention_years("conveyancing"), 15);
        assert_eq!(default_retention_years("employment"), 6);
        assert_eq!(check_retention_years(6), Ok(6));
        assert!(
            check_retention_years(5)
                .unwrap_err()
                .message
                .contains("six years")
        );
        assert!(check_retention_years(101).is_err());
    }

    #[test]
    fn the_ico_clock_runs_72_hours_from_awareness() {
        let aware: Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
        assert_eq!(
            ico_deadline(aware),
            "2026-11-26T09:00:00Z".parse::<Timestamp>().unwrap()
        );
        let now: Timestamp = "2026-11-25T10:30:00Z".parse().unwrap();
        assert_eq!(
            ico_clock(aware, None, now),
            "22 h 30 min left to tell the ICO"
        );
        let late: Timestamp = "2026-11-26T14:10:00Z".parse().unwrap();
        assert_eq!(
            ico_clock(aware, None, late),
            "overdue by 5 h: tell the ICO now"
        );
        assert_eq!(ico_clock(aware, Some(now), late), "told the ICO in time");
        assert_eq!(ico_clock(aware, Some(late), late), "told the ICO late");
    }

    #[test]
    fn a_discovery_in_the_future_is_refused() {
        let now: Timestamp = "2026-11-26T12:00:00Z".parse().unwrap();
        let future: Timestamp = "2026-11-26T15:00:00Z".parse().unwrap();
        let e = check_discovered(future, now).unwrap_err();
        assert!(e.message.contains("future"));
        assert!(check_discovered(now, now).is_ok());
    }

    #[test]
    fn breach_risk_decides_who_is_told() {
        assert!(!BreachRisk::parse("unlikely").unwrap().ico_must_be_told());
        assert!(BreachRisk::parse("risk").unwrap().ico_must_be_told());
        assert!(!BreachRisk::Risk.people_must_be_told());
        assert!(BreachRisk::High.people_must_be_told());
        assert!(BreachRisk::parse("maybe").is_err());
    }

    #[test]
    fn a_persons_details_are_taken_out_of_text_whatever_the_case() {
        let r = Redactor::new(["Zelda Quartermain", "zelda@example.org", "", "07"]);
        assert!(r.finds("Called ZELDA QUARTERMAIN about the lease"));
        assert_eq!(
            r.redact("Called ZELDA QUARTERMAIN (zelda@Example.org) re Zelda Quartermain's lease"),
            Some("Called [erased] ([erased]) re [erased]'s lease".to_owned())
        );
        assert_eq!(r.redact("Nothing about her, 07700 900123"), None);
        // Only as words of their own: not inside a longer name.
        let r = Redactor::new(["Ann Lee"]);
        assert!(!r.finds("Joann Leeds called"));
        assert_eq!(
            r.redact("Joann Leeds, then ann lee."),
            Some("Joann Leeds, then [erased].".to_owned())
        );
        // Characters whose lower case is longer do not move the cut.
        let r = Redactor::new(["İstanbul Ltd"]);
        assert_eq!(
            r.redact("Paid İstanbul Ltd today").as_deref(),
            Some("Paid [erased] today")
        );
    }

    #[test]
    fn lawful_bases() {
        assert_eq!(check_lawful_basis(" Contract "), Ok("contract".into()));
        assert!(check_lawful_basis("because").is_err());
    }
}
