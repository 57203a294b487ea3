//! The audit trail's hash chain. Each device appends events; each event's hash covers the
//! previous event's hash and the event's own canonical content, so altering, removing or
//! reordering any stored event breaks every hash after it.

use sha2::{Digest, Sha256};

/// The hash that stands before a device's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The parts of an event that the chain protects. Field order is the canonical order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventContent<'a> {
    pub seq: i64,
    pub id: &'a str,
    pub device_id: &'a str,
    pub actor_id: &'a str,
    /// RFC 3339 UTC instant.
    pub at: &'a str,
    /// e.g. `matter.create`, `store.unlock`.
    pub action: &'a str,
    /// The document or record acted on, e.g. `matter:<uuid>`.
    pub subject: &'a str,
    /// JSON detail.
    pub detail: &'a str,
}

/// `sha256(prev_hash ‖ 0x00 ‖ field ‖ 0x00 ‖ field …)` as lower-case hex. Fields are
/// length-prefixed, so no two different events can produce the same byte stream.
pub fn chain_hash(prev_hash: &str, e: &EventContent<'_>) -> String {
    let mut h = Sha256::new();
    let seq = e.seq.to_string();
    for part in [
        prev_hash,
        seq.as_str(),
        e.id,
        e.device_id,
        e.actor_id,
        e.at,
        e.action,
        e.subject,
        e.detail,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// A stored event as read back for verification (and as a device sends its trail to the
/// firm server).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredEvent {
    pub seq: i64,
    pub id: String,
    pub device_id: String,
    pub actor_id: String,
    pub at: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl StoredEvent {
    fn content(&self) -> EventContent<'_> {
        EventContent {
            seq: self.seq,
            id: &self.id,
            device_id: &self.device_id,
            actor_id: &self.actor_id,
            at: &self.at,
            action: &self.action,
            subject: &self.subject,
            detail: &self.detail,
        }
    }
}

/// Where and why a chain failed to verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("audit event #{seq} ({id}) has been altered: its content no longer matches its hash")]
    Altered { seq: i64, id: String },
    #[error(
        "audit event #{seq} ({id}) does not follow the event before it: an event was removed, inserted or reordered"
    )]
    Unlinked { seq: i64, id: String },
    #[error("audit events are missing before #{seq} ({id}): expected #{expected}")]
    Gap { seq: i64, id: String, expected: i64 },
}

/// Verify one device's events, in sequence order, from its first event.
pub fn verify_chain<'a>(
    events: impl IntoIterator<Item = &'a StoredEvent>,
) -> Result<usize, ChainBreak> {
    verify_continuation(None, events)
}

/// Verify events that continue a chain whose last event so far is `after` (its sequence
/// number and hash), or that start one (`None`).
pub fn verify_continuation<'a>(
    after: Option<(i64, &str)>,
    events: impl IntoIterator<Item = &'a StoredEvent>,
) -> Result<usize, ChainBreak> {
    let (first, mut prev) = match after {
        Some((seq, hash)) => (seq + 1, hash.to_owned()),
        None => (1, GENESIS.to_owned()),
    };
    let mut count = 0;
    for (expected, e) in (first..).zip(events) {
        if e.seq != expected {
            return Err(ChainBreak::Gap {
                seq: e.seq,
                id: e.id.clone(),
                expected,
            });
        }
        if e.prev_hash != prev {
            return Err(ChainBreak::Unlinked {
                seq: e.seq,
                id: e.id.clone(),
            });
        }
        if chain_hash(&e.prev_hash, &e.content()) != e.hash {
            return Err(ChainBreak::Altered {
                seq: e.seq,
                id: e.id.clone(),
            });
        }
        prev = e.hash.clone();
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<StoredEvent> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let mut e = StoredEvent {
                    seq,
                    id: format!("ev{seq}"),
                    device_id: "dev".into(),
                    actor_id: "user".into(),
                    at: "2026-11-25T10:00:00Z".into(),
                    action: "matter.create".into(),
                    subject: format!("matter:{seq}"),
                    detail: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = chain_hash(&prev, &e.content());
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify_chain(&chain(5)), Ok(5));
    }

    #[test]
    fn altered_event_is_named() {
        let mut c = chain(5);
        c[2].detail = r#"{"client":"someone else"}"#.into();
        assert_eq!(
            verify_chain(&c),
            Err(ChainBreak::Altered {
                seq: 3,
                id: "ev3".into()
            })
        );
    }

    #[test]
    fn removed_event_is_found() {
        let mut c = chain(5);
        c.remove(1);
        assert!(matches!(
            verify_chain(&c),
            Err(ChainBreak::Gap {
                seq: 3,
                expected: 2,
                ..
            })
        ));
    }

    #[test]
    fn rehashed_forgery_still_breaks_the_link() {
        let mut c = chain(3);
        c[1].detail = "{\"forged\":true}".into();
        c[1].hash = chain_hash(&c[1].prev_hash.clone(), &c[1].content());
        assert_eq!(
            verify_chain(&c),
            Err(ChainBreak::Unlinked {
                seq: 3,
                id: "ev3".into()
            })
        );
    }

    #[test]
    fn fields_cannot_be_shifted_between_each_other() {
        let a = chain_hash(
            GENESIS,
            &EventContent {
                seq: 1,
                id: "ab",
                device_id: "c",
                actor_id: "",
                at: "",
                action: "",
                subject: "",
                detail: "",
            },
        );
        let b = chain_hash(
            GENESIS,
            &EventContent {
                seq: 1,
                id: "a",
                device_id: "bc",
                actor_id: "",
                at: "",
                action: "",
                subject: "",
                detail: "",
            },
        );
        assert_ne!(a, b);
    }
}
