//! Merging another replica's copy of a document into this store: what sync does when the
//! server sends changes. The changes are applied to the stored document (only what is new
//! is stored), the document's projection is brought up to date from its old and new
//! values, and the client money rules are checked on what the merge produced: postings
//! accepted on two devices apart can together overdraw a ledger, which is then shown as a
//! debit balance and logged as a breach (r5, r6), never hidden or undone.

use crate::{AppError, Satchel, bank, docs, firmdoc, projection, registers};
use satchel_core::Money;
use satchel_core::dates;
use satchel_core::matter::MatterNumber;
use satchel_store::rusqlite::{Transaction, params};
use satchel_sync::samod_id::DocumentId;
use std::borrow::Cow;
use std::collections::HashSet;

/// A merge bringing more new documents than this is a first sync (or a large grant): its
/// writes get a larger page cache while it runs.
const BIG_MERGE: usize = 1_000;
const BIG_MERGE_CACHE_KB: i64 = 256_000;

/// A document as another replica holds it.
#[derive(Debug, Clone)]
pub struct Replica {
    pub doc_id: String,
    pub kind: String,
    /// The whole document (`save`) or changes to it.
    pub bytes: Vec<u8>,
}

impl Satchel {
    /// A document whole, as another replica would receive it.
    pub fn replica_of(&self, doc_id: &str) -> Result<Replica, AppError> {
        let conn = self.store.conn();
        let kind: String = conn
            .query_row("SELECT kind FROM documents WHERE id = ?1", [doc_id], |r| {
                r.get(0)
            })
            .map_err(|_| AppError::Document(format!("there is no document {doc_id}")))?;
        let mut doc = docs::load(conn, doc_id)?
            .ok_or_else(|| AppError::Document(format!("there is no document {doc_id}")))?;
        Ok(Replica {
            doc_id: doc_id.to_owned(),
            kind,
            bytes: doc.save(),
        })
    }

