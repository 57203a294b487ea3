//! The server's HTTPS endpoints: who it is, enrolment, the challenge, and the WebSocket on
//! which samod speaks the automerge-repo protocol — opened only with a good signature, and
//! bound to the device that signed.

use crate::auth::{self, Challenges};
use crate::storage::{Device, ServerStore};
use axum::Json;
use axum::extract::{Query, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use satchel_sync::protocol::{
    ChallengeReply, ChallengeRequest, ClaimRequest, Cursor, DEVICE_HEADER, DocumentsReply,
    DocumentsRequest, EnrolRequest, Enrolment, Hello, KeptNumbersRequest, Listing, NONCE_HEADER,
    Numbers, NumbersRequest, SIGNATURE_HEADER,
};
use sha2::Digest as _;
use std::collections::HashMap;
use std::sync::Arc;

/// The largest WebSocket message or frame a peer may send; a bigger one closes its
/// connection and nothing else.
pub const MAX_MESSAGE: usize = 64 << 20;

pub struct Server<S> {
    pub store: S,
    pub acceptor: samod::AcceptorHandle,
    pub challenges: Challenges,
    /// Who may have what (the same decisions samod's share policy makes).
    pub policy: crate::policy::Policy,
    /// Whether what devices send can be stored.
    pub health: crate::repo_storage::Health,
    /// Told the id of each document stored outside samod (`/api/store`), for the books.
    pub stored: tokio::sync::mpsc::UnboundedSender<String>,
    /// Matter numbers given to a device at a time (bill numbers: five times as many).
    pub number_block: i64,
}

impl<S: ServerStore> Server<S> {
    /// How many numbers of `series` a device is given at a time.
    fn block_of(&self, series: &str) -> i64 {
        if series == BILLS {
            self.number_block * 5
        } else {
            self.number_block
        }
    }

    /// Numbers a store keeps giving out itself: none of them is given to another device.
    async fn keep_numbers(&self, kept: &Numbers) -> Result<(), Refusal> {
        for (series, blocks) in [(MATTERS, &kept.matters), (BILLS, &kept.bills)] {
            if let Some(last) = blocks.iter().map(|(_, last)| *last).max() {
                self.store
                    .reserve_numbers(series.to_owned(), i64::from(last) + 1, 0)
                    .await
                    .map_err(internal)?;
            }
        }
        Ok(())
    }

    /// A new block of `series` for a device, after every number any device keeps.
    async fn give_numbers(&self, series: &str) -> Result<(u32, u32), Refusal> {
        let (first, last) = self
            .store
            .reserve_numbers(series.to_owned(), 1, self.block_of(series))
            .await
            .map_err(internal)?;
        let most = i64::from(if series == BILLS {
            MAX_BILL
        } else {
            MAX_MATTER
        });
        if last > most {
            return Err(Refusal(
                StatusCode::CONFLICT,
                format!(
                    "the firm has given out every {} number there is",
                    singular(series)
                ),
            ));
        }
        Ok((
            u32::try_from(first).map_err(internal)?,
            u32::try_from(last).map_err(internal)?,
        ))
    }
}

const MATTERS: &str = "matters";
const BILLS: &str = "bills";
/// The highest matter number (M99999) and bill number (B999999).
const MAX_MATTER: u32 = 99_999;
const MAX_BILL: u32 = 999_999;

fn singular(series: &str) -> &'static str {
    if series == BILLS { "bill" } else { "matter" }
}

/// The most one `/api/store` request may carry.
pub const MAX_STORE: usize = 64 << 20;

/// The most documents one request may name (a claim, a question about what is held).
pub const MAX_LISTED: usize = 100_000;

