//! A device's side of talking to the firm server (`satchel-server`): the server's
//! certificate pinned by its SHA-256 fingerprint (given to the device at enrolment, so a
//! self-signed certificate is safe and any other is refused), enrolment with a one-time
//! code, the device key (Ed25519; the private half lives in the device's keyring) and the
//! signed challenge that opens every sync connection, and a samod [`samod::Dialer`] that
//! does all of that on each (re)connection; and the Automerge documents' schema ([`schema`]),
//! which devices and the server both read.
#![forbid(unsafe_code)]

mod exchange;
mod pinned;
pub mod protocol;
pub mod schema;
pub mod whole;
mod ws;

pub use exchange::{Exchanged, exchange, repo_id};
/// The automerge-repo document id type, for callers that keep lists of them.
pub mod samod_id {
    pub use samod::DocumentId;
}
pub use pinned::PinnedCertificate;
pub use protocol::{Enrolment, fingerprint};
pub use tokio_tungstenite::tungstenite::Message;
pub use ws::Socket;

use ed25519_dalek::{Signer, SigningKey};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

/// The server's peer id in the sync protocol; a server claiming another is dropped.
pub const SERVER_PEER_ID: &str = "satchel-server";

/// How long a request to the server may take before the device gives up on it.
const TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{0}")]
    Refused(String),
    #[error("the server at {url} cannot be reached: {why}")]
    Unreachable { url: String, why: String },
    /// The server is up but cannot take changes now (it cannot store them); tried again
    /// later, like an unreachable server.
    #[error("{0}")]
    Unavailable(String),
    #[error(
        "the server's certificate does not match the fingerprint this device was given: it has fingerprint {got}, not {expected}; nothing was sent"
    )]
    WrongCertificate { expected: String, got: String },
    #[error("{0}")]
    Bad(String),
    /// The firm's administrator revoked this device.
    #[error("{0}")]
    Revoked(String),
}

impl SyncError {
    /// The same error (the dialer hands it back shared).
    pub fn copy(&self) -> SyncError {
        match self {
            SyncError::Refused(m) => SyncError::Refused(m.clone()),
            SyncError::Unreachable { url, why } => SyncError::Unreachable {
                url: url.clone(),
                why: why.clone(),
            },
            SyncError::WrongCertificate { expected, got } => SyncError::WrongCertificate {
                expected: expected.clone(),
                got: got.clone(),
            },
            SyncError::Bad(m) => SyncError::Bad(m.clone()),
            SyncError::Revoked(m) => SyncError::Revoked(m.clone()),
            SyncError::Unavailable(m) => SyncError::Unavailable(m.clone()),
        }
    }
}

/// What a refusing answer means, with the server's words (`{"error": …}`) where it gave
/// them: 410 a revoked device, 503 a server that cannot take changes now (try later),
/// anything else a refusal.
pub(crate) fn refusal(status: u16, body: &[u8]) -> SyncError {
    let why = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("HTTP {status}"));
    match status {
        410 => SyncError::Revoked(format!("the server refused: {why}")),
        503 => SyncError::Unavailable(why),
        _ => SyncError::Refused(format!("the server refused: {why}")),
    }
}

/// A device's key: Ed25519. `Debug` never shows it.
pub struct DeviceKey(SigningKey);

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeviceKey(public {})", self.public_hex())
    }
}

impl DeviceKey {
    pub fn generate() -> Result<DeviceKey, SyncError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|e| SyncError::Bad(e.to_string()))?;
        Ok(DeviceKey(SigningKey::from_bytes(&seed)))
    }

    /// The private half as hex, for the keyring. The caller must not log it.
    pub fn secret_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.to_bytes()))
    }

    pub fn from_secret_hex(text: &str) -> Option<DeviceKey> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), bytes.as_mut()).ok()?;
        Some(DeviceKey(SigningKey::from_bytes(&bytes)))
    }

    pub fn public_hex(&self) -> String {
        hex::encode(self.0.verifying_key().to_bytes())
    }

    /// The signature that answers the server's challenge.
    pub fn answer(&self, device_id: &str, nonce: &str) -> String {
        let message = protocol::challenge_message(device_id, nonce);
        hex::encode(self.0.sign(&message).to_bytes())
    }
}

