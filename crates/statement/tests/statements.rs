//! Reading the fixture statements, refusing broken ones with the right line, keys, and
//! matching.

use jiff::civil::{Date, date};
use satchel_core::Money;
use satchel_statement::{
    AmountColumns, Candidate, CsvMapping, DateFormat, LineToMatch, Match, Statement,
    StatementError, StatementLine, auto_match, keyed, line_key, parse_csv, parse_ofx,
};

const V1: &[u8] = include_bytes!("fixtures/statement-v1.ofx");
const V2: &[u8] = include_bytes!("fixtures/statement-v2.ofx");
const SIGNED: &[u8] = include_bytes!("fixtures/signed.csv");
const INOUT: &[u8] = include_bytes!("fixtures/inout-newest-first.csv");

fn pence(p: i64) -> Money {
    Money::from_pence(p)
}

/// `bytes` with the first `from` replaced by `to`, and the 1-based line the change is on.
fn broken(bytes: &[u8], from: &str, to: &str) -> (Vec<u8>, usize) {
    let from = from.as_bytes();
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .unwrap_or_else(|| panic!("{} is not in the fixture", String::from_utf8_lossy(from)));
    let mut out = bytes[..at].to_vec();
    out.extend_from_slice(to.as_bytes());
    out.extend_from_slice(&bytes[at + from.len()..]);
    let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
    (out, line)
}

fn ofx_error(bytes: &[u8]) -> StatementError {
    match parse_ofx(bytes) {
        Ok(s) => panic!("expected an error, read {} lines", s.lines.len()),
        Err(e) => e,
    }
}

fn csv_error(bytes: &[u8], mapping: &CsvMapping) -> StatementError {
    match parse_csv(bytes, mapping) {
        Ok(s) => panic!("expected an error, read {} lines", s.lines.len()),
        Err(e) => e,
    }
}

// ---------------------------------------------------------------------------------------
// OFX
// ---------------------------------------------------------------------------------------

fn expected_ofx_lines() -> Vec<(
    Date,
    Money,
    Option<&'static str>,
    &'static str,
    &'static str,
)> {
    vec![
        (
            date(2026, 11, 3),
            pence(150_000),
            Some("202611030001"),
            "SMITH J COMPLETION MAT-0042",
            "",
        ),
        (
            date(2026, 11, 4),
            pence(-1_250),
            Some("202611040001"),
            "HM LAND REGISTRY SEARCH FEES",
            "100234",
        ),
        (
            date(2026, 11, 5),
            pence(-500),
            Some("202611050001"),
            "M&S SIMPLY FOOD CARD 1234 FEE £5",
            "",
        ),
        (
            date(2026, 11, 6),
            pence(100_000),
            Some("202611060001"),
            "BROWN & CO",
            "REF 77",
        ),
    ]
}

fn without_line_numbers(s: &Statement) -> Vec<(Date, Money, Option<&str>, &str, &str)> {
    s.lines
        .iter()
        .map(|l| {
            (
                l.date,
                l.amount,
                l.fitid.as_deref(),
                l.description.as_str(),
                l.reference.as_str(),
            )
        })
        .collect()
}

#[test]
fn ofx_1x_sgml_reads_transactions_balance_and_account() {
    let s = parse_ofx(V1).unwrap();
    assert_eq!(without_line_numbers(&s), expected_ofx_lines());
    let starts: Vec<usize> = s.lines.iter().map(|l| l.line).collect();
    assert_eq!(starts, vec![39, 47, 56, 64]);
    assert_eq!(
        s.closing_balance,
        Some((date(2026, 11, 30), pence(248_250)))
    );
    assert_eq!(s.bank_id.as_deref(), Some("401234"));
    assert_eq!(s.account_id.as_deref(), Some("12345678"));
}

