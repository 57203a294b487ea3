//! Who may connect: one-time enrolment codes (kept hashed), and a signed challenge on every
//! WebSocket upgrade — the server gives a fresh nonce, the device signs it with the private
//! half of its device key (kept in its keyring), the server checks the signature with the
//! public half it was given at enrolment. The device's id is then bound to the connection.

use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use satchel_sync::protocol::challenge_message;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Crockford's base 32: no I, L, O or U, so a code read over the phone is typed right.
const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new enrolment code: 20 characters (100 bits) in groups of four.
pub fn new_code() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes)?;
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
        .collect();
    Ok(chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

/// What is kept of a code: the SHA-256 of it as typed, ignoring case, spaces and dashes.
pub fn code_hash(code: &str) -> String {
    let clean: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    hex::encode(Sha256::digest(clean.as_bytes()))
}

/// A random nonce (hex).
pub fn new_nonce() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(hex::encode(bytes))
}

/// Whether `signature` is `public_key`'s over the challenge for `device_id` and `nonce`.
pub fn signature_holds(public_key: &[u8], device_id: &str, nonce: &str, signature: &[u8]) -> bool {
    let Ok(key) = <[u8; 32]>::try_from(public_key) else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_bytes(&key) else {
        return false;
    };
    let Ok(sig) = Signature::from_slice(signature) else {
        return false;
    };
    key.verify(&challenge_message(device_id, nonce), &sig)
        .is_ok()
}

/// Nonces given out and not used yet: each is good once, for one device, for a minute.
#[derive(Debug, Default)]
pub struct Challenges(Mutex<HashMap<String, (String, Instant)>>);

/// How long a challenge may wait for its answer.
pub const CHALLENGE_TTL: Duration = Duration::from_secs(60);

/// At most this many challenges wait at once (a flood of requests cannot fill memory).
const MAX_WAITING: usize = 10_000;

impl Challenges {
    pub fn issue(&self, device_id: &str) -> Result<String, String> {
        let nonce = new_nonce().map_err(|e| e.to_string())?;
        let mut waiting = self
            .0
            .lock()
            .map_err(|_| "the challenge lock was poisoned")?;
        waiting.retain(|_, (_, at)| at.elapsed() < CHALLENGE_TTL);
        if waiting.len() >= MAX_WAITING {
            return Err("too many connections are being opened; try again in a minute".into());
        }
        waiting.insert(nonce.clone(), (device_id.to_owned(), Instant::now()));
        Ok(nonce)
    }

    /// Use a nonce up: true if it was given to `device_id` less than a minute ago and not
    /// used before.
    pub fn take(&self, device_id: &str, nonce: &str) -> bool {
        let Ok(mut waiting) = self.0.lock() else {
            return false;
        };
        match waiting.remove(nonce) {
            Some((d, at)) => d == device_id && at.elapsed() < CHALLENGE_TTL,
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_typed_forgivingly_and_hashed() {
        let code = new_code().unwrap();
        assert_eq!(code.len(), 24);
        assert!(
            code.chars()
                .all(|c| c == '-' || ALPHABET.contains(&(c as u8)))
        );
        assert_eq!(
            code_hash(&code),
            code_hash(&code.to_lowercase().replace('-', " "))
        );
        assert_ne!(code_hash(&code), code_hash(&new_code().unwrap()));
    }

    #[test]
    fn a_nonce_is_good_once_and_for_its_device_only() {
        let c = Challenges::default();
        let n = c.issue("d1").unwrap();
        assert!(!c.take("d2", &n), "another device's nonce");
        let n = c.issue("d1").unwrap();
        assert!(c.take("d1", &n));
        assert!(!c.take("d1", &n), "used already");
        assert!(!c.take("d1", "made-up"));
    }
}
