//! Bills and credit notes: what is billed from a matter's unbilled time, expenses and
//! disbursements, the VAT on it, and what is still unpaid.
//!
//! Pure: the caller hands in the unbilled items and the payments; nothing here reads a
//! store or a clock.
//!
//! The rules:
//! - **Professional charges** are billed one line per fee earner (their time added up),
//!   with VAT at the standard rate (20%) worked out on that line and rounded to the nearest
//!   penny ([`crate::accounts::vat_standard`]: once per line, half a penny up; never again on
//!   the bill's total).
//! - **Expenses** (the firm's own costs recharged, such as travel) are part of the firm's
//!   supply: each is a line with the VAT recorded on it (20%, rounded the same way).
//! - **Disbursements** paid as the client's agent (court fees, Land Registry fees, search
//!   fees) are outside the scope of VAT: a line each, VAT nil.
//! - A **credit note** reverses a bill in whole (every line negated, so the VAT is exactly
//!   minus the bill's) or credits part of its professional charges (VAT at 20% on the net
//!   credited); it may not credit more than is unpaid on the bill.
//! - **Unpaid** = the bill's total − payments allocated to it (transfers from client account
//!   and office receipts, reversed ones left out) − credit notes on it. It is never below
//!   zero: a payment beyond it is refused by the books' `BillRef` check.

use crate::accounts::vat_standard;
use crate::expense::ExpenseKind;
use crate::{Invalid, Money};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a bill line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Fees,
    Expense,
    Disbursement,
}

impl LineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Fees => "fees",
            LineKind::Expense => "expense",
            LineKind::Disbursement => "disbursement",
        }
    }

    pub fn parse(text: &str) -> Result<LineKind, Invalid> {
        match text {
            "fees" => Ok(LineKind::Fees),
            "expense" => Ok(LineKind::Expense),
            "disbursement" => Ok(LineKind::Disbursement),
            other => Err(Invalid::new(
                "line",
                format!("'{other}' is not a kind of bill line"),
            )),
        }
    }
}

/// One line of a bill or credit note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillLine {
    pub kind: LineKind,
    pub date: Date,
    pub description: String,
    pub net: Money,
    pub vat: Money,
}

/// Unbilled time on the matter, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeItem {
    pub fee_earner: String,
    pub date: Date,
    pub minutes: u32,
    pub value: Money,
}

/// An unbilled expense or disbursement, as recorded (its VAT was worked out then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostItem {
    pub kind: ExpenseKind,
    pub date: Date,
    pub description: String,
    pub net: Money,
    pub vat: Money,
}

/// A bill's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Totals {
    /// Professional charges, net.
    pub fees: Money,
    /// Expenses, net.
    pub expenses: Money,
    /// Disbursements (no VAT).
    pub disbursements: Money,
    pub vat: Money,
    /// Everything, VAT included.
    pub total: Money,
}

fn sum(a: Money, b: Money) -> Result<Money, Invalid> {
    a.checked_add(b)
        .ok_or_else(|| Invalid::new("bill", "is too large"))
}

