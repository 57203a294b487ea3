//! The server's storage, behind one trait ([`ServerStore`]): the documents' chunks as
//! samod stores them (a key/value store with prefix reads), and the firm's identities —
//! users, one-time enrolment codes, devices. [`SqliteStore`] is the default: one SQLCipher
//! file keyed from a 0600 key file (or the environment). Every implementation passes the
//! same suite (`tests/storage.rs`).

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use satchel_store::DbKey;
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the server's database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("the server's database: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("the server's database: {0}")]
    Io(#[from] std::io::Error),
    #[error(
        "the server's database key does not open {0} (wrong key, or not a Satchel server database)"
    )]
    WrongKey(String),
    #[error("{0}")]
    Refused(String),
    #[error("the server's storage task stopped: {0}")]
    Task(String),
}

/// A user of the firm, as the server knows them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: String,
    pub name: String,
    pub initials: String,
    /// `admin`, `partner`, `fee_earner`, `cashier` or `read_only`.
    pub role: String,
    pub created_at: String,
}

/// An enrolled device. Its public key (Ed25519, 32 bytes) checks what it signs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Device {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub public_key: Vec<u8>,
    pub enrolled_at: String,
    pub revoked_at: Option<String>,
}

/// What a user may do with a document (a matter's, a contact's…), granted by the admin.
/// Admins and partners may edit every document without grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Access {
    /// Receive it and its changes.
    Read,
    /// Read, and download its files.
    Download,
    /// Download, and change it.
    Edit,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Download => "download",
            Access::Edit => "edit",
        }
    }

    pub fn parse(text: &str) -> Option<Access> {
        match text.trim() {
            "read" => Some(Access::Read),
            "download" => Some(Access::Download),
            "edit" => Some(Access::Edit),
            _ => None,
        }
    }
}

/// Why an enrolment code was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnrolRefused {
    #[error("that enrolment code is not one this server gave out")]
    Unknown,
    #[error(
        "that enrolment code was used already (on {0}); ask the firm's administrator for a new one"
    )]
    Used(String),
    #[error("that enrolment code expired at {0}; ask the firm's administrator for a new one")]
    Expired(String),
}

