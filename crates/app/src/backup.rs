//! Backups of the local store: verified snapshots, rotated; restore with a safety snapshot
//! first; archives that open with the recovery passphrase alone.
//!
//! A backup is a folder `satchel-backup-<UTC time>` holding three files:
//! - `satchel.db`: the store's encrypted pages as they stood (`Store::copy_to`: the WAL
//!   written back, the file copied under a read transaction), opening with the store's key;
//! - `key-envelope.json`: that key sealed with the recovery passphrase (as in the data
//!   folder), so that the backup opens on a new machine;
//! - `manifest.json`: what the backup is (the firm, the installation, when, why, schema
//!   version, size, SHA-256 of the database, and the number of records of each kind) — no
//!   client data.
//!
//! A backup is written as `.partial-…`, verified — the database opens with the key, SQLite's
//! quick check and SQLCipher's page authentication pass, every device's audit chain holds,
//! the records counted in the copy are those counted in the store at the moment of the
//! copy — and only then named a backup. What fails leaves nothing behind but a message.
//!
//! Restoring replaces the database file in one rename (after a safety backup of the store
//! as it was): the store is the old one or the new one, never a mix. A backup from another
//! firm, a damaged or altered one, or one whose key the passphrase does not open is
//! refused, the store untouched.

use crate::sync::{get_meta, set_meta};
use crate::vault::KeyVault;
use crate::{AppError, Satchel, Unlock, db_path, envelope_path};
use jiff::Timestamp;
use satchel_core::audit;
use satchel_store::envelope::{ENVELOPE_FILE, Envelope};
use satchel_store::rusqlite::Connection;
use satchel_store::{DbKey, Store};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The folder of backups inside the data folder, unless another is chosen.
pub const FOLDER: &str = "backups";
const PREFIX: &str = "satchel-backup-";
const PARTIAL: &str = ".partial-";
const MANIFEST: &str = "manifest.json";
/// File name ending of an exported archive.
pub const ARCHIVE_EXT: &str = "satchel-archive";

/// The tables whose rows a backup counts, and its verification counts again.
const COUNTED: &[&str] = &[
    "documents",
    "contacts",
    "matters",
    "time_entries",
    "postings",
    "bills",
    "audit_events",
];

/// What a backup says of itself (`manifest.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The format of this manifest.
    pub format: u32,
    /// The firm's document id: a backup restores only into the same firm's store.
    pub firm: String,
    pub firm_name: String,
    /// The installation whose store this is (the key envelope's).
    pub install_id: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// Why it was taken: `scheduled`, `manual`, `on quit`, `before restore`, `export`.
    pub reason: String,
    pub schema_version: u32,
    pub bytes: u64,
    /// SHA-256 of `satchel.db`, hex.
    pub sha256: String,
    /// Rows of each counted table.
    pub counts: BTreeMap<String, i64>,
}

/// A backup on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub path: PathBuf,
    pub manifest: Manifest,
}

impl Backup {
    pub fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    pub fn created_at(&self) -> Option<Timestamp> {
        self.manifest.created_at.parse().ok()
    }
}

pub use satchel_core::rotation::{Keep, to_keep};

/// What restoring did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// The backup restored.
    pub from: Manifest,
    /// The safety backup taken of the store as it was (none on a new machine).
    pub safety: Option<PathBuf>,
}

fn backup_error(what: &str, path: &Path, e: &std::io::Error) -> AppError {
    let why = match e.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            "it is not writable".to_owned()
        }
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
            "it is full".to_owned()
        }
        std::io::ErrorKind::NotFound => "it does not exist".to_owned(),
        _ => e.to_string(),
    };
    AppError::Backup(format!(
        "{what} in {} failed: {why}; the store was not changed",
        path.display()
    ))
}

/// The counted tables' rows.
fn counts(conn: &Connection) -> Result<BTreeMap<String, i64>, satchel_store::StoreError> {
    let mut out = BTreeMap::new();
    for table in COUNTED {
        let n: i64 = conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
        out.insert((*table).to_owned(), n);
    }
    Ok(out)
}

/// Check a backup's database against its manifest: it opens with `key`, passes SQLite's
/// quick check and SQLCipher's page check, every device's audit chain holds, it is the
/// firm the manifest names, and holds the records the manifest counts. The SHA-256 is
/// checked first, so an altered or damaged file is named as such before anything else.
pub fn verify(backup: &Backup, key: &DbKey) -> Result<(), AppError> {
    check_file(backup)?;
    check_contents(backup, key)
}

