//! Satchel's encrypted local store.
//!
//! - [`DbKey`]: the random 256-bit database key; never printed, zeroed on drop.
//! - [`envelope`]: the same key wrapped with the recovery passphrase (Argon2id +
//!   XChaCha20-Poly1305), in a file beside the database.
//! - [`Store`]: an SQLCipher connection opened with the raw key, in WAL mode, migrated to
//!   the latest schema.
//!
//! This crate knows tables and bytes, not the domain: it never decides whether a command is
//! allowed (that is `satchel-core`) and never writes a row outside a caller's transaction.
#![forbid(unsafe_code)]

pub mod envelope;
mod key;
mod migrations;
mod pages;

pub use key::DbKey;
pub use pages::{decrypted_pages, decrypted_wal};
pub use rusqlite;

use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::fs;
use std::path::{Path, PathBuf};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "satchel.db";
/// SQLCipher page size; a valid store is a whole number of pages.
const PAGE_SIZE: u64 = 4096;
/// The page cache of an open store, in KiB (SQLite's `cache_size` as a negative number).
pub const CACHE_KB: i64 = 16_000;

/// Why the store could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no Satchel database at {0}")]
    Missing(PathBuf),
    #[error("a Satchel database already exists at {0}; it was left untouched")]
    AlreadyExists(PathBuf),
    #[error(
        "the database at {0} does not open with this key: it belongs to another Satchel installation, or the key is wrong"
    )]
    WrongKey(PathBuf),
    #[error("the database at {path} is damaged ({why}); restore it from a backup")]
    Damaged { path: PathBuf, why: String },
    #[error("{0} is an unencrypted SQLite file, not a Satchel store; Satchel refuses to use it")]
    Plaintext(PathBuf),
    #[error("the disk is full: nothing was saved. Free some space and try again")]
    DiskFull,
    #[error(
        "the database is newer than this version of Satchel (schema {found}, this build knows up to {known}); update Satchel"
    )]
    TooNew { found: u32, known: u32 },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("{0}")]
    Busy(String),
}

impl StoreError {
    /// Classify a rusqlite error the way a person needs to hear it.
    pub fn from_sql(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => StoreError::DiskFull,
            _ => StoreError::Sql(e),
        }
    }
}

