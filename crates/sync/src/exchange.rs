//! One exchange of a device's documents with the server: what the device holds goes up,
//! what others did to those documents comes down. The device's documents are lent to a
//! samod repository for the exchange (its storage reads them from the device, and keeps
//! nothing); afterwards each document is handed back whole, for the device to merge into
//! its own store. Documents the server will not share with this device (no grant) are
//! reported, not waited for.

use crate::{DeviceDialer, DeviceKey, Server, SyncError};
use futures::StreamExt;
use samod::storage::StorageKey;
use samod::{DocumentId, PeerId};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A document lent to the exchange, and what came back (none: not shared).
type Held = (String, Option<Vec<u8>>);

/// How many documents are brought into step at once.
const AT_ONCE: usize = 64;

/// The automerge-repo id of a device's document: a UUID's own 16 bytes, or the first 16
/// bytes of the SHA-256 of any other id (the bank documents' `bank-…` ids), so every
/// device names a document the same way.
pub fn repo_id(local_id: &str) -> DocumentId {
    let bytes = match uuid::Uuid::parse_str(local_id) {
        Ok(u) => u.as_bytes().to_vec(),
        Err(_) => Sha256::digest(local_id.as_bytes())[..16].to_vec(),
    };
    // 16 bytes always make a document id.
    DocumentId::try_from(bytes).unwrap_or_else(|_| unreachable_id())
}

#[allow(clippy::panic)]
fn unreachable_id() -> DocumentId {
    panic!("16 bytes are a document id")
}

/// The device's documents, served to samod for loading; what samod writes is kept only in
/// memory for the length of the exchange.
/// Kept in key order, so that a document's chunks are one short range however many
/// documents are lent (a first sync lends tens of thousands).
#[derive(Clone, Default)]
struct Lent(Arc<Mutex<BTreeMap<String, Vec<u8>>>>);

fn key_text(key: &StorageKey) -> String {
    key.into_iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("/")
}

impl samod::storage::Storage for Lent {
    fn load(&self, key: StorageKey) -> impl Future<Output = Option<Vec<u8>>> + Send {
        let found = self
            .0
            .lock()
            .ok()
            .and_then(|m| m.get(&key_text(&key)).cloned());
        async move { found }
    }

