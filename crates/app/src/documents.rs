//! Documents on matters: the bytes in the encrypted store (one blob per distinct content,
//! keyed by SHA-256), the names and versions in the matter's document. Adding a file with
//! the name of one already on the matter makes a new version; nothing is overwritten.
//! Every export (opening a document is an export to a file the viewer reads) is audited as
//! a download.

use crate::contacts::resolve_matter;
use crate::{AppError, Satchel, docs};
use satchel_api as api;
use satchel_core::Invalid;
use satchel_core::document as rules;
use satchel_store::rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A document's bytes, read out for the person who asked.
pub struct DocumentBytes {
    pub name: String,
    pub version: u64,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for DocumentBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentBytes")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// Stored file contents whose bytes no longer match their SHA-256, named by the documents
/// that use them (for `verify`).
pub(crate) fn damaged_blobs(
    conn: &satchel_store::rusqlite::Connection,
) -> Result<Vec<String>, AppError> {
    let mut stmt = conn.prepare("SELECT sha256, bytes FROM blobs")?;
    let mut rows = stmt.query([])?;
    let mut bad = Vec::new();
    while let Some(row) = rows.next()? {
        let sha: String = row.get(0)?;
        let bytes: Vec<u8> = row.get(1)?;
        if hex::encode(Sha256::digest(&bytes)) != sha {
            let names: Vec<String> = conn
                .prepare_cached(
                    "SELECT DISTINCT name || ' version ' || version FROM matter_files WHERE sha256 = ?1",
                )?
                .query_map([&sha], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            bad.push(format!(
                "the stored content of {} does not match its digest",
                if names.is_empty() {
                    format!("file {sha}")
                } else {
                    names.join(", ")
                }
            ));
        }
    }
    Ok(bad)
}

impl Satchel {
    /// Attach a file to a matter (or add a version of the file of that name).
    pub fn add_document(
        &mut self,
        matter: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<api::Document, AppError> {
        self.require_editor("add documents")?;
        let name = rules::file_name(name)?;
        rules::check_size(&name, bytes.len() as u64)?;
        let (matter_id, _) = resolve_matter(self.store.conn(), matter)?;
        let sha = hex::encode(Sha256::digest(bytes));
        let existing: Option<String> = self
            .store
            .conn()
            .query_row(
                "SELECT file_id FROM matter_files WHERE matter_id = ?1 AND name = ?2 LIMIT 1",
                params![matter_id, name],
                |r| r.get(0),
            )
            .optional()?;
        let file_id = existing
            .clone()
            .unwrap_or_else(|| Uuid::now_v7().to_string());
        let user_id = self.ctx.user_id.clone();
        self.write("document.add", &format!("matter:{matter_id}"), |tx, at, actor| {
            tx.execute(
                "INSERT INTO blobs (sha256, size, bytes) VALUES (?1, ?2, ?3) ON CONFLICT(sha256) DO NOTHING",
                params![sha, bytes.len() as i64, bytes],
            )?;
            let mut version = 1;
            crate::try_update_matter(tx, &matter_id, actor, at, "add document", |m| {
                let rec = docs::FileVersionRec {
                    version: 1,
                    size: bytes.len() as u64,
                    sha256: sha.clone(),
                    added_by: user_id.clone(),
                    added_at: at.to_string(),
                };
                match m.files.iter_mut().find(|f| f.id == file_id) {
                    Some(f) => {
                        if f.versions.last().is_some_and(|v| v.sha256 == sha) {
                            return Err(Invalid::new(
                                "file",
                                format!("{name} is the same as its latest version; nothing was added"),
                            )
                            .into());
                        }
                        version = f.versions.len() as u64 + 1;
                        f.versions.push(docs::FileVersionRec { version, ..rec });
                    }
                    None => m.files.push(docs::FileRec {
                        id: file_id.clone(),
                        name: name.clone(),
                        versions: vec![rec],
                    }),
                }
                Ok(())
            })?;
            Ok(serde_json::json!({ "document": file_id, "version": version, "size": bytes.len(), "sha256": sha }))
        })?;
        self.document(&file_id)
    }

    /// The documents on a matter, by name, each with its versions.
    pub fn list_documents(&self, matter: &str) -> Result<Vec<api::Document>, AppError> {
        let (matter_id, _) = resolve_matter(self.store.conn(), matter)?;
        let ids: Vec<String> = {
            let mut stmt = self.store.conn().prepare_cached(
                "SELECT DISTINCT file_id, name FROM matter_files WHERE matter_id = ?1 ORDER BY name COLLATE NOCASE",
            )?;
            stmt.query_map([&matter_id], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        ids.iter().map(|id| self.document(id)).collect()
    }

    fn document(&self, file_id: &str) -> Result<api::Document, AppError> {
        let mut stmt = self.store.conn().prepare_cached(
            "SELECT f.matter_id, f.name, f.version, f.size, f.sha256, coalesce(u.initials, '?'), f.added_at
             FROM matter_files f LEFT JOIN users u ON u.id = f.added_by
             WHERE f.file_id = ?1 ORDER BY f.version DESC",
        )?;
        type Row = (String, String, u64, u64, String, String, String);
        let rows: Vec<Row> = stmt
            .query_map([file_id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get::<_, i64>(2)? as u64,
                    r.get::<_, i64>(3)? as u64,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        let latest = rows
            .first()
            .cloned()
            .ok_or_else(|| Invalid::new("document", format!("'{file_id}' is not a document")))?;
        Ok(api::Document {
            id: file_id.to_owned(),
            matter_id: latest.0,
            name: latest.1,
            version: latest.2,
            size: latest.3,
            sha256: latest.4,
            added_by: latest.5,
            added_at: latest.6,
            versions: rows
                .into_iter()
                .map(|r| api::DocumentVersion {
                    version: r.2,
                    size: r.3,
                    size_text: rules::human_size(r.3),
                    added_by: r.5,
                    added_at: r.6,
                })
                .collect(),
        })
    }

    /// Read a document's bytes (latest version, or the one asked for) to hand to the person;
    /// recorded in the audit trail as a download. The bytes are checked against their
    /// digest first.
    pub fn export_document(
        &mut self,
        file_id: &str,
        version: Option<u64>,
    ) -> Result<DocumentBytes, AppError> {
        let doc = self.document(file_id.trim())?;
        let want = version.unwrap_or(doc.version);
        if !doc.versions.iter().any(|v| v.version == want) {
            return Err(Invalid::new(
                "version",
                format!(
                    "{} has versions 1 to {}; there is no version {want}",
                    doc.name, doc.version
                ),
            )
            .into());
        }
        let sha: String = self.store.conn().query_row(
            "SELECT sha256 FROM matter_files WHERE file_id = ?1 AND version = ?2",
            params![doc.id, want as i64],
            |r| r.get(0),
        )?;
        let bytes: Vec<u8> = self
            .store
            .conn()
            .query_row("SELECT bytes FROM blobs WHERE sha256 = ?1", [&sha], |r| r.get(0))
            .optional()?
            .ok_or_else(|| {
                AppError::Document(format!(
                    "the content of {} version {want} is not on this device yet (it arrives with the next sync)",
                    doc.name
                ))
            })?;
        if hex::encode(Sha256::digest(&bytes)) != sha {
            return Err(AppError::Document(format!(
                "the content of {} version {want} does not match its digest: run `satchel verify`",
                doc.name
            )));
        }
        let matter_id = doc.matter_id.clone();
        self.write(
            "document.download",
            &format!("document:{}", doc.id),
            |_, _, _| Ok(serde_json::json!({ "matter": matter_id, "version": want })),
        )?;
        Ok(DocumentBytes {
            name: doc.name,
            version: want,
            bytes,
        })
    }
}