/// A device's answer to its challenge — (device, nonce, signature) — from a request's
/// headers, or from its address (`?device=…&nonce=…&signature=…`) where that is allowed.
fn answer_in(
    headers: &HeaderMap,
    query: Option<&HashMap<String, String>>,
) -> Result<(String, String, String), Refusal> {
    let part = |name: &str, param: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| query.and_then(|q| q.get(param).cloned()))
            .ok_or_else(|| {
                let or = if query.is_some() {
                    format!(" (or ?{param}=)")
                } else {
                    String::new()
                };
                Refusal(
                    StatusCode::UNAUTHORIZED,
                    format!("the {name} header{or} is missing"),
                )
            })
    };
    Ok((
        part(DEVICE_HEADER, "device")?,
        part(NONCE_HEADER, "nonce")?,
        part(SIGNATURE_HEADER, "signature")?,
    ))
}

/// Refused while the server cannot store what it is sent.
fn storing<S>(server: &Server<S>) -> Result<(), Refusal> {
    match server.health.failing() {
        Some(why) => Err(Refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the server cannot store changes now ({why}); nothing is lost: this device keeps its work and sends it once the firm's administrator has made room and restarted the server"
            ),
        )),
        None => Ok(()),
    }
}

/// A refusal: a status and a sentence, as `{"error": …}`.
pub struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

fn internal(e: impl std::fmt::Display) -> Refusal {
    tracing::error!("{e}");
    Refusal(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the server could not do that; its log says why".into(),
    )
}

pub fn router<S: ServerStore>(server: Arc<Server<S>>) -> axum::Router {
    axum::Router::new()
        .route("/api/hello", get(hello::<S>))
        .route("/api/enrol", post(enrol::<S>))
        .route("/api/challenge", post(challenge::<S>))
        .route("/api/documents", post(documents::<S>))
        .route("/api/claim", post(claim::<S>))
        .route("/api/numbers", post(numbers::<S>))
        .route("/api/numbers/kept", post(numbers_kept::<S>))
        .route("/api/audit", post(audit::<S>))
        .route("/api/grant", post(grant::<S>))
        .route("/api/erase", post(erase::<S>))
        .route("/api/fetch", post(fetch::<S>))
        .route(
            "/api/store",
            post(store::<S>).layer(axum::extract::DefaultBodyLimit::max(MAX_STORE)),
        )
        .route("/sync", get(sync::<S>))
        .with_state(server)
}

async fn hello<S: ServerStore>(
    State(server): State<Arc<Server<S>>>,
) -> Result<Json<Hello>, Refusal> {
    Ok(Json(Hello {
        server: "satchel-server".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        firm_document: server.store.firm_document().await.map_err(internal)?,
    }))
}

async fn enrol<S: ServerStore>(
    State(server): State<Arc<Server<S>>>,
    Json(req): Json<EnrolRequest>,
) -> Result<Json<Enrolment>, Refusal> {
    let bad = |m: &str| Refusal(StatusCode::BAD_REQUEST, m.to_owned());
    let name = req.device_name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(bad("give the device a name (at most 200 characters)"));
    }
    let key = hex::decode(req.public_key.trim())
        .ok()
        .filter(|k| k.len() == 32)
        .ok_or_else(|| bad("the device's public key must be 32 bytes in hex"))?;
    let now = jiff::Timestamp::now();
    let device = Device {
        id: uuid::Uuid::now_v7().to_string(),
        user_id: String::new(),
        name: name.to_owned(),
        public_key: key,
        enrolled_at: now.to_string(),
        revoked_at: None,
    };
    let device = server
        .store
        .enrol(auth::code_hash(&req.code), now, device)
        .await
        .map_err(internal)?
        .map_err(|refused| Refusal(StatusCode::FORBIDDEN, refused.to_string()))?;
    let user = server
        .store
        .users()
        .await
        .map_err(internal)?
        .into_iter()
        .find(|u| u.id == device.user_id)
        .ok_or_else(|| internal("an enrolment code's user is gone"))?;
    tracing::info!(
        "device {} ({}) enrolled for {}",
        device.id,
        device.name,
        user.initials
    );
    // The first partner's or admin's store to enrol names the firm's document.
    let firm_document = match req.firm_document.as_deref().map(str::trim) {
        Some(doc) if !doc.is_empty() && matches!(user.role.as_str(), "admin" | "partner") => Some(
            server
                .store
                .adopt_firm_document(doc.to_owned())
                .await
                .map_err(internal)?,
        ),
        _ => server.store.firm_document().await.map_err(internal)?,
    };
    // Numbers: a store that has its own keeps them (none given again to anyone); a new
    // device is given its first blocks.
    let mut numbers = Numbers::default();
    if let Some(kept) = &req.numbers {
        server.keep_numbers(kept).await?;
        for (series, blocks, given) in [
            (MATTERS, &kept.matters, &mut numbers.matters),
            (BILLS, &kept.bills, &mut numbers.bills),
        ] {
            if blocks.is_empty() {
                given.push(server.give_numbers(series).await?);
            }
        }
    }
    server
        .policy
        .reload(&server.store)
        .await
        .map_err(internal)?;
    Ok(Json(Enrolment {
        device_id: device.id,
        user_id: user.id,
        user_name: user.name,
        initials: user.initials,
        role: user.role,
        firm_document,
        numbers,
    }))
}

