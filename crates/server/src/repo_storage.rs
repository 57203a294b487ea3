//! samod's storage, kept in a [`ServerStore`]: its keys (`<document>/snapshot/<hash>`,
//! `<document>/incremental/<hash>`, `storage-adapter-id`) are the chunks' keys, joined with
//! `/` (samod guarantees no component holds one).

use crate::storage::ServerStore;
use samod::storage::StorageKey;
use std::collections::HashMap;
use std::future::Future;

#[derive(Clone, Debug)]
pub struct RepoStorage<S>(pub S);

fn key_text(key: &StorageKey) -> String {
    key.into_iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("/")
}

impl<S: ServerStore> samod::storage::Storage for RepoStorage<S> {
    fn load(&self, key: StorageKey) -> impl Future<Output = Option<Vec<u8>>> + Send {
        let store = self.0.clone();
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
        let store = self.0.clone();
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
        let store = self.0.clone();
        async move {
            if let Err(e) = store.put_chunk(key_text(&key), data).await {
                tracing::error!("writing {key}: {e}");
            }
        }
    }

    fn delete(&self, key: StorageKey) -> impl Future<Output = ()> + Send {
        let store = self.0.clone();
        async move {
            if let Err(e) = store.delete_chunk(key_text(&key)).await {
                tracing::error!("deleting {key}: {e}");
            }
        }
    }
}
