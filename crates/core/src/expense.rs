//! Expenses and disbursements on matters, and the VAT they carry.
//!
//! A *disbursement* is paid by the firm as the client's agent (court fees, Land Registry
//! fees, search fees): it is outside the scope of VAT on the firm's bill (HMRC VAT Notice
//! 700 s25) and is passed on at cost. An *expense* is a cost of the firm's own supply that
//! it recharges (copying, couriers, travel): it bears VAT at the standard rate like the fees.

use crate::{Invalid, Money, required_text};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The standard rate of VAT, in basis points (20%).
pub const STANDARD_RATE_BP: u32 = 2_000;
/// The largest single expense accepted: £1,000,000.
pub const MAX_EXPENSE_PENCE: i64 = 100_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpenseKind {
    Disbursement,
    Expense,
}

impl ExpenseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ExpenseKind::Disbursement => "disbursement",
            ExpenseKind::Expense => "expense",
        }
    }

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        match text.trim().to_ascii_lowercase().as_str() {
            "disbursement" => Ok(ExpenseKind::Disbursement),
            "expense" | "recharge" => Ok(ExpenseKind::Expense),
            other => Err(Invalid::new(
                "kind",
                format!(
                    "must be disbursement (paid as the client's agent, no VAT) or expense (recharged with VAT) ('{other}' is not)"
                ),
            )),
        }
    }

    /// The VAT rate this kind bears on the bill, in basis points.
    pub fn vat_rate_bp(self) -> u32 {
        match self {
            ExpenseKind::Disbursement => 0,
            ExpenseKind::Expense => STANDARD_RATE_BP,
        }
    }
}

/// VAT on a net amount at `rate_bp` basis points, rounded to the nearest penny (half a
/// penny up), computed once per line.
pub fn vat(net: Money, rate_bp: u32) -> Money {
    let p = i128::from(net.pence()) * i128::from(rate_bp);
    let rounded = (p * 2 + 10_000).div_euclid(20_000);
    Money::from_pence(i64::try_from(rounded).unwrap_or(i64::MAX))
}

#[derive(Debug, Clone, Default)]
pub struct NewExpense<'a> {
    pub kind: &'a str,
    /// Net amount as typed, e.g. "312.50".
    pub amount: &'a str,
    pub description: &'a str,
    /// ISO date; empty for today.
    pub date: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidExpense {
    pub kind: ExpenseKind,
    pub net: Money,
    pub vat: Money,
    pub description: String,
    pub date: Date,
}

impl NewExpense<'_> {
    pub fn validate(&self, today: Date) -> Result<ValidExpense, Invalid> {
        let kind = ExpenseKind::parse(self.kind)?;
        let net = Money::parse(self.amount).map_err(|e| Invalid::new("amount", e.to_string()))?;
        if net.pence() <= 0 {
            return Err(Invalid::new(
                "amount",
                "must be more than £0.00; a correction is a separate entry",
            ));
        }
        if net.pence() > MAX_EXPENSE_PENCE {
            return Err(Invalid::new(
                "amount",
                format!("must be at most {}", Money::from_pence(MAX_EXPENSE_PENCE)),
            ));
        }
        let date = crate::dates::on_or_before_today("date", self.date, today)?;
        Ok(ValidExpense {
            kind,
            net,
            vat: vat(net, kind.vat_rate_bp()),
            description: required_text("description", self.description, 500)?,
            date,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn vat_is_rounded_once_per_line_to_the_penny() {
        assert_eq!(
            vat(Money::from_pence(10_000), STANDARD_RATE_BP),
            Money::from_pence(2_000)
        );
        // 3p at 20% = 0.6p → 1p; 2p at 20% = 0.4p → 0p.
        assert_eq!(
            vat(Money::from_pence(3), STANDARD_RATE_BP),
            Money::from_pence(1)
        );
        assert_eq!(vat(Money::from_pence(2), STANDARD_RATE_BP), Money::ZERO);
        // Exactly half a penny rounds up: 25p at 10% = 2.5p → 3p.
        assert_eq!(vat(Money::from_pence(25), 1_000), Money::from_pence(3));
        assert_eq!(vat(Money::from_pence(99_999), 0), Money::ZERO);
    }

    #[test]
    fn disbursements_bear_no_vat_and_expenses_bear_the_standard_rate() {
        let today = date(2026, 11, 25);
        let d = NewExpense {
            kind: "disbursement",
            amount: "332.00",
            description: "Court fee",
            date: "",
        }
        .validate(today)
        .unwrap();
        assert_eq!((d.net.pence(), d.vat.pence()), (33_200, 0));
        let e = NewExpense {
            kind: "expense",
            amount: "45.50",
            description: "Courier",
            date: "2026-11-20",
        }
        .validate(today)
        .unwrap();
        assert_eq!((e.net.pence(), e.vat.pence()), (4_550, 910));
    }

    #[test]
    fn bad_expenses_are_refused() {
        let today = date(2026, 11, 25);
        for (amount, kind, date, field) in [
            ("0", "expense", "", "amount"),
            ("-5", "expense", "", "amount"),
            ("12.345", "expense", "", "amount"),
            ("2000000", "expense", "", "amount"),
            ("10", "lunch", "", "kind"),
            ("10", "expense", "2026-12-01", "date"),
        ] {
            let err = NewExpense {
                kind,
                amount,
                description: "x",
                date,
            }
            .validate(today)
            .unwrap_err();
            assert_eq!(err.field, field, "{amount} {kind} {date}");
        }
    }
}
