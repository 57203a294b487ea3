//! The firm server, from this device: enrolment (the device key kept in the keyring; the
//! server's address, pinned certificate fingerprint and this device's id in the store's
//! own settings; blocks of matter and bill numbers) and one sync — at first every
//! document, after that those changed here and those the server says changed there —
//! exchanged with the server and what came back merged (`merge_documents_with`).

use crate::vault::{KeyVault, device_key_slot};
use crate::{AppError, Replica, Satchel, docs, numbering};
use satchel_api as api;
use satchel_core::Invalid;
use satchel_store::DbKey;
use satchel_store::rusqlite::{Connection, OptionalExtension, params};
use satchel_sync::samod_id;
use satchel_sync::{DeviceKey, Server, SyncError, repo_id};
use std::sync::Arc;
use std::time::Duration;

const ADDRESS: &str = "server_address";
const FINGERPRINT: &str = "server_fingerprint";
const DEVICE: &str = "server_device_id";
/// When this device last finished a sync.
const LAST_SYNC: &str = "last_sync_at";
/// Set once the server knows the numbers this store keeps giving out itself (at
/// enrolment, or at the first sync of a store enrolled before the server gave out numbers).
const NUMBERS_KEPT: &str = "server_numbers_kept";
/// Where this device's last sync left off in the server's history (JSON
/// [`satchel_sync::protocol::Cursor`]).
const CURSOR: &str = "server_cursor";
/// The last of this device's audit events the server has.
const AUDIT_SENT: &str = "server_audit_seq";
/// Audit events sent at one sync at most (the rest at the next).
const AUDIT_AT_ONCE: i64 = 10_000;

/// How long one document may take to come into step with the server.
const PER_DOCUMENT: Duration = Duration::from_secs(10);
/// More documents to fetch than this, and the merge fetches them as it reads.
pub(crate) const STREAMED: usize = 1_000;
/// Documents a request of a streamed fetch asks for.
const FETCH_BATCH: usize = 500;

fn runtime() -> Result<tokio::runtime::Runtime, AppError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(AppError::Io)
}

/// What to call this device on the server: the name given, else the machine's host name.
fn device_name(given: &str) -> String {
    match given.trim() {
        "" => std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_owned())
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "this device".into()),
        name => name.to_owned(),
    }
}

/// One of the store's own settings.
pub(crate) fn get_meta(conn: &Connection, key: &str) -> Result<Option<String>, AppError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

/// Record that the server knows the numbers this store keeps giving out itself (its
/// series cut down to them), and add the blocks the server gave it.
fn settle_numbers(
    conn: &Connection,
    cuts: Option<&[numbering::Cut]>,
    given: &satchel_sync::protocol::Numbers,
) -> Result<(), AppError> {
    if let Some(cuts) = cuts {
        numbering::cut_blocks(conn, cuts)?;
        set_meta(conn, NUMBERS_KEPT, "1")?;
    }
    numbering::add_given(conn, given)
}

/// Set one of the store's own settings.
pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<(), AppError> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// A refusal or failure of the server, in words for the person at the device.
fn said(e: SyncError) -> AppError {
    Invalid::new("server", e.to_string()).into()
}

impl Satchel {
    /// The firm server this device is enrolled with, if any.
    pub fn server_settings(&self) -> Result<Option<api::ServerSettings>, AppError> {
        let get = |k: &str| get_meta(self.store.conn(), k);
        Ok(match (get(ADDRESS)?, get(FINGERPRINT)?, get(DEVICE)?) {
            (Some(address), Some(fingerprint), Some(device_id)) => Some(api::ServerSettings {
                address,
                fingerprint,
                device_id,
            }),
            _ => None,
        })
    }