#[test]
fn ofx_2x_xml_reads_the_same_statement() {
    let v1 = parse_ofx(V1).unwrap();
    let v2 = parse_ofx(V2).unwrap();
    assert_eq!(without_line_numbers(&v2), expected_ofx_lines());
    let starts: Vec<usize> = v2.lines.iter().map(|l| l.line).collect();
    assert_eq!(starts, vec![28, 36, 45, 53]);
    // Everything but where each transaction starts in its own file is equal.
    let renumbered: Vec<StatementLine> = v2
        .lines
        .iter()
        .zip(&v1.lines)
        .map(|(l2, l1)| StatementLine {
            line: l1.line,
            ..l2.clone()
        })
        .collect();
    assert_eq!(renumbered, v1.lines);
    assert_eq!(v2.closing_balance, v1.closing_balance);
    assert_eq!(v2.bank_id, v1.bank_id);
    assert_eq!(v2.account_id, v1.account_id);
    // So the keys agree too.
    let k1: Vec<String> = keyed(&v1).into_iter().map(|(k, _)| k).collect();
    let k2: Vec<String> = keyed(&v2).into_iter().map(|(k, _)| k).collect();
    assert_eq!(k1, k2);
    assert_eq!(k1[0], "fitid:202611030001");
}

#[test]
fn ofx_reads_the_same_with_lf_or_crlf_utf8_or_1252_and_lower_case_tags() {
    let v1 = parse_ofx(V1).unwrap();
    let lf: Vec<u8> = V1.iter().copied().filter(|&b| b != b'\r').collect();
    assert_eq!(parse_ofx(&lf).unwrap(), v1);
    let utf8 = String::from_utf8_lossy(&lf).replace('\u{fffd}', "£");
    assert_eq!(parse_ofx(utf8.as_bytes()).unwrap(), v1);
    let lower = utf8
        .replace("<STMTTRN>", "<stmttrn>")
        .replace("</STMTTRN>", "</stmttrn>");
    assert_eq!(parse_ofx(lower.as_bytes()).unwrap(), v1);
    let crlf = String::from_utf8_lossy(V2).replace('\n', "\r\n");
    assert_eq!(parse_ofx(crlf.as_bytes()).unwrap(), parse_ofx(V2).unwrap());
}

#[test]
fn ofx_2x_with_a_bare_ampersand_is_read_as_written() {
    let (bytes, _) = broken(V2, "M&amp;S", "M&S");
    assert_eq!(parse_ofx(&bytes).unwrap(), parse_ofx(V2).unwrap());
}

#[test]
fn ofx_bad_date_names_its_line() {
    let (v1, line) = broken(
        V1,
        "<DTPOSTED>20261104120000[0:GMT]",
        "<DTPOSTED>2026-11-04",
    );
    assert_eq!(line, 49);
    let e = ofx_error(&v1);
    assert_eq!(
        e.to_string(),
        "Line 49: DTPOSTED '2026-11-04' is not an OFX date (YYYYMMDD, optionally with a \
         time, such as 20261103 or 20261103120000[0:GMT])"
    );
    let (v2, line) = broken(V2, "<DTPOSTED>20261104120000[0:GMT]", "<DTPOSTED>20261131");
    assert_eq!(line, 38);
    let e = ofx_error(&v2);
    assert_eq!(
        e.to_string(),
        "Line 38: DTPOSTED '20261131' is not a day of the calendar"
    );
}

#[test]
fn ofx_bad_amount_names_its_line() {
    for (fixture, expected_line) in [(V1, 50), (V2, 39)] {
        let (bytes, line) = broken(fixture, "-12.50", "-12,50");
        assert_eq!(line, expected_line);
        let e = ofx_error(&bytes);
        assert_eq!(e.line, line);
        assert!(
            e.message.starts_with("TRNAMT '-12,50' is not an amount"),
            "{e}"
        );
    }
}

#[test]
fn ofx_fraction_of_a_penny_is_refused() {
    for fixture in [V1, V2] {
        let (bytes, line) = broken(fixture, "-12.50", "-12.505");
        let e = ofx_error(&bytes);
        assert_eq!(
            e.to_string(),
            format!("Line {line}: TRNAMT '-12.505' has a fraction of a penny")
        );
    }
    // Trailing zeros are not a fraction of a penny.
    let (bytes, _) = broken(V1, "-12.50", "-12.5000");
    assert_eq!(parse_ofx(&bytes).unwrap(), parse_ofx(V1).unwrap());
}

#[test]
fn ofx_amount_over_a_billion_pounds_is_refused() {
    let (bytes, line) = broken(V2, "1500.00", "1000000000.01");
    let e = ofx_error(&bytes);
    assert_eq!(e.line, line);
    assert!(e.message.contains("more than £1,000,000,000.00"), "{e}");
}

