//! The client account's bank statements: what the bank showed for every client cash book
//! entry up to [`STATEMENTS_TO`] (ten days before the generator's last day), matched to
//! it, and a few bank charges the firm never recorded, in one statement a month — held in
//! the account's bank documents (`bank-<account id>` and one per month) as if each month's OFX file had been
//! imported and every line matched. Entries after that day are not on a statement yet:
//! a reconciliation at [`crate::LAST_DAY`] finds them outstanding, and the charges are its
//! difference.
//!
//! The bank posts a line on the day the money moved, or a little later: a card receipt a
//! day or two later, a cheque paid in one to three days later, a cheque the firm wrote two
//! to seven days later (when the payee banked it); nothing on a Saturday or Sunday (the
//! next Monday instead). A returned cheque or payment is posted on the day of its reversal,
//! and never before the line it undoes.
//!
//! Each statement's lines, keys, line numbers and file digest are those an import of the
//! OFX 2 file [`render_ofx`] writes would give (`satchel_statement::parse_ofx` and
//! `keyed`; tested), so importing that file again would add nothing. Its own random
//! stream: the rest of a seed's firm is what it was before the generator made statements.

use crate::Gen;
use crate::money::Accounts;
use jiff::civil::{Date, Weekday, date};
use satchel_app::BankBook;
use satchel_app::docs::{self, BankDoc, ImportRec, MatchRec, PostingRec, StatementLineRec};
use satchel_app::domain::matter::MatterNumber;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The last day a client cash book entry is on a bank statement: ten days before
/// [`crate::LAST_DAY`]. Later entries are outstanding at the last day.
pub const STATEMENTS_TO: Date = date(2026, 10, 20);

/// The bank's charges on the client account that the firm has not recorded: (day, what
/// the bank calls it). In the last statement, before [`STATEMENTS_TO`]; their amounts come
/// from the seed.
const CHARGES: &[(Date, &str)] = &[
    (date(2026, 10, 5), "ACCOUNT FEE"),
    (date(2026, 10, 12), "CHAPS PAYMENT FEE"),
    (date(2026, 10, 16), "UNPAID CHEQUE FEE"),
];

/// Mixed into the seed for the statements' random stream.
pub(crate) const BANK_SALT: u64 = 0x7374_6174_656d_656e; // "statemen"

/// One line the bank will show.
pub(crate) struct BankLine {
    /// The day the bank posted it.
    date: Date,
    /// Orders a day's lines: the posting's id (a UUIDv7, so in the order recorded), or
    /// after them the charges.
    order: String,
    /// The cash book entry it is, or none for a bank charge.
    posting: Option<String>,
    pence: i64,
    /// OFX `TRNTYPE`.
    kind: &'static str,
    name: String,
    memo: String,
    /// A cheque the firm wrote: numbered when the statements are made.
    cheque: bool,
    refnum: String,
}