/// An open, keyed, migrated store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Create a new store at `path`, keyed with `key`. Refuses to touch an existing file.
    pub fn create(path: &Path, key: &DbKey) -> Result<Store, StoreError> {
        if path.exists() {
            return Err(StoreError::AlreadyExists(path.to_owned()));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let mut store = Store {
            conn,
            path: path.to_owned(),
        };
        store.key_and_configure(key)?;
        migrations::migrate(&mut store.conn)?;
        Ok(store)
    }

    /// Open the store at `path` with `key`, checking first that the file looks like an
    /// encrypted store at all so that a truncated file or a stray plain database gets its
    /// own message rather than "wrong key".
    pub fn open(path: &Path, key: &DbKey) -> Result<Store, StoreError> {
        whole_pages(path)?;
        let mut head = [0u8; 16];
        {
            use std::io::Read;
            fs::File::open(path)?.read_exact(&mut head)?;
        }
        if &head == b"SQLite format 3\0" {
            return Err(StoreError::Plaintext(path.to_owned()));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let mut store = Store {
            conn,
            path: path.to_owned(),
        };
        store.key_and_configure(key)?;
        migrations::migrate(&mut store.conn)?;
        Ok(store)
    }

    fn key_and_configure(&mut self, key: &DbKey) -> Result<(), StoreError> {
        self.unlock(key)?;
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Migration(format!(
                "could not switch to WAL (got {mode})"
            )));
        }
        self.conn.execute_batch(&format!(
            "PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA secure_delete = ON;
             PRAGMA busy_timeout = 5000;
             PRAGMA cache_size = -{CACHE_KB};"
        ))?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The schema version the store is at.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// SQLite's integrity check plus SQLCipher's page authentication check. Returns the
    /// problems found; empty means sound.
    pub fn integrity_problems(&self) -> Result<Vec<String>, StoreError> {
        self.problems("integrity_check")
    }

    /// SQLite's quick check (every page read and each b-tree's structure, without matching
    /// each index against its table) plus SQLCipher's page authentication check: what a
    /// backup's verification runs. Returns the problems found; empty means sound.
    pub fn quick_problems(&self) -> Result<Vec<String>, StoreError> {
        self.problems("quick_check")
    }

    /// SQLite's `check` pragma, then SQLCipher's page authentication.
    fn problems(&self, check: &str) -> Result<Vec<String>, StoreError> {
        let mut problems = Vec::new();
        let mut stmt = self.conn.prepare(&format!("PRAGMA {check}"))?;
        for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
            let row = row?;
            if row != "ok" {
                problems.push(row);
            }
        }
        let mut stmt = self.conn.prepare("PRAGMA cipher_integrity_check")?;
        for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
            problems.push(format!("page authentication: {}", row?));
        }
        Ok(problems)
    }

    /// Bytes on disk: the database and its WAL.
    pub fn bytes_on_disk(&self) -> u64 {
        let wal = PathBuf::from(format!("{}-wal", self.path.display()));
        [self.path.as_path(), wal.as_path()]
            .iter()
            .filter_map(|p| fs::metadata(p).ok())
            .map(|m| m.len())
            .sum()
    }

    /// Copy the database, as it stands, to `to` (a new file): the WAL written back first,
    /// then the file copied under a read transaction, so that no write reaches the file
    /// while it is read. The copy is the same encrypted pages — it opens with this store's
    /// key. `with_snapshot` runs inside the same read transaction (to count what the copy
    /// holds); `progress(done, of)` is told in bytes. The copy is flushed to disk.
    pub fn copy_to<T>(
        &self,
        to: &Path,
        with_snapshot: impl FnOnce(&Connection) -> Result<T, StoreError>,
        progress: &dyn Fn(u64, u64),
    ) -> Result<(T, CopyOutcome), StoreError> {
        use sha2::{Digest, Sha256};
        use std::io::{Read, Write};
        self.checkpoint()?;
        self.conn.execute_batch("BEGIN")?;
        let copied = (|| {
            let taken = with_snapshot(&self.conn)?;
            // The read transaction began with the log empty: everything it sees is in the
            // file. (A log left behind, a writer elsewhere, would make the file alone
            // out of date: refused rather than copied.)
            let wal = PathBuf::from(format!("{}-wal", self.path.display()));
            if fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > 0 {
                return Err(StoreError::Busy(
                    "another program is writing to the store, so no copy was taken; close it and try again".into(),
                ));
            }
            let mut src = fs::File::open(&self.path)?;
            let of = src.metadata()?.len();
            let mut dst = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(to)?;
            let mut hash = Sha256::new();
            let mut buf = vec![0u8; 1 << 20];
            let mut done = 0u64;
            loop {
                let n = src.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                hash.update(&buf[..n]);
                dst.write_all(&buf[..n])?;
                done += n as u64;
                progress(done, of);
            }
            dst.sync_all()?;
            Ok((
                taken,
                CopyOutcome {
                    bytes: done,
                    sha256: hex::encode(hash.finalize()),
                },
            ))
        })();
        self.conn.execute_batch("COMMIT")?;
        if copied.is_err() {
            let _ = fs::remove_file(to);
        }
        copied
    }

    /// Open a copy of a store (a backup) to read it, changing nothing: read-only and
    /// immutable (no lock, no log, no migration). A wrong key fails here.
    pub fn open_copy(path: &Path, key: &DbKey) -> Result<Store, StoreError> {
        whole_pages(path)?;
        let uri = format!("file:{}?immutable=1", percent_path(&path.to_string_lossy()));
        let conn = Connection::open_with_flags(
            uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let store = Store {
            conn,
            path: path.to_owned(),
        };
        store.unlock(key)?;
        Ok(store)
    }

    /// Key the connection and read once: a wrong key fails here with "file is not a
    /// database" (SQLCipher's own stderr logging quietened first).
    fn unlock(&self, key: &DbKey) -> Result<(), StoreError> {
        let _: String = self
            .conn
            .query_row("PRAGMA cipher_log_level = NONE", [], |r| r.get(0))
            .unwrap_or_default();
        key.apply(&self.conn)?;
        let probe = self
            .conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            });
        if let Err(e) = probe {
            return Err(match e.sqlite_error_code() {
                Some(ErrorCode::NotADatabase) => StoreError::WrongKey(self.path.clone()),
                Some(ErrorCode::DatabaseCorrupt) => StoreError::Damaged {
                    path: self.path.clone(),
                    why: e.to_string(),
                },
                _ => StoreError::Sql(e),
            });
        }
        Ok(())
    }

    /// Write through a rollback journal instead of the WAL (the WAL written back first)
    /// until [`Store::back_to_wal`]: for work that rewrites or adds most of the file, whose
    /// pages then go to it once. False when it could not (another connection is open): the
    /// store keeps its WAL.
    pub fn rollback_journal(&self) -> Result<bool, StoreError> {
        self.checkpoint()?;
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
            .unwrap_or_default();
        Ok(mode.eq_ignore_ascii_case("delete"))
    }

    /// The write-ahead log again, after [`Store::rollback_journal`]; checked.
    pub fn back_to_wal(&self) -> Result<(), StoreError> {
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Busy(format!(
                "the store could not go back to its write-ahead log (it is in {mode} mode)"
            )));
        }
        Ok(())
    }

    /// Re-encrypt this store under `key` (SQLCipher's rekey: every page rewritten).
    pub fn rekey(&self, key: &DbKey) -> Result<(), StoreError> {
        key.apply_as(&self.conn, "rekey")?;
        Ok(())
    }

    /// Write the WAL back into the database file.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(StoreError::from_sql)
    }
}

/// What [`Store::copy_to`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyOutcome {
    pub bytes: u64,
    /// SHA-256 of the copy, hex.
    pub sha256: String,
}

/// The file at `path` is there and a whole number of pages (else it is named missing, or
/// truncated).
fn whole_pages(path: &Path) -> Result<(), StoreError> {
    let len = match fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::Missing(path.to_owned()));
        }
        Err(e) => return Err(e.into()),
    };
    if len == 0 || len % PAGE_SIZE != 0 {
        return Err(StoreError::Damaged {
            path: path.to_owned(),
            why: format!(
                "its size, {len} bytes, is not a whole number of {PAGE_SIZE}-byte pages: it looks truncated"
            ),
        });
    }
    Ok(())
}

/// A path as SQLite's URI filenames want it: `%`, `?` and `#` escaped.
fn percent_path(path: &str) -> String {
    path.replace('%', "%25")
        .replace('?', "%3f")
        .replace('#', "%23")
}

#[cfg(test)]
mod tests;
