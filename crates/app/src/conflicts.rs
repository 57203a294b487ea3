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

/// One name the check searches: a contact once per matter and role it holds (or once, on
/// no matter), or a matter's client named on the matter itself.
pub(crate) struct IndexRow {
    key: NameKey,
    name: String,
    contact_id: Option<String>,
    matter_id: Option<String>,
    matter_number: Option<u32>,
    matter_description: Option<String>,
    role: Option<String>,
}

/// Every party of every matter, with its conflict key parsed, held in memory between checks
/// (reading and parsing 80,000 rows costs far more than comparing them). Dropped by any
/// write that may change a name or a party; see [`touches_parties`].
pub(crate) struct PartyIndex {
    rows: Vec<IndexRow>,
}

/// Writes that cannot change a contact, a party or a matter's client name, and so leave the
/// party index as it is. Anything not listed drops it (a new kind of write is safe by
/// default).
const LEAVES_PARTIES: &[&str] = &[
    "session.",
    "time.",
    "timer.",
    "keydate.",
    "note.",
    "expense.",
    "document.",
    "task.",
    "user.",
    "firm.",
    "numbering.",
    "matter.status",
    "matter.details",
    "matter.terms",
    "contact.export",
    "conflict.check",
    "money.",
    "bill.",
    "statement.",
    "reconciliation.",
    "breach.",
    "residual.",
    "report.",
];

pub(crate) fn touches_parties(action: &str) -> bool {
    !LEAVES_PARTIES.iter().any(|p| action.starts_with(p))
}

fn load_index(conn: &Connection) -> Result<PartyIndex, AppError> {
    let mut stmt = conn.prepare(
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
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(IndexRow {
            key: NameKey::from_stored(&r.get::<_, String>(2)?),
            name: r.get(1)?,
            contact_id: r.get(0)?,
            matter_id: r.get(3)?,
            matter_number: r.get(4)?,
            matter_description: r.get(5)?,
            role: r.get(6)?,
        });
    }
    Ok(PartyIndex { rows: out })
}

/// The party index being built on a thread with its own read connection (WAL lets it read
/// while the main connection writes). Dropping the loader abandons its result but waits for
/// the thread, so that no connection is left open when the store closes or the process ends.
pub(crate) struct Loader {
    rx: std::sync::mpsc::Receiver<Result<PartyIndex, String>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Loader {
    pub(crate) fn start(db: std::path::PathBuf, key: satchel_store::DbKey) -> Loader {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let thread = std::thread::spawn(move || {
            let built = satchel_store::Store::open(&db, &key)
                .map_err(|e| e.to_string())
                .and_then(|s| load_index(s.conn()).map_err(|e| e.to_string()));
            // The receiver may be gone (a write dropped the index): nothing to do then.
            let _ = tx.send(built);
        });
        Loader {
            rx,
            thread: Some(thread),
        }
    }

    fn wait(self) -> Option<PartyIndex> {
        self.rx.recv().ok().and_then(Result::ok)
    }
}

impl Drop for Loader {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Satchel {
    /// Start building the conflict check's index on a thread of its own, so that the first
    /// check after unlocking is as quick as the rest. The desktop calls this after unlock;
    /// one-shot commands (the CLI) need not.
    pub fn warm_conflict_index(&self) -> Result<(), AppError> {
        if self.party_index.borrow().is_none() && self.party_loader.borrow().is_none() {
            let key = self.key.clone();
            self.party_loader
                .replace(Some(Loader::start(self.store.path().to_owned(), key)));
        }
        Ok(())
    }

    pub(crate) fn drop_party_index(&self) {
        self.party_index.replace(None);
        self.party_loader.replace(None);
    }

    /// The party index: kept, or from the loader started at unlock, or loaded now.
    fn party_index(&self) -> Result<std::sync::Arc<PartyIndex>, AppError> {
        if let Some(i) = self.party_index.borrow().as_ref() {
            return Ok(i.clone());
        }
        let from_loader = self.party_loader.take().and_then(Loader::wait);
        let index = match from_loader {
            Some(i) => std::sync::Arc::new(i),
            None => std::sync::Arc::new(load_index(self.store.conn())?),
        };
        *self.party_index.borrow_mut() = Some(index.clone());
        Ok(index)
    }

    /// Search every party and contact for each name, and keep the check so that a matter
    /// can be opened on it. The check (who, when, how many names and hits) is an audit
    /// event; the names asked are kept with the check.
    pub fn conflict_check(
        &mut self,
        query: &api::ConflictQuery,
    ) -> Result<api::ConflictReport, AppError> {
        let report = self.scan(&query.names)?;
        // How many names, never the names: the trail is append-only, so a name in it could
        // never be erased (the names asked are kept with the check, which can be).
        let detail = serde_json::json!({
            "names": report.names.len(),
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
        let index = self.party_index()?;
        let mut hits = Vec::new();
        for row in &index.rows {
            for (name, q) in &keys {
                if let Some(m) = compare(q, &row.key) {
                    hits.push(api::ConflictHit {
                        query: name.clone(),
                        party_name: row.name.clone(),
                        contact_id: row.contact_id.clone(),
                        matter_id: row.matter_id.clone(),
                        matter_number: row.matter_number.map(|n| MatterNumber::new(n).to_string()),
                        matter_description: row.matter_description.clone(),
                        role: row.role.clone(),
                        match_kind: m.kind.as_str().to_owned(),
                        score: m.score,
                    });
                }
            }
        }
        let checked = index.rows.len() as u64;
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

#[cfg(test)]
mod tests {
    use super::touches_parties;

    #[test]
    fn only_writes_known_to_leave_parties_keep_the_index() {
        for keeps in [
            "conflict.check",
            "time.record",
            "timer.stop",
            "document.download",
            "matter.status",
        ] {
            assert!(!touches_parties(keeps), "{keeps}");
        }
        for drops in [
            "contact.create",
            "contact.import",
            "matter.create",
            "matter.party.add",
            "bulk.load",
            "sync.merge",
            "anything.new",
        ] {
            assert!(touches_parties(drops), "{drops}");
        }
    }
}