fn hours(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// The lines of a bill for the given unbilled items: professional charges a line per fee
/// earner (by initials), then expenses and disbursements a line each, by date. Refused if
/// there is nothing to bill.
pub fn compose(time: &[TimeItem], costs: &[CostItem]) -> Result<Vec<BillLine>, Invalid> {
    let mut per_earner: BTreeMap<&str, (Date, u32, Money)> = BTreeMap::new();
    for t in time {
        let e = per_earner
            .entry(t.fee_earner.as_str())
            .or_insert((t.date, 0, Money::ZERO));
        e.0 = e.0.max(t.date);
        e.1 = e.1.saturating_add(t.minutes);
        e.2 = sum(e.2, t.value)?;
    }
    let mut lines: Vec<BillLine> = per_earner
        .into_iter()
        .filter(|(_, (_, _, value))| value.pence() != 0)
        .map(|(earner, (date, minutes, net))| BillLine {
            kind: LineKind::Fees,
            date,
            description: format!("Professional charges: {earner}, {}", hours(minutes)),
            net,
            vat: vat_standard(net),
        })
        .collect();
    let mut costs: Vec<&CostItem> = costs.iter().collect();
    costs.sort_by_key(|c| (c.kind == ExpenseKind::Disbursement, c.date));
    for c in costs {
        let (kind, vat) = match c.kind {
            ExpenseKind::Expense => (LineKind::Expense, c.vat),
            // Outside the scope of VAT, whatever was recorded.
            ExpenseKind::Disbursement => (LineKind::Disbursement, Money::ZERO),
        };
        lines.push(BillLine {
            kind,
            date: c.date,
            description: c.description.clone(),
            net: c.net,
            vat,
        });
    }
    if lines.is_empty() {
        return Err(Invalid::new(
            "matter",
            "has nothing unbilled: no billable time, expenses or disbursements",
        ));
    }
    Ok(lines)
}

/// A bill's (or credit note's) figures from its lines.
pub fn totals(lines: &[BillLine]) -> Result<Totals, Invalid> {
    let mut t = Totals::default();
    for l in lines {
        match l.kind {
            LineKind::Fees => t.fees = sum(t.fees, l.net)?,
            LineKind::Expense => t.expenses = sum(t.expenses, l.net)?,
            LineKind::Disbursement => t.disbursements = sum(t.disbursements, l.net)?,
        }
        t.vat = sum(t.vat, l.vat)?;
        t.total = sum(sum(t.total, l.net)?, l.vat)?;
    }
    Ok(t)
}

/// How much a credit note credits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credit {
    /// The whole bill: every line negated.
    Whole,
    /// Part of the professional charges, net; VAT at 20% on it.
    Fees(Money),
}

/// A credit note's lines against a bill, given what is still unpaid on it.
pub fn credit_lines(
    bill: &[BillLine],
    unpaid: Money,
    credit: Credit,
    on: Date,
) -> Result<Vec<BillLine>, Invalid> {
    let bill_totals = totals(bill)?;
    let lines = match credit {
        Credit::Whole => bill
            .iter()
            .map(|l| BillLine {
                kind: l.kind,
                date: on,
                description: format!("Credit: {}", l.description),
                net: Money::from_pence(-l.net.pence()),
                vat: Money::from_pence(-l.vat.pence()),
            })
            .collect(),
        Credit::Fees(net) => {
            if net.pence() <= 0 {
                return Err(Invalid::new("amount", "must be more than £0.00"));
            }
            if net > bill_totals.fees {
                return Err(Invalid::new(
                    "amount",
                    format!(
                        "({net}) is more than the bill's professional charges of {}",
                        bill_totals.fees
                    ),
                ));
            }
            vec![BillLine {
                kind: LineKind::Fees,
                date: on,
                description: "Credit: professional charges".to_owned(),
                net: Money::from_pence(-net.pence()),
                vat: Money::from_pence(-vat_standard(net).pence()),
            }]
        }
    };
    let credited = Money::from_pence(-totals(&lines)?.total.pence());
    if credited > unpaid {
        return Err(Invalid::new(
            "amount",
            format!(
                "would credit {credited}, more than the {unpaid} unpaid on the bill; money already paid is refunded, not credited"
            ),
        ));
    }
    Ok(lines)
}

