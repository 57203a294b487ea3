//! Proposing which cash-book entry each statement line is.
//!
//! The rule, in full:
//!
//! 1. A line and a candidate can pair only if their **amounts are exactly equal** (same
//!    sign convention: money in positive) and the candidate's date is **within
//!    `window_days` days** of the line's date, either side (a negative window is 0: same
//!    day only).
//! 2. Of all the pairs that can be made, the **strongest is taken first**, then the
//!    strongest of what is left, and so on, so that **each line and each candidate is used
//!    at most once**. Strength, from the first consideration to the last:
//!    - the candidate's **reference appears in the line's reference or description**,
//!      compared without case and without whitespace (an empty reference never appears);
//!    - then the **nearer date**;
//!    - then the **earlier candidate date**;
//!    - then the earlier line, then the earlier candidate, in the order given.
//! 3. Lines that pair with nothing are left for a person to match.
//!
//! The result depends only on the inputs and their order. Taking the strongest pair first
//! means a line is never given a worse candidate because another line was looked at
//! first; it does not hunt for the largest number of pairs (two lines a few days apart
//! may leave one unmatched where a crosswise pairing would have matched both): a wrong
//! proposal is worse than a missing one, and proposals are for a person to confirm.

use crate::StatementLine;
use jiff::civil::Date;
use satchel_core::Money;
use std::collections::HashMap;

/// A cash-book entry that a statement line might be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    pub date: Date,
    /// Receipts positive, payments negative (as on the statement).
    pub amount: Money,
    /// The reference the firm recorded (a cheque number, a client reference); may be empty.
    pub reference: String,
}

/// A statement line as the matcher sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineToMatch {
    /// The line's key ([`crate::keyed`]).
    pub key: String,
    pub date: Date,
    pub amount: Money,
    pub reference: String,
    pub description: String,
}

impl LineToMatch {
    /// The line with its key, as [`crate::keyed`] gives them.
    pub fn new(key: String, line: &StatementLine) -> Self {
        LineToMatch {
            key,
            date: line.date,
            amount: line.amount,
            reference: line.reference.clone(),
            description: line.description.clone(),
        }
    }
}

/// A proposed pairing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub line_key: String,
    pub candidate_id: String,
}

/// Propose pairs of statement lines and candidates, by the module's rule. The pairs come
/// back in the order of `lines`.
pub fn auto_match(lines: &[LineToMatch], candidates: &[Candidate], window_days: i32) -> Vec<Match> {
    let window = i64::from(window_days.max(0));
    let mut by_amount: HashMap<Money, Vec<usize>> = HashMap::new();
    for (c, candidate) in candidates.iter().enumerate() {
        by_amount.entry(candidate.amount).or_default().push(c);
    }

    // (no reference match, days apart, candidate date, line, candidate): the smallest is
    // the strongest.
    let mut pairs: Vec<(bool, i64, Date, usize, usize)> = Vec::new();
    for (l, line) in lines.iter().enumerate() {
        let Some(same_amount) = by_amount.get(&line.amount) else {
            continue;
        };
        let haystacks = [squash(&line.reference), squash(&line.description)];
        for &c in same_amount {
            let Some(candidate) = candidates.get(c) else {
                continue;
            };
            let days = (line.date.duration_until(candidate.date).as_secs() / 86_400).abs();
            if days > window {
                continue;
            }
            let needle = squash(&candidate.reference);
            let referenced =
                !needle.is_empty() && haystacks.iter().any(|hay| hay.contains(&needle));
            pairs.push((!referenced, days, candidate.date, l, c));
        }
    }
    pairs.sort_unstable();

    let mut line_taken = vec![false; lines.len()];
    let mut candidate_taken = vec![false; candidates.len()];
    let mut chosen: Vec<(usize, usize)> = Vec::new();
    for (_, _, _, l, c) in pairs {
        if line_taken[l] || candidate_taken[c] {
            continue;
        }
        line_taken[l] = true;
        candidate_taken[c] = true;
        chosen.push((l, c));
    }
    chosen.sort_unstable();
    chosen
        .into_iter()
        .filter_map(|(l, c)| {
            Some(Match {
                line_key: lines.get(l)?.key.clone(),
                candidate_id: candidates.get(c)?.id.clone(),
            })
        })
        .collect()
}

/// Lower case with no whitespace, for comparing references.
fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}
