//! CSV statements, laid out as a [`CsvMapping`] says (each bank's export is different; the
//! mapping is chosen once per bank account and kept).
//!
//! The file is split into rows by the `csv` crate (quoted fields, embedded delimiters and
//! line breaks, CRLF); each cell is trimmed. Rows whose cells are all blank are skipped.
//! Every other row below the header is a transaction, and anything wrong in one refuses
//! the file, naming the row's line (1-based, the header line counted).

use crate::text::{AmountProblem, Lines, collapse_whitespace, decode, parse_csv_amount, quoted};
use crate::{Statement, StatementError, StatementLine};
use jiff::civil::Date;
use satchel_core::Money;
use serde::{Deserialize, Serialize};

/// How to read one bank's CSV export. Columns are counted from 0 (the first column is 0);
/// messages to a person count from 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvMapping {
    /// Whether the first row names the columns (and so is not a transaction).
    pub has_header: bool,
    /// The character between cells: `,` unless the bank uses `;` or a tab.
    #[serde(default = "comma")]
    pub delimiter: char,
    pub date_column: usize,
    pub date_format: DateFormat,
    pub amount: AmountColumns,
    pub description_column: usize,
    #[serde(default)]
    pub reference_column: Option<usize>,
    /// The running balance after each transaction, when the bank gives one.
    #[serde(default)]
    pub balance_column: Option<usize>,
}

fn comma() -> char {
    ','
}

/// The order of day, month and year in the date column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateFormat {
    /// UK order: `25/11/2026`, `25-11-2026`, `25.11.2026`, `25 Nov 2026`,
    /// `25-November-2026`. A two-digit year is in 2000–2099 (`25/11/26`).
    DayMonthYear,
    /// ISO order: `2026-11-25`, `2026/11/25`, `2026.11.25`.
    YearMonthDay,
}

/// Where the amount is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AmountColumns {
    /// One column, money in positive and money out negative.
    Signed { column: usize },
    /// Two columns, one of which is filled on each row (the other blank or zero). Paid out
    /// is money out whether the bank writes it with a minus sign or without; a negative
    /// figure under paid in is refused, as it cannot be told from a misplaced column.
    InOut { paid_in: usize, paid_out: usize },
}

impl CsvMapping {
    fn check(&self) -> Result<u8, StatementError> {
        let bad = |message: String| Err(StatementError::new(0, message));
        let d = self.delimiter;
        if !d.is_ascii() || matches!(d, '"' | '\n' | '\r') || d.is_ascii_alphanumeric() {
            return bad(format!(
                "The mapping's column delimiter '{d}' cannot be used: choose a comma, \
                 semicolon, tab or similar"
            ));
        }
        if let AmountColumns::InOut { paid_in, paid_out } = self.amount
            && paid_in == paid_out
        {
            return bad(format!(
                "The mapping reads paid in and paid out from the same column ({})",
                paid_in + 1
            ));
        }
        Ok(u8::try_from(d).unwrap_or(b','))
    }

    /// Every column the mapping reads, with the name a person knows it by.
    fn columns(&self) -> Vec<(usize, &'static str)> {
        let mut columns = vec![(self.date_column, "date")];
        match self.amount {
            AmountColumns::Signed { column } => columns.push((column, "amount")),
            AmountColumns::InOut { paid_in, paid_out } => {
                columns.push((paid_in, "paid in"));
                columns.push((paid_out, "paid out"));
            }
        }
        columns.push((self.description_column, "description"));
        if let Some(c) = self.reference_column {
            columns.push((c, "reference"));
        }
        if let Some(c) = self.balance_column {
            columns.push((c, "balance"));
        }
        columns
    }
}

/// One row, read.
struct Row {
    line: StatementLine,
    balance: Option<Money>,
}