    /// Enrol this device with the firm server: a new device key (its private half into the
    /// keyring), the one-time code the administrator gave, and the certificate fingerprint
    /// the server printed (pinned from now on).
    pub fn enrol_device(
        &mut self,
        vault: &dyn KeyVault,
        address: &str,
        fingerprint: &str,
        code: &str,
        name: &str,
    ) -> Result<api::ServerSettings, AppError> {
        if let Some(s) = self.server_settings()? {
            return Err(Invalid::new(
                "server",
                format!("this device is enrolled with {} already", s.address),
            )
            .into());
        }
        let server = Server::new(address, fingerprint).map_err(said)?;
        let key = DeviceKey::generate().map_err(said)?;
        let rt = runtime()?;
        // A store of another firm (or one set up apart from the firm) may not mix with the
        // firm's documents: said before the code is used.
        let hello = rt.block_on(server.hello()).map_err(said)?;
        if let Some(theirs) = hello["firm_document"].as_str()
            && theirs != self.ctx.firm_doc
        {
            return Err(Invalid::new(
                "server",
                "this firm server keeps another firm's documents (or this store was set up apart from the firm's): to work for that firm on this device, join it from a new data folder (satchel join)",
            )
            .into());
        }
        // This store's numbers: what it keeps giving out (a standalone store's whole
        // series cut down); the server gives the rest out to other devices in blocks.
        let (cuts, numbers) = numbering::numbers_kept(self.store.conn())?;
        let enrolled = rt
            .block_on(server.enrol(
                code,
                &device_name(name),
                &key,
                Some(&self.ctx.firm_doc),
                Some(&numbers),
            ))
            .map_err(said)?;
        let seed = DbKey::from_hex(&key.secret_hex())
            .ok_or_else(|| AppError::Document("a device key that is not 32 bytes".into()))?;
        vault
            .save(&device_key_slot(&self.ctx.install_id), &seed)
            .map_err(|e| {
                AppError::Locked(format!("the device key could not go into the keyring: {e}"))
            })?;
        let settings = api::ServerSettings {
            address: address.trim().to_owned(),
            fingerprint: fingerprint.trim().to_owned(),
            device_id: enrolled.device_id.clone(),
        };
        let s = settings.clone();
        self.write(
            "device.enrol",
            &format!("device:{}", enrolled.device_id),
            |tx, _, _| {
                for (k, v) in [
                    (ADDRESS, &s.address),
                    (FINGERPRINT, &s.fingerprint),
                    (DEVICE, &s.device_id),
                ] {
                    set_meta(tx, k, v)?;
                }
                settle_numbers(tx, Some(&cuts), &enrolled.numbers)?;
                Ok(serde_json::json!({
                    "server": s.address,
                    "as": enrolled.initials,
                    "matter_numbers": numbers.matters,
                    "bill_numbers": numbers.bills,
                }))
            },
        )?;
        Ok(settings)
    }

    /// One sync with the firm server: every document this device holds is brought in step
    /// with the server's copy, and what others did is merged here. A device the firm's
    /// administrator revoked removes its keys from the keyring (the store's and the
    /// device's) and says so: the data stays encrypted, opened from now on only with the
    /// recovery passphrase.
    pub fn sync_now(&mut self, vault: &dyn KeyVault) -> Result<api::SyncReport, AppError> {
        let job = self.sync_job(vault)?;
        let got = job.run(&|_, _| {});
        self.finish_sync(vault, job, got)
    }

    /// What a sync will send and ask for, read from the store (quick); the exchange itself
    /// ([`SyncJob::run`]) needs no store, so a window can go on working while it runs.
    /// Who may see a matter on the firm server, after granting `set` (a user's initials,
    /// and read, download, edit or none) if given. Asked of the server now (grants live
    /// there); an admin's or a partner's device only. The change takes effect on the
    /// devices at once, and is recorded here too.
    pub fn matter_grants(
        &mut self,
        vault: &dyn KeyVault,
        matter: &str,
        set: Option<(&str, &str)>,
    ) -> Result<Vec<api::MatterGrant>, AppError> {
        let (id, number) = crate::contacts::resolve_matter(self.store.conn(), matter)?;
        let (settings, key) = self.server_and_key(vault)?;
        let doc = repo_id(&id).to_string();
        let set_owned = set.map(|(u, a)| (u.to_owned(), a.to_owned()));
        let rt = runtime()?;
        let grants = rt
            .block_on(async {
                let server = Server::new(&settings.address, &settings.fingerprint)?;
                server
                    .grants(&settings.device_id, &key, &doc, set_owned.clone())
                    .await
            })
            .map_err(said)?;
        if let Some((user, access)) = set_owned {
            self.write("grant.set", &format!("matter:{id}"), |_, _, _| {
                Ok(serde_json::json!({ "matter": number.to_string(), "user": user, "access": access }))
            })?;
        }
        Ok(grants
            .into_iter()
            .map(|(initials, access)| api::MatterGrant { initials, access })
            .collect())
    }

