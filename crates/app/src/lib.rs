//! Everything Satchel's desktop does, without a window.
//!
//! [`Satchel`] is an open store plus who is working. Every change goes through one write
//! path ([`Satchel::write`]): a single `BEGIN IMMEDIATE` transaction that
//! 1. commits the Automerge change to the affected document and stores it,
//! 2. updates the relational projection from the document's new state,
//! 3. appends an audit event to this device's hash chain,
//!
//! and commits all three or none. Reads come from the projections.
#![forbid(unsafe_code)]

mod access;
mod accounts;
mod bank;
pub use bank::BankBook;
pub mod backup;
mod bills;
mod bulk;
mod concurrent;
mod conflicts;
mod contacts;
pub mod docs;
mod documents;
mod error;
mod expenses;
mod firmdoc;
mod gdpr;
mod keydates;
mod keys;
mod matters;
mod merge;
pub use merge::{Fetched, Merged, Replica};
pub use satchel_sync::{Exchanged, SyncError};
pub use sync::{Join, SyncJob};
mod money;
pub mod notes;
mod numbering;
pub mod paths;
mod projection;
mod registers;
mod search;
mod sync;
mod time;
pub mod vault;
mod vcard;

pub use bulk::Batch;
pub use error::AppError;
/// The domain rules, for front ends that check input before a round trip (sizes, statuses).
pub use satchel_core as domain;
pub use vault::{KeyVault, MemoryVault, NoKeyring, OsKeyring};

use automerge::ActorId;
use jiff::Timestamp;
use satchel_api as api;
use satchel_core::audit::{self, ChainBreak, EventContent, StoredEvent};
use satchel_core::firm::{self, Role};
use satchel_core::matter::{MatterNumber, MatterStatus, NewMatter};
use satchel_store::envelope::{ENVELOPE_FILE, Envelope, EnvelopeError, KdfParams};
use satchel_store::rusqlite::{
    Connection, OptionalExtension, Transaction, TransactionBehavior, params,
};
use satchel_store::{DB_FILE, DbKey, Store, StoreError};
use std::fs;
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// Who is working on this device.
#[derive(Debug, Clone)]
struct Ctx {
    install_id: String,
    device_id: Uuid,
    user_id: String,
    user_name: String,
    initials: String,
    role: Role,
    firm_name: String,
    firm_doc: String,
}

impl Ctx {
    fn actor(&self) -> ActorId {
        ActorId::from(self.device_id.as_bytes().as_slice())
    }
}

/// Is there a store in this data directory?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    NotSetUp,
    Present,
}

/// How to get the database key.
#[derive(Debug, Clone, Copy)]
pub enum Unlock<'a> {
    /// From the OS keyring.
    Keyring,
    /// From the key envelope, with the recovery passphrase.
    Passphrase(&'a str),
}

/// First-run facts.
#[derive(Debug, Clone)]
pub struct Setup<'a> {
    pub firm_name: &'a str,
    pub user_name: &'a str,
    pub initials: &'a str,
    pub role: &'a str,
    pub passphrase: &'a str,
}

/// What `verify` found.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub integrity_problems: Vec<String>,
    pub documents: usize,
    pub document_problems: Vec<String>,
    pub audit_events: usize,
    pub chain_breaks: Vec<ChainBreak>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.integrity_problems.is_empty()
            && self.document_problems.is_empty()
            && self.chain_breaks.is_empty()
    }
}

/// An open Satchel store and the person using it.
pub struct Satchel {
    store: Store,
    ctx: Ctx,
    data_dir: PathBuf,
    keyring_ok: bool,
    keyring_name: &'static str,
    /// Every party's conflict key, parsed, between checks (dropped by writes that may
    /// change a party).
    party_index: std::cell::RefCell<Option<std::sync::Arc<conflicts::PartyIndex>>>,
    /// The index being built on a reader connection of its own since unlock, if it is.
    party_loader: std::cell::RefCell<Option<conflicts::Loader>>,
    /// The database key, for this process's own second connections (the index loader).
    /// SQLCipher holds it in memory while the store is open anyway; zeroized on drop.
    key: DbKey,
}

impl std::fmt::Debug for Satchel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Satchel")
            .field("data_dir", &self.data_dir)
            .field("device_id", &self.ctx.device_id)
            .finish_non_exhaustive()
    }
}

fn db_path(dir: &Path) -> PathBuf {
    dir.join(DB_FILE)
}

fn envelope_path(dir: &Path) -> PathBuf {
    dir.join(ENVELOPE_FILE)
}

/// Minutes without activity before the window locks, unless set.
pub const AUTOLOCK_MINUTES: u32 = 10;

/// Is Satchel set up in `data_dir`?
pub fn presence(data_dir: &Path) -> Presence {
    if db_path(data_dir).exists() || envelope_path(data_dir).exists() {
        Presence::Present
    } else {
        Presence::NotSetUp
    }
}

