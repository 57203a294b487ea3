//! The conflict check: every party of every matter, and every contact, against the names of
//! a new client or other party.

use crate::{AppError, Satchel};
use satchel_api as api;
use satchel_core::Invalid;
use satchel_core::conflict::{NameKey, compare};
use satchel_core::matter::MatterNumber;
use satchel_store::rusqlite::{Connection, OptionalExtension, Transaction, params};
use uuid::Uuid;

/// At most this many names in one check.
const MAX_NAMES: usize = 20;

/// A check as stored on this device.
pub(crate) struct StoredCheck {
    pub report: api::ConflictReport,
    pub at: String,
    pub actor_id: String,
    pub matter_id: Option<String>,
}

/// Keep a check, inside the caller's transaction.
pub(crate) fn record(
    tx: &Transaction<'_>,
    report: &api::ConflictReport,
    at: &str,
    actor_id: &str,
) -> Result<(), AppError> {
    tx.execute(
        "INSERT INTO conflict_checks (id, at, actor_id, names, hits, parties) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            report.id,
            at,
            actor_id,
            serde_json::to_string(&report.names).map_err(|e| AppError::Document(e.to_string()))?,
            serde_json::to_string(&report.hits).map_err(|e| AppError::Document(e.to_string()))?,
            report.parties_checked as i64
        ],
    )?;
    Ok(())
}

pub(crate) fn load(conn: &Connection, id: &str) -> Result<Option<StoredCheck>, AppError> {
    let row: Option<(String, String, String, String, i64, Option<String>)> = conn
        .query_row(
            "SELECT at, actor_id, names, hits, parties, matter_id FROM conflict_checks WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .optional()?;
    let Some((at, actor_id, names, hits, parties, matter_id)) = row else {
        return Ok(None);
    };
    let bad = |e: serde_json::Error| AppError::Document(format!("conflict check {id}: {e}"));
    Ok(Some(StoredCheck {
        report: api::ConflictReport {
            id: id.to_owned(),
            names: serde_json::from_str(&names).map_err(bad)?,
            parties_checked: parties as u64,
            hits: serde_json::from_str(&hits).map_err(bad)?,
        },
        at,
        actor_id,
        matter_id,
    }))
}

impl Satchel {
    /// Search every party and contact for each name, and keep the check so that a matter
    /// can be opened on it. The check (who, when, what was asked, how many hits) is an
    /// audit event.
    pub fn conflict_check(
        &mut self,
        query: &api::ConflictQuery,
    ) -> Result<api::ConflictReport, AppError> {
        let report = self.scan(&query.names)?;
        let detail = serde_json::json!({
            "names": report.names,
            "hits": report.hits.len(),
            "matters": report.hits.iter().filter_map(|h| h.matter_number.clone()).collect::<std::collections::BTreeSet<_>>(),
        });
        let actor = self.ctx.user_id.clone();
        self.write(
            "conflict.check",
            &format!("conflict:{}", report.id),
            |tx, at, _| {
                record(tx, &report, &at.to_string(), &actor)?;
                Ok(detail)
            },
        )?;
        Ok(report)
    }

    /// The search itself: no writes.
    pub(crate) fn scan(&self, names: &[String]) -> Result<api::ConflictReport, AppError> {
        let names: Vec<String> = names
            .iter()
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            .collect();
        if names.is_empty() {
            return Err(Invalid::new("names", "needs at least one name to search for").into());
        }
        if names.len() > MAX_NAMES {
            return Err(Invalid::new(
                "names",
                format!("may list at most {MAX_NAMES} names at once"),
            )
            .into());
        }
        let keys: Vec<(String, NameKey)> =
            names.iter().map(|n| (n.clone(), NameKey::new(n))).collect();
        if keys.iter().all(|(_, k)| k.is_empty()) {
            return Err(Invalid::new("names", "has no letters or digits to search for").into());
        }
        let mut hits = Vec::new();
        let mut checked = 0u64;
        {
            // Every contact once per matter and role it holds (or once, on no matter), and
            // every matter's client named on the matter itself rather than as a contact.
            let mut stmt = self.store.conn().prepare_cached(
                "SELECT c.id, c.name, c.name_key, m.id, m.number, m.description, p.role
                 FROM contacts c
                 LEFT JOIN matter_parties p ON p.contact_id = c.id
                 LEFT JOIN matters m ON m.id = p.matter_id
                 UNION ALL
                 SELECT NULL, m.client_name, m.client_key, m.id, m.number, m.description, 'client'
                 FROM matters m
                 WHERE NOT EXISTS (SELECT 1 FROM matter_parties p WHERE p.matter_id = m.id AND p.role = 'client')",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                checked += 1;
                let stored: String = r.get(2)?;
                let key = NameKey::from_stored(&stored);
                for (name, q) in &keys {
                    if let Some(m) = compare(q, &key) {
                        hits.push(api::ConflictHit {
                            query: name.clone(),
                            party_name: r.get(1)?,
                            contact_id: r.get(0)?,
                            matter_id: r.get(3)?,
                            matter_number: r
                                .get::<_, Option<u32>>(4)?
                                .map(|n| MatterNumber::new(n).to_string()),
                            matter_description: r.get(5)?,
                            role: r.get(6)?,
                            match_kind: m.kind.as_str().to_owned(),
                            score: m.score,
                        });
                    }
                }
            }
        }
        // Grouped by matter (contacts on no matter last), strongest first within each.
        hits.sort_by(|a, b| {
            (
                a.matter_number.is_none(),
                &a.matter_number,
                std::cmp::Reverse(a.score),
                &a.party_name,
            )
                .cmp(&(
                    b.matter_number.is_none(),
                    &b.matter_number,
                    std::cmp::Reverse(b.score),
                    &b.party_name,
                ))
        });
        Ok(api::ConflictReport {
            id: Uuid::now_v7().to_string(),
            names,
            parties_checked: checked,
            hits,
        })
    }
}