/// Read a CSV statement laid out as `mapping` says.
///
/// The lines come back in the file's order. The closing balance, when the mapping has a
/// balance column, is the balance of the last transaction by date: banks list newest first
/// or oldest first, and the order is told from the dates of the first and last rows (or,
/// when every row has the same date, from which way the running balances add up; failing
/// both, the file's order is taken as oldest first). A row with its balance cell blank is
/// passed over for one that has it.
pub fn parse_csv(bytes: &[u8], mapping: &CsvMapping) -> Result<Statement, StatementError> {
    let delimiter = mapping.check()?;
    let text = decode(bytes);
    if text.trim().is_empty() {
        return Err(StatementError::new(1, "the file is empty"));
    }
    let lines = Lines::new(&text);
    // The line a record starts on. The `csv` crate's own line count is one short after a
    // CRLF (it counts the record from the `\n` left over from the line before), so the
    // line is found from the record's byte offset, past any line break there.
    let line_at = |position: Option<&csv::Position>| -> usize {
        let Some(position) = position else { return 1 };
        let start = usize::try_from(position.byte()).unwrap_or(usize::MAX);
        let skipped = text
            .as_bytes()
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        lines.line_of(start.saturating_add(skipped))
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut header_line = None;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = line_at(e.position());
                return Err(StatementError::new(
                    line,
                    format!("the file cannot be read as CSV: {e}"),
                ));
            }
        }
        let line = line_at(record.position());
        if mapping.has_header && header_line.is_none() {
            header_line = Some(line);
            for (column, role) in mapping.columns() {
                if record.get(column).is_none() {
                    return Err(StatementError::new(
                        line,
                        format!(
                            "the header has {} columns, but the {role} column is column {}",
                            record.len(),
                            column + 1
                        ),
                    ));
                }
            }
            continue;
        }
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        rows.push(read_row(&record, line, mapping)?);
    }
    if rows.is_empty() {
        let message = if header_line.is_some() {
            "the file has a header but no transactions"
        } else {
            "the file has no transactions"
        };
        return Err(StatementError::new(header_line.unwrap_or(1), message));
    }
    let closing_balance = closing_balance(&rows);
    Ok(Statement {
        lines: rows.into_iter().map(|row| row.line).collect(),
        closing_balance,
        bank_id: None,
        account_id: None,
    })
}

fn read_row(
    record: &csv::StringRecord,
    line: usize,
    mapping: &CsvMapping,
) -> Result<Row, StatementError> {
    let cell = |column: usize, role: &str| -> Result<&str, StatementError> {
        record.get(column).ok_or_else(|| {
            StatementError::new(
                line,
                format!(
                    "there is no {role} column (column {}): the row has {} columns",
                    column + 1,
                    record.len()
                ),
            )
        })
    };
    let amount_of = |text: &str, role: &str| -> Result<Money, StatementError> {
        parse_csv_amount(text).map_err(|problem| amount_error(line, role, text, problem))
    };

    let date_text = cell(mapping.date_column, "date")?;
    let date = parse_date(date_text, mapping.date_format).ok_or_else(|| {
        let example = match mapping.date_format {
            DateFormat::DayMonthYear => "25/11/2026",
            DateFormat::YearMonthDay => "2026-11-25",
        };
        StatementError::new(
            line,
            format!(
                "date '{}' is not a date such as {example}",
                quoted(date_text)
            ),
        )
    })?;

    let amount = match mapping.amount {
        AmountColumns::Signed { column } => {
            let text = cell(column, "amount")?;
            if text.is_empty() {
                return Err(StatementError::new(line, "the amount is blank"));
            }
            amount_of(text, "amount")?
        }
        AmountColumns::InOut { paid_in, paid_out } => {
            let in_text = cell(paid_in, "paid in")?;
            let out_text = cell(paid_out, "paid out")?;
            let money_in = if in_text.is_empty() {
                Money::ZERO
            } else {
                amount_of(in_text, "paid in")?
            };
            let money_out = if out_text.is_empty() {
                Money::ZERO
            } else {
                amount_of(out_text, "paid out")?
            };
            if money_in.pence() < 0 {
                return Err(StatementError::new(
                    line,
                    format!("paid in '{}' is negative", quoted(in_text)),
                ));
            }
            match (in_text.is_empty(), out_text.is_empty()) {
                (true, true) => {
                    return Err(StatementError::new(
                        line,
                        "both paid in and paid out are blank",
                    ));
                }
                (false, false) if money_in != Money::ZERO && money_out != Money::ZERO => {
                    return Err(StatementError::new(
                        line,
                        format!(
                            "both paid in '{}' and paid out '{}' have an amount",
                            quoted(in_text),
                            quoted(out_text)
                        ),
                    ));
                }
                _ => {}
            }
            if money_out == Money::ZERO {
                money_in
            } else {
                Money::from_pence(-money_out.pence().abs())
            }
        }
    };

    let description = collapse_whitespace(cell(mapping.description_column, "description")?);
    let reference = match mapping.reference_column {
        Some(column) => collapse_whitespace(cell(column, "reference")?),
        None => String::new(),
    };
    let balance = match mapping.balance_column {
        Some(column) => {
            let text = cell(column, "balance")?;
            if text.is_empty() {
                None
            } else {
                Some(amount_of(text, "balance")?)
            }
        }
        None => None,
    };
    Ok(Row {
        line: StatementLine {
            line,
            date,
            amount,
            fitid: None,
            description,
            reference,
        },
        balance,
    })
}