/// Another block of numbers for a device that is running low.
async fn numbers<S: ServerStore>(
    State(server): State<Arc<Server<S>>>,
    Json(req): Json<NumbersRequest>,
) -> Result<Json<(u32, u32)>, Refusal> {
    let device = authenticate(&server, &req.device_id, &req.nonce, &req.signature).await?;
    if req.series != MATTERS && req.series != BILLS {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            "ask for matters or bills numbers".into(),
        ));
    }
    let block = server.give_numbers(&req.series).await?;
    tracing::info!(
        "device {} given {} numbers {}–{}",
        device.id,
        singular(&req.series),
        block.0,
        block.1
    );
    Ok(Json(block))
}

/// A device enrolled before the server gave out numbers says which it keeps.
/// A device's audit events: kept only if they continue, link by link, the trail the server
/// holds for that device (from its first event); a broken or missing link is refused.
async fn audit<S: ServerStore>(
    State(server): State<Arc<Server<S>>>,
    Json(req): Json<satchel_sync::protocol::AuditRequest>,
) -> Result<Json<satchel_sync::protocol::AuditReply>, Refusal> {
    let device = authenticate(&server, &req.device_id, &req.nonce, &req.signature).await?;
    if req.events.len() > 20_000 {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            "send at most 20,000 audit events at once".into(),
        ));
    }
    let head = server
        .store
        .audit_head(device.id.clone())
        .await
        .map_err(internal)?;
    // One device's store, one chain.
    if let Some(first) = req.events.first()
        && req.events.iter().any(|e| e.device_id != first.device_id)
    {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            "the audit events come from more than one chain".into(),
        ));
    }
    satchel_core::audit::verify_continuation(
        head.as_ref().map(|(seq, hash)| (*seq, hash.as_str())),
        &req.events,
    )
    .map_err(|b| {
        tracing::warn!("device {}: audit events refused: {b}", device.id);
        Refusal(
            StatusCode::CONFLICT,
            format!("the audit events do not continue the trail held for this device: {b}"),
        )
    })?;
    let rows = req
        .events
        .iter()
        .map(|e| {
            serde_json::to_string(e)
                .map(|json| (e.seq, json, e.hash.clone()))
                .map_err(|e| Refusal(StatusCode::BAD_REQUEST, e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let last = rows.last().map(|(seq, _, _)| *seq);
    server
        .store
        .append_audit(device.id.clone(), rows)
        .await
        .map_err(internal)?;
    Ok(Json(satchel_sync::protocol::AuditReply {
        seq: last.or(head.map(|(seq, _)| seq)).unwrap_or(0),
    }))
}

/// Grants on a document, asked or set from an admin's or a partner's device: what
/// `satchel-server grant` does, from the window. Takes effect on connected devices as the
/// command's does.
/// Refused unless the device's user is an admin or a partner (by the server's own users,
/// which it returns).
async fn managers_only<S: ServerStore>(
    server: &Server<S>,
    device: &Device,
    refusal: &str,
) -> Result<Vec<crate::storage::User>, Refusal> {
    let users = server.store.users().await.map_err(internal)?;
    let manager = users
        .iter()
        .any(|u| u.id == device.user_id && matches!(u.role.as_str(), "admin" | "partner"));
    if !manager {
        return Err(Refusal(StatusCode::FORBIDDEN, refusal.to_owned()));
    }
    Ok(users)
}

async fn grant<S: ServerStore>(
    State(server): State<Arc<Server<S>>>,
    Json(req): Json<satchel_sync::protocol::GrantRequest>,
) -> Result<Json<satchel_sync::protocol::GrantsReply>, Refusal> {
    use crate::storage::Access;
    let device = authenticate(&server, &req.device_id, &req.nonce, &req.signature).await?;
    let users = managers_only(
        &server,
        &device,
        "only an admin or a partner may see or change who may see a matter",
    )
    .await?;
    let doc: samod::DocumentId = req.doc.parse().map_err(|_| {
        Refusal(
            StatusCode::BAD_REQUEST,
            format!("'{}' is not a document id", req.doc),
        )
    })?;
    let doc = doc.to_string();
    if let Some((initials, access)) = &req.set {
        let initials = initials.trim().to_uppercase();
        let Some(user) = users.iter().find(|u| u.initials == initials) else {
            return Err(Refusal(
                StatusCode::BAD_REQUEST,
                format!("the firm server has no user with the initials {initials}"),
            ));
        };
        let access = match access.trim() {
            "none" => None,
            other => Some(Access::parse(other).ok_or_else(|| {
                Refusal(
                    StatusCode::BAD_REQUEST,
                    format!("access must be read, download, edit or none, not '{other}'"),
                )
            })?),
        };
        server
            .store
            .set_grant(user.id.clone(), doc.clone(), access)
            .await
            .map_err(internal)?;
        // Who may see what now, at once (not at the next poll): the device granted may
        // sync straight away.
        server
            .policy
            .reload(&server.store)
            .await
            .map_err(internal)?;
        tracing::info!(
            "device {} set {} on {doc} for {initials}",
            device.id,
            access.map_or("none", Access::as_str)
        );
    }
    let grants = server
        .store
        .grants()
        .await
        .map_err(internal)?
        .into_iter()
        .filter(|(_, d, _)| *d == doc)
        .filter_map(|(user, _, access)| {
            users
                .iter()
                .find(|u| u.id == user)
                .map(|u| (u.initials.clone(), access.as_str().to_owned()))
        })
        .collect();
    Ok(Json(satchel_sync::protocol::GrantsReply { grants }))
}

/// An admin's or a partner's device destroyed documents for good (a person's erasure,
/// the retention schedule): the server destroys its copies, keeps their ids as erased (no
/// chunk is stored under one again; every device holding one is told at its next sync),
/// and gives each anonymised copy the grants of the document it replaces.
async fn erase<S: ServerStore>(
    State(server): State<Arc<Server<S>>>,
    Json(req): Json<satchel_sync::protocol::EraseRequest>,
) -> Result<Json<satchel_sync::protocol::EraseReply>, Refusal> {
    let device = authenticate(&server, &req.device_id, &req.nonce, &req.signature).await?;
    managers_only(
        &server,
        &device,
        "only an admin's or a partner's device may erase documents",
    )
    .await?;
    if req.erased.len() > MAX_LISTED {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            format!("erase at most {MAX_LISTED} documents at once"),
        ));
    }
    let firm = server
        .store
        .firm_document()
        .await
        .map_err(internal)?
        .map(|local| satchel_sync::repo_id(&local).to_string());
    let mut erased = Vec::new();
    for (doc, replaced_by) in req.erased {
        let id = |d: &str| -> Result<String, Refusal> {
            d.parse::<samod::DocumentId>()
                .map(|d| d.to_string())
                .map_err(|_| {
                    Refusal(
                        StatusCode::BAD_REQUEST,
                        format!("'{d}' is not a document id"),
                    )
                })
        };
        let doc = id(&doc)?;
        if firm.as_deref() == Some(doc.as_str()) {
            return Err(Refusal(
                StatusCode::BAD_REQUEST,
                "the firm's own document is never erased".into(),
            ));
        }
        erased.push((doc, replaced_by.as_deref().map(id).transpose()?));
    }
    let count = server
        .store
        .erase_documents(erased, jiff::Timestamp::now())
        .await
        .map_err(internal)?;
    server
        .policy
        .reload(&server.store)
        .await
        .map_err(internal)?;
    tracing::info!("device {} erased {count} documents", device.id);
    Ok(Json(satchel_sync::protocol::EraseReply { erased: count }))
}

async fn numbers_kept<S: ServerStore>(
    State(server): State<Arc<Server<S>>>,
    Json(req): Json<KeptNumbersRequest>,
) -> Result<Json<()>, Refusal> {
    authenticate(&server, &req.device_id, &req.nonce, &req.signature).await?;
    server.keep_numbers(&req.kept).await?;
    Ok(Json(()))
}

/// A device that may connect: enrolled and not revoked.
async fn live_device<S: ServerStore>(server: &Server<S>, id: &str) -> Result<Device, Refusal> {
    let device = server
        .store
        .device(id.to_owned())
        .await
        .map_err(internal)?
        .ok_or_else(|| {
            Refusal(
                StatusCode::UNAUTHORIZED,
                "this device is not enrolled with the server".into(),
            )
        })?;
    if let Some(at) = &device.revoked_at {
        // 410: the device is gone for good (it locks itself and removes its keys).
        return Err(Refusal(
            StatusCode::GONE,
            format!("this device was revoked at {at}; it may not connect"),
        ));
    }
    Ok(device)
}

/// A device that answered its challenge: enrolled, not revoked, the nonce fresh and its
/// own, the signature its key's.
async fn authenticate<S: ServerStore>(
    server: &Server<S>,
    device_id: &str,
    nonce: &str,
    signature: &str,
) -> Result<Device, Refusal> {
    let device = live_device(server, device_id).await?;
    if !server.challenges.take(device_id, nonce) {
        return Err(Refusal(
            StatusCode::UNAUTHORIZED,
            "the challenge is unknown, used or more than a minute old; ask for another".into(),
        ));
    }
    let signature = hex::decode(signature).unwrap_or_default();
    if !auth::signature_holds(&device.public_key, device_id, nonce, &signature) {
        tracing::warn!("device {device_id}: a bad signature on its challenge");
        return Err(Refusal(
            StatusCode::UNAUTHORIZED,
            "the challenge's signature does not match this device's key".into(),
        ));
    }
    Ok(device)
}

/// The documents a device may have: every one the server holds for an admin's or a
/// partner's device, those granted for anyone else. A device asks for the ones it does not
/// hold yet (another device's new matter).
async fn documents<S: ServerStore>(
    State(server): State<Arc<Server<S>>>,
    Json(req): Json<DocumentsRequest>,
) -> Result<Json<Listing>, Refusal> {
    authenticate(&server, &req.device_id, &req.nonce, &req.signature).await?;
    if req.held.len() > MAX_LISTED {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            format!("ask about at most {MAX_LISTED} documents at once"),
        ));
    }
    // The cursor first: what changes while this answer is made is seen again next time.
    let access_now = server.store.access_version().await.map_err(internal)?;
    // (Without a cursor, no change is listed — only where the history stands.)
    let (changed, last) = server
        .store
        .changed_since(req.since.map_or(i64::MAX, |c| c.changes))
        .await
        .map_err(internal)?;
    // A cursor past this server's history (it was restored from an older backup) is not
    // taken: the device is answered as at a first sync, and brings everything into step.
    let since = req.since.filter(|c| c.changes <= last);
    let access = server.policy.snapshot();
    let readable = |d: &String| access.access_of(&req.device_id, d).is_some();
    // Every document the server holds only when the device is to be told them all: a
    // device's everyday sync (every minute) asks about the few it is sending.
    let stored: Option<std::collections::HashSet<String>> = match since {
        Some(c) if c.access == access_now => None,
        _ => Some(
            server
                .store
                .document_ids()
                .await
                .map_err(internal)?
                .into_iter()
                .collect(),
        ),
    };
    let mut not_held = Vec::new();
    for d in req.held {
        let holds = match &stored {
            Some(stored) => stored.contains(&d),
            None => server
                .store
                .has_chunks_under(d.clone())
                .await
                .map_err(internal)?,
        };
        if !holds {
            not_held.push(d);
        }
    }
    // Erased documents: those erased since the cursor, or every one without it (a device
    // restored from an older backup may hold one).
    let erased: Vec<String> = match since {
        Some(_) => changed
            .iter()
            .filter(|d| access.is_erased(d))
            .cloned()
            .collect(),
        None => access.erased().cloned().collect(),
    };
    Ok(Json(Listing {
        erased,
        all: stored.map(|s| s.into_iter().filter(|d| readable(d)).collect()),
        changed: since.map(|_| changed.into_iter().filter(|d| readable(d)).collect()),
        not_held,
        cursor: Cursor {
            changes: last,
            access: access_now,
        },
    }))
}