/// What a device may have, as the server answered (see [`Server::listing`]).
#[derive(Debug, Clone)]
pub struct Listing {
    /// Every document it may have (when asked without a cursor, or when who may see what
    /// changed since it).
    pub all: Option<Vec<samod::DocumentId>>,
    /// Those changed since the cursor it gave.
    pub changed: Option<Vec<samod::DocumentId>>,
    /// Of the documents it is about to send, those the server does not hold.
    pub not_held: Vec<samod::DocumentId>,
    /// Where this answer leaves off: the next sync's `since`.
    pub cursor: protocol::Cursor,
    /// Documents destroyed for good since the cursor (all of them without one): dropped by
    /// a device that holds them.
    pub erased: Vec<samod::DocumentId>,
}

/// The firm server, as one device reaches it: its address and pinned certificate.
#[derive(Debug, Clone)]
pub struct Server {
    base: url::Url,
    pin: Arc<PinnedCertificate>,
    http: reqwest::Client,
}

impl Server {
    /// `address` is `https://host:port` (or `host:port`); `fingerprint` the SHA-256 the
    /// server printed (`AB:CD:…`, any case, colons optional).
    pub fn new(address: &str, fingerprint: &str) -> Result<Server, SyncError> {
        let address = address.trim();
        let text = if address.contains("://") {
            address.to_owned()
        } else {
            format!("https://{address}")
        };
        let base = url::Url::parse(&text)
            .map_err(|e| SyncError::Bad(format!("'{address}' is not a server address: {e}")))?;
        if base.scheme() != "https" {
            return Err(SyncError::Bad(format!(
                "'{address}': the server is reached over https only"
            )));
        }
        let pin = Arc::new(PinnedCertificate::new(fingerprint)?);
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(pin.client_config())
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| SyncError::Bad(e.to_string()))?;
        Ok(Server { base, pin, http })
    }

    fn url(&self, path: &str) -> Result<url::Url, SyncError> {
        self.base
            .join(path)
            .map_err(|e| SyncError::Bad(e.to_string()))
    }

    /// Turn a failed request into what the user should read.
    fn failed(&self, e: reqwest::Error) -> SyncError {
        if let Some(wrong) = self.pin.mismatch() {
            return wrong;
        }
        SyncError::Unreachable {
            url: self.base.to_string(),
            why: e.to_string(),
        }
    }

    async fn post<Q: Serialize, A: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        body: &Q,
    ) -> Result<A, SyncError> {
        let reply = self
            .binary(self.http.post(self.url(path)?).json(body))
            .await?;
        serde_json::from_slice(&reply).map_err(|e| SyncError::Bad(e.to_string()))
    }

    /// Enrol this device with a one-time code; the key's public half goes to the server,
    /// with the firm document of the store enrolling (none for a device joining the firm).
    pub async fn enrol(
        &self,
        code: &str,
        device_name: &str,
        key: &DeviceKey,
        firm_document: Option<&str>,
        numbers: Option<&protocol::Numbers>,
    ) -> Result<Enrolment, SyncError> {
        self.post(
            "/api/enrol",
            &protocol::EnrolRequest {
                code: code.to_owned(),
                device_name: device_name.to_owned(),
                public_key: key.public_hex(),
                firm_document: firm_document.map(str::to_owned),
                numbers: numbers.cloned(),
            },
        )
        .await
    }

    /// Tell the server the numbers this device keeps giving out itself.
    pub async fn keep_numbers(
        &self,
        device_id: &str,
        key: &DeviceKey,
        kept: &protocol::Numbers,
    ) -> Result<(), SyncError> {
        let (nonce, signature) = self.answered_challenge(device_id, key).await?;
        self.post(
            "/api/numbers/kept",
            &protocol::KeptNumbersRequest {
                device_id: device_id.to_owned(),
                nonce,
                signature,
                kept: kept.clone(),
            },
        )
        .await
    }

    /// Send this device's audit events that the server does not have yet (they continue
    /// the trail it holds); the server's last event of the trail after them.
    pub async fn send_audit(
        &self,
        device_id: &str,
        key: &DeviceKey,
        events: &[satchel_core::audit::StoredEvent],
    ) -> Result<i64, SyncError> {
        let (nonce, signature) = self.answered_challenge(device_id, key).await?;
        let reply: protocol::AuditReply = self
            .post(
                "/api/audit",
                &protocol::AuditRequest {
                    device_id: device_id.to_owned(),
                    nonce,
                    signature,
                    events: events.to_vec(),
                },
            )
            .await?;
        Ok(reply.seq)
    }

    /// Tell the server of documents destroyed here for good (with what replaced each):
    /// only an admin's or a partner's device may. Returns how many it destroyed now.
    pub async fn erase(
        &self,
        device_id: &str,
        key: &DeviceKey,
        erased: &[(samod::DocumentId, Option<samod::DocumentId>)],
    ) -> Result<usize, SyncError> {
        let (nonce, signature) = self.answered_challenge(device_id, key).await?;
        let reply: protocol::EraseReply = self
            .post(
                "/api/erase",
                &protocol::EraseRequest {
                    device_id: device_id.to_owned(),
                    nonce,
                    signature,
                    erased: erased
                        .iter()
                        .map(|(d, r)| (d.to_string(), r.as_ref().map(ToString::to_string)))
                        .collect(),
                },
            )
            .await?;
        Ok(reply.erased)
    }

    /// Who may do what with document `doc`, after setting `set` (initials, access) if
    /// given: only an admin's or a partner's device may ask.
    pub async fn grants(
        &self,
        device_id: &str,
        key: &DeviceKey,
        doc: &str,
        set: Option<(String, String)>,
    ) -> Result<Vec<(String, String)>, SyncError> {
        let (nonce, signature) = self.answered_challenge(device_id, key).await?;
        let reply: protocol::GrantsReply = self
            .post(
                "/api/grant",
                &protocol::GrantRequest {
                    device_id: device_id.to_owned(),
                    nonce,
                    signature,
                    doc: doc.to_owned(),
                    set,
                },
            )
            .await?;
        Ok(reply.grants)
    }

    /// Another block of numbers of `series` (`matters` or `bills`) for this device.
    pub async fn more_numbers(
        &self,
        device_id: &str,
        key: &DeviceKey,
        series: &str,
    ) -> Result<(u32, u32), SyncError> {
        let (nonce, signature) = self.answered_challenge(device_id, key).await?;
        self.post(
            "/api/numbers",
            &protocol::NumbersRequest {
                device_id: device_id.to_owned(),
                nonce,
                signature,
                series: series.to_owned(),
            },
        )
        .await
    }

    /// A fresh challenge for this device, answered with its key: (nonce, signature).
    async fn answered_challenge(
        &self,
        device_id: &str,
        key: &DeviceKey,
    ) -> Result<(String, String), SyncError> {
        let c: protocol::ChallengeReply = self
            .post(
                "/api/challenge",
                &protocol::ChallengeRequest {
                    device_id: device_id.to_owned(),
                },
            )
            .await?;
        let signature = key.answer(device_id, &c.nonce);
        Ok((c.nonce, signature))
    }

    /// Open a sync connection: ask for a challenge, answer it, upgrade to the WebSocket.
    pub async fn connect(
        &self,
        device_id: &str,
        key: &DeviceKey,
    ) -> Result<samod::Transport, SyncError> {
        let socket = self.open_socket(device_id, key).await?;
        Ok(ws::transport(socket).with_expected_peer_id(samod::PeerId::from(SERVER_PEER_ID)))
    }

    /// The authenticated WebSocket itself, before samod speaks on it.
    pub async fn open_socket(&self, device_id: &str, key: &DeviceKey) -> Result<Socket, SyncError> {
        let (nonce, signature) = self.answered_challenge(device_id, key).await?;
        let mut ws_url = self.url("/sync")?;
        ws_url
            .set_scheme("wss")
            .map_err(|()| SyncError::Bad("cannot make the sync address".into()))?;
        ws::open(
            &ws_url,
            &self.pin,
            &[
                (protocol::DEVICE_HEADER, device_id.to_owned()),
                (protocol::NONCE_HEADER, nonce),
                (protocol::SIGNATURE_HEADER, signature),
            ],
        )
        .await
    }

    /// The documents this device may have (their automerge-repo ids), as the server says
    /// after a fresh challenge: all it holds for an admin or a partner, else those granted.
    pub async fn documents(
        &self,
        device_id: &str,
        key: &DeviceKey,
    ) -> Result<Vec<samod::DocumentId>, SyncError> {
        Ok(self
            .listing(device_id, key, None, &[])
            .await?
            .all
            .unwrap_or_default())
    }

    /// What this device may have: every document when `since` is `None` (or who may see
    /// what changed since it), and those changed since `since`; and which of `held` (the
    /// documents it is about to send) the server lacks.
    pub async fn listing(
        &self,
        device_id: &str,
        key: &DeviceKey,
        since: Option<protocol::Cursor>,
        held: &[samod::DocumentId],
    ) -> Result<Listing, SyncError> {
        let (nonce, signature) = self.answered_challenge(device_id, key).await?;
        let reply: protocol::Listing = self
            .post(
                "/api/documents",
                &protocol::DocumentsRequest {
                    device_id: device_id.to_owned(),
                    nonce,
                    signature,
                    since,
                    held: held.iter().map(ToString::to_string).collect(),
                },
            )
            .await?;
        let ids = |v: Vec<String>| -> Vec<samod::DocumentId> {
            v.iter().filter_map(|i| i.parse().ok()).collect()
        };
        Ok(Listing {
            all: reply.all.map(ids),
            changed: reply.changed.map(ids),
            not_held: ids(reply.not_held),
            cursor: reply.cursor,
            erased: ids(reply.erased),
        })
    }

    /// Claim new documents this device made (before syncing them): those the server does
    /// not hold yet become its user's to edit. Returns the ones granted.
    pub async fn claim(
        &self,
        device_id: &str,
        key: &DeviceKey,
        ids: &[samod::DocumentId],
    ) -> Result<Vec<samod::DocumentId>, SyncError> {
        let mut granted = Vec::new();
        // In requests of a thousand: a first sync may bring tens of thousands.
        for batch in ids.chunks(1000) {
            let (nonce, signature) = self.answered_challenge(device_id, key).await?;
            let reply: protocol::DocumentsReply = self
                .post(
                    "/api/claim",
                    &protocol::ClaimRequest {
                        device_id: device_id.to_owned(),
                        nonce,
                        signature,
                        ids: batch.iter().map(ToString::to_string).collect(),
                    },
                )
                .await?;
            granted.extend(reply.ids.iter().filter_map(|i| i.parse().ok()));
        }
        Ok(granted)
    }

    /// Whole documents this device may have and does not hold, straight from the server's
    /// storage (a first sync, without the sync protocol's document-by-document work): the
    /// ids it may have and holds, with their bytes.
    pub async fn fetch(
        &self,
        device_id: &str,
        key: &DeviceKey,
        ids: &[samod::DocumentId],
    ) -> Result<Vec<(samod::DocumentId, Vec<u8>)>, SyncError> {
        let mut out = Vec::with_capacity(ids.len());
        for batch in ids.chunks(500) {
            let (nonce, signature) = self.answered_challenge(device_id, key).await?;
            let body =
                self.binary(self.http.post(self.url("/api/fetch")?).json(
                    &protocol::ClaimRequest {
                        device_id: device_id.to_owned(),
                        nonce,
                        signature,
                        ids: batch.iter().map(ToString::to_string).collect(),
                    },
                ))
                .await?;
            for (id, bytes) in protocol::unpack(&body).map_err(SyncError::Bad)? {
                let id = id
                    .parse()
                    .map_err(|_| SyncError::Bad(format!("the server sent a bad id {id}")))?;
                out.push((id, bytes));
            }
        }
        Ok(out)
    }

    /// Whole documents the server does not hold yet, stored there directly (a first sync):
    /// the ids it took. One it refuses (not this user's to write, or held already) is not
    /// in the answer.
    pub async fn store(
        &self,
        device_id: &str,
        key: &DeviceKey,
        docs: &[(samod::DocumentId, Vec<u8>)],
    ) -> Result<Vec<samod::DocumentId>, SyncError> {
        let mut taken = Vec::new();
        let mut start = 0;
        while start < docs.len() {
            // Up to 32 MB a request.
            let mut end = start;
            let mut size = 0usize;
            while end < docs.len() && (end == start || size + docs[end].1.len() < 32 << 20) {
                size += docs[end].1.len();
                end += 1;
            }
            let body = protocol::pack(
                &docs[start..end]
                    .iter()
                    .map(|(i, b)| (i.to_string(), b.clone()))
                    .collect::<Vec<_>>(),
            );
            let (nonce, signature) = self.answered_challenge(device_id, key).await?;
            let reply = self
                .binary(
                    self.http
                        .post(self.url("/api/store")?)
                        .header(protocol::DEVICE_HEADER, device_id)
                        .header(protocol::NONCE_HEADER, nonce)
                        .header(protocol::SIGNATURE_HEADER, signature)
                        .header("content-type", "application/octet-stream")
                        .body(body),
                )
                .await?;
            let reply: protocol::DocumentsReply =
                serde_json::from_slice(&reply).map_err(|e| SyncError::Bad(e.to_string()))?;
            taken.extend(reply.ids.iter().filter_map(|i| i.parse().ok()));
            start = end;
        }
        Ok(taken)
    }

    /// Send a request and take its body, or the server's refusal in words.
    async fn binary(&self, request: reqwest::RequestBuilder) -> Result<Vec<u8>, SyncError> {
        let reply = request.send().await.map_err(|e| self.failed(e))?;
        let status = reply.status();
        let body = reply.bytes().await.map_err(|e| self.failed(e))?;
        if !status.is_success() {
            return Err(refusal(status.as_u16(), &body));
        }
        Ok(body.to_vec())
    }

    /// The server's greeting (`/api/hello`): whether it is up and a Satchel server.
    pub async fn hello(&self) -> Result<serde_json::Value, SyncError> {
        let reply = self
            .http
            .get(self.url("/api/hello")?)
            .send()
            .await
            .map_err(|e| self.failed(e))?;
        reply.json().await.map_err(|e| self.failed(e))
    }
}

/// A samod dialer for a device: every (re)connection answers a fresh challenge.
pub struct DeviceDialer {
    pub server: Server,
    pub device_id: String,
    pub key: Arc<DeviceKey>,
}

impl std::fmt::Debug for DeviceDialer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeviceDialer({})", self.device_id)
    }
}

impl samod::Dialer for DeviceDialer {
    type Error = SyncError;

    fn url(&self) -> url::Url {
        self.server.base.clone()
    }

    fn connect(
        &self,
    ) -> futures::future::BoxFuture<'static, Result<samod::Transport, samod::DialError<SyncError>>>
    {
        let (server, device, key) = (
            self.server.clone(),
            self.device_id.clone(),
            self.key.clone(),
        );
        Box::pin(async move {
            server.connect(&device, &key).await.map_err(|e| match e {
                // Refused (revoked, unknown) or a different certificate: trying again cannot help.
                SyncError::Refused(_)
                | SyncError::Revoked(_)
                | SyncError::WrongCertificate { .. }
                | SyncError::Bad(_) => samod::DialError::PermanentFailure(e),
                SyncError::Unreachable { .. } | SyncError::Unavailable(_) => {
                    samod::DialError::transient(e)
                }
            })
        })
    }
}