fn amount_error(line: usize, role: &str, text: &str, problem: AmountProblem) -> StatementError {
    StatementError::new(
        line,
        problem.describe(role, &quoted(text), "such as 1,234.56, -12.50 or (12.50)"),
    )
}

/// The balance after the last transaction by date, with that date.
fn closing_balance(rows: &[Row]) -> Option<(Date, Money)> {
    let (first, last) = (rows.first()?, rows.last()?);
    let newest_first = match first.line.date.cmp(&last.line.date) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => balances_run_backwards(rows),
    };
    // Oldest first: the later of two rows on one day is the later in the file.
    let mut order: Vec<&Row> = rows.iter().collect();
    if newest_first {
        order.reverse();
    }
    order.sort_by_key(|row| row.line.date); // stable: ties keep that order
    order
        .into_iter()
        .rev()
        .find_map(|row| row.balance.map(|balance| (row.line.date, balance)))
}

/// Whether the running balances only add up when the file is read bottom to top (each
/// row's balance is the next row's balance plus this row's amount), and not top to bottom.
fn balances_run_backwards(rows: &[Row]) -> bool {
    let mut forwards = true;
    let mut backwards = true;
    let mut compared = false;
    for pair in rows.windows(2) {
        let [earlier, later] = pair else { continue };
        let (Some(a), Some(b)) = (earlier.balance, later.balance) else {
            continue;
        };
        compared = true;
        forwards &= a.checked_add(later.line.amount) == Some(b);
        backwards &= b.checked_add(earlier.line.amount) == Some(a);
    }
    compared && backwards && !forwards
}

/// A date in the given order, or `None` if the text is not one.
fn parse_date(text: &str, format: DateFormat) -> Option<Date> {
    let parts: Vec<&str> = text
        .split(['/', '-', '.', ' '])
        .filter(|part| !part.is_empty())
        .collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let (year, month, day) = match format {
        DateFormat::DayMonthYear => {
            let year = match c.len() {
                4 => number(c)?,
                2 => 2000 + number(c)?,
                _ => return None,
            };
            (year, month(b)?, small(a)?)
        }
        DateFormat::YearMonthDay => {
            if a.len() != 4 {
                return None;
            }
            (number(a)?, month(b)?, small(c)?)
        }
    };
    Date::new(year, month, day).ok()
}