    /// The firm server this device is enrolled with, and its device key.
    fn server_and_key(
        &self,
        vault: &dyn KeyVault,
    ) -> Result<(api::ServerSettings, DeviceKey), AppError> {
        let settings = self.server_settings()?.ok_or_else(|| {
            Invalid::new("server", "this device is not enrolled with a firm server")
        })?;
        let seed = vault
            .load(&device_key_slot(&self.ctx.install_id))
            .map_err(|e| AppError::Locked(format!("the device key could not be read: {e}")))?
            .ok_or_else(|| {
                AppError::Locked(
                    "the device key is not in the keyring; enrol this device again".into(),
                )
            })?;
        let key = DeviceKey::from_secret_hex(&seed.to_hex())
            .ok_or_else(|| AppError::Document("the stored device key is damaged".into()))?;
        Ok((settings, key))
    }

    pub fn sync_job(&self, vault: &dyn KeyVault) -> Result<SyncJob, AppError> {
        let (settings, key) = self.server_and_key(vault)?;
        let kinds: Vec<(String, String)> = self.document_ids()?;
        let conn = self.store.conn();
        let cursor: Option<satchel_sync::protocol::Cursor> =
            get_meta(conn, CURSOR)?.and_then(|v| serde_json::from_str(&v).ok());
        // A first sync brings every document into step; after it, those changed here since
        // (the server says which changed there).
        let unsent = docs::unsent(conn)?;
        let documents = match cursor {
            None => kinds.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>(),
            Some(_) => unsent.iter().map(|(id, _)| id.clone()).collect(),
        }
        .iter()
        .map(|id| self.replica_of(id).map(|r| (r.doc_id, r.bytes)))
        .collect::<Result<Vec<_>, _>>()?;
        let low: Vec<&'static str> = [("matters", numbering::MATTERS), ("bills", numbering::BILLS)]
            .into_iter()
            .filter_map(|(series, table)| {
                numbering::blocks(conn, table)
                    .map(|b| numbering::running_low(&b).then_some(series))
                    .transpose()
            })
            .collect::<Result<_, _>>()?;
        // A store enrolled before the server gave out numbers tells it, once, which it
        // keeps (its standalone series cut down as at enrolment).
        let keep = match get_meta(conn, NUMBERS_KEPT)? {
            Some(_) => None,
            None => Some(numbering::numbers_kept(conn)?),
        };
        // This device's audit events the server does not have yet.
        let audit_sent: i64 = get_meta(self.store.conn(), AUDIT_SENT)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let audit = {
            let device = self.ctx.device_id.to_string();
            let mut stmt = self.store.conn().prepare(
                "SELECT seq, id, device_id, actor_id, at, action, subject, detail, prev_hash, hash
                 FROM audit_events WHERE device_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )?;
            stmt.query_map(params![device, audit_sent, AUDIT_AT_ONCE], |r| {
                Ok(satchel_core::audit::StoredEvent {
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
            })?
            .collect::<Result<Vec<_>, _>>()?
        };
        let erasures = self.erasures_to_tell()?;
        Ok(SyncJob {
            erasures,
            settings,
            key: Arc::new(key),
            kinds,
            documents,
            unsent,
            cursor,
            low,
            keep,
            audit,
            claims: !matches!(
                self.ctx.role,
                satchel_core::firm::Role::Partner | satchel_core::firm::Role::Admin
            ),
        })
    }

    /// Merge what an exchange brought, or take in why it failed (a revoked device forgets
    /// its keys). Returns what the sync did.
    pub fn finish_sync(
        &mut self,
        vault: &dyn KeyVault,
        job: SyncJob,
        got: Result<satchel_sync::Exchanged, SyncError>,
    ) -> Result<api::SyncReport, AppError> {
        self.finish_sync_with(vault, job, got, &|_, _| true)
    }

    /// [`Satchel::finish_sync`], telling `progress(done, of)` as what came is merged (see
    /// [`Satchel::merge_documents_with`]).
    pub fn finish_sync_with(
        &mut self,
        vault: &dyn KeyVault,
        job: SyncJob,
        got: Result<satchel_sync::Exchanged, SyncError>,
        progress: &(dyn Fn(u64, u64) -> bool + Sync),
    ) -> Result<api::SyncReport, AppError> {
        let sent = job.documents.len();
        let got = match got {
            Ok(got) => got,
            Err(SyncError::Revoked(why)) => {
                let install = self.ctx.install_id.clone();
                let _ = vault.forget(&device_key_slot(&install));
                let _ = vault.forget(&install);
                let _ = self.write("device.revoked", &format!("device:{install}"), |_, _, _| {
                    Ok(serde_json::json!({ "server": why }))
                });
                return Err(AppError::Locked(format!(
                    "{why}. This device was revoked by the firm's administrator: its keys were removed from the keyring, and Satchel opens here only with the recovery passphrase"
                )));
            }
            Err(e) => return Err(said(e)),
        };
        let kind_of: std::collections::HashMap<&str, &str> = job
            .kinds
            .iter()
            .map(|(i, k)| (i.as_str(), k.as_str()))
            .collect();
        let replicas: Vec<Replica> = got
            .documents
            .into_iter()
            .filter_map(|(doc_id, bytes)| {
                kind_of.get(doc_id.as_str()).map(|k| Replica {
                    kind: (*k).to_owned(),
                    doc_id,
                    bytes,
                })
            })
            .collect();
        let fetched = if got.to_fetch.is_empty() {
            crate::merge::Fetched::all(got.fetched)
        } else {
            job.fetching(got.to_fetch, got.fetched)
        };
        // Documents erased elsewhere go before anything is merged (an anonymised copy that
        // replaces one keeps its number).
        let erased_here = if got.erased.is_empty() {
            0
        } else {
            let gone: std::collections::HashSet<samod_id::DocumentId> =
                got.erased.iter().cloned().collect();
            let local: Vec<String> = job
                .kinds
                .iter()
                .filter(|(id, _)| gone.contains(&repo_id(id)))
                .map(|(id, _)| id.clone())
                .collect();
            self.drop_erased_elsewhere(&local)?
        };
        let merged = self.merge_documents_with(&replicas, fetched, progress)?;
        // What was sent is the server's now (unless changed again here meanwhile), and the
        // next sync asks what changed there after this one.
        let tx = self.store.conn_mut().transaction()?;
        {
            let mut sent =
                tx.prepare("UPDATE documents SET unsent = 0 WHERE id = ?1 AND unsent = ?2")?;
            for (id, mark) in &job.unsent {
                sent.execute(params![id, mark])?;
            }
        }
        let kept = job.keep.as_ref().filter(|_| got.numbers_kept);
        settle_numbers(&tx, kept.map(|(cuts, _)| cuts.as_slice()), &got.numbers)?;
        match got.cursor {
            Some(cursor) => set_meta(
                &tx,
                CURSOR,
                &serde_json::to_string(&cursor).map_err(|e| AppError::Document(e.to_string()))?,
            )?,
            None => {
                tx.execute("DELETE FROM meta WHERE key = ?1", [CURSOR])?;
            }
        }
        if let Some(seq) = got.audit_sent {
            set_meta(&tx, AUDIT_SENT, &seq.to_string())?;
        }
        if got.erasures_told {
            let mut told =
                tx.prepare("UPDATE erased_documents SET told_server = 1 WHERE id = ?1")?;
            for (id, _) in &job.erasures {
                told.execute([id])?;
            }
        }
        set_meta(&tx, LAST_SYNC, &jiff::Timestamp::now().to_string())?;
        tx.commit()?;
        Ok(api::SyncReport {
            documents: sent as u64,
            changed_here: merged.changed as u64,
            arrived: merged.arrived as u64,
            not_shared: got.not_shared.len() as u64,
            audit_refused: got.audit_refused,
            erased_here: erased_here as u64,
            erasures_told: if got.erasures_told {
                job.erasures.len() as u64
            } else {
                0
            },
            erase_refused: got.erase_refused,
        })
    }

    /// When this device last finished a sync, and how many of its documents changed here
    /// that the server has not had yet (the changes waiting).
    pub fn sync_backlog(&self) -> Result<(Option<String>, u64), AppError> {
        let conn = self.store.conn();
        let last = get_meta(conn, LAST_SYNC)?;
        let waiting: i64 =
            conn.query_row("SELECT count(*) FROM documents WHERE unsent > 0", [], |r| {
                r.get(0)
            })?;
        Ok((last, u64::try_from(waiting).unwrap_or(0)))
    }
}

/// One sync's work that needs no store: the documents as they were when it started, the
/// server, the device key.
pub struct SyncJob {
    settings: api::ServerSettings,
    key: Arc<DeviceKey>,
    kinds: Vec<(String, String)>,
    /// The documents to bring into step: every one at a first sync, else those changed
    /// here since the last.
    documents: Vec<(String, Vec<u8>)>,
    /// The documents changed here, each with its mark (see `docs::unsent`).
    unsent: Vec<(String, i64)>,
    /// Where the last sync left off, if there was one.
    cursor: Option<satchel_sync::protocol::Cursor>,
    /// The series of numbers (`matters`, `bills`) running low here: the sync asks for more.
    low: Vec<&'static str>,
    /// Numbers to tell the server this store keeps (and the cut that makes them so).
    keep: Option<(Vec<numbering::Cut>, satchel_sync::protocol::Numbers)>,
    /// Whether this device's user claims the new documents it makes (not partners and
    /// admins, who may have everything).
    claims: bool,
    /// This device's audit events the server does not have yet, in order.
    audit: Vec<satchel_core::audit::StoredEvent>,
    /// Documents destroyed here (an erasure) that the server has not been told of: (local
    /// id, what replaced it).
    erasures: Vec<(String, Option<String>)>,
}

impl std::fmt::Debug for SyncJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncJob")
            .field("server", &self.settings.address)
            .field("documents", &self.documents.len())
            .finish_non_exhaustive()
    }
}