#[test]
fn ofx_in_another_currency_is_refused() {
    for (fixture, expected_line) in [(V1, 30), (V2, 19)] {
        let (bytes, line) = broken(fixture, "<CURDEF>GBP", "<CURDEF>EUR");
        assert_eq!(line, expected_line);
        let e = ofx_error(&bytes);
        assert_eq!(
            e.to_string(),
            format!("Line {line}: CURDEF is 'EUR': Satchel reads sterling (GBP) statements only")
        );
    }
    let (bytes, _) = broken(V1, "<CURDEF>GBP\r\n", "");
    let e = ofx_error(&bytes);
    assert_eq!(e.line, 29);
    assert!(e.message.contains("does not say its currency"), "{e}");
    // A transaction in another currency is refused too.
    let (bytes, line) = broken(
        V2,
        "<TRNAMT>-5.00</TRNAMT>",
        "<TRNAMT>-5.00</TRNAMT><CURRENCY><CURRATE>1.1</CURRATE>\n<CURSYM>USD</CURSYM></CURRENCY>",
    );
    let e = ofx_error(&bytes);
    assert_eq!(e.line, line + 1);
    assert!(e.message.contains("CURRENCY is 'USD'"), "{e}");
}

#[test]
fn ofx_cut_short_is_refused_at_the_line_it_ends() {
    let cut = |bytes: &[u8], after: &str| -> (Vec<u8>, usize) {
        let at = bytes
            .windows(after.len())
            .position(|w| w == after.as_bytes())
            .unwrap()
            + after.len();
        let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
        (bytes[..at].to_vec(), line)
    };
    let (v1, line) = cut(V1, "<NAME>HM LAND REGISTRY");
    assert_eq!(line, 53);
    let e = ofx_error(&v1);
    assert_eq!(
        e.to_string(),
        "Line 53: the file ends inside <STMTTRN> (opened on line 47): it looks cut short"
    );
    let (v2, line) = cut(V2, "<NAME>HM LAND REGISTRY</NAME>");
    assert_eq!(line, 42);
    let e = ofx_error(&v2);
    assert_eq!(
        e.to_string(),
        "Line 42: the file ends inside <STMTTRN> (opened on line 36): it looks cut short"
    );
    // Cut inside a tag.
    let (v1, line) = cut(V1, "</STMTT");
    let e = ofx_error(&v1);
    assert_eq!(e.line, line);
    let (v2, line) = cut(V2, "</STMTT");
    let e = ofx_error(&v2);
    assert_eq!(e.line, line);
}

#[test]
fn ofx_cut_anywhere_before_its_end_is_refused() {
    for fixture in [V1, V2] {
        let end = fixture.windows(6).position(|w| w == b"</OFX>").unwrap() + 6;
        for len in 0..end {
            assert!(
                parse_ofx(&fixture[..len]).is_err(),
                "a file cut to {len} bytes was read"
            );
        }
        assert!(parse_ofx(&fixture[..end]).is_ok());
    }
}

#[test]
fn ofx_without_transactions_is_refused() {
    for (fixture, expected_line) in [(V1, 36), (V2, 25)] {
        let text = String::from_utf8_lossy(fixture);
        let first = text.find("<STMTTRN>").unwrap();
        let last = text.rfind("</STMTTRN>").unwrap() + "</STMTTRN>".len();
        let emptied = format!("{}{}", &text[..first], &text[last..]);
        let e = ofx_error(emptied.as_bytes());
        assert_eq!(
            e.to_string(),
            format!("Line {expected_line}: the statement has no transactions (no <STMTTRN>)")
        );
    }
}

#[test]
fn ofx_transaction_missing_what_it_needs_is_refused() {
    let (bytes, _) = broken(V1, "<TRNAMT>-5.00\r\n", "");
    let e = ofx_error(&bytes);
    assert_eq!(e.to_string(), "Line 56: <STMTTRN> has no TRNAMT");
    let (bytes, _) = broken(V2, "<TRNAMT>-5.00</TRNAMT>", "<TRNAMT></TRNAMT>");
    let e = ofx_error(&bytes);
    assert_eq!(e.to_string(), "Line 48: TRNAMT is empty");
    let (bytes, _) = broken(
        V2,
        "<TRNAMT>-5.00</TRNAMT>",
        "<TRNAMT>-5.00</TRNAMT><TRNAMT>5</TRNAMT>",
    );
    let e = ofx_error(&bytes);
    assert_eq!(e.to_string(), "Line 48: <STMTTRN> has a second TRNAMT");
}