    /// Every document's id and kind.
    pub fn document_ids(&self) -> Result<Vec<(String, String)>, AppError> {
        let mut stmt = self
            .store
            .conn()
            .prepare("SELECT id, kind FROM documents ORDER BY id")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Merge other replicas' documents into this store, as one write: each document's new
    /// changes are stored and projected; a client ledger the merged postings leave overdrawn
    /// is logged as a breach. Returns how many documents changed.
    pub fn merge_documents(&mut self, replicas: &[Replica]) -> Result<usize, AppError> {
        Ok(self
            .merge_documents_with(replicas, Fetched::none(), &|_, _| true)?
            .changed)
    }

    /// [`Satchel::merge_documents`], and documents `fetched` whole from the server (as they
    /// come, when the fetch is still under way), under the ids they came as: each must
    /// name itself as that id (`docs::identify`), or the merge is refused. `progress(done, of)` is told as documents are merged; when it
    /// answers false the merge stops and nothing of it is kept. Documents are read (loaded,
    /// identified, their values read whole if new here) on a second thread while this one
    /// writes what was read before.
    pub fn merge_documents_with<'a>(
        &mut self,
        replicas: &'a [Replica],
        fetched: Fetched<'_>,
        progress: &(dyn Fn(u64, u64) -> bool + Sync),
    ) -> Result<Merged, AppError> {
        let firm_doc = self.ctx.firm_doc.clone();
        let initials = self.ctx.initials.clone();
        // The firm first (users, accounts: what postings name); bank documents last (their
        // matches name postings; those held here also look postings up by account, with
        // the indexes made again). Contacts and matters in any order: the parties'
        // reference to contacts is checked at the end.
        let late = |kind: &str| matches!(kind, docs::KIND_BANK | docs::KIND_STATEMENTS);
        let (mut first, last): (Vec<&Replica>, Vec<&Replica>) =
            replicas.iter().partition(|r| !late(&r.kind));
        first.sort_by_key(|r| r.kind != docs::KIND_FIRM);
        let held: HashSet<String> = self.document_ids()?.into_iter().map(|(id, _)| id).collect();
        let Fetched {
            asked,
            docs: fetched,
        } = fetched;
        let of = (replicas.len() + asked) as u64;
        // A large merge's indexes stay in memory while it writes (the default cache is
        // for everyday work), or are dropped and made again (see `BULK_TABLES`).
        let big = asked
            + replicas
                .iter()
                .filter(|r| !held.contains(&r.doc_id))
                .count()
            > BIG_MERGE;
        if big {
            // A rollback journal instead of the WAL while it writes: a journal keeps only
            // the pages that were there before (for a first sync, almost none), so the new
            // pages go to the file once, where the WAL would take each and copy it again at
            // the checkpoint, and look every page read back up in its index. (Another
            // connection open keeps the WAL: the merge is only slower then.)
            let _ = self.store.rollback_journal();
            // Deferred, each reference to a parent not yet written would be looked for
            // again in every child table as parents arrive — with the child tables' indexes
            // dropped, a scan each time. Off, and the references between documents checked
            // once at the end instead.
            self.store.conn().execute_batch(&format!(
                "PRAGMA cache_size = -{BIG_MERGE_CACHE_KB}; PRAGMA foreign_keys = OFF"
            ))?;
        }
        let result = std::thread::scope(|scope| {
            // Each document read, then `None` once all were: the writer keeps nothing
            // unless it saw the end.
            let (send, read) =
                std::sync::mpsc::sync_channel::<Result<Option<Read<'_>>, AppError>>(256);
            let reader = {
                let held = &held;
                let firm_doc = &firm_doc;
                scope.spawn(move || {
                    let as_is = |r: &'a Replica| held_replica(r, held);
                    let mut later = Vec::new();
                    let reads = first
                        .iter()
                        .map(|r| as_is(r))
                        .chain(fetched.filter_map(|got| {
                            match got.and_then(|(id, bytes)| identified(&id, bytes, firm_doc, held))
                            {
                                Ok(r) if late(&r.kind) => {
                                    later.push(r);
                                    None
                                }
                                other => Some(other),
                            }
                        }));
                    for r in reads {
                        let failed = r.is_err();
                        if send.send(r.map(Some)).is_err() || failed {
                            return;
                        }
                    }
                    for r in last
                        .iter()
                        .map(|r| as_is(r))
                        .chain(later.into_iter().map(Ok))
                    {
                        let failed = r.is_err();
                        if send.send(r.map(Some)).is_err() || failed {
                            return;
                        }
                    }
                    let _ = send.send(Ok(None));
                })
            };
            let written = self.write("sync.merge", "documents", |tx, at, actor| {
            // Contacts and matters come in any order, so a matter's parties may name a
            // contact still to come: references are checked once everything is in (a
            // large merge checks them itself; see below).
            tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
            let mut changed = 0usize;
            let mut arrived = 0usize;
            let mut matters = Vec::new();
            let mut dropped = if big { drop_indexes(tx)? } else { Vec::new() };
            let mut n = 0u64;
            while let Some(r) = read.recv().map_err(|_| {
                AppError::Document("reading the documents that came stopped".into())
            })?? {
                // Bank documents held here look postings up by account: their indexes
                // first. (New ones only match postings, by their keys.)
                if late(&r.kind) && r.new.is_none() && !dropped.is_empty() {
                    remake_indexes(tx, &mut dropped)?;
                }
                let merged = match r.new {
                    Some(d) => merge_new(tx, &r.doc_id, &r.kind, &r.bytes, d).map(|()| true)?,
                    None => merge_one(tx, &r.doc_id, &r.kind, &r.bytes)?,
                };
                arrived += usize::from(r.arrived);
                if merged {
                    changed += 1;
                    if r.kind == docs::KIND_MATTER {
                        matters.push(r.doc_id);
                    }
                }
                n += 1;
                if n.is_multiple_of(256) && !progress(n, of) {
                    return Err(AppError::Document(format!(
                        "the merge was stopped after {n} of {of} documents; nothing of it was kept"
                    )));
                }
            }
            remake_indexes(tx, &mut dropped)?;
            if big {
                // The one reference between documents: a matter's parties to contacts.
                // (Every other row refers to its own document's, written first.)
                let broken: i64 = tx.query_row(
                    "SELECT count(*) FROM pragma_foreign_key_check('matter_parties')",
                    [],
                    |r| r.get(0),
                )?;
                if broken > 0 {
                    return Err(AppError::Document(format!(
                        "{broken} rows of the documents that came refer to records that did not come; nothing was merged"
                    )));
                }
            }
            let overdrawn = overdrawn_ledgers(tx, &matters)?;
            if !overdrawn.is_empty() {
                let today = dates::london_date(at);
                let known: std::collections::HashSet<String> =
                    firmdoc::breach_ids(tx)?;
                let fresh: Vec<_> = overdrawn
                    .iter()
                    .filter(|o| !known.contains(&o.id))
                    .collect();
                if !fresh.is_empty() {
                    firmdoc::update_firm(tx, &firm_doc, actor, at, "log breaches found", |firm| {
                        for o in &fresh {
                            let mut b = registers::automatic_breach(
                                today,
                                Some(o.matter),
                                format!(
                                    "Client ledger {} overdrawn by {} in {} after work done on two devices apart was merged (r5: no client ledger may be overdrawn; replace the money at once, r6)",
                                    o.matter,
                                    Money::from_pence(-o.pence),
                                    o.account
                                ),
                                &initials,
                                at,
                            );
                            // The same overdraft found on each device is one breach.
                            b.id.clone_from(&o.id);
                            firm.breaches.push(b);
                        }
                        Ok(())
                    })?;
                }
            }
            Ok(MergeDone {
                documents: n,
                merged: Merged { changed, arrived },
                overdrawn: overdrawn.len(),
            })
            });
            drop(read);
            let _ = reader.join();
            written
        });
        if big {
            self.store.conn().execute_batch(&format!(
                "PRAGMA cache_size = -{}; PRAGMA foreign_keys = ON",
                satchel_store::CACHE_KB
            ))?;
            self.store.back_to_wal()?;
        }
        progress(of, of);
        Ok(result?.merged)
    }
}