impl SyncJob {
    /// Fetch `ids` whole from the server on a thread of their own, batch by batch, for a
    /// merge to read as they come (after the documents `already` fetched).
    fn fetching(
        &self,
        ids: Vec<samod_id::DocumentId>,
        already: Vec<(samod_id::DocumentId, Vec<u8>)>,
    ) -> crate::merge::Fetched<'static> {
        type Batch = Result<Vec<(samod_id::DocumentId, Vec<u8>)>, AppError>;
        let asked = ids.len() + already.len();
        // Two batches ahead of the merge at most: memory stays bounded.
        let (send, batches) = std::sync::mpsc::sync_channel::<Batch>(2);
        let (settings, key) = (self.settings.clone(), self.key.clone());
        std::thread::spawn(move || {
            let fetch = async {
                let server = Server::new(&settings.address, &settings.fingerprint).map_err(said)?;
                for batch in ids.chunks(FETCH_BATCH) {
                    let docs = server
                        .fetch(&settings.device_id, &key, batch)
                        .await
                        .map_err(said)?;
                    if send.send(Ok(docs)).is_err() {
                        // The merge stopped: nothing more to fetch.
                        return Ok(());
                    }
                }
                Ok::<(), AppError>(())
            };
            if let Err(e) = runtime().and_then(|rt| rt.block_on(fetch)) {
                let _ = send.send(Err(e));
            }
        });
        let docs = already
            .into_iter()
            .map(Ok)
            .chain(batches.into_iter().flat_map(|b: Batch| match b {
                Ok(docs) => docs.into_iter().map(Ok).collect::<Vec<_>>(),
                Err(e) => vec![Err(e)],
            }));
        crate::merge::Fetched {
            asked,
            docs: Box::new(docs),
        }
    }

    /// Exchange the documents with the server and fetch those this device may have and
    /// does not hold yet (other devices' new documents). `progress(done, of)` is told as
    /// documents come into step.
    pub fn run(
        &self,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<satchel_sync::Exchanged, SyncError> {
        let rt = runtime().map_err(|e| SyncError::Bad(e.to_string()))?;
        let server = Server::new(&self.settings.address, &self.settings.fingerprint)?;
        let held: std::collections::HashSet<samod_id::DocumentId> =
            self.kinds.iter().map(|(id, _)| repo_id(id)).collect();
        rt.block_on(async {
            let device = self.settings.device_id.as_str();
            // Erasures first: the server destroys the old documents before this device's
            // anonymised copies reach it. A refusal leaves them to tell at the next sync.
            let mut told = (false, None);
            if !self.erasures.is_empty() {
                let erased: Vec<_> = self
                    .erasures
                    .iter()
                    .map(|(old, new)| (repo_id(old), new.as_deref().map(repo_id)))
                    .collect();
                match server.erase(device, &self.key, &erased).await {
                    Ok(_) => told.0 = true,
                    Err(e @ (SyncError::Refused(_) | SyncError::Bad(_))) => {
                        told.1 = Some(e.to_string());
                    }
                    Err(e) => return Err(e),
                }
            }
            let sending: Vec<samod_id::DocumentId> =
                self.documents.iter().map(|(id, _)| repo_id(id)).collect();
            let listing = server
                .listing(
                    device,
                    &self.key,
                    self.cursor,
                    if self.cursor.is_some() { &sending } else { &[] },
                )
                .await?;
            let all: Option<std::collections::HashSet<samod_id::DocumentId>> =
                listing.all.map(|a| a.into_iter().collect());
            // What this device is sending that the server does not hold: new documents it
            // made (or, with the whole list, ones not shared with it).
            let not_held: std::collections::HashSet<samod_id::DocumentId> = match &all {
                Some(all) if self.cursor.is_none() => sending
                    .iter()
                    .filter(|d| !all.contains(d))
                    .cloned()
                    .collect(),
                _ => listing.not_held.into_iter().collect(),
            };
            // (Partners and admins may have everything: nothing to claim.)
            if self.claims && !not_held.is_empty() {
                let new: Vec<samod_id::DocumentId> = not_held.iter().cloned().collect();
                server.claim(device, &self.key, &new).await?;
            }
            // Whole documents where one side lacks them: those the server does not hold go
            // up as they are (the ones this user may write), those this device lacks come
            // down as they are — without the sync protocol's document-by-document work, which
            // grows with every document a connection holds.
            let lacking: Vec<(samod_id::DocumentId, Vec<u8>)> = self
                .documents
                .iter()
                .map(|(local, bytes)| (repo_id(local), bytes))
                .filter(|(id, _)| not_held.contains(id))
                .map(|(id, bytes)| (id, bytes.clone()))
                .collect();
            let stored: std::collections::HashSet<samod_id::DocumentId> = server
                .store(device, &self.key, &lacking)
                .await?
                .into_iter()
                .collect();
            let sent: std::collections::HashSet<&samod_id::DocumentId> = sending.iter().collect();
            let changed = listing.changed.clone().unwrap_or_default();
            // Documents this device lacks (new, or newly shared with it), and those changed
            // on the server that it holds and did not change: each fetched whole (merging
            // keeps only what is new).
            let mut wanted: Vec<samod_id::DocumentId> = all
                .iter()
                .flatten()
                .filter(|d| !held.contains(d))
                .cloned()
                .collect();
            let listed: std::collections::HashSet<samod_id::DocumentId> =
                wanted.iter().cloned().collect();
            wanted.extend(
                changed
                    .into_iter()
                    .filter(|d| !listed.contains(d) && !sent.contains(d)),
            );
            let of = (sending.len() + wanted.len()) as u64;
            let base = (stored.len() + wanted.len()) as u64;
            // Thousands (a first sync, a large grant) are left to the merge, which reads
            // each batch as it comes instead of waiting for the last.
            let (fetched, to_fetch) = if wanted.len() > STREAMED {
                (Vec::new(), wanted)
            } else {
                (server.fetch(device, &self.key, &wanted).await?, Vec::new())
            };
            progress(base, of);
            // What this device changed and the server holds, through the sync protocol
            // (changes both ways).
            let both: Vec<(String, Vec<u8>)> = self
                .documents
                .iter()
                .filter(|(local, _)| !stored.contains(&repo_id(local)))
                .cloned()
                .collect();
            let mut out = if both.is_empty() {
                satchel_sync::Exchanged::default()
            } else {
                satchel_sync::exchange(
                    &server,
                    device,
                    self.key.clone(),
                    both,
                    Vec::new(),
                    PER_DOCUMENT,
                    &|n, _| progress(base + n, of),
                )
                .await?
            };
            out.fetched.extend(fetched);
            out.to_fetch = to_fetch;
            // A cursor the server did not take (it was restored from an older backup): the
            // next sync brings everything into step, as a first one does.
            out.cursor =
                (self.cursor.is_none() || listing.changed.is_some()).then_some(listing.cursor);
            // The audit trail goes to the server after the documents; a refusal (a link
            // the server does not have) leaves the sync done and is said in the report.
            if !self.audit.is_empty() {
                match server.send_audit(device, &self.key, &self.audit).await {
                    Ok(seq) => out.audit_sent = Some(seq),
                    Err(e) => out.audit_refused = Some(e.to_string()),
                }
            }
            // Documents destroyed elsewhere that this device holds: dropped before the merge.
            out.erased = listing
                .erased
                .into_iter()
                .filter(|d| held.contains(d))
                .collect();
            (out.erasures_told, out.erase_refused) = told;
            if let Some((_, numbers)) = &self.keep {
                server.keep_numbers(device, &self.key, numbers).await?;
                out.numbers_kept = true;
            }
            // Numbers running low: another block of each. (Refused — the firm has given
            // out every number — the device says so when it next needs one.)
            for series in &self.low {
                if let Ok(block) = server.more_numbers(device, &self.key, series).await {
                    match *series {
                        "matters" => out.numbers.matters.push(block),
                        _ => out.numbers.bills.push(block),
                    }
                }
            }
            Ok(out)
        })
    }
}

