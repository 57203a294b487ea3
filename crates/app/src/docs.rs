//! Automerge documents in the local store: loading, one commit per user action, storing
//! only what is new, and what a document says it is. The schema is
//! [`satchel_sync::schema`], shared with the firm server.

use crate::AppError;
use automerge::{ActorId, AutoCommit};
use satchel_store::rusqlite::{Connection, OptionalExtension, Transaction, params};
pub use satchel_sync::schema::*;

/// Compact a document's stored changes into one snapshot once this many pile up.
const COMPACT_AFTER: i64 = 64;

/// Load a document from its snapshot and stored changes, or `None` if there is none.
pub fn load(conn: &Connection, doc_id: &str) -> Result<Option<AutoCommit>, AppError> {
    let snapshot: Option<Option<Vec<u8>>> = conn
        .query_row(
            "SELECT snapshot FROM documents WHERE id = ?1",
            [doc_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(snapshot) = snapshot else {
        return Ok(None);
    };
    let mut doc = match snapshot {
        Some(bytes) => AutoCommit::load(&bytes)?,
        None => AutoCommit::new(),
    };
    let mut stmt =
        conn.prepare_cached("SELECT bytes FROM doc_changes WHERE doc_id = ?1 ORDER BY seq")?;
    let mut rows = stmt.query([doc_id])?;
    while let Some(row) = rows.next()? {
        let bytes: Vec<u8> = row.get(0)?;
        doc.load_incremental(&bytes)?;
    }
    Ok(Some(doc))
}

/// Apply one user action to a document as one Automerge commit and store the change,
/// inside the caller's transaction. Returns the document after the change.
pub fn change(
    tx: &Transaction<'_>,
    doc_id: &str,
    kind: &str,
    actor: &ActorId,
    at: jiff::Timestamp,
    message: &str,
    f: impl FnOnce(&mut AutoCommit) -> Result<(), AppError>,
) -> Result<AutoCommit, AppError> {
    let existing = load(tx, doc_id)?;
    let is_new = existing.is_none();
    let mut doc = existing.unwrap_or_default();
    doc.set_actor(actor.clone());
    // Only this change is stored: a loaded document's own "last save" is empty, so
    // `save_incremental` would write its whole history again with every change.
    let before = doc.get_heads();
    f(&mut doc)?;
    doc.commit_with(
        automerge::transaction::CommitOptions::default()
            .with_message(message.to_owned())
            .with_time(at.as_second()),
    );
    store_new_changes(tx, doc_id, kind, is_new, &mut doc, &before, at)?;
    mark_unsent(tx, doc_id)?;
    Ok(doc)
}

/// Mark a document as changed here since the firm server last had it: the next sync
/// sends it.
pub(crate) fn mark_unsent(tx: &Transaction<'_>, doc_id: &str) -> Result<(), AppError> {
    tx.prepare_cached(
        "UPDATE documents SET unsent = (SELECT coalesce(max(unsent), 0) + 1 FROM documents WHERE unsent > 0)
         WHERE id = ?1",
    )?
    .execute([doc_id])?;
    Ok(())
}

/// The documents changed here that the firm server has not had: (id, the mark to clear
/// once it has).
pub(crate) fn unsent(conn: &Connection) -> Result<Vec<(String, i64)>, AppError> {
    let mut stmt = conn.prepare("SELECT id, unsent FROM documents WHERE unsent > 0 ORDER BY id")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Store what a document gained since `before` (its heads then): a new row for a new
/// document, the changes as one incremental chunk, and a compaction into the snapshot once
/// enough chunks have gathered.
pub(crate) fn store_new_changes(
    tx: &Transaction<'_>,
    doc_id: &str,
    kind: &str,
    is_new: bool,
    doc: &mut AutoCommit,
    before: &[automerge::ChangeHash],
    at: jiff::Timestamp,
) -> Result<(), AppError> {
    let bytes = doc.save_after(before);
    let now = at.to_string();
    if is_new {
        tx.execute(
            "INSERT INTO documents (id, kind, snapshot, updated_at) VALUES (?1, ?2, NULL, ?3)",
            params![doc_id, kind, now],
        )?;
    } else {
        tx.execute(
            "UPDATE documents SET updated_at = ?2 WHERE id = ?1",
            params![doc_id, now],
        )?;
    }
    if !bytes.is_empty() {
        tx.execute(
            "INSERT INTO doc_changes (doc_id, bytes) VALUES (?1, ?2)",
            params![doc_id, bytes],
        )?;
    }
    let pending: i64 = tx.query_row(
        "SELECT count(*) FROM doc_changes WHERE doc_id = ?1",
        [doc_id],
        |r| r.get(0),
    )?;
    if pending >= COMPACT_AFTER {
        tx.execute(
            "UPDATE documents SET snapshot = ?2 WHERE id = ?1",
            params![doc_id, doc.save()],
        )?;
        tx.execute("DELETE FROM doc_changes WHERE doc_id = ?1", [doc_id])?;
    }
    Ok(())
}

/// What a document says it is: (its id in a store, its kind), from its own fields — a
/// matter's or contact's `id`, a bank account's `account_id` (and `month` for a month of
/// statements); the firm's document is `firm_doc`.
pub fn identify(doc: &impl automerge::ReadDoc, firm_doc: &str) -> Option<(String, String)> {
    let text = |key: &str| -> Option<String> {
        doc.get(automerge::ROOT, key)
            .ok()
            .flatten()
            .and_then(|(v, _)| v.into_string().ok())
    };
    let kind = text("kind")?;
    let id = match kind.as_str() {
        KIND_MATTER | KIND_CONTACT => text("id")?,
        KIND_BANK => crate::bank::doc_id(&text("account_id")?),
        KIND_STATEMENTS => crate::bank::statements_doc_id(&text("account_id")?, &text("month")?),
        KIND_FIRM => firm_doc.to_owned(),
        _ => return None,
    };
    Some((id, kind))
}

/// The ids of every stored document of a kind.
pub fn ids_of_kind(tx: &Transaction<'_>, kind: &str) -> Result<Vec<String>, AppError> {
    let mut stmt = tx.prepare("SELECT id FROM documents WHERE kind = ?1 ORDER BY id")?;
    let ids = stmt
        .query_map([kind], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(ids)
}