fn damaged(backup: &Backup, why: String) -> AppError {
    AppError::Backup(format!(
        "the backup {} is damaged ({why}); it cannot be used",
        backup.name()
    ))
}

/// The backup's database is the file it was written as (its SHA-256).
fn check_file(backup: &Backup) -> Result<(), AppError> {
    let db = backup.path.join(satchel_store::DB_FILE);
    let damaged = |why: String| damaged(backup, why);
    let sha = {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        let mut f = fs::File::open(&db).map_err(|e| damaged(e.to_string()))?;
        std::io::copy(&mut f, &mut hash).map_err(|e| damaged(e.to_string()))?;
        hex::encode(hash.finalize())
    };
    if sha != backup.manifest.sha256 {
        return Err(damaged(
            "its database is not the one it was written with: truncated, altered or corrupted"
                .into(),
        ));
    }
    Ok(())
}

/// The backup's database opens with `key` and is sound, whole and the firm it says.
fn check_contents(backup: &Backup, key: &DbKey) -> Result<(), AppError> {
    let db = backup.path.join(satchel_store::DB_FILE);
    let damaged = |why: String| damaged(backup, why);
    let store = Store::open_copy(&db, key).map_err(|e| match e {
        satchel_store::StoreError::WrongKey(_) => AppError::Backup(format!(
            "the backup {} does not open with this key",
            backup.name()
        )),
        other => damaged(other.to_string()),
    })?;
    let problems = store.quick_problems().map_err(|e| damaged(e.to_string()))?;
    if let Some(p) = problems.first() {
        return Err(damaged(p.clone()));
    }
    let conn = store.conn();
    if get_meta(conn, "firm_doc")?.as_deref() != Some(backup.manifest.firm.as_str()) {
        return Err(damaged(
            "it holds another firm than its manifest says".into(),
        ));
    }
    let devices: Vec<String> = conn
        .prepare("SELECT DISTINCT device_id FROM audit_events ORDER BY device_id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for device in devices {
        let events = crate::read_events(conn, &device)?;
        if let Err(b) = audit::verify_chain(&events) {
            return Err(damaged(format!("its audit trail is broken: {b}")));
        }
    }
    let found = counts(conn)?;
    if found != backup.manifest.counts {
        return Err(damaged(format!(
            "it holds other records than it was written with ({found:?} against {:?})",
            backup.manifest.counts
        )));
    }
    Ok(())
}

/// Read the backup in a folder (its manifest).
pub fn read(path: &Path) -> Result<Backup, AppError> {
    let text = fs::read_to_string(path.join(MANIFEST)).map_err(|e| {
        AppError::Backup(format!(
            "{} is not a Satchel backup (no readable manifest: {e})",
            path.display()
        ))
    })?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
        AppError::Backup(format!(
            "{} is not a Satchel backup (its manifest does not read: {e})",
            path.display()
        ))
    })?;
    Ok(Backup {
        path: path.to_owned(),
        manifest,
    })
}

/// The backups in `folder`, newest first. (Folders that are not backups are passed over.)
pub fn list(folder: &Path) -> Result<Vec<Backup>, AppError> {
    let entries = match fs::read_dir(folder) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(PREFIX)
            && entry.file_type()?.is_dir()
            && let Ok(b) = read(&entry.path())
        {
            out.push(b);
        }
    }
    out.sort_by(|a, b| b.manifest.created_at.cmp(&a.manifest.created_at));
    Ok(out)
}

impl Satchel {
    /// The folder backups go to: the one chosen in settings, else `backups` in the data
    /// folder.
    pub fn backup_folder(&self) -> Result<PathBuf, AppError> {
        Ok(match get_meta(self.store.conn(), "backup_folder")? {
            Some(f) if !f.is_empty() => PathBuf::from(f),
            _ => self.data_dir.join(FOLDER),
        })
    }

    /// Take a backup into `folder` (the backup folder if none), verify it, and rotate the
    /// folder's backups. `progress(done, of)` is told in bytes copied.
    pub fn backup(
        &mut self,
        folder: Option<&Path>,
        reason: &str,
        progress: &dyn Fn(u64, u64),
    ) -> Result<Backup, AppError> {
        let folder = match folder {
            Some(f) => f.to_owned(),
            None => self.backup_folder()?,
        };
        let backup = self.snapshot_into(&folder, reason, progress)?;
        let removed = rotate(&folder, Keep::default())?;
        let detail = serde_json::json!({
            "backup": backup.name(),
            "reason": reason,
            "bytes": backup.manifest.bytes,
            "counts": backup.manifest.counts,
            "rotated_out": removed.len(),
        });
        self.write(
            "backup.create",
            &format!("backup:{}", backup.name()),
            |_, _, _| Ok(detail),
        )?;
        Ok(backup)
    }