/// What a device needs to join its firm from nothing: the server, the code the
/// administrator gave, what to call this device, and the recovery passphrase for the new
/// store here.
#[derive(Clone, Copy)]
pub struct Join<'a> {
    pub address: &'a str,
    pub fingerprint: &'a str,
    pub code: &'a str,
    /// Empty: the machine's host name.
    pub device_name: &'a str,
    pub passphrase: &'a str,
}

impl std::fmt::Debug for Join<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Join")
            .field("address", &self.address)
            .field("device_name", &self.device_name)
            .finish_non_exhaustive()
    }
}

impl Satchel {
    /// Set this device up for a firm that already works with the server: enrol with the
    /// code, fetch the firm's document, and make the local store with this person as the
    /// firm's records name them (by the initials the server knows them by). The first sync
    /// then fetches what they may have. A new device has no block of matter numbers until
    /// one is given it.
    pub fn join(
        data_dir: &std::path::Path,
        vault: &dyn KeyVault,
        join: &Join<'_>,
        kdf: satchel_store::envelope::KdfParams,
    ) -> Result<Satchel, AppError> {
        use crate::{
            Ctx, Presence, create_private_dir, db_path, envelope_path, presence, projection,
            remove_store_files,
        };
        use satchel_core::firm::Role;
        if presence(data_dir) == Presence::Present {
            return Err(AppError::AlreadySetUp(data_dir.display().to_string()));
        }
        let server = Server::new(join.address, join.fingerprint).map_err(said)?;
        let rt = runtime()?;
        let hello = rt.block_on(server.hello()).map_err(said)?;
        let firm_doc = hello["firm_document"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| {
                Invalid::new(
                    "server",
                    "this firm server holds no firm yet: set Satchel up on a partner's device and enrol it first, then join from here",
                )
            })?;
        let install_id = uuid::Uuid::now_v7().to_string();
        let db_key = DbKey::generate();
        // Seal first: a weak passphrase stops here, before the code is used.
        let envelope =
            satchel_store::envelope::Envelope::seal(&install_id, &db_key, join.passphrase, kdf)?;
        let key = DeviceKey::generate().map_err(said)?;
        let seed = DbKey::from_hex(&key.secret_hex())
            .ok_or_else(|| AppError::Document("a device key that is not 32 bytes".into()))?;
        let enrolled = rt
            .block_on(server.enrol(
                join.code,
                &device_name(join.device_name),
                &key,
                None,
                Some(&satchel_sync::protocol::Numbers::default()),
            ))
            .map_err(said)?;
        let got = rt
            .block_on(satchel_sync::exchange(
                &server,
                &enrolled.device_id,
                Arc::new(key),
                Vec::new(),
                vec![repo_id(&firm_doc)],
                PER_DOCUMENT,
                &|_, _| {},
            ))
            .map_err(said)?;
        let bytes = got
            .fetched
            .into_iter()
            .map(|(_, b)| b)
            .next()
            .ok_or_else(|| {
                Invalid::new(
                    "server",
                    "the firm's document did not come from the server; try again",
                )
            })?;
        let doc = automerge::AutoCommit::load(&bytes)?;
        if docs::identify(&doc, &firm_doc).map(|(_, k)| k).as_deref() != Some(docs::KIND_FIRM) {
            return Err(AppError::Document(
                "the server's firm document is not a firm's".into(),
            ));
        }
        let firm: docs::FirmDoc = autosurgeon::hydrate(&doc)?;
        let (user_id, user) = firm
            .users
            .iter()
            .find(|(_, u)| u.initials.eq_ignore_ascii_case(&enrolled.initials))
            .ok_or_else(|| {
                Invalid::new(
                    "code",
                    format!(
                        "the firm's records do not list {} yet: a partner adds them in Satchel (the same initials), syncs, and gives you a new code",
                        enrolled.initials
                    ),
                )
            })?;
        create_private_dir(data_dir)?;
        let result = (|| {
            envelope.write(&envelope_path(data_dir))?;
            let store = satchel_store::Store::create(&db_path(data_dir), &db_key)?;
            let ctx = Ctx {
                install_id: install_id.clone(),
                device_id: uuid::Uuid::now_v7(),
                user_id: user_id.clone(),
                user_name: user.name.clone(),
                initials: user.initials.clone(),
                role: Role::parse(&user.role)?,
                firm_name: firm.firm_name.clone(),
                firm_doc: firm_doc.clone(),
            };
            let mut satchel = Satchel {
                store,
                ctx: ctx.clone(),
                data_dir: data_dir.to_owned(),
                keyring_ok: false,
                keyring_name: vault.describe(),
                party_index: Default::default(),
                party_loader: Default::default(),
                key: db_key.clone(),
            };
            let device = enrolled.device_id.clone();
            satchel.write("store.join", &format!("firm:{firm_doc}"), |tx, at, _| {
                for (k, v) in [
                    ("install_id", ctx.install_id.as_str()),
                    ("device_id", &ctx.device_id.to_string()),
                    ("user_id", ctx.user_id.as_str()),
                    ("firm_doc", ctx.firm_doc.as_str()),
                    (ADDRESS, join.address.trim()),
                    (FINGERPRINT, join.fingerprint.trim()),
                    (DEVICE, device.as_str()),
                ] {
                    set_meta(tx, k, v)?;
                }
                tx.execute(
                    "INSERT INTO documents (id, kind, snapshot, updated_at) VALUES (?1, ?2, ?3, ?4)",
                    params![ctx.firm_doc, docs::KIND_FIRM, bytes, at.to_string()],
                )?;
                projection::firm(tx, &firm)?;
                // A new store holds no numbers but the blocks the server gave it.
                tx.execute("DELETE FROM number_blocks", [])?;
                tx.execute("DELETE FROM bill_number_blocks", [])?;
                settle_numbers(tx, Some(&[]), &enrolled.numbers)?;
                Ok(serde_json::json!({
                    "firm": ctx.firm_name,
                    "user": ctx.user_name,
                    "server": join.address.trim(),
                    "device": device,
                }))
            })?;
            Ok::<_, AppError>(satchel)
        })();
        let mut satchel = match result {
            Ok(s) => s,
            Err(e) => {
                remove_store_files(data_dir);
                return Err(e);
            }
        };
        vault
            .save(&device_key_slot(&install_id), &seed)
            .map_err(|e| {
                AppError::Locked(format!("the device key could not go into the keyring: {e}"))
            })?;
        satchel.keyring_ok = vault.save(&install_id, &db_key).is_ok();
        Ok(satchel)
    }
}