#[test]
fn ofx_that_is_not_a_bank_statement_is_refused() {
    assert_eq!(ofx_error(b"").to_string(), "Line 1: the file is empty");
    assert_eq!(ofx_error(b"\r\n  \n").line, 1);
    let e = ofx_error(b"Date,Amount\n01/11/2026,5.00\n");
    assert!(e.message.contains("not an OFX file"), "{e}");
    let e = ofx_error(b"OFXHEADER:100\nDATA:OFXSGML\nthis line is not a header\n<OFX></OFX>");
    assert_eq!(e.line, 3);
    let e = ofx_error(b"OFXHEADER:100\nDATA:OFXSGML\n");
    assert!(e.message.contains("no <OFX> element"), "{e}");
    let e = ofx_error(b"<?xml version=\"1.0\"?>\n<OFX>\n</OFX>\n");
    assert_eq!(
        e.to_string(),
        "Line 2: the file has no bank statement (no <STMTRS>)"
    );
    let e = ofx_error(b"<?xml version=\"1.0\"?>\n<OFX>\n<CREDITCARDMSGSRSV1><CCSTMTTRNRS>\n<CCSTMTRS>\n</CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>");
    assert_eq!(e.line, 4);
    assert!(e.message.contains("credit card statement"), "{e}");
    let e = ofx_error(b"<?xml version=\"1.0\"?>\n<OFX>\n<A>\n</B>\n</OFX>\n");
    assert_eq!(e.line, 4);
    assert!(e.message.contains("not well formed"), "{e}");
}

#[test]
fn ofx_with_two_statements_or_a_bank_error_is_refused() {
    let text = String::from_utf8_lossy(V2);
    let start = text.find("<STMTTRNRS>").unwrap();
    let end = text.find("</STMTTRNRS>").unwrap() + "</STMTTRNRS>".len();
    let doubled = format!("{}\n{}", &text[..end], &text[start..]);
    let e = ofx_error(doubled.as_bytes());
    assert!(e.message.contains("holds 2 statements"), "{e}");
    assert_eq!(e.line, 85);

    let (bytes, line) = broken(
        V1,
        "<CODE>0\r\n<SEVERITY>INFO\r\n</STATUS>\r\n<STMTRS>",
        "<CODE>2000\r\n<SEVERITY>ERROR\r\n<MESSAGE>Account  closed\r\n</STATUS>\r\n<STMTRS>",
    );
    let e = ofx_error(&bytes);
    assert_eq!(e.line, line - 1);
    assert_eq!(
        e.message,
        "the bank reports an error for this statement (code 2000: Account closed)"
    );
}

// ---------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------

fn signed_mapping() -> CsvMapping {
    CsvMapping {
        has_header: true,
        delimiter: ',',
        date_column: 0,
        date_format: DateFormat::DayMonthYear,
        amount: AmountColumns::Signed { column: 3 },
        description_column: 1,
        reference_column: Some(2),
        balance_column: Some(4),
    }
}

fn inout_mapping() -> CsvMapping {
    CsvMapping {
        has_header: true,
        delimiter: ',',
        date_column: 0,
        date_format: DateFormat::DayMonthYear,
        amount: AmountColumns::InOut {
            paid_in: 4,
            paid_out: 3,
        },
        description_column: 2,
        reference_column: None,
        balance_column: Some(5),
    }
}