/// What a bank shows of a name: capitals, at most 32 characters (OFX `NAME`).
fn bank_name(text: &str) -> String {
    let upper: String = text.to_uppercase().chars().take(32).collect();
    upper.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The next day the bank is open, from `day`.
fn banking_day(day: Date) -> Date {
    let skip = match day.weekday() {
        Weekday::Saturday => 2,
        Weekday::Sunday => 1,
        _ => 0,
    };
    day.saturating_add(jiff::Span::new().days(skip))
}

/// The bank's lines for one matter's client cash book entries dated on or before
/// [`STATEMENTS_TO`], added to `out`. `postings` are the matter's, in the order recorded.
pub(crate) fn bank_lines(
    g: &mut Gen,
    accounts: &Accounts,
    number: MatterNumber,
    postings: &[PostingRec],
    out: &mut Vec<BankLine>,
) {
    // Posting id → the day the bank posted it, for reversals.
    let mut posted: BTreeMap<&str, Date> = BTreeMap::new();
    for p in postings {
        let Ok(day) = p.date.parse::<Date>() else {
            continue;
        };
        if day > STATEMENTS_TO {
            break;
        }
        let plus = |g: &mut Gen, lo: i64, hi: i64| {
            day.saturating_add(jiff::Span::new().days(g.0.i64(lo..=hi)))
        };
        let line = match (p.kind.as_str(), p.account == accounts.client) {
            ("receipt", true) => {
                let (bank_day, memo) = match p.method.as_str() {
                    "card" => (plus(g, 1, 2), "CARD PAYMENT"),
                    "cheque" => (plus(g, 1, 3), "CHEQUE PAID IN"),
                    _ => (day, "FASTER PAYMENT"),
                };
                BankLine {
                    date: banking_day(bank_day),
                    order: p.id.clone(),
                    posting: Some(p.id.clone()),
                    pence: p.amount_pence,
                    kind: "CREDIT",
                    name: bank_name(&p.party),
                    memo: memo.into(),
                    cheque: false,
                    refnum: number.to_string(),
                }
            }
            ("payment", true) => {
                let cheque = p.method == "cheque";
                BankLine {
                    date: banking_day(if cheque { plus(g, 2, 7) } else { day }),
                    order: p.id.clone(),
                    posting: Some(p.id.clone()),
                    pence: -p.amount_pence,
                    kind: if cheque { "CHECK" } else { "DEBIT" },
                    name: bank_name(&p.party),
                    memo: if cheque { "CHEQUE" } else { "FASTER PAYMENT" }.into(),
                    cheque,
                    refnum: if cheque {
                        String::new()
                    } else {
                        number.to_string()
                    },
                }
            }
            ("reversal", _) => {
                let Some(original) = p
                    .reverses
                    .as_deref()
                    .and_then(|of| postings.iter().find(|o| o.id == of))
                else {
                    continue;
                };
                if original.account != accounts.client {
                    continue;
                }
                let undone = posted.get(original.id.as_str()).copied().unwrap_or(day);
                let receipt = original.kind == "receipt";
                BankLine {
                    date: banking_day(day.max(undone)),
                    order: p.id.clone(),
                    posting: Some(p.id.clone()),
                    pence: if receipt {
                        -original.amount_pence
                    } else {
                        original.amount_pence
                    },
                    kind: if receipt { "DEBIT" } else { "CREDIT" },
                    name: match (receipt, original.method.as_str()) {
                        (true, "cheque") => "RETURNED CHEQUE",
                        (true, _) => "PAYMENT RECALLED",
                        (false, _) => "RETURNED PAYMENT",
                    }
                    .into(),
                    memo: bank_name(&original.party),
                    cheque: false,
                    refnum: number.to_string(),
                }
            }
            _ => continue,
        };
        posted.insert(&p.id, line.date);
        out.push(line);
    }
}

/// The bank's charges, in pence (negative), from the statements' random stream.
pub(crate) fn charges(g: &mut Gen) -> Vec<BankLine> {
    CHARGES
        .iter()
        .enumerate()
        .map(|(k, (day, what))| BankLine {
            date: banking_day(*day),
            order: format!("~charge {k}"),
            posting: None,
            pence: -(g.0.i64(5..=35) * 100 + g.0.i64(0..100)),
            kind: "FEE",
            name: "BANK CHARGES".into(),
            memo: (*what).into(),
            cheque: false,
            refnum: String::new(),
        })
        .collect()
}

/// The account the statements are of, as the bank names it.
pub(crate) struct BankAccount<'a> {
    pub sort_code: &'a str,
    pub number: &'a str,
}

/// An OFX amount: pounds and pence, `-` for money out.
fn ofx_amount(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        pence.unsigned_abs() / 100,
        pence.unsigned_abs() % 100
    )
}

