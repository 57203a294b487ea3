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
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ChallengeRequest {
    pub device_id: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ChallengeReply {
    pub nonce: String,
}

/// A device's answer to its challenge, asking which documents it may have.
#[derive(Debug, Serialize, Deserialize)]
pub struct DocumentsRequest {
    pub device_id: String,
    pub nonce: String,
    pub signature: String,
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