    /// Write and verify one backup into `folder` (made if missing).
    fn snapshot_into(
        &mut self,
        folder: &Path,
        reason: &str,
        progress: &dyn Fn(u64, u64),
    ) -> Result<Backup, AppError> {
        fs::create_dir_all(folder)
            .map_err(|e| backup_error("Making the backup folder", folder, &e))?;
        let now = Timestamp::now();
        let stamp = format!(
            "{}-{:03}Z",
            now.strftime("%Y-%m-%dT%H-%M-%S"),
            now.subsec_millisecond()
        );
        let partial = folder.join(format!("{PARTIAL}{stamp}"));
        let done = folder.join(format!("{PREFIX}{stamp}"));
        fs::create_dir(&partial).map_err(|e| backup_error("Writing a backup", folder, &e))?;
        let written = (|| -> Result<Backup, AppError> {
            let (counted, copy) = self
                .store
                .copy_to(&partial.join(satchel_store::DB_FILE), counts, progress)
                .map_err(|e| match e {
                    satchel_store::StoreError::Io(io) => {
                        backup_error("Writing a backup", folder, &io)
                    }
                    other => AppError::Store(other),
                })?;
            fs::copy(envelope_path(&self.data_dir), partial.join(ENVELOPE_FILE))
                .map_err(|e| backup_error("Writing a backup", folder, &e))?;
            let manifest = Manifest {
                format: 1,
                firm: self.ctx.firm_doc.clone(),
                firm_name: self.ctx.firm_name.clone(),
                install_id: self.ctx.install_id.clone(),
                created_at: now.to_string(),
                reason: reason.to_owned(),
                schema_version: self.store.schema_version()?,
                bytes: copy.bytes,
                sha256: copy.sha256,
                counts: counted,
            };
            let text = serde_json::to_string_pretty(&manifest)
                .map_err(|e| AppError::Document(e.to_string()))?;
            write_synced(&partial.join(MANIFEST), text.as_bytes())
                .map_err(|e| backup_error("Writing a backup", folder, &e))?;
            let backup = Backup {
                path: partial.clone(),
                manifest,
            };
            verify(&backup, &self.key)?;
            fs::rename(&partial, &done)
                .map_err(|e| backup_error("Writing a backup", folder, &e))?;
            sync_dir(folder);
            Ok(Backup {
                path: done.clone(),
                manifest: backup.manifest,
            })
        })();
        if written.is_err() {
            let _ = fs::remove_dir_all(&partial);
        }
        written
    }

    /// The backups in the backup folder, newest first.
    pub fn backups(&self) -> Result<Vec<Backup>, AppError> {
        list(&self.backup_folder()?)
    }

    /// How many hours apart scheduled backups are (4 unless set).
    pub fn backup_every_hours(&self) -> Result<u32, AppError> {
        Ok(get_meta(self.store.conn(), "backup_every_hours")?
            .and_then(|h| h.parse().ok())
            .unwrap_or(EVERY_HOURS))
    }

    /// Set the backup folder (blank: `backups` in the data folder) and how many hours
    /// apart scheduled backups are (1 to 24). A folder must be one Satchel can write to.
    pub fn set_backup_settings(
        &mut self,
        settings: &satchel_api::BackupSettings,
    ) -> Result<(), AppError> {
        if !(1..=24).contains(&settings.every_hours) {
            return Err(satchel_core::Invalid::new(
                "every_hours",
                "backups must be from 1 to 24 hours apart",
            )
            .into());
        }
        let folder = settings.folder.trim().to_owned();
        if !folder.is_empty() {
            let path = Path::new(&folder);
            if !path.is_absolute() {
                return Err(satchel_core::Invalid::new(
                    "folder",
                    "give the backup folder's full path, e.g. /media/usb/satchel",
                )
                .into());
            }
            // Writable: a file made and removed there.
            fs::create_dir_all(path)
                .and_then(|()| {
                    let probe = path.join(format!("{PARTIAL}probe"));
                    fs::write(&probe, b"")?;
                    fs::remove_file(&probe)
                })
                .map_err(|e| {
                    satchel_core::Invalid::new(
                        "folder",
                        format!("Satchel cannot write to {folder}: {e}"),
                    )
                })?;
        }
        let hours = settings.every_hours.to_string();
        self.write("settings.backup", "backups", |tx, _, _| {
            set_meta(tx, "backup_folder", &folder)?;
            set_meta(tx, "backup_every_hours", &hours)?;
            Ok(serde_json::json!({ "folder": folder, "every_hours": settings.every_hours }))
        })?;
        Ok(())
    }

