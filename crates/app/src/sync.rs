//! The firm server, from this device: enrolment (the device key kept in the keyring; the
//! server's address, pinned certificate fingerprint and this device's id in the store's
//! own settings) and one sync — every document exchanged with the server
//! (`satchel_sync::exchange`) and what came back merged (`merge_documents`).

use crate::vault::{KeyVault, device_key_slot};
use crate::{AppError, Replica, Satchel, docs};
use satchel_api as api;
use satchel_core::Invalid;
use satchel_store::DbKey;
use satchel_store::rusqlite::{OptionalExtension, params};
use satchel_sync::samod_id;
use satchel_sync::{DeviceKey, Server, SyncError, repo_id};
use std::sync::Arc;
use std::time::Duration;

const ADDRESS: &str = "server_address";
const FINGERPRINT: &str = "server_fingerprint";
const DEVICE: &str = "server_device_id";
/// When this device last finished a sync.
const LAST_SYNC: &str = "last_sync_at";

/// How long one document may take to come into step with the server.
const PER_DOCUMENT: Duration = Duration::from_secs(10);

fn runtime() -> Result<tokio::runtime::Runtime, AppError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(AppError::Io)
}

/// A refusal or failure of the server, in words for the person at the device.
fn said(e: SyncError) -> AppError {
    Invalid::new("server", e.to_string()).into()
}

impl Satchel {
    /// The firm server this device is enrolled with, if any.
    pub fn server_settings(&self) -> Result<Option<api::ServerSettings>, AppError> {
        let conn = self.store.conn();
        let get = |k: &str| -> Result<Option<String>, AppError> {
            Ok(conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
                .optional()?)
        };
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
        device_name: &str,
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
        let enrolled = runtime()?
            .block_on(server.enrol(code, device_name, &key))
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
                    tx.execute(
                        "INSERT INTO meta (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        params![k, v],
                    )?;
                }
                Ok(serde_json::json!({ "server": s.address, "as": enrolled.initials }))
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
    pub fn sync_job(&self, vault: &dyn KeyVault) -> Result<SyncJob, AppError> {
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
        let kinds: Vec<(String, String)> = self.document_ids()?;
        let documents = kinds
            .iter()
            .map(|(id, _)| self.replica_of(id).map(|r| (r.doc_id, r.bytes)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SyncJob {
            settings,
            key: Arc::new(key),
            kinds,
            documents,
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
        let mut replicas: Vec<Replica> = got
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
        let mut arrived = 0u64;
        for (id, bytes) in got.fetched {
            let doc = automerge::AutoCommit::load(&bytes)?;
            // A document names itself (its kind and id); the name must give the id it came
            // under, so that no document can arrive as another.
            match docs::identify(&doc, &self.ctx.firm_doc) {
                Some((local, kind)) if repo_id(&local) == id => {
                    arrived += 1;
                    replicas.push(Replica {
                        doc_id: local,
                        kind,
                        bytes,
                    });
                }
                _ => {
                    return Err(AppError::Document(format!(
                        "the server sent document {id}, which does not say what it is"
                    )));
                }
            }
        }
        let changed = self.merge_documents(&replicas)?;
        // From now: what this merge wrote is in step with the server, not waiting.
        let when = jiff::Timestamp::now().to_string();
        self.store.conn().execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![LAST_SYNC, when],
        )?;
        Ok(api::SyncReport {
            documents: sent as u64,
            changed_here: changed as u64,
            arrived,
            not_shared: got.not_shared.len() as u64,
        })
    }

    /// When this device last finished a sync, and how many of its documents changed here
    /// since (the changes waiting to go to the server).
    pub fn sync_backlog(&self) -> Result<(Option<String>, u64), AppError> {
        let conn = self.store.conn();
        let last: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [LAST_SYNC], |r| {
                r.get(0)
            })
            .optional()?;
        let waiting: i64 = match &last {
            Some(at) => conn.query_row(
                "SELECT count(*) FROM documents WHERE updated_at > ?1",
                [at],
                |r| r.get(0),
            )?,
            None => conn.query_row("SELECT count(*) FROM documents", [], |r| r.get(0))?,
        };
        Ok((last, u64::try_from(waiting).unwrap_or(0)))
    }
}

/// One sync's work that needs no store: the documents as they were when it started, the
/// server, the device key.
pub struct SyncJob {
    settings: api::ServerSettings,
    key: Arc<DeviceKey>,
    kinds: Vec<(String, String)>,
    documents: Vec<(String, Vec<u8>)>,
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
            let wanted: Vec<samod_id::DocumentId> = server
                .documents(&self.settings.device_id, &self.key)
                .await?
                .into_iter()
                .filter(|d| !held.contains(d))
                .collect();
            satchel_sync::exchange(
                &server,
                &self.settings.device_id,
                self.key.clone(),
                self.documents.clone(),
                wanted,
                PER_DOCUMENT,
                progress,
            )
            .await
        })
    }
}