fn number(text: &str) -> Option<i16> {
    if text.is_empty() || text.len() > 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A day or month number: one or two digits.
fn small(text: &str) -> Option<i8> {
    if text.len() > 2 {
        return None;
    }
    i8::try_from(number(text)?).ok()
}

/// A month as a number (`11`), an abbreviation (`Nov`, `Sept`) or a name (`November`).
fn month(text: &str) -> Option<i8> {
    if let Some(n) = small(text) {
        return Some(n);
    }
    const NAMES: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let lower = text.to_lowercase();
    if lower.len() < 3 {
        return None;
    }
    let index = NAMES.iter().position(|name| name.starts_with(&lower))?;
    i8::try_from(index + 1).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dmy(text: &str) -> Option<Date> {
        parse_date(text, DateFormat::DayMonthYear)
    }

    fn ymd(text: &str) -> Option<Date> {
        parse_date(text, DateFormat::YearMonthDay)
    }

    #[test]
    fn day_month_year_dates() {
        let nov25 = Date::new(2026, 11, 25).ok();
        assert_eq!(dmy("25/11/2026"), nov25);
        assert_eq!(dmy("25-11-2026"), nov25);
        assert_eq!(dmy("25.11.2026"), nov25);
        assert_eq!(dmy("25 Nov 2026"), nov25);
        assert_eq!(dmy("25-NOV-2026"), nov25);
        assert_eq!(dmy("25 November 2026"), nov25);
        assert_eq!(dmy("25/11/26"), nov25);
        assert_eq!(dmy("5/9/2026"), Date::new(2026, 9, 5).ok());
        assert_eq!(dmy("5 Sept 2026"), Date::new(2026, 9, 5).ok());
        for bad in [
            "2026-11-25",
            "31/02/2026",
            "25/13/2026",
            "25/11/202",
            "25 No 2026",
            "25 Novx 2026",
            "25/11",
            "",
            "25//11/2026/1",
            "025/11/2026",
        ] {
            assert_eq!(dmy(bad), None, "{bad}");
        }
    }

    #[test]
    fn year_month_day_dates() {
        assert_eq!(ymd("2026-11-25"), Date::new(2026, 11, 25).ok());
        assert_eq!(ymd("2026/11/25"), Date::new(2026, 11, 25).ok());
        assert_eq!(ymd("25/11/2026"), None);
        assert_eq!(ymd("26-11-25"), None);
        assert_eq!(ymd("2026-02-30"), None);
    }

    #[test]
    fn mappings_that_cannot_work_are_refused_before_reading() {
        let mut mapping = CsvMapping {
            has_header: false,
            delimiter: ',',
            date_column: 0,
            date_format: DateFormat::DayMonthYear,
            amount: AmountColumns::InOut {
                paid_in: 2,
                paid_out: 2,
            },
            description_column: 1,
            reference_column: None,
            balance_column: None,
        };
        let e = parse_csv(b"01/11/2026,x,1.00", &mapping).unwrap_err();
        assert_eq!(e.line, 0);
        assert_eq!(
            e.to_string(),
            "The mapping reads paid in and paid out from the same column (3)"
        );
        mapping.amount = AmountColumns::Signed { column: 2 };
        mapping.delimiter = '£';
        assert_eq!(parse_csv(b"", &mapping).unwrap_err().line, 0);
    }

    #[test]
    fn mapping_serialises_with_defaults() {
        let json = r#"{"has_header":true,"date_column":0,"date_format":"day_month_year",
            "amount":{"kind":"in_out","paid_in":3,"paid_out":4},"description_column":1}"#;
        let mapping: CsvMapping = serde_json::from_str(json).unwrap();
        assert_eq!(mapping.delimiter, ',');
        assert_eq!(mapping.reference_column, None);
        assert_eq!(
            mapping.amount,
            AmountColumns::InOut {
                paid_in: 3,
                paid_out: 4
            }
        );
        let back: CsvMapping =
            serde_json::from_str(&serde_json::to_string(&mapping).unwrap()).unwrap();
        assert_eq!(back, mapping);
    }
}
