//! The firm server's backups (`satchel-server backup` / `restore`), as a laptop's are
//! taken: each a folder `satchel-server-backup-<UTC time>` holding the embedded database
//! (copied with SQLite's online backup, so the server may keep serving; still encrypted
//! with the server's key, which the backup does not hold — keep the key file apart) and a
//! manifest (when, size, SHA-256, the rows of each table; no client data), written as
//! `.partial-…` and named a backup only once verified (hash, key, quick check, page
//! authentication, counts); rotated like a laptop's (6 recent, 7 daily, 4 weekly).
//! Restoring verifies first, keeps a backup of the database it replaces, and replaces it in
//! one rename. PostgreSQL deployments are backed up with PostgreSQL's own tools.

use anyhow::{Context, Result, bail};
use jiff::Timestamp;
use satchel_core::rotation::{Keep, to_keep};
use satchel_store::{DbKey, Store};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const PREFIX: &str = "satchel-server-backup-";
const PARTIAL: &str = ".partial-";
const MANIFEST: &str = "manifest.json";
const COUNTED: &[&str] = &["chunks", "doc_changes", "users", "devices", "grants"];

/// What a server backup says of itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub created_at: String,
    pub bytes: u64,
    pub sha256: String,
    pub counts: BTreeMap<String, i64>,
}

fn counts(conn: &rusqlite::Connection) -> Result<BTreeMap<String, i64>> {
    let mut out = BTreeMap::new();
    for t in COUNTED {
        out.insert(
            (*t).to_owned(),
            conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))?,
        );
    }
    Ok(out)
}

fn sha256_of(path: &Path) -> Result<(u64, String)> {
    use sha2::{Digest, Sha256};
    let mut f = std::fs::File::open(path)?;
    let mut hash = Sha256::new();
    let n = std::io::copy(&mut f, &mut hash)?;
    Ok((n, hex::encode(hash.finalize())))
}

fn keyed(path: &Path, key: &DbKey) -> Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    key.apply(&conn)?;
    Ok(conn)
}

/// Check a backup folder: its database is the file it was written as, opens with `key`,
/// is sound, and holds what its manifest counts.
pub fn verify(backup: &Path, key: &DbKey) -> Result<Manifest> {
    let name = backup.display();
    let manifest: Manifest = serde_json::from_str(
        &std::fs::read_to_string(backup.join(MANIFEST))
            .with_context(|| format!("{name} is not a server backup (no manifest)"))?,
    )
    .with_context(|| format!("{name} is not a server backup (its manifest does not read)"))?;
    let db = backup.join(crate::DB_FILE);
    let (_, sha) = sha256_of(&db).with_context(|| format!("the backup {name} has no database"))?;
    if sha != manifest.sha256 {
        bail!(
            "the backup {name} is damaged: its database is not the one it was written with (truncated, altered or corrupted)"
        );
    }
    let store = Store::open_copy(&db, key)
        .map_err(|e| anyhow::anyhow!("the backup {name} cannot be opened: {e}"))?;
    let problems = store.quick_problems()?;
    if let Some(p) = problems.first() {
        bail!("the backup {name} is damaged: {p}");
    }
    if counts(store.conn())? != manifest.counts {
        bail!("the backup {name} holds other rows than it was written with");
    }
    Ok(manifest)
}

/// The backups in `folder`, newest first: (path, manifest).
pub fn list(folder: &Path) -> Result<Vec<(PathBuf, Manifest)>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(folder) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e.into()),
    };
    for e in entries {
        let e = e?;
        if e.file_name().to_string_lossy().starts_with(PREFIX)
            && let Ok(text) = std::fs::read_to_string(e.path().join(MANIFEST))
            && let Ok(m) = serde_json::from_str::<Manifest>(&text)
        {
            out.push((e.path(), m));
        }
    }
    out.sort_by(|a, b| b.1.created_at.cmp(&a.1.created_at));
    Ok(out)
}

