//! The three-way reconciliation of a client bank account (SRA Accounts Rules 2019, r8.3):
//! the bank statement, the cash book and the client ledgers, compared at a date.
//!
//! Pure: the caller gathers the items at the date; this works out the figures and says
//! whether a sign-off may lock them.
//!
//! The figures, all at the reconciliation date:
//! - **adjusted bank balance** = statement balance + outstanding lodgements (receipts in the
//!   cash book not yet on the statement) − unpresented payments (payments in the cash book
//!   not yet on the statement);
//! - **cash book balance**;
//! - **client ledger total**: the sum of the client ledgers' *credit* balances. Debit
//!   (overdrawn) balances are listed separately and never netted off (r8.3);
//! - **difference** = adjusted bank balance − client ledger total. It is zero when bank,
//!   cash book and ledgers agree. Anything else — bank entries missing from the cash book
//!   (charges, unidentified receipts), an overdrawn ledger — must be explained line by line,
//!   and the explanations must add up to the difference exactly before the reconciliation
//!   can be signed.

use crate::matter::MatterNumber;
use crate::{Invalid, Money, required_text};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// An item the reconciliation lists: an outstanding lodgement, an unpresented payment, or a
/// statement entry with nothing in the cash book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub date: Date,
    pub reference: String,
    /// Positive for money in, negative for money out.
    pub amount: Money,
}

/// A client ledger's balance in the account at the date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerBalance {
    pub matter: MatterNumber,
    pub client: String,
    pub balance: Money,
}

/// One line explaining part of a difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    pub text: String,
    pub amount: Money,
}

/// What the reconciliation is worked out from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inputs {
    pub date: Date,
    pub statement_balance: Money,
    /// Cash book receipts dated on or before the date, not on the statement by then.
    pub outstanding_lodgements: Vec<Item>,
    /// Cash book payments dated on or before the date, not on the statement by then.
    pub unpresented_payments: Vec<Item>,
    /// Statement entries on or before the date matched to nothing in the cash book.
    pub unrecorded_bank_entries: Vec<Item>,
    pub cash_book_balance: Money,
    /// Every client ledger in the account with a balance that is not nil.
    pub ledgers: Vec<LedgerBalance>,
}

/// The figures of a three-way reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    pub date: Date,
    pub statement_balance: Money,
    pub outstanding_lodgements: Money,
    pub unpresented_payments: Money,
    pub adjusted_bank_balance: Money,
    pub cash_book_balance: Money,
    pub client_ledger_total: Money,
    /// Overdrawn ledgers, never netted.
    pub debit_balances: Vec<LedgerBalance>,
    /// Adjusted bank balance − client ledger total.
    pub difference: Money,
    pub lodgements: Vec<Item>,
    pub unpresented: Vec<Item>,
    pub unrecorded_bank_entries: Vec<Item>,
}

fn total(items: &[Item]) -> i64 {
    items
        .iter()
        .map(|i| i.amount.pence())
        .fold(0, i64::saturating_add)
}

/// Works out the figures.
pub fn reconcile(input: Inputs) -> Figures {
    let lodgements = total(&input.outstanding_lodgements);
    // Payments are negative amounts; the figure is shown as a positive sum deducted.
    let unpresented = -total(&input.unpresented_payments);
    let adjusted = input
        .statement_balance
        .pence()
        .saturating_add(lodgements)
        .saturating_sub(unpresented);
    let credits = input
        .ledgers
        .iter()
        .map(|l| l.balance.pence())
        .filter(|p| *p > 0)
        .fold(0_i64, i64::saturating_add);
    let debit_balances: Vec<LedgerBalance> = input
        .ledgers
        .into_iter()
        .filter(|l| l.balance.pence() < 0)
        .collect();
    Figures {
        date: input.date,
        statement_balance: input.statement_balance,
        outstanding_lodgements: Money::from_pence(lodgements),
        unpresented_payments: Money::from_pence(unpresented),
        adjusted_bank_balance: Money::from_pence(adjusted),
        cash_book_balance: input.cash_book_balance,
        client_ledger_total: Money::from_pence(credits),
        debit_balances,
        difference: Money::from_pence(adjusted.saturating_sub(credits)),
        lodgements: input.outstanding_lodgements,
        unpresented: input.unpresented_payments,
        unrecorded_bank_entries: input.unrecorded_bank_entries,
    }
}