/// What is unpaid on a bill: its total less payments and credits (all ≥ 0), never below
/// zero.
pub fn unpaid(total: Money, paid: Money, credited: Money) -> Money {
    Money::from_pence(
        total
            .pence()
            .saturating_sub(paid.pence())
            .saturating_sub(credited.pence())
            .max(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: i8) -> Date {
        Date::new(2026, 11, day).unwrap()
    }

    fn p(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    #[test]
    fn a_bill_hand_worked() {
        // JH: 1 h 30 min at £200/h = £300.00 and 24 min = £80.00 → £380.00, VAT £76.00.
        // AB: 6 min at £150/h = £15.00, VAT £3.00.
        // Travel expense £20.00 + VAT £4.00. Land Registry fee £150.00, no VAT.
        let time = [
            TimeItem {
                fee_earner: "JH".into(),
                date: d(2),
                minutes: 90,
                value: p("300.00"),
            },
            TimeItem {
                fee_earner: "JH".into(),
                date: d(9),
                minutes: 24,
                value: p("80.00"),
            },
            TimeItem {
                fee_earner: "AB".into(),
                date: d(3),
                minutes: 6,
                value: p("15.00"),
            },
        ];
        let costs = [
            CostItem {
                kind: ExpenseKind::Disbursement,
                date: d(4),
                description: "Land Registry fee".into(),
                net: p("150.00"),
                vat: p("30.00"), // recorded wrongly: a disbursement never carries VAT
            },
            CostItem {
                kind: ExpenseKind::Expense,
                date: d(5),
                description: "Travel to Crown Court".into(),
                net: p("20.00"),
                vat: p("4.00"),
            },
        ];
        let lines = compose(&time, &costs).unwrap();
        assert_eq!(
            lines
                .iter()
                .map(|l| (l.kind, l.description.as_str(), l.net.pence(), l.vat.pence()))
                .collect::<Vec<_>>(),
            [
                (
                    LineKind::Fees,
                    "Professional charges: AB, 6 min",
                    1_500,
                    300
                ),
                (
                    LineKind::Fees,
                    "Professional charges: JH, 1 h 54 min",
                    38_000,
                    7_600
                ),
                (LineKind::Expense, "Travel to Crown Court", 2_000, 400),
                (LineKind::Disbursement, "Land Registry fee", 15_000, 0),
            ]
        );
        let t = totals(&lines).unwrap();
        assert_eq!(
            (
                t.fees.pence(),
                t.expenses.pence(),
                t.disbursements.pence(),
                t.vat.pence(),
                t.total.pence()
            ),
            (39_500, 2_000, 15_000, 8_300, 64_800)
        );
    }

    #[test]
    fn vat_is_rounded_per_line_not_on_the_total() {
        // Two fee earners with £0.03 each: 0.6p rounds to 1p on each line → 2p; on the
        // total (£0.06 → 1.2p) it would have been 1p.
        let time = [
            TimeItem {
                fee_earner: "AA".into(),
                date: d(2),
                minutes: 1,
                value: p("0.03"),
            },
            TimeItem {
                fee_earner: "BB".into(),
                date: d(2),
                minutes: 1,
                value: p("0.03"),
            },
        ];
        let t = totals(&compose(&time, &[]).unwrap()).unwrap();
        assert_eq!(t.vat.pence(), 2);
    }

    #[test]
    fn nothing_to_bill_is_refused() {
        let err = compose(&[], &[]).unwrap_err();
        assert!(err.to_string().contains("nothing unbilled"), "{err}");
    }

    #[test]
    fn credit_notes_negate_exactly_and_never_exceed_what_is_unpaid() {
        let lines = compose(
            &[TimeItem {
                fee_earner: "JH".into(),
                date: d(2),
                minutes: 60,
                value: p("200.00"),
            }],
            &[CostItem {
                kind: ExpenseKind::Disbursement,
                date: d(2),
                description: "Court fee".into(),
                net: p("55.00"),
                vat: Money::ZERO,
            }],
        )
        .unwrap();
        let total = totals(&lines).unwrap().total; // 200 + 40 + 55 = 295
        assert_eq!(total, p("295.00"));
        let whole = credit_lines(&lines, total, Credit::Whole, d(20)).unwrap();
        assert_eq!(totals(&whole).unwrap().total, p("-295.00"));
        assert_eq!(totals(&whole).unwrap().vat, p("-40.00"));
        let part = credit_lines(&lines, total, Credit::Fees(p("50.00")), d(20)).unwrap();
        assert_eq!(totals(&part).unwrap().total, p("-60.00"));
        // £100 paid: only £195 unpaid, so the whole bill cannot be credited.
        let err = credit_lines(&lines, p("195.00"), Credit::Whole, d(20)).unwrap_err();
        assert!(
            err.to_string().contains("more than the £195.00 unpaid"),
            "{err}"
        );
        let err = credit_lines(&lines, total, Credit::Fees(p("200.01")), d(20)).unwrap_err();
        assert!(err.to_string().contains("professional charges"), "{err}");
        assert_eq!(unpaid(total, p("100.00"), p("60.00")), p("135.00"));
        assert_eq!(unpaid(total, p("300.00"), Money::ZERO), Money::ZERO);
    }
}