/// The installation id recorded in a data folder's key envelope (not secret).
pub fn envelope_install_id(data_dir: &Path) -> Result<String, AppError> {
    Ok(Envelope::read(&envelope_path(data_dir))?.install_id)
}

fn remove_store_files(dir: &Path) {
    for name in [DB_FILE, "satchel.db-wal", "satchel.db-shm", ENVELOPE_FILE] {
        let _ = fs::remove_file(dir.join(name));
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

impl Satchel {
    /// First run: create the firm, its first user, the store and its keys.
    pub fn init(
        data_dir: &Path,
        vault: &dyn KeyVault,
        setup: &Setup<'_>,
    ) -> Result<Satchel, AppError> {
        Self::init_with(data_dir, vault, setup, KdfParams::default())
    }

    /// [`Satchel::init`] with chosen Argon2id costs (tests use cheaper ones).
    pub fn init_with(
        data_dir: &Path,
        vault: &dyn KeyVault,
        setup: &Setup<'_>,
        kdf: KdfParams,
    ) -> Result<Satchel, AppError> {
        let firm_name = firm::firm_name(setup.firm_name)?;
        let user_name = firm::person_name("user_name", setup.user_name)?;
        let initials = firm::initials(setup.initials)?;
        let role = Role::parse(setup.role)?;
        if presence(data_dir) == Presence::Present {
            return Err(AppError::AlreadySetUp(data_dir.display().to_string()));
        }
        create_private_dir(data_dir)?;
        let install_id = Uuid::now_v7().to_string();
        let key = DbKey::generate();
        // Seal first: a weak passphrase stops setup before anything is written.
        let envelope = Envelope::seal(&install_id, &key, setup.passphrase, kdf)?;
        let result = (|| {
            envelope.write(&envelope_path(data_dir))?;
            let store = Store::create(&db_path(data_dir), &key)?;
            let ctx = Ctx {
                install_id: install_id.clone(),
                device_id: Uuid::now_v7(),
                user_id: Uuid::now_v7().to_string(),
                user_name,
                initials,
                role,
                firm_name,
                firm_doc: Uuid::now_v7().to_string(),
            };
            let mut satchel = Satchel {
                store,
                ctx,
                data_dir: data_dir.to_owned(),
                keyring_ok: false,
                keyring_name: vault.describe(),
                party_index: Default::default(),
                party_loader: Default::default(),
                key: key.clone(),
            };
            satchel.write_setup()?;
            Ok::<_, AppError>(satchel)
        })();
        let mut satchel = match result {
            Ok(s) => s,
            Err(e) => {
                remove_store_files(data_dir);
                return Err(e);
            }
        };
        satchel.keyring_ok = vault.save(&install_id, &key).is_ok();
        Ok(satchel)
    }

    fn write_setup(&mut self) -> Result<(), AppError> {
        let ctx = self.ctx.clone();
        self.write("store.init", &format!("firm:{}", ctx.firm_doc), |tx, at, actor| {
            for (k, v) in [
                ("install_id", ctx.install_id.as_str()),
                ("device_id", &ctx.device_id.to_string()),
                ("user_id", ctx.user_id.as_str()),
                ("firm_doc", ctx.firm_doc.as_str()),
            ] {
                tx.execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", params![k, v])?;
            }
            // A standalone installation leases itself the whole series.
            numbering::add_blocks(tx, numbering::MATTERS, &[numbering::MATTER_SERIES])?;
            let firm_doc = docs::FirmDoc {
                kind: docs::KIND_FIRM.into(),
                schema: 1,
                firm_name: ctx.firm_name.clone(),
                users: [(
                    ctx.user_id.clone(),
                    docs::UserRec {
                        name: ctx.user_name.clone(),
                        initials: ctx.initials.clone(),
                        role: ctx.role.as_str().into(),
                        rate_pence: 0,
                    },
                )]
                .into(),
                unit_minutes: None,
                accounts: Default::default(),
                second_authoriser_above_pence: None,
                breaches: Vec::new(),
                residuals: Vec::new(),
                subject_requests: Vec::new(),
                data_breaches: Vec::new(),
                processing: Vec::new(),
                retention_years: Default::default(),
                retention_decisions: Vec::new(),
            };
            docs::change(tx, &ctx.firm_doc, docs::KIND_FIRM, actor, at, "set up firm", |d| {
                Ok(autosurgeon::reconcile(d, &firm_doc)?)
            })?;
            projection::firm(tx, &firm_doc)?;
            Ok(serde_json::json!({ "firm": ctx.firm_name, "user": ctx.user_name, "role": ctx.role.as_str() }))
        })?;
        Ok(())
    }

    /// Open an existing store.
    pub fn open(
        data_dir: &Path,
        vault: &dyn KeyVault,
        how: Unlock<'_>,
    ) -> Result<Satchel, AppError> {
        let env_path = envelope_path(data_dir);
        let db = db_path(data_dir);
        if presence(data_dir) == Presence::NotSetUp {
            return Err(AppError::NotSetUp(data_dir.display().to_string()));
        }
        let envelope = Envelope::read(&env_path).map_err(|e| match e {
            EnvelopeError::Missing { path } => AppError::Locked(format!(
                "the key envelope {path} is missing, so this store cannot be opened; restore the data folder from a backup"
            )),
            other => AppError::from(other),
        })?;
        let install_id = envelope.install_id.clone();
        let (key, method, mut keyring_ok) = match how {
            Unlock::Keyring => match vault.load(&install_id) {
                Ok(Some(key)) => (key, "keyring", true),
                Ok(None) => {
                    return Err(AppError::Locked(
                        "this store's key is not in the system keyring (it was removed, or this is a new account): enter the recovery passphrase".into(),
                    ));
                }
                Err(e) => {
                    return Err(AppError::Locked(format!(
                        "{e}: enter the recovery passphrase"
                    )));
                }
            },
            Unlock::Passphrase(p) => match envelope.open(p) {
                Ok(key) => (key, "passphrase", false),
                // An interrupted key change sealed the new key under the same passphrase
                // in the `.next` envelope: `finish_rotation` tries that next.
                Err(EnvelopeError::WrongPassphrase)
                    if keys::next_envelope_path(data_dir).exists() =>
                {
                    (
                        Envelope::read(&keys::next_envelope_path(data_dir))?.open(p)?,
                        "passphrase",
                        false,
                    )
                }
                Err(e) => return Err(e.into()),
            },
        };
        let passphrase = match how {
            Unlock::Passphrase(p) => Some(p),
            Unlock::Keyring => None,
        };
        let (store, key) = keys::finish_rotation(data_dir, &db, key, passphrase)?;
        let ctx = load_ctx(&store)?;
        if ctx.install_id != install_id {
            return Err(AppError::Store(StoreError::WrongKey(db)));
        }
        if method == "passphrase" {
            // Put the key back in the keyring, so the next start needs no passphrase.
            keyring_ok = vault.save(&install_id, &key).is_ok();
        }
        let mut satchel = Satchel {
            store,
            ctx,
            data_dir: data_dir.to_owned(),
            keyring_ok,
            keyring_name: vault.describe(),
            party_index: Default::default(),
            party_loader: Default::default(),
            key: key.clone(),
        };
        satchel.fill_missing_client_keys()?;
        // Build the conflict check's index while the person finds their way to it.
        satchel
            .party_loader
            .replace(Some(conflicts::Loader::start(db, key)));
        let user = format!("user:{}", satchel.ctx.user_id);
        satchel.write("session.unlock", &user, |_, _, _| {
            Ok(serde_json::json!({ "method": method }))
        })?;
        Ok(satchel)
    }

    /// The one write path: run `f` inside a `BEGIN IMMEDIATE` transaction, then append the
    /// audit event for `action` on `subject` with the detail `f` returns, and commit. If
    /// anything fails, nothing is kept.
    fn write<T: WriteOutcome>(
        &mut self,
        action: &str,
        subject: &str,
        f: impl FnOnce(&Transaction<'_>, Timestamp, &ActorId) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let at = Timestamp::now();
        let actor = self.ctx.actor();
        let tx = self
            .store
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx, at, &actor)?;
        append_audit(&tx, &self.ctx, at, action, subject, &out.audit_detail())?;
        tx.commit()?;
        if conflicts::touches_parties(action) {
            self.drop_party_index();
        }
        Ok(out)
    }

    pub fn session(&self) -> api::Session {
        api::Session {
            firm_name: self.ctx.firm_name.clone(),
            user_name: self.ctx.user_name.clone(),
            initials: self.ctx.initials.clone(),
            role: self.ctx.role.as_str().into(),
            keyring_ok: self.keyring_ok,
            autolock_seconds: self.autolock_minutes().unwrap_or(AUTOLOCK_MINUTES) * 60,
        }
    }

    /// Minutes without activity after which the window locks (10 unless set).
    pub fn autolock_minutes(&self) -> Result<u32, AppError> {
        Ok(sync::get_meta(self.store.conn(), "autolock_minutes")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(AUTOLOCK_MINUTES))
    }

    /// Set the minutes without activity after which the window locks (1 to 60).
    pub fn set_autolock_minutes(&mut self, minutes: u32) -> Result<(), AppError> {
        if !(1..=60).contains(&minutes) {
            return Err(satchel_core::Invalid::new(
                "minutes",
                "lock after 1 to 60 minutes without activity",
            )
            .into());
        }
        self.write("settings.autolock", "device", |tx, _, _| {
            sync::set_meta(tx, "autolock_minutes", &minutes.to_string())?;
            Ok(serde_json::json!({ "minutes": minutes }))
        })?;
        Ok(())
    }

    /// Lock: the lock is audited, then the store closed and its key wiped from memory
    /// (the key is zeroed when dropped, and the connection that held it closed).
    pub fn lock(mut self, why: &str) -> Result<(), AppError> {
        let user = format!("user:{}", self.ctx.user_id);
        self.write("session.lock", &user, |_, _, _| {
            Ok(serde_json::json!({ "why": why }))
        })?;
        Ok(())
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn install_id(&self) -> &str {
        &self.ctx.install_id
    }

    /// Open a matter. The number comes from this device's leased block.
    pub fn create_matter(&mut self, req: &api::NewMatterRequest) -> Result<api::Matter, AppError> {
        self.require_editor("open matters")?;
        let opened = satchel_core::dates::parse_optional(
            "opened",
            req.opened.as_deref().unwrap_or_default(),
        )?;
        let today = satchel_core::dates::london_date(Timestamp::now());
        let client = match req
            .client_id
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            Some(id) => Some(self.contact(id)?),
            None => None,
        };
        let valid = NewMatter {
            client_name: client.as_ref().map_or(&req.client_name, |c| &c.name),
            description: &req.description,
            opened,
        }
        .validate(today)?;
        let (report, fresh_check, checked_at, checked_by) =
            self.conflict_check_for(req, &valid.client_name)?;
        let decision = satchel_core::conflict::decide(
            report.hits.len(),
            req.conflict_decision
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(satchel_core::conflict::Decision::parse)
                .transpose()?,
            req.conflict_reason.as_deref().unwrap_or_default(),
        )?;
        let practice_area = match req.practice_area.as_deref().map(str::trim) {
            Some(a) if !a.is_empty() => satchel_core::matter::practice_area(a)?,
            _ => "general".to_owned(),
        };
        let fee_earner = match req.fee_earner.as_deref().map(str::trim) {
            Some(i) if !i.is_empty() => Some(self.user_by_initials("fee_earner", i)?),
            _ => None,
        };
        let supervisor = match req.supervisor.as_deref().map(str::trim) {
            Some(i) if !i.is_empty() => Some(self.user_by_initials("supervisor", i)?),
            _ => None,
        };
        if supervisor.is_some()
            && supervisor.as_ref() == Some(fee_earner.as_ref().unwrap_or(&self.ctx.user_id))
        {
            return Err(satchel_core::Invalid::new(
                "supervisor",
                "must be someone other than the fee earner",
            )
            .into());
        }
        let id = Uuid::now_v7().to_string();
        let subject = format!("matter:{id}");
        let user_id = self.ctx.user_id.clone();
        let created = self.write("matter.create", &subject, |tx, at, actor| {
            let checked_at = checked_at.unwrap_or_else(|| at.to_string());
            if fresh_check {
                conflicts::record(tx, &report, &checked_at, &user_id)?;
            }
            let claimed = tx.execute(
                "UPDATE conflict_checks SET matter_id = ?1 WHERE id = ?2 AND matter_id IS NULL",
                params![id, report.id],
            )?;
            if claimed != 1 {
                return Err(satchel_core::Invalid::new(
                    "conflict_check_id",
                    "was already used to open another matter; run the check again",
                )
                .into());
            }
            let conflict = docs::ConflictRec {
                check_id: report.id.clone(),
                checked_at,
                checked_by: checked_by.clone().unwrap_or_else(|| user_id.clone()),
                names: report.names.clone(),
                parties_checked: report.parties_checked,
                hits: report
                    .hits
                    .iter()
                    .map(|h| {
                        format!(
                            "{} {} {} ({} {})",
                            h.matter_number.as_deref().unwrap_or("(no matter)"),
                            h.role.as_deref().unwrap_or("contact"),
                            h.party_name,
                            h.match_kind,
                            h.score
                        )
                    })
                    .collect(),
                decision: decision.as_str().into(),
                reason: req.conflict_reason.clone().unwrap_or_default().trim().to_owned(),
                decided_by: user_id.clone(),
            };
            let number = next_matter_number(tx)?;
            let doc = docs::MatterDoc {
                kind: docs::KIND_MATTER.into(),
                schema: 1,
                id: id.clone(),
                number: u64::from(number.get()),
                client_name: valid.client_name.clone(),
                description: valid.description.clone(),
                opened: valid.opened.to_string(),
                status: MatterStatus::Open.as_str().into(),
                opened_by: user_id.clone(),
                parties: client
                    .iter()
                    .map(|c| docs::PartyRec {
                        contact_id: c.id.clone(),
                        role: satchel_core::contact::PartyRole::Client.as_str().into(),
                    })
                    .collect(),
                conflict: Some(conflict),
                time: Vec::new(),
                key_dates: Vec::new(),
                notes: Vec::new(),
                rate_pence: None,
                estimate_pence: None,
                expenses: Vec::new(),
                practice_area: Some(practice_area.clone()),
                fee_earner: Some(fee_earner.clone().unwrap_or_else(|| user_id.clone())),
                supervisor: supervisor.clone(),
                closed_on: None,
                archived_on: None,
                tasks: Vec::new(),
                files: Vec::new(),
                postings: Vec::new(),
                bills: Vec::new(),
            };
            docs::change(tx, &id, docs::KIND_MATTER, actor, at, "open matter", |d| {
                Ok(autosurgeon::reconcile(d, &doc)?)
            })?;
            projection::matter(tx, None, &doc)?;
            let audit = serde_json::json!({
                "number": number.to_string(),
                "conflict": { "check": report.id, "hits": report.hits.len(), "decision": decision.as_str() },
            });
            Ok(CreatedMatter(audit, id.clone()))
        })?;
        self.matter(&created.1)
    }

    /// The conflict check a new matter relies on: the one named in the request (which must
    /// be unused and for the client's name), or a fresh one for the client's name. Returns
    /// the report, whether it is fresh (and so still to be recorded), and for a stored check
    /// when and by whom it was run.
    fn conflict_check_for(
        &self,
        req: &api::NewMatterRequest,
        client_name: &str,
    ) -> Result<(api::ConflictReport, bool, Option<String>, Option<String>), AppError> {
        use satchel_core::Invalid;
        use satchel_core::conflict::NameKey;
        let Some(check_id) = req
            .conflict_check_id
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        else {
            let mut report = self.scan(&[client_name.to_owned()])?;
            // An existing contact chosen as the client finds itself: that is no conflict
            // unless it is on another matter.
            if let Some(client_id) = req.client_id.as_deref() {
                report.hits.retain(|h| {
                    !(h.contact_id.as_deref() == Some(client_id) && h.matter_id.is_none())
                });
            }
            return Ok((report, true, None, None));
        };
        let stored = conflicts::load(self.store.conn(), check_id)?.ok_or_else(|| {
            Invalid::new(
                "conflict_check_id",
                "is not a conflict check on this device; run the check again",
            )
        })?;
        if stored.matter_id.is_some() {
            return Err(Invalid::new(
                "conflict_check_id",
                "was already used to open another matter; run the check again",
            )
            .into());
        }
        let client = NameKey::new(client_name);
        if !stored
            .report
            .names
            .iter()
            .any(|n| NameKey::new(n) == client)
        {
            return Err(Invalid::new(
                "conflict_check_id",
                format!(
                    "was for {}, not for the client {client_name}; run the check again",
                    stored.report.names.join(", ")
                ),
            )
            .into());
        }
        Ok((stored.report, false, Some(stored.at), Some(stored.actor_id)))
    }

    /// Every matter held on this device, newest number first.
    pub fn list_matters(&self) -> Result<Vec<api::Matter>, AppError> {
        let sql = format!("SELECT {MATTER_COLUMNS} ORDER BY m.number DESC");
        let mut stmt = self.store.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map([], matter_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// One matter, by id or number.
    pub fn matter(&self, matter: &str) -> Result<api::Matter, AppError> {
        let (id, _) = contacts::resolve_matter(self.store.conn(), matter)?;
        let sql = format!("SELECT {MATTER_COLUMNS} WHERE m.id = ?1");
        Ok(self.store.conn().query_row(&sql, [id], matter_row)?)
    }

    pub fn status(&self) -> Result<api::Status, AppError> {
        let conn = self.store.conn();
        let count = |sql: &str| -> Result<u64, AppError> {
            Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
        };
        Ok(api::Status {
            firm_name: self.ctx.firm_name.clone(),
            user_name: self.ctx.user_name.clone(),
            device_id: self.ctx.device_id.to_string(),
            data_dir: self.data_dir.display().to_string(),
            matters: count("SELECT count(*) FROM matters")?,
            contacts: count("SELECT count(*) FROM contacts")?,
            audit_events: count("SELECT count(*) FROM audit_events")?,
            store_bytes: self.store.bytes_on_disk(),
            schema_version: self.store.schema_version()?,
            number_blocks: self
                .number_blocks()?
                .into_iter()
                .filter(|(_, last, next)| next <= last)
                .map(|(_, last, next)| {
                    format!("{}–{}", MatterNumber::new(next), MatterNumber::new(last))
                })
                .collect(),
            unit_minutes: self.unit_minutes()?,
            reconciliation_due: self.reconciliation_due()?,
            keyring: if self.keyring_ok {
                format!("{}: holds this store's key", self.keyring_name)
            } else {
                format!(
                    "{}: not holding the key; the recovery passphrase is needed to open",
                    self.keyring_name
                )
            },
        })
    }

    /// Check the database (SQLite and SQLCipher page checks), that every document loads,
    /// and every device's audit chain.
    pub fn verify(&mut self) -> Result<VerifyReport, AppError> {
        let integrity_problems = self.store.integrity_problems()?;
        let tx = self.store.conn_mut().transaction()?;
        let mut documents = 0;
        let mut document_problems = Vec::new();
        for kind in [docs::KIND_FIRM, docs::KIND_CONTACT, docs::KIND_MATTER] {
            for id in docs::ids_of_kind(&tx, kind)? {
                documents += 1;
                if let Err(e) = docs::load(&tx, &id) {
                    document_problems.push(format!("{kind} document {id}: {e}"));
                }
            }
        }
        document_problems.extend(documents::damaged_blobs(&tx)?);
        let devices: Vec<String> = {
            let mut stmt =
                tx.prepare("SELECT DISTINCT device_id FROM audit_events ORDER BY device_id")?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        let mut audit_events = 0;
        let mut chain_breaks = Vec::new();
        for device in devices {
            let events = read_events(&tx, &device)?;
            match audit::verify_chain(&events) {
                Ok(n) => audit_events += n,
                Err(b) => chain_breaks.push(b),
            }
        }
        drop(tx);
        Ok(VerifyReport {
            integrity_problems,
            documents,
            document_problems,
            audit_events,
            chain_breaks,
        })
    }

    /// Throw away the projections and rebuild them from the documents.
    pub fn rebuild_projections(&mut self) -> Result<(), AppError> {
        let tx = self
            .store
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM matter_parties", [])?;
        tx.execute("DELETE FROM time_entries", [])?;
        tx.execute("DELETE FROM key_dates", [])?;
        tx.execute("DELETE FROM notes", [])?;
        tx.execute("DELETE FROM expenses", [])?;
        tx.execute("DELETE FROM tasks", [])?;
        tx.execute("DELETE FROM matter_files", [])?;
        tx.execute("DELETE FROM bills", [])?;
        tx.execute("DELETE FROM statement_lines", [])?;
        tx.execute("DELETE FROM statement_imports", [])?;
        tx.execute("DELETE FROM reconciliations", [])?;
        tx.execute("DELETE FROM posting_moves", [])?;
        tx.execute("DELETE FROM postings", [])?;
        tx.execute("DELETE FROM search_docs", [])?;
        tx.execute("DELETE FROM matters", [])?;
        tx.execute("DELETE FROM contacts", [])?;
        tx.execute("DELETE FROM users", [])?;
        tx.execute("DELETE FROM bank_accounts", [])?;
        tx.execute("DELETE FROM breaches", [])?;
        tx.execute("DELETE FROM residuals", [])?;
        for id in docs::ids_of_kind(&tx, docs::KIND_FIRM)? {
            if let Some(doc) = docs::load(&tx, &id)? {
                projection::firm(&tx, &autosurgeon::hydrate(&doc)?)?;
            }
        }
        for id in docs::ids_of_kind(&tx, docs::KIND_CONTACT)? {
            if let Some(doc) = docs::load(&tx, &id)? {
                projection::contact(&tx, &autosurgeon::hydrate(&doc)?)?;
            }
        }
        for id in docs::ids_of_kind(&tx, docs::KIND_MATTER)? {
            if let Some(doc) = docs::load(&tx, &id)? {
                projection::matter(&tx, None, &autosurgeon::hydrate(&doc)?)?;
            }
        }
        // After the postings: statement lines refer to them.
        for id in docs::ids_of_kind(&tx, docs::KIND_BANK)? {
            if let Some(doc) = docs::load(&tx, &id)? {
                bank::project(&tx, None, &autosurgeon::hydrate(&doc)?)?;
            }
        }
        for id in docs::ids_of_kind(&tx, docs::KIND_STATEMENTS)? {
            if let Some(doc) = docs::load(&tx, &id)? {
                bank::project_month(&tx, None, &autosurgeon::hydrate(&doc)?)?;
            }
        }
        tx.commit()?;
        self.drop_party_index();
        Ok(())
    }

    /// Matters projected before schema 2 have no conflict key for their client's name: fill
    /// them in (a projection fix-up, not a change to any document).
    fn fill_missing_client_keys(&mut self) -> Result<(), AppError> {
        // Read first (the partial index makes this free): most unlocks have nothing to
        // fill and need no write lock.
        let rows: Vec<(String, String)> = {
            let mut stmt = self.store.conn().prepare(
                "SELECT id, client_name FROM matters WHERE client_key = '' AND client_name <> ''",
            )?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?
        };
        if rows.is_empty() {
            return Ok(());
        }
        let tx = self
            .store
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (id, name) in rows {
            tx.execute(
                "UPDATE matters SET client_key = ?2 WHERE id = ?1",
                params![id, satchel_core::conflict::NameKey::new(&name).as_stored()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The matter numbers this device may still give out: (first, last, next) per block.
    pub fn number_blocks(&self) -> Result<Vec<(u32, u32, u32)>, AppError> {
        Ok(numbering::blocks(self.store.conn(), numbering::MATTERS)?
            .into_iter()
            .map(|(_, first, last, next)| (first, last, next))
            .collect())
    }

    /// Give this device its blocks of matter numbers, replacing the ones it holds. This is
    /// what joining a firm does (the firm server leases each device its own blocks, so two
    /// laptops opening matters offline never collide); it is refused once this device has
    /// given out a number from a block, or if the blocks overlap each other or a number in
    /// use here.
    pub fn set_number_blocks(&mut self, blocks: &[(u32, u32)]) -> Result<(), AppError> {
        use satchel_core::Invalid;
        self.require_manager("change this device's matter numbers")?;
        let mut sorted = blocks.to_vec();
        sorted.sort();
        for (i, (first, last)) in sorted.iter().enumerate() {
            if *first == 0 || first > last {
                return Err(Invalid::new(
                    "blocks",
                    format!("{first}–{last} is not a block of numbers"),
                )
                .into());
            }
            if let Some((next_first, _)) = sorted.get(i + 1)
                && next_first <= last
            {
                return Err(Invalid::new(
                    "blocks",
                    format!("{first}–{last} overlaps the block from {next_first}"),
                )
                .into());
            }
        }
        if self
            .number_blocks()?
            .iter()
            .any(|(first, _, next)| next > first)
        {
            return Err(Invalid::new(
                "blocks",
                "this device has already given out matter numbers from its blocks; it keeps them",
            )
            .into());
        }
        let detail = serde_json::json!({ "blocks": sorted });
        self.write(
            "numbering.blocks",
            &format!("device:{}", self.ctx.device_id),
            |tx, _, _| {
                for (first, last) in &sorted {
                    let used: Option<u32> = tx
                        .query_row(
                            "SELECT number FROM matters WHERE number BETWEEN ?1 AND ?2 LIMIT 1",
                            params![first, last],
                            |r| r.get(0),
                        )
                        .optional()?;
                    if let Some(n) = used {
                        return Err(AppError::DuplicateNumber(MatterNumber::new(n).to_string()));
                    }
                }
                tx.execute("DELETE FROM number_blocks", [])?;
                numbering::add_blocks(tx, numbering::MATTERS, &sorted)?;
                Ok(detail)
            },
        )?;
        Ok(())
    }

    /// How many documents of a kind (`docs::KIND_*`) the store holds: for tools that check
    /// what made a store (the dataset generator).
    pub fn document_count(&self, kind: &str) -> Result<u64, AppError> {
        let n: i64 = self.store.conn().query_row(
            "SELECT count(*) FROM documents WHERE kind = ?1",
            [kind],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Write the WAL into the main file (on quit, and before copying the file).
    pub fn checkpoint(&self) -> Result<(), AppError> {
        Ok(self.store.checkpoint()?)
    }
}

const MATTER_COLUMNS: &str = "m.id, m.number, m.client_name, m.description, m.opened, m.status,
    coalesce(o.initials, '?'), m.practice_area, coalesce(f.initials, '?'), s.initials, m.closed_on, m.archived_on
    FROM matters m LEFT JOIN users o ON o.id = m.opened_by LEFT JOIN users f ON f.id = m.fee_earner_id
    LEFT JOIN users s ON s.id = m.supervisor_id";

fn matter_row(
    r: &satchel_store::rusqlite::Row<'_>,
) -> satchel_store::rusqlite::Result<api::Matter> {
    Ok(api::Matter {
        id: r.get(0)?,
        number: MatterNumber::new(r.get(1)?).to_string(),
        client_name: r.get(2)?,
        description: r.get(3)?,
        opened: r.get(4)?,
        status: r.get(5)?,
        opened_by: r.get(6)?,
        practice_area: r.get(7)?,
        fee_earner: r.get(8)?,
        supervisor: r.get(9)?,
        closed_on: r.get(10)?,
        archived_on: r.get(11)?,
    })
}

/// What a write returns, and what of it goes into the audit event.
trait WriteOutcome {
    fn audit_detail(&self) -> serde_json::Value;
}

impl WriteOutcome for serde_json::Value {
    fn audit_detail(&self) -> serde_json::Value {
        self.clone()
    }
}

/// The audit detail (enough to report on, without copying client data into the trail) and
/// the matter's id.
struct CreatedMatter(serde_json::Value, String);

impl WriteOutcome for CreatedMatter {
    fn audit_detail(&self) -> serde_json::Value {
        self.0.clone()
    }
}

/// Change an existing matter's document as one Automerge commit and re-project it, inside
/// the caller's write. `f` edits the matter as a struct; every later change to a matter
/// (parties, time, key dates, notes, expenses, terms) goes through here.
fn update_matter(
    tx: &Transaction<'_>,
    matter_id: &str,
    actor: &ActorId,
    at: Timestamp,
    message: &str,
    f: impl FnOnce(&mut docs::MatterDoc),
) -> Result<(), AppError> {
    try_update_matter(tx, matter_id, actor, at, message, |m| {
        f(m);
        Ok(())
    })
}

/// [`update_matter`] for a change that may be refused after seeing the matter's current
/// state (e.g. a status move); a refusal changes nothing.
fn try_update_matter(
    tx: &Transaction<'_>,
    matter_id: &str,
    actor: &ActorId,
    at: Timestamp,
    message: &str,
    f: impl FnOnce(&mut docs::MatterDoc) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let mut updated = None;
    docs::change(tx, matter_id, docs::KIND_MATTER, actor, at, message, |d| {
        let before: docs::MatterDoc = autosurgeon::hydrate(d)?;
        let mut after = before.clone();
        f(&mut after)?;
        autosurgeon::reconcile(d, &after)?;
        updated = Some((before, after));
        Ok(())
    })?;
    let (before, after) =
        updated.ok_or_else(|| AppError::Document(format!("matter {matter_id} was not changed")))?;
    projection::matter(tx, Some(&before), &after)
}

fn load_ctx(store: &Store) -> Result<Ctx, AppError> {
    let conn = store.conn();
    let meta = |k: &str| -> Result<String, AppError> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
            .optional()?
            .ok_or_else(|| {
                AppError::Document(format!(
                    "the store has no {k}: it was not set up completely"
                ))
            })
    };
    let user_id = meta("user_id")?;
    let (user_name, initials, role): (String, String, String) = conn
        .query_row(
            "SELECT name, initials, role FROM users WHERE id = ?1",
            [&user_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .ok_or_else(|| {
            AppError::Document("this device's user is not in the firm document".into())
        })?;
    let device_id = meta("device_id")?;
    Ok(Ctx {
        install_id: meta("install_id")?,
        device_id: device_id
            .parse()
            .map_err(|_| AppError::Document(format!("bad device id {device_id}")))?,
        user_id,
        user_name,
        initials,
        role: Role::parse(&role)?,
        firm_name: meta("firm_name")?,
        firm_doc: meta("firm_doc")?,
    })
}

fn next_matter_number(tx: &Transaction<'_>) -> Result<MatterNumber, AppError> {
    let block: Option<(i64, u32)> = tx
        .query_row(
            "SELECT rowid, next FROM number_blocks WHERE next <= last ORDER BY first LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (rowid, next) = block.ok_or_else(|| {
        AppError::Forbidden(
            "this device has used all its matter numbers; connect to the firm server for more"
                .into(),
        )
    })?;
    tx.execute(
        "UPDATE number_blocks SET next = next + 1 WHERE rowid = ?1",
        [rowid],
    )?;
    Ok(MatterNumber::new(next))
}

fn append_audit(
    tx: &Transaction<'_>,
    ctx: &Ctx,
    at: Timestamp,
    action: &str,
    subject: &str,
    detail: &serde_json::Value,
) -> Result<(), AppError> {
    let device = ctx.device_id.to_string();
    let last: Option<(i64, String)> = tx
        .query_row(
            "SELECT seq, hash FROM audit_events WHERE device_id = ?1 ORDER BY seq DESC LIMIT 1",
            [&device],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, audit::GENESIS.to_owned()),
    };
    let id = Uuid::now_v7().to_string();
    let at = at.to_string();
    let detail = detail.to_string();
    let content = EventContent {
        seq,
        id: &id,
        device_id: &device,
        actor_id: &ctx.user_id,
        at: &at,
        action,
        subject,
        detail: &detail,
    };
    let hash = audit::chain_hash(&prev_hash, &content);
    tx.execute(
        "INSERT INTO audit_events (device_id, seq, id, actor_id, at, action, subject, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![device, seq, id, ctx.user_id, at, action, subject, detail, prev_hash, hash],
    )?;
    Ok(())
}

fn read_events(tx: &Connection, device: &str) -> Result<Vec<StoredEvent>, AppError> {
    let mut stmt = tx.prepare(
        "SELECT seq, id, device_id, actor_id, at, action, subject, detail, prev_hash, hash
         FROM audit_events WHERE device_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([device], |r| {
        Ok(StoredEvent {
            seq: r.get(0)?,
            id: r.get(1)?,
            device_id: r.get(2)?,
            actor_id: r.get(3)?,
            at: r.get(4)?,
            action: r.get(5)?,
            subject: r.get(6)?,
            detail: r.get(7)?,
            prev_hash: r.get(8)?,
            hash: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

#[cfg(test)]
mod tests;
