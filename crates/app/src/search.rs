//! One search across contacts, matters, notes and document names (FTS5 in the encrypted
//! store), for the search box and the command palette.

use crate::{AppError, Satchel};
use satchel_api as api;
use satchel_core::matter::MatterNumber;
use satchel_store::rusqlite::params;

/// At most this many results.
const LIMIT: u32 = 25;
/// Only the first words of what was typed are used.
const MAX_TERMS: usize = 8;

/// The FTS5 query for what a person typed: each word a prefix, all words required. Only
/// letters and digits reach FTS5, so no input is a syntax error. `None` when nothing
/// searchable was typed.
pub fn fts_query(typed: &str) -> Option<String> {
    let terms: Vec<String> = typed
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_TERMS)
        .map(|w| format!("\"{}\"*", w.to_lowercase()))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

impl Satchel {
    /// Search as the person types. A matter number ("M00042", "42") puts that matter first.
    pub fn search(&self, typed: &str) -> Result<Vec<api::SearchHit>, AppError> {
        let mut hits = Vec::new();
        if let Ok(n) = MatterNumber::parse(typed) {
            let mut stmt = self.store.conn().prepare_cached(
                "SELECT id, client_name, description FROM matters WHERE number = ?1",
            )?;
            let found = stmt.query_map([n.get()], |r| {
                Ok(api::SearchHit {
                    kind: "matter".into(),
                    id: r.get(0)?,
                    matter_id: Some(r.get(0)?),
                    matter_number: Some(n.to_string()),
                    title: format!("{n} {}", r.get::<_, String>(1)?),
                    snippet: r.get(2)?,
                })
            })?;
            for h in found {
                hits.push(h?);
            }
        }
        let Some(q) = fts_query(typed) else {
            return Ok(hits);
        };
        let mut stmt = self.store.conn().prepare_cached(
            "SELECT d.kind, d.ref_id, d.matter_id, m.number, d.title,
                    snippet(search_index, 1, '', '', '…', 10)
             FROM search_index JOIN search_docs d ON d.id = search_index.rowid
             LEFT JOIN matters m ON m.id = d.matter_id
             WHERE search_index MATCH ?1
             ORDER BY rank LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![q, LIMIT], |r| {
            Ok(api::SearchHit {
                kind: r.get(0)?,
                id: r.get(1)?,
                matter_id: r.get(2)?,
                matter_number: r
                    .get::<_, Option<u32>>(3)?
                    .map(|n| MatterNumber::new(n).to_string()),
                title: r.get(4)?,
                snippet: r.get(5)?,
            })
        })?;
        for h in rows {
            let h = h?;
            if !hits.iter().any(|x| x.kind == h.kind && x.id == h.id) {
                hits.push(h);
            }
        }
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn typed_text_becomes_prefix_terms_without_fts_syntax() {
        assert_eq!(fts_query("Northw trad").unwrap(), "\"northw\"* \"trad\"*");
        assert_eq!(
            fts_query("\"AND\" OR (x*)").unwrap(),
            "\"and\"* \"or\"* \"x\"*"
        );
        assert!(fts_query("  -- () ").is_none());
        assert_eq!(fts_query("Zoë").unwrap(), "\"zoë\"*");
    }
}
