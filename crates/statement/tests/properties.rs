//! Properties: the readers never panic, whatever they are given, and a CSV written from
//! valid lines reads back as those lines.

use jiff::civil::Date;
use proptest::prelude::*;
use satchel_core::Money;
use satchel_statement::{AmountColumns, CsvMapping, DateFormat, keyed, parse_csv, parse_ofx};

const V1: &[u8] = include_bytes!("fixtures/statement-v1.ofx");
const V2: &[u8] = include_bytes!("fixtures/statement-v2.ofx");

fn any_mapping() -> impl Strategy<Value = CsvMapping> {
    (
        any::<bool>(),
        prop::sample::select(vec![',', ';', '\t', '|', 'x', '"']),
        0usize..6,
        prop::bool::ANY.prop_map(|dmy| {
            if dmy {
                DateFormat::DayMonthYear
            } else {
                DateFormat::YearMonthDay
            }
        }),
        (any::<bool>(), 0usize..6, 0usize..6),
        0usize..6,
        prop::option::of(0usize..6),
        prop::option::of(0usize..6),
    )
        .prop_map(
            |(has_header, delimiter, date_column, date_format, (signed, a, b), d, r, bal)| {
                CsvMapping {
                    has_header,
                    delimiter,
                    date_column,
                    date_format,
                    amount: if signed {
                        AmountColumns::Signed { column: a }
                    } else {
                        AmountColumns::InOut {
                            paid_in: a,
                            paid_out: b,
                        }
                    },
                    description_column: d,
                    reference_column: r,
                    balance_column: bal,
                }
            },
        )
}

/// Bytes that look a little like a CSV statement, to get past the first checks more often
/// than random bytes do.
fn csvish() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            Just(b",".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"\"".to_vec()),
            Just(b"25/11/2026".to_vec()),
            Just(b"2026-11-25".to_vec()),
            Just(b"-12.50".to_vec()),
            Just(b"(1,234.56)".to_vec()),
            Just("£".as_bytes().to_vec()),
            Just(b"\xa3".to_vec()),
            Just(b"99999999999999999999999".to_vec()),
            "[a-z0-9 .;-]{0,6}".prop_map(String::into_bytes),
            prop::collection::vec(any::<u8>(), 0..4),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_csv_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300), mapping in any_mapping()) {
        let _ = parse_csv(&bytes, &mapping);
    }

    #[test]
    fn parse_csv_never_panics_on_csvish_text(bytes in csvish(), mapping in any_mapping()) {
        if let Ok(statement) = parse_csv(&bytes, &mapping) {
            prop_assert!(!statement.lines.is_empty());
            let _ = keyed(&statement);
        }
    }

    #[test]
    fn parse_ofx_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_ofx(&bytes);
    }

    #[test]
    fn parse_ofx_never_panics_on_damaged_statements(
        v2 in any::<bool>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..3, prop::sample::select(b"<>/&;:[].- \n\r0x9A".to_vec())), 1..6),
    ) {
        let mut bytes = if v2 { V2.to_vec() } else { V1.to_vec() };
        for (at, how, byte) in edits {
            let i = at.index(bytes.len());
            match how {
                0 => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ => { bytes.remove(i); }
            }
        }
        if let Ok(statement) = parse_ofx(&bytes) {
            prop_assert!(!statement.lines.is_empty());
        }
    }
}

/// A valid statement line: a date, an amount within the limit, a description and a
/// reference that may hold delimiters, quotes and runs of spaces.
#[derive(Debug, Clone)]
struct Valid {
    date: Date,
    pence: i64,
    description: String,
    reference: String,
}

fn valid_line() -> impl Strategy<Value = Valid> {
    (
        (2000i16..2100, 1i8..=12, 1i8..=28),
        prop_oneof![
            -100_000_000_000i64..=100_000_000_000,
            -10_000i64..10_000,
            Just(0i64),
        ],
        "[A-Za-z0-9&,;'\"£ ]{0,24}",
        "[A-Z0-9 -]{0,10}",
    )
        .prop_map(|((y, m, d), pence, description, reference)| Valid {
            date: Date::new(y, m, d).unwrap_or_default(),
            pence,
            description,
            reference,
        })
}