/// Whether the figures may be signed with these explanations: every explanation has words
/// and an amount, and together they come to the difference exactly.
pub fn check_explained(figures: &Figures, explanations: &[Explanation]) -> Result<(), Invalid> {
    let mut sum = 0_i64;
    for e in explanations {
        required_text("explanation", &e.text, 500)?;
        if e.amount.pence() == 0 {
            return Err(Invalid::new(
                "explanation",
                format!("'{}' explains nothing: give its amount", e.text.trim()),
            ));
        }
        sum = sum.saturating_add(e.amount.pence());
    }
    if sum != figures.difference.pence() {
        return Err(Invalid::new(
            "explanation",
            if explanations.is_empty() {
                format!(
                    "the difference of {} must be explained line by line before the reconciliation is signed",
                    figures.difference
                )
            } else {
                format!(
                    "the explanations come to {}, but the difference is {}",
                    Money::from_pence(sum),
                    figures.difference
                )
            },
        ));
    }
    Ok(())
}

/// Whether the last signed reconciliation is too old on `today`: more than five weeks (35
/// days) ago, or never when the account has been open longer than that.
pub fn overdue(last_signed_for: Option<Date>, opened: Date, today: Date) -> bool {
    let since = last_signed_for.unwrap_or(opened);
    (today - since).get_days() > 35
}

/// The accountant's report exemption limits (r12): the average client money balance at
/// most £10,000 and the maximum at most £250,000, both measured at the period's
/// reconciliation dates.
pub const EXEMPT_AVERAGE_PENCE: i64 = 1_000_000;
pub const EXEMPT_MAXIMUM_PENCE: i64 = 25_000_000;

/// The exemption test over an accounting period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exemption {
    /// Reconciliation dates measured.
    pub dates: usize,
    /// The average client money balance, rounded down to the penny.
    pub average: Money,
    pub maximum: Money,
    pub exempt: bool,
    pub reason: String,
}