/// Documents fetched whole from the server for a merge: how many were asked for (the
/// server leaves out any this device may no longer have), and the documents as they come —
/// all at once, or batch by batch from a fetch still under way, which the merge reads as
/// they arrive. An error among them stops the merge, keeping nothing.
pub struct Fetched<'f> {
    pub asked: usize,
    pub docs: Box<dyn Iterator<Item = Result<FetchedDoc, AppError>> + Send + 'f>,
}

/// A document fetched whole: the id it was asked for under, and its bytes.
pub type FetchedDoc = (DocumentId, Vec<u8>);

impl Fetched<'static> {
    pub fn none() -> Self {
        Self::all(Vec::new())
    }

    /// Documents fetched already.
    pub fn all(docs: Vec<(DocumentId, Vec<u8>)>) -> Self {
        Fetched {
            asked: docs.len(),
            docs: Box::new(docs.into_iter().map(Ok)),
        }
    }
}

/// What a merge wrote, and what its audit event says of it.
struct MergeDone {
    documents: u64,
    merged: Merged,
    overdrawn: usize,
}

impl crate::WriteOutcome for MergeDone {
    fn audit_detail(&self) -> serde_json::Value {
        serde_json::json!({
            "documents": self.documents,
            "changed": self.merged.changed,
            "arrived": self.merged.arrived,
            "overdrawn": self.overdrawn,
        })
    }
}

/// What a merge did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merged {
    /// Documents that changed here.
    pub changed: usize,
    /// Documents fetched that this store did not hold.
    pub arrived: usize,
}

/// A document read on the reading thread, ready to be written.
struct Read<'a> {
    doc_id: String,
    kind: String,
    bytes: Cow<'a, [u8]>,
    /// Its value, when the store does not hold it yet.
    new: Option<Decoded>,
    /// Fetched, and new here.
    arrived: bool,
}

/// A replica's document as it came (the exchange's answer for a document this store
/// holds, or one given whole), read.
fn held_replica<'a>(r: &'a Replica, held: &HashSet<String>) -> Result<Read<'a>, AppError> {
    Ok(Read {
        doc_id: r.doc_id.clone(),
        kind: r.kind.clone(),
        bytes: Cow::Borrowed(&r.bytes),
        new: if held.contains(&r.doc_id) {
            None
        } else {
            Some(decode(&r.kind, &automerge::Automerge::load(&r.bytes)?)?)
        },
        arrived: false,
    })
}

/// A fetched document, loaded once: what it says it is (which must be the id it came
/// under, so that no document can arrive as another), and its value if it is new here.
fn identified<'a>(
    id: &DocumentId,
    bytes: Vec<u8>,
    firm_doc: &str,
    held: &HashSet<String>,
) -> Result<Read<'a>, AppError> {
    let doc = automerge::Automerge::load(&bytes)?;
    match docs::identify(&doc, firm_doc) {
        Some((local, kind)) if satchel_sync::repo_id(&local) == *id => {
            let is_new = !held.contains(&local);
            Ok(Read {
                new: if is_new {
                    Some(decode(&kind, &doc)?)
                } else {
                    None
                },
                doc_id: local,
                kind,
                bytes: Cow::Owned(bytes),
                arrived: is_new,
            })
        }
        _ => Err(AppError::Document(format!(
            "the server sent document {id}, which does not say what it is"
        ))),
    }
}