#[test]
fn csv_with_header_and_signed_amounts() {
    let s = parse_csv(SIGNED, &signed_mapping()).unwrap();
    let got: Vec<(usize, Date, Money, &str, &str)> = s
        .lines
        .iter()
        .map(|l| {
            (
                l.line,
                l.date,
                l.amount,
                l.description.as_str(),
                l.reference.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                2,
                date(2026, 11, 1),
                pence(123_456),
                "Opening transfer from office",
                "OFF-1"
            ),
            (
                3,
                date(2026, 11, 3),
                pence(150_000),
                "SMITH J COMPLETION",
                "MAT-0042"
            ),
            (
                4,
                date(2026, 11, 4),
                pence(-1_250),
                "HM LAND REGISTRY",
                "100234"
            ),
            (
                5,
                date(2026, 11, 5),
                pence(-500),
                "CARD PAYMENT POST OFFICE",
                ""
            ),
            (
                6,
                date(2026, 11, 5),
                pence(-500),
                "CARD PAYMENT POST OFFICE",
                ""
            ),
            (
                7,
                date(2026, 11, 6),
                pence(-100_000),
                "BROWN, SMITH & CO",
                "REF 77"
            ),
        ]
    );
    assert!(s.lines.iter().all(|l| l.fitid.is_none()));
    assert_eq!(s.closing_balance, Some((date(2026, 11, 6), pence(171_206))));
    assert_eq!((s.bank_id, s.account_id), (None, None));
}

