//! samod's storage, kept in a [`ServerStore`]: its keys (`<document>/snapshot/<hash>`,
//! `<document>/incremental/<hash>`, `storage-adapter-id`) are the chunks' keys, joined with
//! `/` (samod guarantees no component holds one). Each chunk stored is told, by its
//! document's id, to whoever listens (the server's books, [`crate::confirm`]).

use crate::storage::ServerStore;
use samod::storage::StorageKey;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

/// Whether the server can store what devices send: the first write that failed (a full
/// disk, a database at its size limit), kept until the server restarts — a smaller write
/// succeeding later does not mean there is room for what failed. Meanwhile the server takes
/// no new sync connections and says why; devices keep their work and send it to the
/// restarted server.
#[derive(Clone, Debug, Default)]
pub struct Health(Arc<Mutex<Option<String>>>);

impl Health {
    pub fn failing(&self) -> Option<String> {
        self.0.lock().ok().and_then(|g| g.clone())
    }

    fn fail(&self, why: String) {
        if let Ok(mut g) = self.0.lock()
            && g.is_none()
        {
            *g = Some(why);
        }
    }
}

#[derive(Clone, Debug)]
pub struct RepoStorage<S> {
    store: S,
    stored: Option<tokio::sync::mpsc::UnboundedSender<String>>,
    health: Health,
}

impl<S> RepoStorage<S> {
    /// samod's storage in `store`; the id of each document a chunk is stored for is sent
    /// to `stored`; whether writes succeed is kept in `health`.
    pub fn new(
        store: S,
        stored: Option<tokio::sync::mpsc::UnboundedSender<String>>,
        health: Health,
    ) -> Self {
        RepoStorage {
            store,
            stored,
            health,
        }
    }
}

fn key_text(key: &StorageKey) -> String {
    key.into_iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("/")
}

impl<S: ServerStore> samod::storage::Storage for RepoStorage<S> {
    fn load(&self, key: StorageKey) -> impl Future<Output = Option<Vec<u8>>> + Send {
        let store = self.store.clone();
        async move {
            match store.chunk(key_text(&key)).await {
                Ok(data) => data,
                Err(e) => {
                    tracing::error!("reading {key}: {e}");
                    None
                }
            }
        }
    }

    fn load_range(
        &self,
        prefix: StorageKey,
    ) -> impl Future<Output = HashMap<StorageKey, Vec<u8>>> + Send {
        let store = self.store.clone();
        async move {
            match store.chunks_under(key_text(&prefix)).await {
                Ok(rows) => rows
                    .into_iter()
                    .filter_map(|(k, v)| StorageKey::from_parts(k.split('/')).ok().map(|k| (k, v)))
                    .collect(),
                Err(e) => {
                    tracing::error!("reading under {prefix}: {e}");
                    HashMap::new()
                }
            }
        }
    }

    fn put(&self, key: StorageKey, data: Vec<u8>) -> impl Future<Output = ()> + Send {
        let store = self.store.clone();
        let stored = self.stored.clone();
        let health = self.health.clone();
        async move {
            if let Err(e) = store.put_chunk(key_text(&key), data).await {
                tracing::error!(
                    "writing {key}: {e}; no new sync connections until the server is restarted with room"
                );
                health.fail(e.to_string());
            }
            if let Some(tx) = &stored
                && health.failing().is_none()
            {
                let mut parts = key.into_iter();
                // A document's chunk (`<document>/…`), not the adapter's own id.
                if let (Some(doc), Some(_)) = (parts.next(), parts.next()) {
                    let _ = tx.send(doc.clone());
                }
            }
        }
    }

    fn delete(&self, key: StorageKey) -> impl Future<Output = ()> + Send {
        let store = self.store.clone();
        async move {
            if let Err(e) = store.delete_chunk(key_text(&key)).await {
                tracing::error!("deleting {key}: {e}");
            }
        }
    }
}