/// Back the server's database in `dir` up into `folder`, verify it, rotate the folder.
pub fn backup(dir: &Path, folder: &Path) -> Result<(PathBuf, Manifest)> {
    let key = crate::database_key(dir)?;
    let source = dir.join(crate::DB_FILE);
    if !source.exists() {
        bail!("no server database in {}", dir.display());
    }
    std::fs::create_dir_all(folder)
        .with_context(|| format!("the backup folder {} cannot be made", folder.display()))?;
    let now = Timestamp::now();
    let stamp = format!(
        "{}-{:03}Z",
        now.strftime("%Y-%m-%dT%H-%M-%S"),
        now.subsec_millisecond()
    );
    let partial = folder.join(format!("{PARTIAL}{stamp}"));
    let done = folder.join(format!("{PREFIX}{stamp}"));
    std::fs::create_dir(&partial)
        .with_context(|| format!("the backup folder {} is not writable", folder.display()))?;
    let written = (|| -> Result<Manifest> {
        let src = keyed(&source, &key)?;
        let copy = partial.join(crate::DB_FILE);
        {
            let mut dst = keyed(&copy, &key)?;
            rusqlite::backup::Backup::new(&src, &mut dst)?.run_to_completion(
                1024,
                std::time::Duration::ZERO,
                None,
            )?;
            dst.query_row("PRAGMA journal_mode = DELETE", [], |r| {
                r.get::<_, String>(0)
            })?;
        }
        let counted = counts(&keyed(&copy, &key)?)?;
        let (bytes, sha256) = sha256_of(&copy)?;
        let manifest = Manifest {
            format: 1,
            created_at: now.to_string(),
            bytes,
            sha256,
            counts: counted,
        };
        std::fs::write(
            partial.join(MANIFEST),
            serde_json::to_vec_pretty(&manifest)?,
        )?;
        verify(&partial, &key)?;
        std::fs::rename(&partial, &done)?;
        Ok(manifest)
    })();
    let manifest = match written {
        Ok(m) => m,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(e.context(format!(
                "the backup into {} failed; the server's database was not changed",
                folder.display()
            )));
        }
    };
    let backups = list(folder)?;
    let times: Vec<Timestamp> = backups
        .iter()
        .map(|(_, m)| m.created_at.parse().unwrap_or(Timestamp::UNIX_EPOCH))
        .collect();
    let kept = to_keep(&times, Keep::default());
    for (i, (path, _)) in backups.iter().enumerate() {
        if !kept.contains(&i) {
            std::fs::remove_dir_all(path)?;
        }
    }
    Ok((done, manifest))
}

/// Restore the server's database in `dir` from `backup` (the server stopped): verified
/// first, the database it replaces backed up into `safety_folder`, then replaced in one
/// rename; then every document the replaced database had erased is erased again. Returns
/// the backup's manifest, the safety backup, and how many were erased again.
pub fn restore(
    dir: &Path,
    backup: &Path,
    safety_folder: &Path,
) -> Result<(Manifest, PathBuf, usize)> {
    let key = crate::database_key(dir)?;
    let manifest = verify(backup, &key)?;
    let db = dir.join(crate::DB_FILE);
    let (safety, _) = self::backup(dir, safety_folder)?;
    // What the database being replaced erased is erased again in the one restored: a
    // backup from before an erasure must not bring a person back.
    let erased = crate::storage::SqliteStore::open(&db, &key)?.erased_now()?;
    let staged = dir.join(format!("{}.restoring", crate::DB_FILE));
    let _ = std::fs::remove_file(&staged);
    std::fs::copy(backup.join(crate::DB_FILE), &staged)?;
    std::fs::File::open(&staged)?.sync_all()?;
    for f in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{f}", db.display()));
    }
    std::fs::rename(&staged, &db)?;
    let again = if erased.is_empty() {
        0
    } else {
        crate::storage::SqliteStore::open(&db, &key)?.erase_now(&erased, jiff::Timestamp::now())?
    };
    Ok((manifest, safety, again))
}
