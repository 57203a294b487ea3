//! What the device and the firm server say to each other outside the automerge-repo
//! protocol, in one place for both sides: the JSON of enrolment, the challenge and the
//! document list, the upgrade's headers, the message a device signs, and how a certificate
//! fingerprint is written.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Headers of the WebSocket upgrade (or `?device=&nonce=&signature=` in its address).
pub const DEVICE_HEADER: &str = "x-satchel-device";
pub const NONCE_HEADER: &str = "x-satchel-nonce";
pub const SIGNATURE_HEADER: &str = "x-satchel-signature";

/// What a device signs to answer a challenge.
pub fn challenge_message(device_id: &str, nonce: &str) -> Vec<u8> {
    format!("satchel-sync-v1\n{device_id}\n{nonce}").into_bytes()
}

/// Bytes as `AB:CD:…`, as fingerprints are written.
pub fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A DER certificate's SHA-256 fingerprint as `AB:CD:…` (what the server prints and a
/// device pins).
pub fn fingerprint(der: &[u8]) -> String {
    colon_hex(&Sha256::digest(der))
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Hello {
    pub server: String,
    pub version: String,
    /// The firm's own document (its local id), once the firm has one here.
    #[serde(default)]
    pub firm_document: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct EnrolRequest {
    pub code: String,
    pub device_name: String,
    /// The device key's public half: 32 bytes, hex.
    pub public_key: String,
    /// The firm document of the store enrolling (its local id); a partner's or an admin's
    /// becomes the firm's if the server has none yet.
    #[serde(default)]
    pub firm_document: Option<String>,
    /// The blocks of numbers the enrolling store keeps giving out (a standalone store's
    /// whole series cut down to what it will use soon); none for a new device, which is
    /// then given its first blocks. `None` from a device that does not number anything.
    #[serde(default)]
    pub numbers: Option<Numbers>,
}

/// Blocks of matter and bill numbers (first, last; inclusive), each given to one device
/// only, so that devices working apart never give out the same number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Numbers {
    pub matters: Vec<(u32, u32)>,
    pub bills: Vec<(u32, u32)>,
}

/// A device asks for another block of numbers of a series (`matters` or `bills`).
#[derive(Debug, Serialize, Deserialize)]
pub struct NumbersRequest {
    pub device_id: String,
    pub nonce: String,
    pub signature: String,
    pub series: String,
}

/// The numbers a device keeps giving out itself (one enrolled before the server gave out
/// numbers tells it so once, at a sync).
#[derive(Debug, Serialize, Deserialize)]
pub struct KeptNumbersRequest {
    pub device_id: String,
    pub nonce: String,
    pub signature: String,
    pub kept: Numbers,
}

/// A device's audit events the server does not have yet, in order (`/api/audit`): they
/// must continue the trail the server holds for the device, link by link.
#[derive(Debug, Serialize, Deserialize)]
pub struct AuditRequest {
    pub device_id: String,
    pub nonce: String,
    pub signature: String,
    pub events: Vec<satchel_core::audit::StoredEvent>,
}

/// Set who may do what with a document (`/api/grant`, an admin's or a partner's device):
/// `access` is read, download, edit or none.
#[derive(Debug, Serialize, Deserialize)]
pub struct GrantRequest {
    pub device_id: String,
    pub nonce: String,
    pub signature: String,
    pub doc: String,
    /// Set this user's access (initials), or only ask (`None`).
    pub set: Option<(String, String)>,
}

/// Everyone's access to a document, after a grant request: (initials, access).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantsReply {
    pub grants: Vec<(String, String)>,
}

/// The last event of the device's trail the server holds, after an audit request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReply {
    pub seq: i64,
}

/// What the server says when a device enrols.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub device_id: String,
    pub user_id: String,
    pub user_name: String,
    pub initials: String,
    pub role: String,
    /// The firm's document (its local id), if the firm has one on the server.
    #[serde(default)]
    pub firm_document: Option<String>,
    /// The blocks of numbers given to this device now (none for a store that has its own).
    #[serde(default)]
    pub numbers: Numbers,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ChallengeRequest {
    pub device_id: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ChallengeReply {
    pub nonce: String,
}

/// A device's answer to its challenge, asking which documents it may have: every one, or
/// (with `since`) those changed after the point its last sync saw.
#[derive(Debug, Serialize, Deserialize)]
pub struct DocumentsRequest {
    pub device_id: String,
    pub nonce: String,
    pub signature: String,
    /// Where the device's last sync left off; without it, every document is listed.
    #[serde(default)]
    pub since: Option<Cursor>,
    /// Documents the device is about to send (automerge-repo ids): the reply says which of
    /// them the server does not hold.
    #[serde(default)]
    pub held: Vec<String>,
}

/// A point in the server's history of changes: the last document change it had stored, and
/// who could see what then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub changes: i64,
    pub access: i64,
}