#[test]
fn csv_with_paid_in_and_out_newest_first() {
    let s = parse_csv(INOUT, &inout_mapping()).unwrap();
    let got: Vec<(usize, Date, Money)> =
        s.lines.iter().map(|l| (l.line, l.date, l.amount)).collect();
    assert_eq!(
        got,
        vec![
            (2, date(2026, 11, 6), pence(-100_000)),
            (3, date(2026, 11, 5), pence(-500)),
            (4, date(2026, 11, 5), pence(-500)),
            // Line 5 is blank.
            (6, date(2026, 11, 4), pence(-1_250)),
            (7, date(2026, 11, 3), pence(150_000)),
            (8, date(2026, 11, 1), pence(123_456)),
        ]
    );
    // Newest first: the closing balance is the first row's.
    assert_eq!(s.closing_balance, Some((date(2026, 11, 6), pence(171_206))));
    // The same transactions as the signed export, in the other order.
    let signed = parse_csv(SIGNED, &signed_mapping()).unwrap();
    let mut a: Vec<(Date, Money)> = s.lines.iter().map(|l| (l.date, l.amount)).collect();
    let mut b: Vec<(Date, Money)> = signed.lines.iter().map(|l| (l.date, l.amount)).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

#[test]
fn csv_closing_balance_order_from_running_balances_when_all_dates_agree() {
    let mapping = CsvMapping {
        has_header: false,
        amount: AmountColumns::Signed { column: 2 },
        reference_column: None,
        balance_column: Some(3),
        ..signed_mapping()
    };
    let oldest_first = b"05/11/2026,a,10.00,110.00\n05/11/2026,b,-3.00,107.00\n";
    let s = parse_csv(oldest_first, &mapping).unwrap();
    assert_eq!(s.closing_balance, Some((date(2026, 11, 5), pence(10_700))));
    let newest_first = b"05/11/2026,b,-3.00,107.00\n05/11/2026,a,10.00,110.00\n";
    let s = parse_csv(newest_first, &mapping).unwrap();
    assert_eq!(s.closing_balance, Some((date(2026, 11, 5), pence(10_700))));
    // The latest row has no balance: the latest that does is taken, with its date.
    let gap = b"04/11/2026,a,10.00,110.00\n05/11/2026,b,-3.00,\n";
    let s = parse_csv(gap, &mapping).unwrap();
    assert_eq!(s.closing_balance, Some((date(2026, 11, 4), pence(11_000))));
    // No balance column mapped: none.
    let none = CsvMapping {
        balance_column: None,
        ..mapping
    };
    assert_eq!(parse_csv(gap, &none).unwrap().closing_balance, None);
}

#[test]
fn csv_other_layouts() {
    let mapping = CsvMapping {
        has_header: false,
        delimiter: ';',
        date_column: 1,
        date_format: DateFormat::YearMonthDay,
        amount: AmountColumns::Signed { column: 0 },
        description_column: 2,
        reference_column: None,
        balance_column: None,
    };
    let s = parse_csv(
        "\u{feff}-1,234.56;2026-11-25;\"Rent; November\"\r\n£12.00;2026/11/26;Fee\r\n".as_bytes(),
        &mapping,
    )
    .unwrap();
    // The same file in Windows-1252, without a byte-order mark.
    let s1252 = parse_csv(
        b"-1,234.56;2026-11-25;\"Rent; November\"\r\n\xa312.00;2026/11/26;Fee\r\n",
        &mapping,
    )
    .unwrap();
    assert_eq!(s1252, s);
    assert_eq!(s.lines.len(), 2);
    assert_eq!(s.lines[0].amount, pence(-123_456));
    assert_eq!(s.lines[0].description, "Rent; November");
    assert_eq!(s.lines[1].amount, pence(1_200));
    assert_eq!(s.lines[1].date, date(2026, 11, 26));
    assert_eq!(s.lines[1].line, 2);
}

#[test]
fn csv_malformed_rows_name_their_line() {
    let m = signed_mapping();
    let cases: Vec<(&str, &str, &str)> = vec![
        (
            "04/11/2026,HM LAND",
            "31/02/2026,HM LAND",
            "Line 4: date '31/02/2026' is not a date such as 25/11/2026",
        ),
        (
            "£1500.00",
            "£15OO.00",
            "Line 3: amount '£15OO.00' is not an amount (such as 1,234.56, -12.50 or (12.50))",
        ),
        (
            "(12.50)",
            "(12.505)",
            "Line 4: amount '(12.505)' has a fraction of a penny",
        ),
        (
            ",,-5.00,\"2,717.06\"",
            "",
            "Line 5: there is no amount column (column 4): the row has 2 columns",
        ),
        (
            "-£1000.00",
            "-£1000000001",
            "Line 7: amount '-£1000000001' is more than £1,000,000,000.00, the largest \
             amount Satchel accepts",
        ),
        ("(12.50)", "", "Line 4: the amount is blank"),
        (
            "\"2,734.56\"",
            "\"2.734,56\"",
            "Line 3: balance '2.734,56' is not an amount (such as 1,234.56, -12.50 or (12.50))",
        ),
        (
            "Date,Description,Reference,Amount,Balance",
            "Date,Description,Reference,Amount",
            "Line 1: the header has 4 columns, but the balance column is column 5",
        ),
    ];
    for (from, to, expected) in cases {
        let (bytes, _) = broken(SIGNED, from, to);
        assert_eq!(csv_error(&bytes, &m).to_string(), expected);
    }
}

#[test]
fn csv_paid_in_and_out_must_say_one_thing() {
    let m = inout_mapping();
    let (bytes, _) = broken(INOUT, "1000.00,,", "1000.00,3.00,");
    assert_eq!(
        csv_error(&bytes, &m).to_string(),
        "Line 2: both paid in '3.00' and paid out '1000.00' have an amount"
    );
    let (bytes, _) = broken(INOUT, "12.50,,", ",,");
    assert_eq!(
        csv_error(&bytes, &m).to_string(),
        "Line 6: both paid in and paid out are blank"
    );
    let (bytes, _) = broken(INOUT, ",£1500.00,", ",-1500.00,");
    assert_eq!(
        csv_error(&bytes, &m).to_string(),
        "Line 7: paid in '-1500.00' is negative"
    );
    // Paid out written with a minus sign, and a zero in the other column, are fine.
    let (bytes, _) = broken(INOUT, "12.50,,", "-12.50,0.00,");
    let s = parse_csv(&bytes, &m).unwrap();
    assert_eq!(s, parse_csv(INOUT, &m).unwrap());
}

#[test]
fn csv_empty_or_without_transactions_is_refused() {
    let m = signed_mapping();
    assert_eq!(csv_error(b"", &m).to_string(), "Line 1: the file is empty");
    assert_eq!(csv_error(b" \r\n\r\n", &m).line, 1);
    assert_eq!(
        csv_error(b"Date,Description,Reference,Amount,Balance\r\n,,,,\r\n", &m).to_string(),
        "Line 1: the file has a header but no transactions"
    );
    let no_header = CsvMapping {
        has_header: false,
        ..m
    };
    assert_eq!(
        csv_error(b",,,,\n", &no_header).to_string(),
        "Line 1: the file has no transactions"
    );
}

#[test]
fn csv_line_numbers_count_line_breaks_inside_quotes() {
    let m = signed_mapping();
    let text = "Date,Description,Reference,Amount,Balance\n\
                01/11/2026,\"two\nlines\",R,1.00,1.00\n\
                02/11/2026,x,R,1.0x,2.00\n";
    assert_eq!(
        csv_error(text.as_bytes(), &m).to_string(),
        "Line 4: amount '1.0x' is not an amount (such as 1,234.56, -12.50 or (12.50))"
    );
    let (ok, _) = broken(text.as_bytes(), "1.0x", "1.00");
    let s = parse_csv(&ok, &m).unwrap();
    assert_eq!(s.lines[0].description, "two lines");
    assert_eq!((s.lines[0].line, s.lines[1].line), (2, 4));
}

// ---------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------

#[test]
fn identical_lines_get_distinct_keys_and_the_same_keys_again() {
    let s = parse_csv(SIGNED, &signed_mapping()).unwrap();
    let keys: Vec<String> = keyed(&s).into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys.len(), 6);
    let distinct: std::collections::HashSet<&String> = keys.iter().collect();
    assert_eq!(distinct.len(), 6);
    // The two post office payments are alike in everything but their occurrence.
    assert_eq!(s.lines[3].description, s.lines[4].description);
    assert_eq!(keys[3], line_key(&s.lines[3], 0));
    assert_eq!(keys[4], line_key(&s.lines[4], 1));
    assert!(
        keys.iter()
            .all(|k| k.starts_with("hash:") && k.len() == 5 + 64)
    );

    // Reading the file again gives the same keys.
    let again = parse_csv(SIGNED, &signed_mapping()).unwrap();
    let keys_again: Vec<String> = keyed(&again).into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys_again, keys);

    // The newest-first export of the same account gives the post office payments the same
    // two keys (its description column matches; it has no reference column, and those
    // lines' references are blank in the other export too).
    let other = parse_csv(INOUT, &inout_mapping()).unwrap();
    let other_keys: Vec<String> = keyed(&other).into_iter().map(|(k, _)| k).collect();
    assert_eq!(other_keys[1..3], keys[3..5]);
}

