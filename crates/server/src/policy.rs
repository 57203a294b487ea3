//! Who may see and change which document: the server's share policy, asked by samod for
//! every document and connected device. A revoked or unknown device gets nothing; an admin's
//! or a partner's devices may edit everything; anyone else gets what they were granted on
//! that document (read or download: changes sent to them, theirs ignored; edit: both) and
//! otherwise nothing — a request is answered `doc-unavailable`, and a document they bring
//! is not taken. A device claims the new documents it made before it syncs them
//! (`/api/claim`): one the server does not hold yet is granted to its user to edit, so a
//! fee earner's new matter reaches the server and is theirs to work on.
//!
//! The firm's document (users, bank accounts, settings) is every device's to read, and
//! all but read-only users' to change.
//!
//! Decisions are made in memory, from a snapshot of the users, devices and grants taken
//! whenever `access_version` moves (polled each second, since the admin's commands may run
//! in another process). Every decision is a stream: when the snapshot changes, each
//! connected device's access to each document is decided again at once.

use crate::storage::{Access, ServerStore};
use samod::{DocumentId, PeerId, ShareConfig};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How often the server looks for changed grants.
pub const POLL: Duration = Duration::from_secs(1);

/// Who may see what, at one access version.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Live (not revoked) devices → their user's id.
    devices: HashMap<String, String>,
    /// User id → role.
    roles: HashMap<String, String>,
    /// (user id, document id) → access.
    grants: HashMap<(String, String), Access>,
    /// The firm's document (its automerge-repo id), which every device may read.
    firm: Option<String>,
    /// Documents destroyed for good: no one may have them.
    erased: std::collections::HashSet<String>,
}

impl Snapshot {
    pub async fn load<S: ServerStore>(store: &S) -> Result<Snapshot, crate::storage::StoreError> {
        let erased = store.erased_documents().await?;
        Ok(Snapshot {
            devices: store
                .devices()
                .await?
                .into_iter()
                .filter(|d| d.revoked_at.is_none())
                .map(|d| (d.id, d.user_id))
                .collect(),
            roles: store
                .users()
                .await?
                .into_iter()
                .map(|u| (u.id, u.role))
                .collect(),
            grants: store
                .grants()
                .await?
                .into_iter()
                .map(|(u, d, a)| ((u, d), a))
                .collect(),
            firm: store
                .firm_document()
                .await?
                .map(|local| satchel_sync::repo_id(&local).to_string()),
            erased: erased.into_iter().collect(),
        })
    }

    /// Whether a document was destroyed for good.
    pub fn is_erased(&self, doc_id: &str) -> bool {
        self.erased.contains(doc_id)
    }

    /// Every document destroyed for good.
    pub fn erased(&self) -> impl Iterator<Item = &String> {
        self.erased.iter()
    }

    /// What a device may do with a document. The server never announces documents: a
    /// device asks for those it wants (or brings its own), and then receives their changes;
    /// announcing every document to every device would cost each connection the whole firm.
    pub fn decide(&self, doc: &DocumentId, peer: &PeerId) -> ShareConfig {
        self.access(doc, peer).with_announce(false)
    }

    fn access(&self, doc: &DocumentId, peer: &PeerId) -> ShareConfig {
        match self.access_of(peer.as_str(), &doc.to_string()) {
            Some(Access::Edit) => ShareConfig::read_write(),
            Some(Access::Read | Access::Download) => ShareConfig::read_only(),
            None => ShareConfig::none(),
        }
    }

    /// The user a live device belongs to, if that user may create documents (anyone but a
    /// read-only user; admins and partners edit everything anyway).
    pub fn creator(&self, device_id: &str) -> Option<&str> {
        let user = self.devices.get(device_id)?;
        match self.roles.get(user)?.as_str() {
            "fee_earner" | "cashier" => Some(user),
            _ => None,
        }
    }

    /// What a device may do with a document, by their ids: an admin's or a partner's
    /// device edits everything; anyone else's has what its user was granted; a revoked or
    /// unknown device nothing. The one place the rule is written.
    pub fn access_of(&self, device_id: &str, doc_id: &str) -> Option<Access> {
        if self.erased.contains(doc_id) {
            return None;
        }
        let user = self.devices.get(device_id)?;
        let role = self.roles.get(user)?.as_str();
        let firm = self.firm.as_deref() == Some(doc_id);
        match role {
            "admin" | "partner" => Some(Access::Edit),
            // The firm's document (its users, accounts, settings) is everyone's to read;
            // all but read-only users change it (their own rate, a bank account).
            "read_only" if firm => Some(Access::Read),
            _ if firm => Some(Access::Edit),
            _ => self.grants.get(&(user.clone(), doc_id.to_owned())).copied(),
        }
    }
}

#[derive(Clone)]
pub struct Policy {
    snapshot: watch::Receiver<Arc<Snapshot>>,
    update: Arc<watch::Sender<Arc<Snapshot>>>,
}

impl Policy {
    /// The current snapshot, for the server's other decisions (the document list).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.borrow().clone()
    }

    /// Take a new snapshot now (a device just enrolled here: it may sync at once).
    pub async fn reload<S: ServerStore>(
        &self,
        store: &S,
    ) -> Result<(), crate::storage::StoreError> {
        let s = Snapshot::load(store).await?;
        self.update.send_replace(Arc::new(s));
        Ok(())
    }
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Policy")
    }
}

impl Policy {
    /// The policy, and the task that takes a new snapshot whenever who may see what changes.
    pub async fn new<S: ServerStore>(store: S) -> Result<Policy, crate::storage::StoreError> {
        let mut version = store.access_version().await?;
        let (tx, rx) = watch::channel(Arc::new(Snapshot::load(&store).await?));
        let tx = Arc::new(tx);
        let update = tx.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(POLL).await;
                if tx.is_closed() {
                    return;
                }
                match store.access_version().await {
                    Ok(v) if v != version => match Snapshot::load(&store).await {
                        Ok(s) => {
                            version = v;
                            let _ = tx.send(Arc::new(s));
                        }
                        Err(e) => tracing::error!("reading the grants: {e}"),
                    },
                    Ok(_) => {}
                    Err(e) => tracing::error!("reading the grants: {e}"),
                }
            }
        });
        Ok(Policy {
            snapshot: rx,
            update,
        })
    }
}

impl samod::SharePolicy for Policy {
    fn share(
        &self,
        doc_id: DocumentId,
        peer_id: PeerId,
    ) -> impl futures::Stream<Item = ShareConfig> + Send + 'static {
        let rx = self.snapshot.clone();
        futures::stream::unfold(
            (rx, true, doc_id, peer_id),
            |(mut rx, first, doc, peer)| async move {
                if !first && rx.changed().await.is_err() {
                    return None;
                }
                let config = rx.borrow_and_update().decide(&doc, &peer);
                Some((config, (rx, false, doc, peer)))
            },
        )
    }
}