fn ofx_date(day: Date) -> String {
    day.strftime("%Y%m%d").to_string()
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One statement as the OFX 2 file the bank gives (one transaction a line), and the line
/// of the file each transaction is on. `lines` carry their FITIDs and cheque numbers.
pub(crate) fn render_ofx(
    account: &BankAccount<'_>,
    from: Date,
    to: Date,
    lines: &[(&BankLine, String, Option<u32>)],
    closing_pence: i64,
) -> (String, Vec<usize>) {
    let mut text = String::with_capacity(200 * lines.len() + 1000);
    let sort_code: String = account
        .sort_code
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let _ = write!(
        text,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n\
         <?OFX OFXHEADER=\"200\" VERSION=\"220\" SECURITY=\"NONE\" OLDFILEUID=\"NONE\" NEWFILEUID=\"NONE\"?>\n\
         <OFX>\n\
         <SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS><DTSERVER>{}</DTSERVER><LANGUAGE>ENG</LANGUAGE></SONRS></SIGNONMSGSRSV1>\n\
         <BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>\n\
         <STMTRS><CURDEF>GBP</CURDEF><BANKACCTFROM><BANKID>{sort_code}</BANKID><ACCTID>{}</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>\n\
         <BANKTRANLIST><DTSTART>{}</DTSTART><DTEND>{}</DTEND>\n",
        ofx_date(to.saturating_add(jiff::Span::new().days(1))),
        account.number,
        ofx_date(from),
        ofx_date(to),
    );
    let first = 8;
    let mut at = Vec::with_capacity(lines.len());
    for (k, (l, fitid, cheque)) in lines.iter().enumerate() {
        at.push(first + k);
        let _ = write!(
            text,
            "<STMTTRN><TRNTYPE>{}</TRNTYPE><DTPOSTED>{}</DTPOSTED><TRNAMT>{}</TRNAMT><FITID>{fitid}</FITID>",
            l.kind,
            ofx_date(l.date),
            ofx_amount(l.pence)
        );
        if let Some(n) = cheque {
            let _ = write!(text, "<CHECKNUM>{n}</CHECKNUM>");
        }
        let _ = write!(
            text,
            "<NAME>{}</NAME><MEMO>{}</MEMO>",
            xml_escape(&l.name),
            xml_escape(&l.memo)
        );
        if !l.refnum.is_empty() {
            let _ = write!(text, "<REFNUM>{}</REFNUM>", xml_escape(&l.refnum));
        }
        text.push_str("</STMTTRN>\n");
    }
    let _ = write!(
        text,
        "</BANKTRANLIST><LEDGERBAL><BALAMT>{}</BALAMT><DTASOF>{}</DTASOF></LEDGERBAL>\n\
         </STMTRS></STMTTRNRS></BANKMSGSRSV1>\n\
         </OFX>\n",
        ofx_amount(closing_pence),
        ofx_date(to)
    );
    (text, at)
}

/// The last day of `day`'s month, or the generator's last day if sooner: the day that
/// month's statement closes.
fn closes_on(day: Date) -> Date {
    day.last_of_month().min(crate::LAST_DAY)
}

/// The client account's bank document: `lines` (every matter's, and the charges) in
/// statements of a month each, imported the day after each closes by `by` and matched.
/// With `keep_files`, also each statement's file name and OFX text (for tests).
pub(crate) fn bank_doc(
    g: &mut Gen,
    account_id: &str,
    account: &BankAccount<'_>,
    by: &str,
    mut lines: Vec<BankLine>,
    keep_files: bool,
) -> (BankBook, Vec<(String, String)>) {
    lines.sort_by(|a, b| (a.date, &a.order).cmp(&(b.date, &b.order)));
    // FITIDs: the day and the line's place in it; cheques numbered in the order presented.
    let mut numbered: Vec<(&BankLine, String, Option<u32>)> = Vec::with_capacity(lines.len());
    let mut cheques = 100_000u32;
    let mut day_count = (None::<Date>, 0u32);
    for l in &lines {
        if day_count.0 != Some(l.date) {
            day_count = (Some(l.date), 0);
        }
        day_count.1 += 1;
        let fitid = format!("{}{:05}", ofx_date(l.date), day_count.1);
        let cheque = l.cheque.then(|| {
            cheques += 1;
            cheques
        });
        numbered.push((l, fitid, cheque));
    }
    let mut doc = BankBook {
        account: BankDoc {
            kind: docs::KIND_BANK.into(),
            schema: 18,
            account_id: account_id.to_owned(),
            csv_mapping: None,
            imports: Vec::new(),
            reconciliations: Vec::new(),
        },
        lines: Vec::with_capacity(lines.len()),
        matches: BTreeMap::new(),
    };
    let mut files = Vec::new();
    let mut balance = 0i64;
    let mut rest = numbered.as_slice();
    while let Some((head, _, _)) = rest.first() {
        let to = closes_on(head.date);
        let n = rest.iter().take_while(|(l, _, _)| l.date <= to).count();
        let (month, later) = rest.split_at(n);
        rest = later;
        balance += month.iter().map(|(l, _, _)| l.pence).sum::<i64>();
        let from = to.first_of_month();
        let (text, at) = render_ofx(account, from, to, month, balance);
        let file_name = format!("statement-{}.ofx", to.strftime("%Y-%m"));
        let imported = jiff::Timestamp::from_second(
            i64::from((to.saturating_add(jiff::Span::new().days(1)) - date(1970, 1, 1)).get_days())
                * 86_400
                + 9 * 3_600
                + 30 * 60,
        )
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let mut random = [0u8; 10];
        random.copy_from_slice(&g.0.u128(..).to_le_bytes()[..10]);
        let import_id = uuid::Builder::from_unix_timestamp_millis(
            u64::try_from(imported.as_millisecond()).unwrap_or(0),
            &random,
        )
        .into_uuid()
        .to_string();
        let imported_at = imported.to_string();
        for ((l, fitid, cheque), line) in month.iter().zip(at) {
            let key = format!("fitid:{fitid}");
            let description = if l.memo.is_empty() || l.memo == l.name {
                l.name.clone()
            } else {
                format!("{} {}", l.name, l.memo)
            };
            let reference = [cheque.map(|c| c.to_string()), Some(l.refnum.clone())]
                .into_iter()
                .flatten()
                .filter(|r| !r.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            doc.lines.push(StatementLineRec {
                key: key.clone(),
                import_id: import_id.clone(),
                line: line as u64,
                date: l.date.to_string(),
                amount_pence: l.pence,
                description,
                reference,
            });
            if let Some(posting) = &l.posting {
                doc.matches.insert(
                    key,
                    MatchRec {
                        posting_id: posting.clone(),
                        by: by.to_owned(),
                        at: imported_at.clone(),
                        auto: true,
                    },
                );
            }
        }
        doc.account.imports.push(ImportRec {
            id: import_id,
            file_name: file_name.clone(),
            sha256: hex::encode(Sha256::digest(text.as_bytes())),
            imported_by: by.to_owned(),
            imported_at,
            added: month.len() as u64,
            duplicates: 0,
            closing_date: Some(to.to_string()),
            closing_pence: Some(balance),
        });
        if keep_files {
            files.push((file_name, text));
        }
    }
    (doc, files)
}