// ---------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------

fn line(key: &str, d: Date, p: i64, reference: &str, description: &str) -> LineToMatch {
    LineToMatch {
        key: key.to_owned(),
        date: d,
        amount: pence(p),
        reference: reference.to_owned(),
        description: description.to_owned(),
    }
}

fn candidate(id: &str, d: Date, p: i64, reference: &str) -> Candidate {
    Candidate {
        id: id.to_owned(),
        date: d,
        amount: pence(p),
        reference: reference.to_owned(),
    }
}

fn pairs(matches: Vec<Match>) -> Vec<(String, String)> {
    matches
        .into_iter()
        .map(|m| (m.line_key, m.candidate_id))
        .collect()
}

fn p(line: &str, candidate: &str) -> (String, String) {
    (line.to_owned(), candidate.to_owned())
}

#[test]
fn match_needs_the_same_amount_within_the_window() {
    let lines = [line("L", date(2026, 11, 10), 10_000, "", "")];
    let candidates = [
        candidate("A", date(2026, 11, 14), 10_000, ""), // 4 days after
        candidate("B", date(2026, 11, 3), 10_000, ""),  // 7 days before
        candidate("C", date(2026, 11, 10), -10_000, ""), // same day, wrong sign
        candidate("D", date(2026, 11, 10), 10_001, ""), // same day, a penny out
    ];
    assert_eq!(pairs(auto_match(&lines, &candidates, 3)), vec![]);
    assert_eq!(pairs(auto_match(&lines, &candidates, 4)), vec![p("L", "A")]);
    assert_eq!(
        pairs(auto_match(&lines, &candidates[1..], 7)),
        vec![p("L", "B")]
    );
    // A negative window is the same day only.
    let same_day = [candidate("E", date(2026, 11, 10), 10_000, "")];
    assert_eq!(pairs(auto_match(&lines, &same_day, -5)), vec![p("L", "E")]);
}