    /// Whether a scheduled backup is due: none yet, or the newest older than the interval.
    pub fn backup_due(&self) -> Result<bool, AppError> {
        self.backup_due_at(Timestamp::now())
    }

    pub(crate) fn backup_due_at(&self, now: Timestamp) -> Result<bool, AppError> {
        let every = jiff::SignedDuration::from_hours(i64::from(self.backup_every_hours()?));
        Ok(match self.backups()?.first().and_then(Backup::created_at) {
            None => true,
            Some(last) => now.duration_since(last) >= every,
        })
    }
}

/// Hours between scheduled backups unless set.
pub const EVERY_HOURS: u32 = 4;

impl Backup {
    /// As the window lists it.
    pub fn entry(&self) -> satchel_api::BackupEntry {
        satchel_api::BackupEntry {
            name: self.name(),
            created_at: self.manifest.created_at.clone(),
            reason: self.manifest.reason.clone(),
            bytes: self.manifest.bytes,
            matters: self.manifest.counts.get("matters").copied().unwrap_or(0),
            audit_events: self
                .manifest
                .counts
                .get("audit_events")
                .copied()
                .unwrap_or(0),
        }
    }
}

/// Remove the backups of `folder` that rotation does not keep, and any `.partial-` folder
/// an interrupted backup left. Returns the paths removed.
pub fn rotate(folder: &Path, keep: Keep) -> Result<Vec<PathBuf>, AppError> {
    let backups = list(folder)?;
    let times: Vec<Timestamp> = backups
        .iter()
        .map(|b| b.created_at().unwrap_or(Timestamp::UNIX_EPOCH))
        .collect();
    let kept = to_keep(&times, keep);
    let mut removed = Vec::new();
    for (i, b) in backups.iter().enumerate() {
        if !kept.contains(&i) {
            fs::remove_dir_all(&b.path)?;
            removed.push(b.path.clone());
        }
    }
    for entry in fs::read_dir(folder)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(PARTIAL) {
            fs::remove_dir_all(entry.path())?;
            removed.push(entry.path());
        }
    }
    Ok(removed)
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Flush a folder's entries (a rename in it) to disk, where the platform allows.
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The key a backup opens with: this installation's key if the backup is this
/// installation's and opens with it, else the key its envelope holds, unsealed with the
/// recovery passphrase.
fn key_of(
    backup: &Backup,
    current: Option<&DbKey>,
    passphrase: Option<&str>,
) -> Result<DbKey, AppError> {
    if let Some(key) = current {
        let db = backup.path.join(satchel_store::DB_FILE);
        if Store::open_copy(&db, key).is_ok() {
            return Ok(key.clone());
        }
    }
    let envelope = Envelope::read(&backup.path.join(ENVELOPE_FILE)).map_err(|e| {
        AppError::Backup(format!(
            "the backup {} has no readable key envelope ({e}); it cannot be opened",
            backup.name()
        ))
    })?;
    let Some(passphrase) = passphrase else {
        return Err(AppError::Locked(format!(
            "the backup {} was made under another key: enter the recovery passphrase it was made with",
            backup.name()
        )));
    };
    Ok(envelope.open(passphrase)?)
}

