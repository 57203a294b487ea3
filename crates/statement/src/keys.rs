//! Keys that recognise a statement line again: when the same file is imported twice, or
//! the next export overlaps the last one.
//!
//! - A line with the bank's own id (OFX `FITID`) is `fitid:<FITID>`. The bank promises the
//!   id is unique for the account, so the key is the same in any export holding the line.
//! - A line without one (every CSV line) is `hash:` and the SHA-256, in lower-case hex, of
//!   `<date>|<amount in pence>|<description>|<reference>|<occurrence>`, the date as
//!   `2026-11-25`. Two lines alike in all four (two £5.00 card payments to one shop on one
//!   day) differ in their *occurrence*: 0 for the first in the file, 1 for the second, and
//!   so on. Banks list such lines together, so an overlapping export holding both gives
//!   both the same keys again.
//!
//! A bank that repeats a FITID within one file has broken its promise; rather than give
//! two lines one key, the second is `fitid:<FITID>#1`, the third `#2`, and so on.
//! [`keyed`] also makes sure no two lines of one statement ever share a key (should a `|`
//! in a description make two different lines hash alike, the later one takes the next
//! free occurrence).

use crate::{Statement, StatementLine};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

/// The key of `line`, the `occurrence`-th line alike to it in its file (0 for the first).
/// See the module's rules; [`keyed`] counts the occurrences for a whole statement.
pub fn line_key(line: &StatementLine, occurrence: u32) -> String {
    match &line.fitid {
        Some(fitid) if occurrence == 0 => format!("fitid:{fitid}"),
        Some(fitid) => format!("fitid:{fitid}#{occurrence}"),
        None => {
            let material = format!(
                "{}|{}|{}|{}|{occurrence}",
                line.date,
                line.amount.pence(),
                line.description,
                line.reference
            );
            format!("hash:{}", hex::encode(Sha256::digest(material.as_bytes())))
        }
    }
}

/// Every line of `statement` with its key, in the statement's order. No two keys are the
/// same, and reading the same file again gives the same keys.
pub fn keyed(statement: &Statement) -> Vec<(String, &StatementLine)> {
    let mut seen: HashMap<Alike<'_>, u32> = HashMap::new();
    let mut used: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(statement.lines.len());
    for line in &statement.lines {
        let alike = match &line.fitid {
            Some(fitid) => Alike::Fitid(fitid),
            None => Alike::Content(
                line.date,
                line.amount.pence(),
                &line.description,
                &line.reference,
            ),
        };
        let count = seen.entry(alike).or_insert(0);
        let mut key = line_key(line, *count);
        while used.contains(&key) {
            *count += 1;
            key = line_key(line, *count);
        }
        *count += 1;
        used.insert(key.clone());
        out.push((key, line));
    }
    out
}

/// What makes two lines of a file alike for counting occurrences.
#[derive(PartialEq, Eq, Hash)]
enum Alike<'a> {
    Fitid(&'a str),
    Content(jiff::civil::Date, i64, &'a str, &'a str),
}

#[cfg(test)]
mod tests {
    use super::*;
    use satchel_core::Money;

    fn line(description: &str, fitid: Option<&str>) -> StatementLine {
        StatementLine {
            line: 1,
            date: jiff::civil::date(2026, 11, 25),
            amount: Money::from_pence(-500),
            fitid: fitid.map(str::to_owned),
            description: description.to_owned(),
            reference: String::new(),
        }
    }

    #[test]
    fn hash_key_is_sha256_of_the_documented_material() {
        let key = line_key(&line("COFFEE", None), 0);
        let expected = hex::encode(Sha256::digest(b"2026-11-25|-500|COFFEE||0"));
        assert_eq!(key, format!("hash:{expected}"));
        assert_ne!(key, line_key(&line("COFFEE", None), 1));
        assert_eq!(line_key(&line("x", Some("ABC123")), 0), "fitid:ABC123");
        assert_eq!(line_key(&line("x", Some("ABC123")), 2), "fitid:ABC123#2");
    }

    #[test]
    fn repeated_fitids_and_lookalike_hashes_still_get_distinct_keys() {
        let statement = Statement {
            lines: vec![
                line("a", Some("F1")),
                line("b", Some("F1")),
                // "x|" with reference "" and "x" with reference "|" hash the same material.
                StatementLine {
                    reference: String::new(),
                    ..line("x|", None)
                },
                StatementLine {
                    reference: "|".to_owned(),
                    ..line("x", None)
                },
            ],
            closing_balance: None,
            bank_id: None,
            account_id: None,
        };
        let keys: Vec<String> = keyed(&statement).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys[0], "fitid:F1");
        assert_eq!(keys[1], "fitid:F1#1");
        assert_eq!(keys[2], line_key(&statement.lines[2], 0));
        assert_eq!(keys[3], line_key(&statement.lines[3], 1));
        let distinct: HashSet<&String> = keys.iter().collect();
        assert_eq!(distinct.len(), 4);
    }
}