#[test]
fn match_prefers_a_reference_then_the_nearest_date_then_the_earliest() {
    let lines = [line(
        "L",
        date(2026, 11, 3),
        150_000,
        "",
        "SMITH J COMPLETION MAT-0042",
    )];
    let candidates = [
        candidate("near", date(2026, 11, 3), 150_000, "MAT-0099"),
        candidate("referenced", date(2026, 11, 6), 150_000, "mat-00 42"),
    ];
    assert_eq!(
        pairs(auto_match(&lines, &candidates, 5)),
        vec![p("L", "referenced")]
    );
    // The reference can be in the line's reference column too.
    let lines = [line(
        "L",
        date(2026, 11, 4),
        -1_250,
        "100234",
        "HM LAND REGISTRY",
    )];
    let candidates = [
        candidate("other", date(2026, 11, 4), -1_250, "100299"),
        candidate("cheque", date(2026, 11, 1), -1_250, "100234"),
    ];
    assert_eq!(
        pairs(auto_match(&lines, &candidates, 5)),
        vec![p("L", "cheque")]
    );
    // Without a reference: the nearest date; equally near, the earlier date; same date,
    // the earlier candidate. An empty reference never counts as appearing.
    let lines = [line("L", date(2026, 11, 10), 500, "", "anything")];
    let candidates = [
        candidate("far", date(2026, 11, 13), 500, ""),
        candidate("after", date(2026, 11, 12), 500, ""),
        candidate("before", date(2026, 11, 8), 500, ""),
    ];
    assert_eq!(
        pairs(auto_match(&lines, &candidates, 5)),
        vec![p("L", "before")]
    );
    let candidates = [
        candidate("first", date(2026, 11, 12), 500, ""),
        candidate("second", date(2026, 11, 12), 500, ""),
    ];
    assert_eq!(
        pairs(auto_match(&lines, &candidates, 5)),
        vec![p("L", "first")]
    );
}

#[test]
fn match_is_one_to_one() {
    // Two identical lines and one candidate: only one pair.
    let twins = [
        line("L0", date(2026, 11, 5), -500, "", "POST OFFICE"),
        line("L1", date(2026, 11, 5), -500, "", "POST OFFICE"),
    ];
    let one = [candidate("C1", date(2026, 11, 5), -500, "")];
    assert_eq!(pairs(auto_match(&twins, &one, 3)), vec![p("L0", "C1")]);
    // Two candidates: each line gets one, the nearer going to the first line.
    let two = [
        candidate("C2", date(2026, 11, 6), -500, ""),
        candidate("C1", date(2026, 11, 5), -500, ""),
        candidate("C3", date(2026, 11, 9), -500, ""),
    ];
    assert_eq!(
        pairs(auto_match(&twins, &two, 3)),
        vec![p("L0", "C1"), p("L1", "C2")]
    );
    // The strongest pair is taken first, whichever line comes first: L1 is on the
    // candidate's day, so it gets it, and L0 is left for a person.
    let lines = [
        line("L0", date(2026, 11, 1), 5_000, "", ""),
        line("L1", date(2026, 11, 5), 5_000, "", ""),
    ];
    let candidates = [candidate("K", date(2026, 11, 5), 5_000, "")];
    assert_eq!(
        pairs(auto_match(&lines, &candidates, 7)),
        vec![p("L1", "K")]
    );
    // A reference beats a nearer date across lines too.
    let lines = [
        line("L0", date(2026, 11, 5), 5_000, "", "INV 7"),
        line("L1", date(2026, 11, 6), 5_000, "", "INV 8"),
    ];
    let candidates = [
        candidate("inv8", date(2026, 11, 5), 5_000, "INV8"),
        candidate("inv7", date(2026, 11, 6), 5_000, "inv7"),
    ];
    assert_eq!(
        pairs(auto_match(&lines, &candidates, 3)),
        vec![p("L0", "inv7"), p("L1", "inv8")]
    );
}

#[test]
fn match_statement_lines_to_the_cash_book() {
    let s = parse_ofx(V1).unwrap();
    let lines: Vec<LineToMatch> = keyed(&s)
        .into_iter()
        .map(|(key, l)| LineToMatch::new(key, l))
        .collect();
    let book = [
        candidate("receipt-smith", date(2026, 11, 2), 150_000, "MAT-0042"),
        candidate("cheque-100234", date(2026, 11, 1), -1_250, "100234"),
        candidate("brown", date(2026, 11, 6), 100_000, ""),
        candidate("unrelated", date(2026, 11, 5), -5_001, ""),
    ];
    assert_eq!(
        pairs(auto_match(&lines, &book, 5)),
        vec![
            p("fitid:202611030001", "receipt-smith"),
            p("fitid:202611040001", "cheque-100234"),
            p("fitid:202611060001", "brown"),
        ]
    );
}