/// A device claims the new documents it made: each the server does not hold yet is
/// granted to the device's user to edit (a fee earner's new matter is theirs). Admins and
/// partners edit everything already; read-only users create nothing.
async fn claim<S: ServerStore>(
    State(server): State<Arc<Server<S>>>,
    Json(req): Json<ClaimRequest>,
) -> Result<Json<DocumentsReply>, Refusal> {
    let device = authenticate(&server, &req.device_id, &req.nonce, &req.signature).await?;
    if req.ids.len() > MAX_LISTED {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            "claim at most 100,000 documents at once".into(),
        ));
    }
    let access = server.policy.snapshot();
    let Some(user) = access.creator(&req.device_id).map(str::to_owned) else {
        return Ok(Json(DocumentsReply { ids: Vec::new() }));
    };
    let mut granted = Vec::new();
    for id in req.ids {
        if id.parse::<samod::DocumentId>().is_err()
            || access.is_erased(&id)
            || access.access_of(&device.id, &id).is_some()
            || server
                .store
                .has_chunks_under(id.clone())
                .await
                .map_err(internal)?
        {
            continue;
        }
        server
            .store
            .set_grant(user.clone(), id.clone(), Some(crate::storage::Access::Edit))
            .await
            .map_err(internal)?;
        granted.push(id);
    }
    if !granted.is_empty() {
        tracing::info!(
            "device {} claimed {} new documents for its user",
            device.id,
            granted.len()
        );
        server
            .policy
            .reload(&server.store)
            .await
            .map_err(internal)?;
    }
    Ok(Json(DocumentsReply { ids: granted }))
}

