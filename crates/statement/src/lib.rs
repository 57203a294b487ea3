//! Bank statements, read from the files banks export, for reconciling a client bank account
//! against the firm's cash book (SRA Accounts Rules 2019, r8.3: at least every five weeks).
//!
//! Pure: the readers take the bytes of a file and give back a [`Statement`] or a
//! [`StatementError`]; nothing here opens a file, reads a clock or touches a store.
//!
//! - [`parse_ofx`] reads OFX 1.x (SGML) and OFX 2.x (XML) statements. The two dialects
//!   give the same [`StatementLine`]s for the same transactions.
//! - [`parse_csv`] reads a CSV export laid out as a [`CsvMapping`] says.
//! - [`keyed`] and [`line_key`] give each line a key that is the same every time the same
//!   file (or another export holding the same transaction) is read, so that a line already
//!   matched or imported is recognised.
//! - [`auto_match`] proposes pairs of statement lines and cash-book entries.
//!
//! The rules every reader keeps:
//!
//! - **All or nothing**: a file with anything wrong in it is refused whole, with the first
//!   problem and the 1-based line of the file it is on; a partial statement is never
//!   returned.
//! - **Exact money**: amounts are integer pence ([`Money`]); a third decimal place that is
//!   not zero is a fraction of a penny and refused, never rounded; no amount above
//!   £1,000,000,000.00 is accepted (the books' own limit,
//!   [`satchel_core::accounts::MAX_AMOUNT_PENCE`]).
//! - **Sign**: money into the account (a credit, a receipt) is positive; money out is
//!   negative.
//! - **Sterling only**: a statement in any other currency is refused.
//! - **Dates as the bank gives them**: the civil date of the transaction as written; a time
//!   or a time zone after it is read past, not converted.
#![forbid(unsafe_code)]

mod csv_file;
mod keys;
mod matching;
mod ofx;
mod text;

use jiff::civil::Date;
use satchel_core::Money;
use std::fmt;

pub use csv_file::{AmountColumns, CsvMapping, DateFormat, parse_csv};
pub use keys::{keyed, line_key};
pub use matching::{Candidate, LineToMatch, Match, auto_match};
pub use ofx::parse_ofx;

/// One transaction on a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementLine {
    /// The 1-based line of the file where the transaction starts (an OFX `<STMTTRN>`, a
    /// CSV row), to point a person at it.
    pub line: usize,
    /// The date the bank posted it.
    pub date: Date,
    /// Money into the account positive, money out negative.
    pub amount: Money,
    /// The bank's own id for the transaction (OFX `FITID`); CSV exports have none.
    pub fitid: Option<String>,
    /// What the bank says the transaction was: OFX `NAME` (or `PAYEE/NAME`) then `MEMO`
    /// (left out when it only repeats the name), or the CSV description column. Runs of
    /// whitespace are one space; may be empty.
    pub description: String,
    /// OFX `CHECKNUM` then `REFNUM`, or the CSV reference column; may be empty.
    pub reference: String,
}

/// A bank statement: its transactions in the order the file lists them, and what the file
/// says about the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Never empty: a file with no transactions is refused.
    pub lines: Vec<StatementLine>,
    /// The balance at the end of the statement and its date: OFX `LEDGERBAL`, or the CSV
    /// balance column of the last transaction by date.
    pub closing_balance: Option<(Date, Money)>,
    /// OFX `BANKID`: the sort code for a UK account, as the file writes it.
    pub bank_id: Option<String>,
    /// OFX `ACCTID`: the account number, as the file writes it.
    pub account_id: Option<String>,
}

/// Why a statement file was refused: the line it is on and what is wrong, in words a
/// person can act on.
///
/// Displayed as "Line 14: TRNAMT '12.345' has a fraction of a penny". `line` is 0 when the
/// problem is not in the file but in how it was asked to be read (a [`CsvMapping`] that
/// cannot work); then the message is shown alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementError {
    pub line: usize,
    pub message: String,
}

impl StatementError {
    pub fn new(line: usize, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for StatementError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "Line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for StatementError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_their_line() {
        let e = StatementError::new(14, "TRNAMT '12.345' has a fraction of a penny");
        assert_eq!(
            e.to_string(),
            "Line 14: TRNAMT '12.345' has a fraction of a penny"
        );
        let mapping =
            StatementError::new(0, "The mapping reads paid in and paid out from one column");
        assert_eq!(
            mapping.to_string(),
            "The mapping reads paid in and paid out from one column"
        );
    }
}