/// Restore the store in `data_dir` from the backup at `from` (a backup folder, or an
/// archive, see [`export_archive`]). With a store there, it is unlocked with `how`, must
/// be the same firm's, and is backed up first (`before restore`); the restored database
/// then takes that store's key. With none (a new machine), the backup is installed as it
/// is, opened with the recovery passphrase (`how` must be [`Unlock::Passphrase`]).
/// Nothing changes unless the backup verifies.
pub fn restore(
    data_dir: &Path,
    vault: &dyn KeyVault,
    how: Unlock<'_>,
    from: &Path,
    progress: &dyn Fn(u64, u64),
) -> Result<Restored, AppError> {
    let unpacked;
    let source = if from.is_file() {
        unpacked = unpack_archive(from, data_dir)?;
        unpacked.path().to_owned()
    } else {
        from.to_owned()
    };
    let backup = read(&source)?;
    let passphrase = match how {
        Unlock::Passphrase(p) => Some(p),
        Unlock::Keyring => None,
    };
    let db = db_path(data_dir);
    if !db.exists() {
        // A new machine: the backup becomes the store, with its own envelope.
        check_file(&backup)?;
        let key = key_of(&backup, None, passphrase)?;
        check_contents(&backup, &key)?;
        fs::create_dir_all(data_dir)?;
        let staged = data_dir.join(format!("{}.restoring", satchel_store::DB_FILE));
        let _ = fs::remove_file(&staged);
        copy_synced(&backup.path.join(satchel_store::DB_FILE), &staged, progress)?;
        fs::copy(backup.path.join(ENVELOPE_FILE), envelope_path(data_dir))?;
        fs::rename(&staged, &db)?;
        sync_dir(data_dir);
        let mut s = Satchel::open(data_dir, vault, how)?;
        s.audit_restore(&backup.manifest, None)?;
        return Ok(Restored {
            from: backup.manifest,
            safety: None,
        });
    }
    let mut current = Satchel::open(data_dir, vault, how)?;
    if current.ctx.firm_doc != backup.manifest.firm {
        return Err(AppError::Backup(format!(
            "the backup {} is of another firm ({}); it cannot be restored here, and nothing was changed",
            backup.name(),
            backup.manifest.firm_name
        )));
    }
    if current.ctx.install_id != backup.manifest.install_id {
        return Err(AppError::Backup(format!(
            "the backup {} is of another device of the firm; restore a backup of this device (another device's work reaches this one by sync), nothing was changed",
            backup.name()
        )));
    }
    check_file(&backup)?;
    let key = key_of(&backup, Some(&current.key), passphrase)?;
    check_contents(&backup, &key)?;
    let safety = current.backup(None, "before restore", &|_, _| {})?;
    // Erasures made here are made again in what is restored, and their anonymised copies
    // kept as they are now (a backup from before an erasure must not bring a person back).
    let erased = current.erasures()?;
    let held: std::collections::HashSet<String> = current
        .document_ids()?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let copies = erased
        .iter()
        .filter_map(crate::gdpr::Erased::replaced_by)
        .filter(|id| held.contains(*id))
        .map(|id| current.replica_of(id))
        .collect::<Result<Vec<_>, _>>()?;
    let staged = data_dir.join(format!("{}.restoring", satchel_store::DB_FILE));
    let _ = fs::remove_file(&staged);
    copy_synced(&backup.path.join(satchel_store::DB_FILE), &staged, progress)?;
    if key != current.key {
        // Made under an earlier key: re-encrypted under the store's key now, so that the
        // key envelope and the keyring stay right.
        let copy = Store::open(&staged, &key)?;
        copy.rekey(&current.key)?;
        copy.checkpoint()?;
    }
    let store_wal = [
        PathBuf::from(format!("{}-wal", db.display())),
        PathBuf::from(format!("{}-shm", db.display())),
    ];
    current.store.checkpoint()?;
    drop(current);
    for f in store_wal {
        let _ = fs::remove_file(f);
    }
    // The one step that changes the store: after it the store is the backup, before it
    // the store as it was.
    fs::rename(&staged, &db)?;
    sync_dir(data_dir);
    // The store's key and envelope are the ones it had: it opens as it did.
    let mut restored = Satchel::open(data_dir, vault, how)?;
    restored.audit_restore(&backup.manifest, Some(&safety))?;
    if !erased.is_empty() {
        restored.reapply_erasures(&erased, &copies)?;
    }
    Ok(Restored {
        from: backup.manifest,
        safety: Some(safety.path),
    })
}

impl Satchel {
    fn audit_restore(&mut self, from: &Manifest, safety: Option<&Backup>) -> Result<(), AppError> {
        let detail = serde_json::json!({
            "from": from.created_at,
            "reason": from.reason,
            "counts": from.counts,
            "safety_backup": safety.map(Backup::name),
        });
        self.write("backup.restore", "store", |_, _, _| Ok(detail))
            .map(|_| ())
    }
}