/// The server's storage. Futures are `Send` so that the server's tasks can await them on
/// any thread.
pub trait ServerStore: Clone + Send + Sync + 'static {
    fn chunk(
        &self,
        key: String,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;
    /// Every chunk whose key is `prefix` or starts with `prefix/`.
    fn chunks_under(
        &self,
        prefix: String,
    ) -> impl Future<Output = Result<Vec<(String, Vec<u8>)>, StoreError>> + Send;
    fn put_chunk(
        &self,
        key: String,
        data: Vec<u8>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Whether any chunk is under `prefix/` (a document the server holds).
    fn has_chunks_under(
        &self,
        prefix: String,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Every document the server holds (the first part of its chunks' keys).
    fn document_ids(&self) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;
    /// The documents whose chunks were written after change `since` (each chunk written
    /// is the next change), and the last change now: what a device that synced up to
    /// `since` has not seen.
    fn changed_since(
        &self,
        since: i64,
    ) -> impl Future<Output = Result<(Vec<String>, i64), StoreError>> + Send;
    fn delete_chunk(&self, key: String) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn add_user(&self, user: User) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn users(&self) -> impl Future<Output = Result<Vec<User>, StoreError>> + Send;
    /// Keep an enrolment code (its SHA-256, never the code) for `user_id` until `expires`.
    fn add_enrol_code(
        &self,
        code_sha256: String,
        user_id: String,
        expires: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Take an enrolment code for a new device, at once: refused if unknown, used or
    /// expired at `now`; otherwise the code is used up and the device added.
    fn enrol(
        &self,
        code_sha256: String,
        now: Timestamp,
        device: Device,
    ) -> impl Future<Output = Result<Result<Device, EnrolRefused>, StoreError>> + Send;
    fn device(&self, id: String)
    -> impl Future<Output = Result<Option<Device>, StoreError>> + Send;
    fn devices(&self) -> impl Future<Output = Result<Vec<Device>, StoreError>> + Send;
    /// Revoke a device; false if there is no such device or it was revoked already.
    fn revoke_device(
        &self,
        id: String,
        at: Timestamp,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Grant a user access to a document, or (`None`) take it away.
    fn set_grant(
        &self,
        user_id: String,
        doc_id: String,
        access: Option<Access>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// What a user was granted on a document.
    fn grant(
        &self,
        user_id: String,
        doc_id: String,
    ) -> impl Future<Output = Result<Option<Access>, StoreError>> + Send;
    /// Every grant: (user id, document id, access).
    fn grants(
        &self,
    ) -> impl Future<Output = Result<Vec<(String, String, Access)>, StoreError>> + Send;
    /// A number that changes whenever a grant, a device or a user changes: the server
    /// re-decides what connected devices may see when it moves.
    fn access_version(&self) -> impl Future<Output = Result<i64, StoreError>> + Send;
    /// The firm's own document (its local id, as devices name it), once a partner's or an
    /// admin's device has enrolled with it.
    fn firm_document(&self) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
    /// Numbers of a series (`matters`, `bills`) no device has yet begin at `at_least` or
    /// later; take the next `count` of them (none: only record `at_least`). Returns the
    /// block taken (first, last; empty when `count` is 0).
    fn reserve_numbers(
        &self,
        series: String,
        at_least: i64,
        count: i64,
    ) -> impl Future<Output = Result<(i64, i64), StoreError>> + Send;
    /// Keep `doc` as the firm's document unless one is kept already; returns the one kept.
    /// Who may see what changes with it (every device may read the firm's document).
    fn adopt_firm_document(
        &self,
        doc: String,
    ) -> impl Future<Output = Result<String, StoreError>> + Send;

    /// Destroy documents for good: their chunks deleted, their ids kept as erased (no
    /// chunk is stored under one again, and each counts as changed, so that a device that
    /// holds one hears of it), and a replacement (an anonymised copy) given the grants of
    /// the document it replaces. Who may see what changes with it. Returns how many were
    /// erased now (one erased already is not counted again).
    fn erase_documents(
        &self,
        erased: Vec<(String, Option<String>)>,
        at: Timestamp,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;
    /// Every erased document's id.
    fn erased_documents(&self) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// The last audit event held of a device's trail: its sequence number and hash.
    fn audit_head(
        &self,
        device: String,
    ) -> impl Future<Output = Result<Option<(i64, String)>, StoreError>> + Send;
    /// Append events (each as JSON, with its sequence number and hash) to a device's trail.
    fn append_audit(
        &self,
        device: String,
        events: Vec<(i64, String, String)>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Every device's trail: (device, its events as JSON in order).
    fn audit_trails(
        &self,
    ) -> impl Future<Output = Result<Vec<(String, Vec<String>)>, StoreError>> + Send;
}

/// Devices' audit trails, as they send them.
const AUDIT: &str = "
CREATE TABLE audit_trail (
    device TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    event  TEXT NOT NULL,
    hash   TEXT NOT NULL,
    PRIMARY KEY (device, seq)
) STRICT;
";

/// Documents destroyed for good (a person's erasure, the retention schedule).
const ERASED: &str = "
CREATE TABLE erased (
    doc_id      TEXT PRIMARY KEY,
    replaced_by TEXT,
    erased_at   TEXT NOT NULL
) STRICT;
";

/// The server's own settings (the firm's document).
const SETTINGS: &str = "
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
";

/// When each document last changed, in the order of the server's writes: a device asks
/// what changed since its last sync instead of going through everything.
const CHANGES: &str = "
CREATE TABLE doc_changes (doc_id TEXT PRIMARY KEY, seq INTEGER NOT NULL) STRICT;
CREATE INDEX doc_changes_by_seq ON doc_changes(seq);
INSERT INTO doc_changes (doc_id, seq)
    SELECT DISTINCT substr(key, 1, instr(key, '/') - 1), 1 FROM chunks WHERE instr(key, '/') > 0;
";

const SCHEMA: &str = "
CREATE TABLE chunks (
    key  TEXT PRIMARY KEY,
    data BLOB NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    initials   TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE TABLE enrol_codes (
    code_sha256 TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    device_id   TEXT
) STRICT;
CREATE TABLE grants (
    user_id TEXT NOT NULL REFERENCES users(id),
    doc_id  TEXT NOT NULL,
    access  TEXT NOT NULL CHECK (access IN ('read', 'download', 'edit')),
    PRIMARY KEY (user_id, doc_id)
) STRICT;
-- Bumped by every change to who may see what (grants, devices, users).
CREATE TABLE access_version (one INTEGER PRIMARY KEY CHECK (one = 1), version INTEGER NOT NULL);
INSERT INTO access_version VALUES (1, 0);
CREATE TABLE devices (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    public_key  BLOB NOT NULL,
    enrolled_at TEXT NOT NULL,
    revoked_at  TEXT
) STRICT;
";

/// The embedded default: one SQLCipher database.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore")
    }
}

impl SqliteStore {
    /// Open (or create) the database at `path` with `key`.
    pub fn open(path: &Path, key: &DbKey) -> Result<SqliteStore, StoreError> {
        let mut conn = Connection::open(path)?;
        key.apply(&conn)?;
        if conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })
            .is_err()
        {
            return Err(StoreError::WrongKey(path.display().to_string()));
        }
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA secure_delete = ON;",
        )?;
        rusqlite_migration::Migrations::new(vec![
            rusqlite_migration::M::up(SCHEMA),
            rusqlite_migration::M::up(SETTINGS),
            rusqlite_migration::M::up(CHANGES),
            rusqlite_migration::M::up(AUDIT),
            rusqlite_migration::M::up(ERASED),
        ])
        .to_latest(&mut conn)?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// The documents this database keeps as erased: (id, what replaced it).
    pub fn erased_now(&self) -> Result<Vec<(String, Option<String>)>, StoreError> {
        let c = self
            .conn
            .lock()
            .map_err(|_| StoreError::Task("the database lock was poisoned".into()))?;
        let mut stmt = c.prepare("SELECT doc_id, replaced_by FROM erased ORDER BY erased_at")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// [`ServerStore::erase_documents`], from a command rather than the running server.
    pub fn erase_now(
        &self,
        erased: &[(String, Option<String>)],
        at: Timestamp,
    ) -> Result<usize, StoreError> {
        let mut c = self
            .conn
            .lock()
            .map_err(|_| StoreError::Task("the database lock was poisoned".into()))?;
        erase_in(&mut c, erased, at)
    }

    /// Keep the database to at most `megabytes` (a quota the administrator sets; a write
    /// beyond it fails as a full disk would).
    pub fn limit_size(&self, megabytes: u64) -> Result<(), StoreError> {
        let c = self
            .conn
            .lock()
            .map_err(|_| StoreError::Task("the database lock was poisoned".into()))?;
        // (SQLCipher answers its page size as text.)
        let page: i64 = c
            .query_row("PRAGMA page_size", [], |r| {
                r.get::<_, rusqlite::types::Value>(0)
            })
            .map(|v| match v {
                rusqlite::types::Value::Integer(n) => n,
                rusqlite::types::Value::Text(t) => t.trim().parse().unwrap_or(4096),
                _ => 4096,
            })?;
        let pages =
            i64::try_from(megabytes.saturating_mul(1 << 20)).unwrap_or(i64::MAX) / page.max(512);
        c.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
        Ok(())
    }

    /// Run `f` on the connection, off the async threads.
    fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> impl Future<Output = Result<T, StoreError>> + Send {
        let conn = self.conn.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let mut c = conn
                    .lock()
                    .map_err(|_| StoreError::Task("the database lock was poisoned".into()))?;
                f(&mut c)
            })
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
        }
    }
}

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Device> {
    Ok(Device {
        id: r.get(0)?,
        user_id: r.get(1)?,
        name: r.get(2)?,
        public_key: r.get(3)?,
        enrolled_at: r.get(4)?,
        revoked_at: r.get(5)?,
    })
}

const DEVICE_COLUMNS: &str = "id, user_id, name, public_key, enrolled_at, revoked_at";

impl ServerStore for SqliteStore {
    fn chunk(
        &self,
        key: String,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send {
        self.with(move |c| {
            Ok(c.prepare_cached("SELECT data FROM chunks WHERE key = ?1")?
                .query_row([key], |r| r.get(0))
                .optional()?)
        })
    }

    fn chunks_under(
        &self,
        prefix: String,
    ) -> impl Future<Output = Result<Vec<(String, Vec<u8>)>, StoreError>> + Send {
        self.with(move |c| {
            // Keys under `p` sort between `p/` and `p0` ('0' follows '/').
            let mut stmt = c.prepare_cached(
                "SELECT key, data FROM chunks WHERE key = ?1 OR (key >= ?1 || '/' AND key < ?1 || '0')",
            )?;
            let rows = stmt
                .query_map([prefix], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    fn put_chunk(
        &self,
        key: String,
        data: Vec<u8>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.with(move |c| {
            let tx = c.transaction()?;
            let doc = key.split_once('/').map(|(d, _)| d);
            // Nothing is stored under an erased document's id again.
            if let Some(doc) = doc
                && tx
                    .prepare_cached("SELECT EXISTS (SELECT 1 FROM erased WHERE doc_id = ?1)")?
                    .query_row([doc], |r| r.get::<_, bool>(0))?
            {
                return Ok(());
            }
            tx.prepare_cached("INSERT OR REPLACE INTO chunks (key, data) VALUES (?1, ?2)")?
                .execute(params![key, data])?;
            if let Some(doc) = doc {
                tx.prepare_cached(
                    "INSERT INTO doc_changes (doc_id, seq)
                     VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM doc_changes))
                     ON CONFLICT (doc_id) DO UPDATE SET seq = excluded.seq",
                )?
                .execute([doc])?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn has_chunks_under(
        &self,
        prefix: String,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.with(move |c| {
            Ok(c.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM chunks WHERE key >= ?1 || '/' AND key < ?1 || '0')",
            )?
            .query_row([prefix], |r| r.get(0))?)
        })
    }

    fn document_ids(&self) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT DISTINCT substr(key, 1, instr(key, '/') - 1) FROM chunks
                 WHERE instr(key, '/') > 0 ORDER BY 1",
            )?;
            let rows = stmt
                .query_map([], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            Ok(rows)
        })
    }

    fn changed_since(
        &self,
        since: i64,
    ) -> impl Future<Output = Result<(Vec<String>, i64), StoreError>> + Send {
        self.with(move |c| {
            let tx = c.transaction()?;
            let last: i64 =
                tx.query_row("SELECT coalesce(max(seq), 0) FROM doc_changes", [], |r| {
                    r.get(0)
                })?;
            let ids = tx
                .prepare_cached("SELECT doc_id FROM doc_changes WHERE seq > ?1 ORDER BY seq")?
                .query_map([since], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            tx.commit()?;
            Ok((ids, last))
        })
    }

    fn delete_chunk(&self, key: String) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.with(move |c| {
            c.prepare_cached("DELETE FROM chunks WHERE key = ?1")?
                .execute([key])?;
            Ok(())
        })
    }

    fn add_user(&self, user: User) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.with(move |c| {
            let taken: bool = c.query_row(
                "SELECT EXISTS (SELECT 1 FROM users WHERE initials = ?1)",
                [&user.initials],
                |r| r.get(0),
            )?;
            if taken {
                return Err(StoreError::Refused(format!(
                    "a user with the initials {} exists already",
                    user.initials
                )));
            }
            c.execute(
                "INSERT INTO users (id, name, initials, role, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![user.id, user.name, user.initials, user.role, user.created_at],
            )?;
            bump(c)?;
            Ok(())
        })
    }

    fn users(&self) -> impl Future<Output = Result<Vec<User>, StoreError>> + Send {
        self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT id, name, initials, role, created_at FROM users ORDER BY initials",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(User {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        initials: r.get(2)?,
                        role: r.get(3)?,
                        created_at: r.get(4)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    fn add_enrol_code(
        &self,
        code_sha256: String,
        user_id: String,
        expires: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.with(move |c| {
            c.execute(
                "INSERT INTO enrol_codes (code_sha256, user_id, expires_at) VALUES (?1, ?2, ?3)",
                params![code_sha256, user_id, expires.to_string()],
            )?;
            Ok(())
        })
    }

    fn enrol(
        &self,
        code_sha256: String,
        now: Timestamp,
        device: Device,
    ) -> impl Future<Output = Result<Result<Device, EnrolRefused>, StoreError>> + Send {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let code: Option<(String, String, Option<String>)> = tx
                .query_row(
                    "SELECT user_id, expires_at, used_at FROM enrol_codes WHERE code_sha256 = ?1",
                    [&code_sha256],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((user_id, expires_at, used_at)) = code else {
                return Ok(Err(EnrolRefused::Unknown));
            };
            if let Some(used) = used_at {
                return Ok(Err(EnrolRefused::Used(used)));
            }
            let expires: Timestamp = expires_at
                .parse()
                .map_err(|_| StoreError::Task(format!("a stored expiry '{expires_at}'")))?;
            if now >= expires {
                return Ok(Err(EnrolRefused::Expired(expires_at)));
            }
            let device = Device { user_id, ..device };
            tx.execute(
                "UPDATE enrol_codes SET used_at = ?2, device_id = ?3 WHERE code_sha256 = ?1",
                params![code_sha256, now.to_string(), device.id],
            )?;
            tx.execute(
                "INSERT INTO devices (id, user_id, name, public_key, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![device.id, device.user_id, device.name, device.public_key, device.enrolled_at],
            )?;
            bump(&tx)?;
            tx.commit()?;
            Ok(Ok(device))
        })
    }

    fn device(
        &self,
        id: String,
    ) -> impl Future<Output = Result<Option<Device>, StoreError>> + Send {
        self.with(move |c| {
            Ok(c.query_row(
                &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = ?1"),
                [id],
                device_row,
            )
            .optional()?)
        })
    }

    fn devices(&self) -> impl Future<Output = Result<Vec<Device>, StoreError>> + Send {
        self.with(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_at"
            ))?;
            let rows = stmt
                .query_map([], device_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    fn revoke_device(
        &self,
        id: String,
        at: Timestamp,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.with(move |c| {
            let n = c.execute(
                "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id, at.to_string()],
            )?;
            bump(c)?;
            Ok(n == 1)
        })
    }

    fn set_grant(
        &self,
        user_id: String,
        doc_id: String,
        access: Option<Access>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.with(move |c| {
            let tx = c.transaction()?;
            match access {
                Some(a) => tx.execute(
                    "INSERT INTO grants (user_id, doc_id, access) VALUES (?1, ?2, ?3)
                     ON CONFLICT (user_id, doc_id) DO UPDATE SET access = excluded.access",
                    params![user_id, doc_id, a.as_str()],
                )?,
                None => tx.execute(
                    "DELETE FROM grants WHERE user_id = ?1 AND doc_id = ?2",
                    params![user_id, doc_id],
                )?,
            };
            bump(&tx)?;
            tx.commit()?;
            Ok(())
        })
    }

    fn grant(
        &self,
        user_id: String,
        doc_id: String,
    ) -> impl Future<Output = Result<Option<Access>, StoreError>> + Send {
        self.with(move |c| {
            let a: Option<String> = c
                .prepare_cached("SELECT access FROM grants WHERE user_id = ?1 AND doc_id = ?2")?
                .query_row(params![user_id, doc_id], |r| r.get(0))
                .optional()?;
            Ok(a.as_deref().and_then(Access::parse))
        })
    }

    fn grants(
        &self,
    ) -> impl Future<Output = Result<Vec<(String, String, Access)>, StoreError>> + Send {
        self.with(|c| {
            let mut stmt =
                c.prepare("SELECT user_id, doc_id, access FROM grants ORDER BY user_id, doc_id")?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows
                .into_iter()
                .filter_map(|(u, d, a)| Access::parse(&a).map(|a| (u, d, a)))
                .collect())
        })
    }

    fn access_version(&self) -> impl Future<Output = Result<i64, StoreError>> + Send {
        self.with(|c| {
            Ok(c.prepare_cached("SELECT version FROM access_version")?
                .query_row([], |r| r.get(0))?)
        })
    }

    fn firm_document(&self) -> impl Future<Output = Result<Option<String>, StoreError>> + Send {
        self.with(|c| {
            Ok(
                c.prepare_cached("SELECT value FROM settings WHERE key = 'firm_document'")?
                    .query_row([], |r| r.get(0))
                    .optional()?,
            )
        })
    }

    fn reserve_numbers(
        &self,
        series: String,
        at_least: i64,
        count: i64,
    ) -> impl Future<Output = Result<(i64, i64), StoreError>> + Send {
        self.with(move |c| {
            let key = format!("next_{series}");
            let tx = c.transaction()?;
            let kept: Option<String> = tx
                .query_row("SELECT value FROM settings WHERE key = ?1", [&key], |r| {
                    r.get(0)
                })
                .optional()?;
            let next = kept
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(1)
                .max(at_least);
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, (next + count).to_string()],
            )?;
            tx.commit()?;
            Ok((next, next + count - 1))
        })
    }

    fn adopt_firm_document(
        &self,
        doc: String,
    ) -> impl Future<Output = Result<String, StoreError>> + Send {
        self.with(move |c| {
            let tx = c.transaction()?;
            let n = tx.execute(
                "INSERT INTO settings (key, value) VALUES ('firm_document', ?1) ON CONFLICT (key) DO NOTHING",
                [&doc],
            )?;
            if n == 1 {
                bump(&tx)?;
            }
            let kept: String = tx.query_row(
                "SELECT value FROM settings WHERE key = 'firm_document'",
                [],
                |r| r.get(0),
            )?;
            tx.commit()?;
            Ok(kept)
        })
    }

    fn erase_documents(
        &self,
        erased: Vec<(String, Option<String>)>,
        at: Timestamp,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send {
        self.with(move |c| erase_in(c, &erased, at))
    }

    fn erased_documents(&self) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        self.with(|c| {
            let mut stmt = c.prepare("SELECT doc_id FROM erased ORDER BY doc_id")?;
            let rows = stmt
                .query_map([], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            Ok(rows)
        })
    }

    fn audit_head(
        &self,
        device: String,
    ) -> impl Future<Output = Result<Option<(i64, String)>, StoreError>> + Send {
        self.with(move |c| {
            Ok(c.prepare_cached(
                "SELECT seq, hash FROM audit_trail WHERE device = ?1 ORDER BY seq DESC LIMIT 1",
            )?
            .query_row([&device], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
        })
    }

    fn append_audit(
        &self,
        device: String,
        events: Vec<(i64, String, String)>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.with(move |c| {
            let tx = c.transaction()?;
            for (seq, event, hash) in &events {
                tx.prepare_cached(
                    "INSERT INTO audit_trail (device, seq, event, hash) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(rusqlite::params![device, seq, event, hash])?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn audit_trails(
        &self,
    ) -> impl Future<Output = Result<Vec<(String, Vec<String>)>, StoreError>> + Send {
        self.with(|c| {
            let mut out: Vec<(String, Vec<String>)> = Vec::new();
            let mut stmt =
                c.prepare("SELECT device, event FROM audit_trail ORDER BY device, seq")?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (device, event) = row?;
                match out.last_mut() {
                    Some((d, events)) if *d == device => events.push(event),
                    _ => out.push((device, vec![event])),
                }
            }
            Ok(out)
        })
    }
}

/// Who may see what changed.
fn bump(c: &Connection) -> Result<(), StoreError> {
    c.prepare_cached("UPDATE access_version SET version = version + 1")?
        .execute([])?;
    Ok(())
}

/// Destroy documents for good, in one transaction (see `ServerStore::erase_documents`).
fn erase_in(
    c: &mut Connection,
    erased: &[(String, Option<String>)],
    at: Timestamp,
) -> Result<usize, StoreError> {
    let tx = c.transaction()?;
    let mut count = 0;
    for (doc, replaced_by) in erased {
        let new = tx.execute(
            "INSERT INTO erased (doc_id, replaced_by, erased_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (doc_id) DO NOTHING",
            params![doc, replaced_by, at.to_string()],
        )?;
        count += new;
        tx.execute(
            "DELETE FROM chunks WHERE key = ?1 OR (key >= ?1 || '/' AND key < ?1 || '0')",
            [doc],
        )?;
        tx.execute(
            "INSERT INTO doc_changes (doc_id, seq)
             VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM doc_changes))
             ON CONFLICT (doc_id) DO UPDATE SET seq = excluded.seq",
            [doc],
        )?;
        if let Some(to) = replaced_by {
            tx.execute(
                "INSERT INTO grants (user_id, doc_id, access)
                 SELECT user_id, ?2, access FROM grants WHERE doc_id = ?1
                 ON CONFLICT (user_id, doc_id) DO NOTHING",
                params![doc, to],
            )?;
        }
        tx.execute("DELETE FROM grants WHERE doc_id = ?1", [doc])?;
    }
    bump(&tx)?;
    tx.commit()?;
    // The WAL written back and emptied: the deleted pages (zeroed, with secure
    // delete) are what the file holds.
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(count)
}