/// Apply one replica's document; true if anything new came.
fn merge_one(
    tx: &Transaction<'_>,
    doc_id: &str,
    kind: &str,
    bytes: &[u8],
) -> Result<bool, AppError> {
    let Some(mut doc) = docs::load(tx, doc_id)? else {
        let new = decode(kind, &automerge::Automerge::load(bytes)?)?;
        return merge_new(tx, doc_id, kind, bytes, new).map(|()| true);
    };
    let before_heads = doc.get_heads();
    // The document before the merge, for the projections that write only what changed.
    let old = doc.clone();
    doc.load_incremental(bytes)?;
    if doc.get_heads() == before_heads {
        return Ok(false);
    }
    docs::store_new_changes(
        tx,
        doc_id,
        kind,
        false,
        &mut doc,
        &before_heads,
        jiff::Timestamp::now(),
    )?;
    match kind {
        docs::KIND_MATTER => {
            let old: docs::MatterDoc = autosurgeon::hydrate(&old)?;
            projection::matter(tx, Some(&old), &autosurgeon::hydrate(&doc)?)?;
        }
        docs::KIND_CONTACT => projection::contact(tx, &autosurgeon::hydrate(&doc)?)?,
        docs::KIND_FIRM => projection::firm(tx, &autosurgeon::hydrate(&doc)?)?,
        docs::KIND_BANK => {
            let old: docs::BankDoc = autosurgeon::hydrate(&old)?;
            bank::project(tx, Some(&old), &autosurgeon::hydrate(&doc)?)?;
        }
        docs::KIND_STATEMENTS => {
            let old: docs::StatementsDoc = autosurgeon::hydrate(&old)?;
            bank::project_month(tx, Some(&old), &autosurgeon::hydrate(&doc)?)?;
        }
        other => return Err(unknown_kind(other)),
    }
    Ok(true)
}

/// The tables a first sync fills with millions of rows. While a large merge writes its
/// contacts and matters, their secondary indexes are dropped, and made again after: sorting
/// every entry once costs far less than placing each in a large index as it comes.
/// (Unique indexes stay: writes rely on them.)
const BULK_TABLES: &[&str] = &[
    "contacts",
    "matter_parties",
    "time_entries",
    "expenses",
    "notes",
    "key_dates",
    "tasks",
    "matter_files",
    "postings",
    "posting_moves",
    "bills",
    "search_docs",
];

/// Drop the bulk tables' secondary indexes; their names and definitions, to make again.
fn drop_indexes(tx: &Transaction<'_>) -> Result<Vec<(String, String)>, AppError> {
    let tables = BULK_TABLES
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let indexes: Vec<(String, String)> = tx
        .prepare(&format!(
            "SELECT name, sql FROM sqlite_master
             WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'
               AND tbl_name IN ({tables})"
        ))?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
    }
    Ok(indexes)
}

/// Make the dropped indexes again (each once).
fn remake_indexes(
    tx: &Transaction<'_>,
    dropped: &mut Vec<(String, String)>,
) -> Result<(), AppError> {
    for (_, sql) in dropped.drain(..) {
        tx.execute_batch(&sql)?;
    }
    Ok(())
}

/// A document new to this store, read: its value, ready to be written.
enum Decoded {
    Matter(Box<docs::MatterDoc>),
    Contact(Box<docs::ContactDoc>),
    Firm(Box<docs::FirmDoc>),
    Bank(Box<docs::BankDoc>),
    Statements(Box<docs::StatementsDoc>),
}