/// Copy a file to a new one, flushed, telling `progress` in bytes.
fn copy_synced(from: &Path, to: &Path, progress: &dyn Fn(u64, u64)) -> Result<(), AppError> {
    use std::io::{Read, Write};
    let mut src = fs::File::open(from)?;
    let of = src.metadata()?.len();
    let mut dst = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut done = 0u64;
    let copied = (|| -> std::io::Result<()> {
        loop {
            let n = src.read(&mut buf)?;
            if n == 0 {
                break;
            }
            dst.write_all(&buf[..n])?;
            done += n as u64;
            progress(done, of);
        }
        dst.sync_all()
    })();
    if let Err(e) = copied {
        let _ = fs::remove_file(to);
        return Err(backup_error("Copying the backup", to, &e));
    }
    Ok(())
}

/// A backup unpacked from an archive, in a folder removed when dropped.
struct Unpacked(PathBuf);

impl Unpacked {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Unpacked {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Unpack an archive beside the data folder (on the same disk, to be renamed into it).
fn unpack_archive(archive: &Path, data_dir: &Path) -> Result<Unpacked, AppError> {
    let not_archive = |why: String| {
        AppError::Backup(format!(
            "{} is not a Satchel archive ({why}); nothing was changed",
            archive.display()
        ))
    };
    let parent = data_dir
        .parent()
        .map(Path::to_owned)
        .unwrap_or_else(std::env::temp_dir);
    fs::create_dir_all(&parent)?;
    let dir = parent.join(format!(
        ".satchel-unpacking-{}",
        uuid::Uuid::now_v7().simple()
    ));
    fs::create_dir(&dir)?;
    let out = Unpacked(dir);
    let file = fs::File::open(archive).map_err(|e| not_archive(e.to_string()))?;
    let mut tar = tar::Archive::new(file);
    let entries = tar.entries().map_err(|e| not_archive(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| not_archive(e.to_string()))?;
        let name = entry
            .path()
            .map_err(|e| not_archive(e.to_string()))?
            .to_string_lossy()
            .into_owned();
        // Only the three files a backup holds, by name: nothing else is written.
        if ![satchel_store::DB_FILE, ENVELOPE_FILE, MANIFEST].contains(&name.as_str()) {
            return Err(not_archive(format!("it holds {name}")));
        }
        let mut f = fs::File::create(out.path().join(&name))?;
        std::io::copy(&mut entry, &mut f).map_err(|e| not_archive(e.to_string()))?;
    }
    Ok(out)
}

impl Satchel {
    /// Export an encrypted archive of the store into `folder` (a USB stick): one file,
    /// `<firm>-<date>.satchel-archive`, holding a fresh verified backup and the key
    /// envelope, so that it opens on a new machine with the recovery passphrase alone.
    pub fn export_archive(
        &mut self,
        folder: &Path,
        progress: &dyn Fn(u64, u64),
    ) -> Result<PathBuf, AppError> {
        let work = folder.join(format!(".satchel-export-{}", uuid::Uuid::now_v7().simple()));
        let result = (|| -> Result<PathBuf, AppError> {
            let backup = self.snapshot_into(&work, "export", progress)?;
            let date = satchel_core::dates::london_date(Timestamp::now());
            let slug: String = self
                .ctx
                .firm_name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
                .split('-')
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("-");
            let mut name = folder.join(format!("{slug}-{date}.{ARCHIVE_EXT}"));
            let mut n = 2;
            while name.exists() {
                name = folder.join(format!("{slug}-{date}-{n}.{ARCHIVE_EXT}"));
                n += 1;
            }
            let partial = folder.join(format!("{PARTIAL}{}", uuid::Uuid::now_v7().simple()));
            let packed = (|| -> std::io::Result<()> {
                let file = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&partial)?;
                let mut tar = tar::Builder::new(file);
                for f in [MANIFEST, ENVELOPE_FILE, satchel_store::DB_FILE] {
                    tar.append_path_with_name(backup.path.join(f), f)?;
                }
                tar.into_inner()?.sync_all()?;
                fs::rename(&partial, &name)
            })();
            if let Err(e) = packed {
                let _ = fs::remove_file(&partial);
                return Err(backup_error("Writing the archive", folder, &e));
            }
            sync_dir(folder);
            Ok(name)
        })();
        let _ = fs::remove_dir_all(&work);
        let name = result?;
        let shown = name.display().to_string();
        self.write("backup.export", "store", |_, _, _| {
            Ok(serde_json::json!({ "archive": shown }))
        })?;
        Ok(name)
    }
}