/// What a device may have, as of `cursor`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Listing {
    /// Every document the device may have (automerge-repo ids): given when the request had
    /// no cursor, or when who may see what changed since it.
    pub all: Option<Vec<String>>,
    /// The documents it may have that changed since the request's cursor; none when the
    /// request had no cursor, or one the server does not know (it was restored from an
    /// older backup): the device then brings everything into step at its next sync.
    pub changed: Option<Vec<String>>,
    /// Of the request's `held`, those the server does not hold.
    pub not_held: Vec<String>,
    pub cursor: Cursor,
    /// Documents destroyed for good (an erasure) since the request's cursor, or all of
    /// them without one: a device that holds one drops it.
    #[serde(default)]
    pub erased: Vec<String>,
}

/// Documents an admin's or a partner's device destroyed for good (a person's erasure, the
/// retention schedule): each automerge-repo id, and the id of the anonymised copy that
/// replaces it, if any (it takes over the grants).
#[derive(Debug, Serialize, Deserialize)]
pub struct EraseRequest {
    pub device_id: String,
    pub nonce: String,
    pub signature: String,
    pub erased: Vec<(String, Option<String>)>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct EraseReply {
    /// How many the server destroyed now (one destroyed already is not counted again).
    pub erased: usize,
}

/// The new documents a device made and is about to sync: each one the server does not hold
/// yet is granted to the device's user to edit.
#[derive(Debug, Serialize, Deserialize)]
pub struct ClaimRequest {
    pub device_id: String,
    pub nonce: String,
    pub signature: String,
    /// automerge-repo document ids.
    pub ids: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct DocumentsReply {
    /// automerge-repo document ids.
    pub ids: Vec<String>,
}

/// Whole documents in one body (`/api/fetch`'s answer, `/api/store`'s request): for each,
/// its automerge-repo id and its bytes (a saved document, or chunks one after another),
/// each length-prefixed (little-endian; u16 for the id, u32 for the bytes).
pub fn pack(docs: &[(String, Vec<u8>)]) -> Vec<u8> {
    let size: usize = docs.iter().map(|(i, b)| 6 + i.len() + b.len()).sum();
    let mut out = Vec::with_capacity(size);
    for (id, bytes) in docs {
        let id_len = u16::try_from(id.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&id_len.to_le_bytes());
        out.extend_from_slice(&id.as_bytes()[..usize::from(id_len)]);
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&bytes[..len as usize]);
    }
    out
}

/// The documents in a [`pack`]ed body; an error says where it is cut short or malformed.
pub fn unpack(body: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    let mut at = 0usize;
    let take = |at: &mut usize, n: usize| -> Result<&[u8], String> {
        let end = at
            .checked_add(n)
            .filter(|e| *e <= body.len())
            .ok_or_else(|| format!("the body is cut short at byte {at}"))?;
        let s = &body[*at..end];
        *at = end;
        Ok(s)
    };
    while at < body.len() {
        let id_len = u16::from_le_bytes(take(&mut at, 2)?.try_into().map_err(|_| "bad id length")?);
        let id = std::str::from_utf8(take(&mut at, usize::from(id_len))?)
            .map_err(|_| format!("a document id that is not text before byte {at}"))?
            .to_owned();
        let len = u32::from_le_bytes(take(&mut at, 4)?.try_into().map_err(|_| "bad length")?);
        let bytes = take(&mut at, len as usize)?.to_vec();
        out.push((id, bytes));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_documents_come_back_whole_and_a_cut_body_is_refused() {
        let docs = vec![
            ("2Xa".to_owned(), vec![1, 2, 3]),
            ("b".to_owned(), Vec::new()),
            ("c".repeat(300), vec![9; 70_000]),
        ];
        let body = pack(&docs);
        assert_eq!(unpack(&body).unwrap(), docs);
        let err = unpack(&body[..body.len() - 1]).unwrap_err();
        assert!(err.contains("cut short"), "{err}");
        assert!(unpack(&[]).unwrap().is_empty());
    }
}