fn tidy(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Pounds and pence as a bank might write them, in one of several styles.
fn money_text(pence: i64, style: u8) -> String {
    let abs = Money::from_pence(pence.abs()).to_string(); // "£1,234.56"
    let plain = abs.trim_start_matches('£').replace(',', "");
    let negative = pence < 0;
    match style % 4 {
        0 => format!("{}{plain}", if negative { "-" } else { "" }),
        1 => format!(
            "{}{}",
            if negative { "-" } else { "" },
            abs.trim_start_matches('£')
        ),
        2 => format!("{}{abs}", if negative { "-" } else { "" }),
        _ if negative => format!("({plain})"),
        _ => plain,
    }
}

fn date_text(date: Date, format: DateFormat, style: u8) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, m, d) = (date.year(), date.month(), date.day());
    match format {
        DateFormat::YearMonthDay => format!("{y:04}-{m:02}-{d:02}"),
        DateFormat::DayMonthYear => match style % 3 {
            0 => format!("{d:02}/{m:02}/{y:04}"),
            1 => format!("{d} {} {y}", MONTHS[usize::try_from(m - 1).unwrap_or(0)]),
            _ => format!("{d:02}-{m:02}-{y:04}"),
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn valid_lines_written_to_csv_read_back(
        lines in prop::collection::vec(valid_line(), 1..20),
        has_header in any::<bool>(),
        delimiter in prop::sample::select(vec![b',', b';', b'\t']),
        ymd in any::<bool>(),
        in_out in any::<bool>(),
        style in any::<u8>(),
        newest_first in any::<bool>(),
    ) {
        let date_format = if ymd { DateFormat::YearMonthDay } else { DateFormat::DayMonthYear };
        // Lines in date order (or reversed), with the running balance from zero.
        let mut lines = lines;
        lines.sort_by_key(|l| l.date);
        let mut balance = 0i64;
        let mut rows: Vec<(Valid, i64)> = lines
            .into_iter()
            .map(|l| {
                balance += l.pence;
                (l, balance)
            })
            .collect();
        if newest_first {
            rows.reverse();
        }

        // Columns: reference, date, description, amount (or paid in, paid out), balance.
        let mut out = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
        if has_header {
            let mut header = vec!["Ref", "Date", "Details"];
            header.extend(if in_out { vec!["In", "Out"] } else { vec!["Amount"] });
            header.push("Balance");
            out.write_record(&header).unwrap();
        }
        for (i, (l, bal)) in rows.iter().enumerate() {
            let s = style.wrapping_add(u8::try_from(i % 7).unwrap());
            let mut record = vec![
                l.reference.clone(),
                date_text(l.date, date_format, s),
                l.description.clone(),
            ];
            if in_out {
                let magnitude = money_text(l.pence.abs(), s % 3);
                let (paid_in, paid_out) = if l.pence >= 0 { (magnitude, String::new()) } else { (String::new(), magnitude) };
                record.push(paid_in);
                record.push(paid_out);
            } else {
                record.push(money_text(l.pence, s));
            }
            // The running balance may pass the single-amount limit; keep it in range.
            record.push(if bal.abs() <= 100_000_000_000 { money_text(*bal, s) } else { String::new() });
            out.write_record(&record).unwrap();
        }
        let bytes = out.into_inner().unwrap();

        let mapping = CsvMapping {
            has_header,
            delimiter: char::from(delimiter),
            date_column: 1,
            date_format,
            amount: if in_out {
                AmountColumns::InOut { paid_in: 3, paid_out: 4 }
            } else {
                AmountColumns::Signed { column: 3 }
            },
            description_column: 2,
            reference_column: Some(0),
            balance_column: Some(if in_out { 5 } else { 4 }),
        };
        let statement = parse_csv(&bytes, &mapping).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(statement.lines.len(), rows.len());
        for (i, (got, (want, _))) in statement.lines.iter().zip(&rows).enumerate() {
            prop_assert_eq!(got.date, want.date);
            prop_assert_eq!(got.amount.pence(), want.pence);
            prop_assert_eq!(&got.description, &tidy(&want.description));
            prop_assert_eq!(&got.reference, &tidy(&want.reference));
            prop_assert_eq!(got.fitid.as_deref(), None);
            // Each row is one line here: no field holds a line break.
            prop_assert_eq!(got.line, i + 1 + usize::from(has_header));
        }
        // The closing balance is the latest row's, when the order can be told by date.
        let first = rows.first().map(|(l, _)| l.date);
        let last = rows.last().map(|(l, _)| l.date);
        if first != last {
            let (latest, latest_balance) = if newest_first { &rows[0] } else { &rows[rows.len() - 1] };
            if latest_balance.abs() <= 100_000_000_000 {
                prop_assert_eq!(
                    statement.closing_balance,
                    Some((latest.date, Money::from_pence(*latest_balance)))
                );
            }
        }
        // The same file gives the same, distinct, keys.
        let keys: Vec<String> = keyed(&statement).into_iter().map(|(k, _)| k).collect();
        let again = parse_csv(&bytes, &mapping).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let keys_again: Vec<String> = keyed(&again).into_iter().map(|(k, _)| k).collect();
        prop_assert_eq!(&keys, &keys_again);
        let distinct: std::collections::HashSet<&String> = keys.iter().collect();
        prop_assert_eq!(distinct.len(), keys.len());
    }
}