/// The exemption test: `balances` is the total client money held (all client accounts) at
/// each reconciliation date in the period.
pub fn exemption(balances: &[Money]) -> Exemption {
    if balances.is_empty() {
        return Exemption {
            dates: 0,
            average: Money::ZERO,
            maximum: Money::ZERO,
            exempt: false,
            reason: "no reconciliation was signed in the period, so the balances cannot be measured: an accountant's report is needed".into(),
        };
    }
    let sum: i128 = balances.iter().map(|b| i128::from(b.pence())).sum();
    let count = i128::try_from(balances.len()).unwrap_or(i128::MAX);
    let average = Money::from_pence(i64::try_from(sum / count).unwrap_or(i64::MAX));
    let maximum = balances.iter().copied().max().unwrap_or(Money::ZERO);
    let (avg_ok, max_ok) = (
        average.pence() <= EXEMPT_AVERAGE_PENCE,
        maximum.pence() <= EXEMPT_MAXIMUM_PENCE,
    );
    let reason = match (avg_ok, max_ok) {
        (true, true) => format!(
            "exempt: the average client money balance ({average}) is at most £10,000.00 and the maximum ({maximum}) at most £250,000.00 over {} reconciliation dates",
            balances.len()
        ),
        (false, _) => {
            format!("not exempt: the average client money balance ({average}) is over £10,000.00")
        }
        (true, false) => {
            format!("not exempt: the maximum client money balance ({maximum}) is over £250,000.00")
        }
    };
    Exemption {
        dates: balances.len(),
        average,
        maximum,
        exempt: avg_ok && max_ok,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: i8, day: i8) -> Date {
        Date::new(2026, m, day).unwrap()
    }
    fn p(text: &str) -> Money {
        Money::parse(text).unwrap()
    }
    fn item(day: i8, amount: &str) -> Item {
        Item {
            date: d(10, day),
            reference: format!("R{day}"),
            amount: p(amount),
        }
    }

    #[test]
    fn three_way_hand_worked() {
        // Statement £10,000.00; £500.00 received on the 30th not yet on it; cheques of
        // £1,200.00 and £300.00 not yet presented. Adjusted £9,000.00. Cash book £9,000.00,
        // ledgers £6,000 + £3,000. Agrees.
        let f = reconcile(Inputs {
            date: d(10, 31),
            statement_balance: p("10000.00"),
            outstanding_lodgements: vec![item(30, "500.00")],
            unpresented_payments: vec![item(28, "-1200.00"), item(29, "-300.00")],
            unrecorded_bank_entries: vec![],
            cash_book_balance: p("9000.00"),
            ledgers: vec![
                LedgerBalance {
                    matter: MatterNumber::new(1),
                    client: "A".into(),
                    balance: p("6000.00"),
                },
                LedgerBalance {
                    matter: MatterNumber::new(2),
                    client: "B".into(),
                    balance: p("3000.00"),
                },
            ],
        });
        assert_eq!(f.outstanding_lodgements, p("500.00"));
        assert_eq!(f.unpresented_payments, p("1500.00"));
        assert_eq!(f.adjusted_bank_balance, p("9000.00"));
        assert_eq!(f.client_ledger_total, p("9000.00"));
        assert_eq!(f.difference, Money::ZERO);
        assert!(check_explained(&f, &[]).is_ok());
    }

    #[test]
    fn a_debit_balance_is_listed_never_netted_and_must_be_explained() {
        // Cash book £900 = £1,000 on M1 − £100 overdrawn on M2. The ledger total is £1,000,
        // not £900; the £100 shortfall is the difference to explain.
        let f = reconcile(Inputs {
            date: d(10, 31),
            statement_balance: p("900.00"),
            outstanding_lodgements: vec![],
            unpresented_payments: vec![],
            unrecorded_bank_entries: vec![],
            cash_book_balance: p("900.00"),
            ledgers: vec![
                LedgerBalance {
                    matter: MatterNumber::new(1),
                    client: "A".into(),
                    balance: p("1000.00"),
                },
                LedgerBalance {
                    matter: MatterNumber::new(2),
                    client: "B".into(),
                    balance: p("-100.00"),
                },
            ],
        });
        assert_eq!(f.client_ledger_total, p("1000.00"));
        assert_eq!(f.debit_balances.len(), 1);
        assert_eq!(f.difference, p("-100.00"));
        let err = check_explained(&f, &[]).unwrap_err();
        assert!(
            err.to_string().contains("-£100.00 must be explained"),
            "{err}"
        );
        let wrong = [Explanation {
            text: "M00002 overdrawn".into(),
            amount: p("-90.00"),
        }];
        let err = check_explained(&f, &wrong).unwrap_err();
        assert!(err.to_string().contains("come to -£90.00"), "{err}");
        let right = [Explanation {
            text: "M00002 overdrawn by a payment made in error; replaced from office account on 2 November".into(),
            amount: p("-100.00"),
        }];
        assert!(check_explained(&f, &right).is_ok());
    }

    #[test]
    fn the_exemption_test_hand_worked() {
        // £8,000, £12,000, £9,500: average £9,833.33 (rounded down), maximum £12,000: exempt.
        let e = exemption(&[p("8000.00"), p("12000.00"), p("9500.00")]);
        assert_eq!(
            (e.average, e.maximum, e.exempt),
            (p("9833.33"), p("12000.00"), true)
        );
        // Average over the limit by a penny.
        let e = exemption(&[p("10000.01"), p("10000.01")]);
        assert!(!e.exempt && e.reason.contains("average"), "{}", e.reason);
        // A single date over £250,000 though the average is low.
        let mut many = vec![Money::ZERO; 30];
        many.push(p("250000.01"));
        let e = exemption(&many);
        assert!(e.average.pence() <= EXEMPT_AVERAGE_PENCE);
        assert!(!e.exempt && e.reason.contains("maximum"), "{}", e.reason);
        assert!(!exemption(&[]).exempt);
    }

    #[test]
    fn five_weeks_is_thirty_five_days() {
        let opened = d(1, 5);
        assert!(!overdue(Some(d(10, 1)), opened, d(11, 5)));
        assert!(overdue(Some(d(10, 1)), opened, d(11, 6)));
        assert!(overdue(None, opened, d(3, 1)));
        assert!(!overdue(None, d(10, 20), d(11, 1)));
    }
}