    fn load_range(
        &self,
        prefix: StorageKey,
    ) -> impl Future<Output = HashMap<StorageKey, Vec<u8>>> + Send {
        let start = format!("{}/", key_text(&prefix));
        let found: HashMap<StorageKey, Vec<u8>> = self
            .0
            .lock()
            .map(|m| {
                m.range(start.clone()..)
                    .take_while(|(k, _)| k.starts_with(&start))
                    .filter_map(|(k, v)| {
                        StorageKey::from_parts(k.split('/'))
                            .ok()
                            .map(|k| (k, v.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        async move { found }
    }

    fn put(&self, key: StorageKey, data: Vec<u8>) -> impl Future<Output = ()> + Send {
        if let Ok(mut m) = self.0.lock() {
            m.insert(key_text(&key), data);
        }
        async {}
    }

    fn delete(&self, key: StorageKey) -> impl Future<Output = ()> + Send {
        if let Ok(mut m) = self.0.lock() {
            m.remove(&key_text(&key));
        }
        async {}
    }
}

/// What an exchange gave back.
#[derive(Debug, Default)]
pub struct Exchanged {
    /// (local id, the document whole after the exchange).
    pub documents: Vec<(String, Vec<u8>)>,
    /// Local ids the server would not take or give (not shared with this device's user).
    pub not_shared: Vec<String>,
    /// Documents this device did not hold, asked for and received: (id, the document).
    pub fetched: Vec<(DocumentId, Vec<u8>)>,
    /// Documents to fetch whole that were left for the merge to fetch as it reads (a
    /// first sync's thousands).
    pub to_fetch: Vec<DocumentId>,
    /// Where the server's history stood when this sync asked what changed (the next
    /// sync's starting point); none when the server did not know the device's cursor (the
    /// next sync is then a full one).
    pub cursor: Option<crate::protocol::Cursor>,
    /// Blocks of numbers the server gave this device during the sync.
    pub numbers: crate::protocol::Numbers,
    /// Whether the server took the numbers this device said it keeps.
    pub numbers_kept: bool,
    /// The last of this device's audit events the server holds, after this sync sent it
    /// the rest.
    pub audit_sent: Option<i64>,
    /// Why the server would not take the audit events sent (a missing or broken link).
    pub audit_refused: Option<String>,
    /// Documents destroyed for good elsewhere (an erasure) that this device holds: it
    /// drops them before merging.
    pub erased: Vec<DocumentId>,
    /// Whether the server was told of this device's erasures (all that were waiting).
    pub erasures_told: bool,
    /// Why the server would not take them.
    pub erase_refused: Option<String>,
}

/// Exchange `documents` (local id, the document saved whole) with the server as device
/// `device_id`, and fetch the `wanted` documents this device does not hold. Each document
/// has `per_document` to be in step with the server; `progress(done, of)` is told after
/// each.
pub async fn exchange(
    server: &Server,
    device_id: &str,
    key: Arc<DeviceKey>,
    documents: Vec<(String, Vec<u8>)>,
    wanted: Vec<DocumentId>,
    per_document: Duration,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<Exchanged, SyncError> {
    let of = (documents.len() + wanted.len()) as u64;
    let lent = Lent::default();
    let mut ids = Vec::with_capacity(documents.len());
    if let Ok(mut m) = lent.0.lock() {
        for (local, bytes) in documents {
            let id = repo_id(&local);
            m.insert(format!("{id}/snapshot/device"), bytes);
            ids.push((local, id));
        }
    }
    let repo = samod::Repo::build_tokio()
        .with_storage(lent)
        .with_peer_id(PeerId::from(device_id))
        .load()
        .await;
    let dialer = repo
        .dial(
            samod::BackoffConfig {
                initial_delay: Duration::from_millis(100),
                max_delay: Duration::from_secs(2),
                max_retries: Some(3),
            },
            Arc::new(DeviceDialer {
                server: server.clone(),
                device_id: device_id.to_owned(),
                key,
            }),
        )
        .map_err(|e| SyncError::Bad(e.to_string()))?;
    let outcome = async {
        dialer.established().await.map_err(|e| match e {
            samod::DialerFailed::PermanentFailure(e) => e.copy(),
            samod::DialerFailed::MaxRetriesReached => SyncError::Unreachable {
                url: server.base.to_string(),
                why: "no connection after four tries".into(),
            },
        })?;
        // Many documents at once: each waits on round trips to the server, not on this
        // machine, so a first sync of thousands is bounded by the network and the server.
        let done = AtomicU64::new(0);
        let tick = || {
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress(n, of);
        };
        let held: Vec<Result<Held, SyncError>> = futures::stream::iter(ids)
            .map(|(local, id)| {
                let repo = &repo;
                let tick = &tick;
                async move {
                    let found = repo
                        .find(id)
                        .await
                        .map_err(|e| SyncError::Bad(e.to_string()))?;
                    let bytes = match found {
                        Some(handle) if in_step(&handle, per_document).await => {
                            Some(handle.with_document(|d| d.save()))
                        }
                        _ => None,
                    };
                    tick();
                    Ok((local, bytes))
                }
            })
            .buffer_unordered(AT_ONCE)
            .collect()
            .await;
        let mut out = Exchanged::default();
        for r in held {
            match r? {
                (local, Some(bytes)) => out.documents.push((local, bytes)),
                (local, None) => out.not_shared.push(local),
            }
        }
        let fetched: Vec<Option<(DocumentId, Vec<u8>)>> = futures::stream::iter(wanted)
            .map(|id| {
                let repo = &repo;
                let tick = &tick;
                async move {
                    let found = tokio::time::timeout(per_document, repo.find(id.clone())).await;
                    let got = match found {
                        Ok(Ok(Some(handle))) if in_step(&handle, per_document).await => {
                            Some((id, handle.with_document(|d| d.save())))
                        }
                        _ => None,
                    };
                    tick();
                    got
                }
            })
            .buffer_unordered(AT_ONCE)
            .collect()
            .await;
        out.fetched = fetched.into_iter().flatten().collect();
        Ok::<_, SyncError>(out)
    }
    .await;
    repo.stop().await;
    outcome
}

/// Wait until the server has this document's changes and we have the server's.
async fn in_step(handle: &samod::DocHandle, limit: Duration) -> bool {
    tokio::time::timeout(limit, async {
        let conn = loop {
            if let Some(conn) = handle.peers().0.keys().next().copied() {
                break conn;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        handle.they_have_our_changes(conn).await;
        handle.we_have_their_changes(conn).await;
    })
    .await
    .is_ok()
}