/// Read a document's value whole (needs no store, so it runs beside the writes).
fn decode(kind: &str, doc: &automerge::Automerge) -> Result<Decoded, AppError> {
    let unreadable = |e: satchel_sync::whole::ReadError| {
        AppError::Document(format!(
            "a document does not read as a {kind} document: {e}"
        ))
    };
    Ok(match kind {
        docs::KIND_MATTER => Decoded::Matter(Box::new(docs::read_whole(doc).map_err(unreadable)?)),
        docs::KIND_CONTACT => {
            Decoded::Contact(Box::new(docs::read_whole(doc).map_err(unreadable)?))
        }
        docs::KIND_FIRM => Decoded::Firm(Box::new(docs::read_whole(doc).map_err(unreadable)?)),
        docs::KIND_BANK => Decoded::Bank(Box::new(docs::read_whole(doc).map_err(unreadable)?)),
        docs::KIND_STATEMENTS => {
            Decoded::Statements(Box::new(docs::read_whole(doc).map_err(unreadable)?))
        }
        other => return Err(unknown_kind(other)),
    })
}

/// A document this store does not hold yet (another device's, or one just granted): the
/// bytes that came are kept as its snapshot (they load as the whole document), and its
/// rows written with nothing to clear first.
fn merge_new(
    tx: &Transaction<'_>,
    doc_id: &str,
    kind: &str,
    bytes: &[u8],
    doc: Decoded,
) -> Result<(), AppError> {
    tx.prepare_cached(
        "INSERT INTO documents (id, kind, snapshot, updated_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        doc_id,
        kind,
        bytes,
        jiff::Timestamp::now().to_string()
    ])?;
    match doc {
        Decoded::Matter(m) => projection::new_matter(tx, &m),
        Decoded::Contact(c) => projection::contact(tx, &c),
        Decoded::Firm(f) => projection::firm(tx, &f),
        Decoded::Bank(b) => bank::project(tx, None, &b),
        Decoded::Statements(m) => bank::new_month(tx, &m),
    }
}

fn unknown_kind(kind: &str) -> AppError {
    AppError::Document(format!("a document of an unknown kind '{kind}'"))
}

/// A client ledger the merged postings left overdrawn.
struct Overdrawn {
    matter: MatterNumber,
    account: String,
    pence: i64,
    /// The same on every device that finds it: the ledger and the postings on it, hashed.
    id: String,
}

/// Client ledgers of the merged matters whose confirmed postings leave them below zero.
/// Payments still pending are the firm server's to answer.
fn overdrawn_ledgers(
    tx: &Transaction<'_>,
    matter_ids: &[String],
) -> Result<Vec<Overdrawn>, AppError> {
    use sha2::{Digest, Sha256};
    let mut out = Vec::new();
    // Many matters (a first sync): the ledgers below zero found in one pass over the
    // client postings, and only their matters looked at one by one.
    let below: Option<HashSet<String>> = if matter_ids.len() > BIG_MERGE {
        Some(
            tx.prepare(
                "SELECT DISTINCT m.id FROM matters m JOIN (
                     SELECT matter_number FROM posting_moves
                     WHERE place = 'client' AND confirmed = 1
                     GROUP BY matter_number, account_id HAVING sum(delta_pence) < 0
                 ) o ON o.matter_number = m.number",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?,
        )
    } else {
        None
    };
    for id in matter_ids
        .iter()
        .filter(|id| below.as_ref().is_none_or(|b| b.contains(*id)))
    {
        // By the matter's number on the ledgers' own index: left to itself the planner
        // takes the (covering) index of client balances and reads every client posting
        // of the firm for each matter.
        let mut stmt = tx.prepare_cached(
            "SELECT v.matter_number, v.account_id, a.name, sum(v.delta_pence),
                    group_concat(v.posting_id, ',')
             FROM posting_moves v INDEXED BY moves_by_ledger
             JOIN bank_accounts a ON a.id = v.account_id
             WHERE v.matter_number = (SELECT number FROM matters WHERE id = ?1)
               AND v.place = 'client' AND v.confirmed = 1
             GROUP BY v.matter_number, v.account_id HAVING sum(v.delta_pence) < 0",
        )?;
        let rows = stmt
            .query_map(params![id], |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        out.extend(
            rows.into_iter()
                .map(|(m, account_id, account, pence, postings)| {
                    let mut postings: Vec<&str> = postings.split(',').collect();
                    postings.sort_unstable();
                    let digest = Sha256::digest(
                        format!("{m}|{account_id}|{}", postings.join(",")).as_bytes(),
                    );
                    Overdrawn {
                        matter: MatterNumber::new(m),
                        account,
                        pence,
                        id: format!("overdrawn-{}", hex::encode(&digest[..16])),
                    }
                }),
        );
    }
    Ok(out)
}
