//! Who may see and change which document: the server's share policy, asked by samod for
//! every document and connected device. A revoked or unknown device gets nothing; an admin's
//! or a partner's devices may edit everything; anyone else gets what they were granted on
//! that document (read or download: changes sent to them, theirs ignored; edit: both) and
//! otherwise nothing — a request is answered `doc-unavailable`, and a document they bring
//! is not taken (a fee earner's new matter needs a grant until the desktop's sync tells
//! the server who opened it: issue 5's next step). Every decision is a stream: when grants, devices or users change (`access_version` moves,
//! polled each second), each connected device's access is decided again at once.

use crate::storage::{Access, ServerStore};
use samod::{DocumentId, PeerId, ShareConfig};
use std::time::Duration;
use tokio::sync::watch;

/// How often the server looks for changed grants (made by the admin's commands, which may
/// run in another process).
pub const POLL: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct Policy<S> {
    store: S,
    version: watch::Receiver<i64>,
}

impl<S> std::fmt::Debug for Policy<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Policy")
    }
}

impl<S: ServerStore> Policy<S> {
    /// The policy, and the task that watches for changes to who may see what.
    pub async fn new(store: S) -> Policy<S> {
        let first = store.access_version().await.unwrap_or(0);
        let (tx, rx) = watch::channel(first);
        let watched = store.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(POLL).await;
                match watched.access_version().await {
                    Ok(v) => {
                        tx.send_if_modified(|old| {
                            let moved = *old != v;
                            *old = v;
                            moved
                        });
                        if tx.is_closed() {
                            return;
                        }
                    }
                    Err(e) => tracing::error!("reading the grants: {e}"),
                }
            }
        });
        Policy { store, version: rx }
    }
}

/// What a device may do with a document now.
pub async fn decide<S: ServerStore>(store: &S, doc: &DocumentId, peer: &PeerId) -> ShareConfig {
    match decide_inner(store, doc, peer).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("deciding access to {doc} for {peer}: {e}");
            ShareConfig::none()
        }
    }
}

async fn decide_inner<S: ServerStore>(
    store: &S,
    doc: &DocumentId,
    peer: &PeerId,
) -> Result<ShareConfig, crate::storage::StoreError> {
    let Some(device) = store.device(peer.as_str().to_owned()).await? else {
        return Ok(ShareConfig::none());
    };
    if device.revoked_at.is_some() {
        return Ok(ShareConfig::none());
    }
    let Some(user) = store
        .users()
        .await?
        .into_iter()
        .find(|u| u.id == device.user_id)
    else {
        return Ok(ShareConfig::none());
    };
    if matches!(user.role.as_str(), "admin" | "partner") {
        return Ok(ShareConfig::read_write());
    }
    let doc_id = doc.to_string();
    match store.grant(user.id.clone(), doc_id.clone()).await? {
        Some(Access::Edit) => Ok(ShareConfig::read_write()),
        Some(Access::Read | Access::Download) => Ok(ShareConfig::read_only()),
        None => Ok(ShareConfig::none()),
    }
}

impl<S: ServerStore> samod::SharePolicy for Policy<S> {
    fn share(
        &self,
        doc_id: DocumentId,
        peer_id: PeerId,
    ) -> impl futures::Stream<Item = ShareConfig> + Send + 'static {
        let store = self.store.clone();
        let rx = self.version.clone();
        futures::stream::unfold(
            (store, rx, true, doc_id, peer_id),
            |(store, mut rx, first, doc, peer)| async move {
                if !first && rx.changed().await.is_err() {
                    return None;
                }
                let config = decide(&store, &doc, &peer).await;
                Some((config, (store, rx, false, doc, peer)))
            },
        )
    }
}
