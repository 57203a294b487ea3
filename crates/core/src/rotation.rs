//! Which backups to keep: the most recent, the newest of each of the last days, the newest
//! of each of the last weeks (a laptop's backups and the firm server's alike).

use crate::dates::london_date;
use jiff::Timestamp;
use std::collections::BTreeSet;

/// How many backups rotation keeps: the most recent, the newest of each of the last days,
/// the newest of each of the last weeks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keep {
    pub recent: usize,
    pub daily: usize,
    pub weekly: usize,
}

impl Default for Keep {
    fn default() -> Self {
        Keep {
            recent: 6,
            daily: 7,
            weekly: 4,
        }
    }
}

/// The backups to keep, of those taken at `times` (any order): the `recent` newest; the
/// newest of each of the `daily` most recent days that have one (civil days in
/// Europe/London); the newest of each of the `weekly` most recent ISO weeks that have one.
/// Returns indexes into `times`.
pub fn to_keep(times: &[Timestamp], keep: Keep) -> BTreeSet<usize> {
    let mut order: Vec<usize> = (0..times.len()).collect();
    order.sort_by(|a, b| times[*b].cmp(&times[*a]));
    let mut kept: BTreeSet<usize> = order.iter().take(keep.recent).copied().collect();
    let day = |i: usize| london_date(times[i]);
    let mut days = Vec::new();
    let mut weeks = Vec::new();
    for &i in &order {
        let d = day(i);
        if days.len() < keep.daily && !days.contains(&d) {
            days.push(d);
            kept.insert(i);
        }
        let w = d.iso_week_date();
        let w = (w.year(), w.week());
        if weeks.len() < keep.weekly && !weeks.contains(&w) {
            weeks.push(w);
            kept.insert(i);
        }
    }
    kept
}