/// Whole documents for a device's first sync, straight from storage: each asked for that
/// the device may have and the server holds (the sync protocol brings later changes).
async fn fetch<S: ServerStore>(
    State(server): State<Arc<Server<S>>>,
    Json(req): Json<ClaimRequest>,
) -> Result<Response, Refusal> {
    let device = authenticate(&server, &req.device_id, &req.nonce, &req.signature).await?;
    if req.ids.len() > 2_000 {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            "fetch at most 2,000 documents at once".into(),
        ));
    }
    let access = server.policy.snapshot();
    let mut docs = Vec::new();
    for id in req.ids {
        if id.contains('/') || access.access_of(&device.id, &id).is_none() {
            continue;
        }
        let chunks = server
            .store
            .chunks_under(id.clone())
            .await
            .map_err(internal)?;
        if chunks.is_empty() {
            continue;
        }
        docs.push((id, chunks.into_iter().flat_map(|(_, b)| b).collect()));
    }
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/octet-stream")],
        satchel_sync::protocol::pack(&docs),
    )
        .into_response())
}

/// Whole documents a device brings that the server does not hold yet (a first sync),
/// stored directly: each must be the device's user's to write, and load as a document.
async fn store<S: ServerStore>(
    State(server): State<Arc<Server<S>>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<DocumentsReply>, Refusal> {
    let (device_id, nonce, signature) = answer_in(&headers, None)?;
    let device = authenticate(&server, &device_id, &nonce, &signature).await?;
    storing(&server)?;
    let docs =
        satchel_sync::protocol::unpack(&body).map_err(|e| Refusal(StatusCode::BAD_REQUEST, e))?;
    let access = server.policy.snapshot();
    let mut ids = Vec::new();
    for (id, bytes) in docs {
        if id.parse::<samod::DocumentId>().is_err()
            || access.access_of(&device.id, &id) != Some(crate::storage::Access::Edit)
            || server
                .store
                .has_chunks_under(id.clone())
                .await
                .map_err(internal)?
        {
            continue;
        }
        // Only what loads as an automerge document is kept.
        let check = bytes.clone();
        let loads = tokio::task::spawn_blocking(move || automerge::Automerge::load(&check).is_ok())
            .await
            .unwrap_or(false);
        if !loads {
            return Err(Refusal(
                StatusCode::BAD_REQUEST,
                format!("document {id} is not an automerge document"),
            ));
        }
        let hash = hex::encode(&sha2::Sha256::digest(&bytes)[..16]);
        server
            .store
            .put_chunk(format!("{id}/snapshot/{hash}"), bytes)
            .await
            .map_err(internal)?;
        let _ = server.stored.send(id.clone());
        ids.push(id);
    }
    if !ids.is_empty() {
        tracing::info!(
            "device {} stored {} new documents whole",
            device.id,
            ids.len()
        );
    }
    Ok(Json(DocumentsReply { ids }))
}

async fn challenge<S: ServerStore>(
    State(server): State<Arc<Server<S>>>,
    Json(req): Json<ChallengeRequest>,
) -> Result<Json<ChallengeReply>, Refusal> {
    live_device(&server, &req.device_id).await?;
    let nonce = server
        .challenges
        .issue(&req.device_id)
        .map_err(|e| Refusal(StatusCode::SERVICE_UNAVAILABLE, e))?;
    Ok(Json(ChallengeReply { nonce }))
}

/// The answer to the challenge, from the upgrade's headers or, for clients that cannot set
/// headers on a WebSocket (browsers, the JavaScript automerge-repo client), its address:
/// `?device=…&nonce=…&signature=…`.
async fn sync<S: ServerStore>(
    State(server): State<Arc<Server<S>>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    ws: WebSocketUpgrade,
) -> Result<Response, Refusal> {
    let (device_id, nonce, signature) = answer_in(&headers, Some(&query))?;
    authenticate(&server, &device_id, &nonce, &signature).await?;
    storing(&server)?;
    let acceptor = server.acceptor.clone();
    Ok(ws
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(move |socket| async move {
            // The device's id is its peer id: a handshake claiming another is dropped.
            match acceptor.accept_axum(socket, Some(samod::PeerId::from(device_id.as_str()))) {
                Ok(_) => tracing::info!("device {device_id} connected"),
                Err(e) => tracing::warn!("device {device_id}: the repository has stopped: {e}"),
            }
        }))
}
