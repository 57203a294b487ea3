//! Blocks of matter and bill numbers: each device gives out numbers only from blocks
//! leased to it, so devices working apart never give out the same number. A standalone
//! store leases itself the whole series at setup; once it has a firm server it keeps what
//! it has given out and [`KEEP_MATTERS`] / [`KEEP_BILLS`] more, and the server gives every
//! other device blocks after them.

use crate::AppError;
use satchel_store::rusqlite::{Connection, params};
use satchel_sync::protocol::Numbers;

/// The tables of the two series.
pub(crate) const MATTERS: &str = "number_blocks";
pub(crate) const BILLS: &str = "bill_number_blocks";

/// Each series whole: what a standalone store leases itself.
pub(crate) const MATTER_SERIES: (u32, u32) = (1, 99_999);
const BILL_SERIES_LAST: u32 = 999_999;

/// Numbers a store that brings the firm to its server keeps past those given out.
const KEEP_MATTERS: u32 = 1_000;
const KEEP_BILLS: u32 = 5_000;

/// A series' blocks as (rowid, first, last, next), in order.
pub(crate) type Blocks = Vec<(i64, u32, u32, u32)>;

pub(crate) fn blocks(conn: &Connection, table: &str) -> Result<Blocks, AppError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT rowid, first, last, next FROM {table} ORDER BY first"
    ))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Add blocks (first, last) to a series, none of it given out yet.
pub(crate) fn add_blocks(
    conn: &Connection,
    table: &str,
    given: &[(u32, u32)],
) -> Result<(), AppError> {
    for (first, last) in given {
        conn.execute(
            &format!("INSERT INTO {table} (first, last, next) VALUES (?1, ?2, ?1)"),
            params![first, last],
        )?;
    }
    Ok(())
}

/// Add the blocks the firm server gave, of both series.
pub(crate) fn add_given(conn: &Connection, given: &Numbers) -> Result<(), AppError> {
    add_blocks(conn, MATTERS, &given.matters)?;
    add_blocks(conn, BILLS, &given.bills)
}

/// Whether a series is running low: no numbers left, or a quarter of its newest block or
/// less.
pub(crate) fn running_low(blocks: &Blocks) -> bool {
    let left: u64 = blocks
        .iter()
        .map(|&(_, _, last, next)| u64::from((last + 1).saturating_sub(next)))
        .sum();
    let newest = blocks
        .iter()
        .max_by_key(|b| b.1)
        .map_or(0, |&(_, first, last, _)| u64::from(last - first + 1));
    left == 0 || left * 4 <= newest
}

/// A standalone series cut down once the store has a firm server.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cut {
    table: &'static str,
    rowid: i64,
    first: u32,
    next: u32,
    /// The last number the store keeps.
    last: u32,
}

/// What a store keeps of its numbers once it has a firm server: the cuts of its whole
/// series (given out, then the numbers kept), and the blocks to tell the server of.
pub(crate) fn numbers_kept(conn: &Connection) -> Result<(Vec<Cut>, Numbers), AppError> {
    let mut cuts = Vec::new();
    let mut numbers = Numbers::default();
    for (table, whole_to, keep, told) in [
        (MATTERS, MATTER_SERIES.1, KEEP_MATTERS, &mut numbers.matters),
        (BILLS, BILL_SERIES_LAST, KEEP_BILLS, &mut numbers.bills),
    ] {
        for (rowid, first, last, next) in blocks(conn, table)? {
            let kept_to = if last >= whole_to {
                next.saturating_sub(1)
                    .max(first.saturating_sub(1))
                    .saturating_add(keep)
                    .min(whole_to)
            } else {
                last
            };
            told.push((first, kept_to));
            if kept_to != last {
                cuts.push(Cut {
                    table,
                    rowid,
                    first,
                    next,
                    last: kept_to,
                });
            }
        }
    }
    Ok((cuts, numbers))
}

/// Cut a store's whole series to what it keeps: the numbers given out become a block of
/// their own, used up, and the numbers kept a block after them (so that "running low" is
/// judged on the numbers kept, not on the whole series).
pub(crate) fn cut_blocks(conn: &Connection, cuts: &[Cut]) -> Result<(), AppError> {
    for c in cuts {
        let split = c.next > c.first && c.next <= c.last;
        conn.execute(
            &format!("UPDATE {} SET last = ?2 WHERE rowid = ?1", c.table),
            params![c.rowid, if split { c.next - 1 } else { c.last }],
        )?;
        if split {
            add_blocks(conn, c.table, &[(c.next, c.last)])?;
        }
    }
    Ok(())
}
