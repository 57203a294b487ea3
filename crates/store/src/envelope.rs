//! The key envelope: the database key wrapped with the recovery passphrase, so the store
//! opens on a new OS account (or after the keyring entry is lost) with the passphrase alone.
//!
//! Argon2id derives a 256-bit key-encryption key from the passphrase and a random salt;
//! XChaCha20-Poly1305 seals the database key under it, with the installation id as
//! associated data so an envelope cannot be swapped in from another installation. The file
//! holds no client data and no secret in the clear.

use crate::DbKey;
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::{
    KeyInit, XChaCha20Poly1305, XNonce,
    aead::{Aead, OsRng, Payload, rand_core::RngCore},
};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

/// File name of the envelope inside the data directory.
pub const ENVELOPE_FILE: &str = "key-envelope.json";
const FORMAT: &str = "satchel-key-envelope";

/// Shortest recovery passphrase accepted.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// Argon2id cost. The defaults follow OWASP's guidance for Argon2id (well above its
/// 19 MiB / 2 passes minimum); they are stored in each envelope, so they can rise later
/// without breaking old envelopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub m_cost_kib: u32,
    pub t_cost: u32,
    pub p_cost: u32,
}

impl Default for KdfParams {
    fn default() -> Self {
        KdfParams {
            m_cost_kib: 64 * 1024,
            t_cost: 3,
            p_cost: 1,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    pub format: String,
    pub version: u32,
    /// The installation this store belongs to (also its keyring entry's name).
    pub install_id: String,
    pub kdf: String,
    pub kdf_params: KdfParams,
    pub salt: String,
    pub aead: String,
    pub nonce: String,
    pub ciphertext: String,
}

#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("the recovery passphrase is wrong")]
    WrongPassphrase,
    #[error("the recovery passphrase must be at least {MIN_PASSPHRASE_CHARS} characters")]
    WeakPassphrase,
    #[error("the key envelope {path} is missing")]
    Missing { path: String },
    #[error(
        "the key envelope {path} is damaged ({why}); restore it from a backup of the data folder"
    )]
    Damaged { path: String, why: String },
    #[error("file error writing the key envelope: {0}")]
    Io(#[from] std::io::Error),
}

fn derive(passphrase: &str, salt: &[u8], p: KdfParams) -> Result<Zeroizing<[u8; 32]>, String> {
    let params =
        Params::new(p.m_cost_kib, p.t_cost, p.p_cost, Some(32)).map_err(|e| e.to_string())?;
    let mut kek = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, kek.as_mut())
        .map_err(|e| e.to_string())?;
    Ok(kek)
}

impl Envelope {
    /// Seal `key` under `passphrase`.
    pub fn seal(
        install_id: &str,
        key: &DbKey,
        passphrase: &str,
        params: KdfParams,
    ) -> Result<Envelope, EnvelopeError> {
        if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(EnvelopeError::WeakPassphrase);
        }
        let mut salt = [0u8; 16];
        OsRng.fill_bytes(&mut salt);
        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut nonce);
        let kek = derive(passphrase, &salt, params).map_err(|why| EnvelopeError::Damaged {
            path: "(new envelope)".into(),
            why,
        })?;
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let ciphertext = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: key.as_bytes(),
                    aad: install_id.as_bytes(),
                },
            )
            .map_err(|_| EnvelopeError::Damaged {
                path: "(new envelope)".into(),
                why: "encryption failed".into(),
            })?;
        Ok(Envelope {
            format: FORMAT.into(),
            version: 1,
            install_id: install_id.into(),
            kdf: "argon2id-v19".into(),
            kdf_params: params,
            salt: hex::encode(salt),
            aead: "xchacha20poly1305".into(),
            nonce: hex::encode(nonce),
            ciphertext: hex::encode(ciphertext),
        })
    }

    /// Recover the database key with `passphrase`.
    pub fn open(&self, passphrase: &str) -> Result<DbKey, EnvelopeError> {
        let damaged = |why: &str| EnvelopeError::Damaged {
            path: ENVELOPE_FILE.into(),
            why: why.into(),
        };
        let salt = hex::decode(&self.salt).map_err(|_| damaged("bad salt"))?;
        let nonce = hex::decode(&self.nonce).map_err(|_| damaged("bad nonce"))?;
        let ciphertext = hex::decode(&self.ciphertext).map_err(|_| damaged("bad ciphertext"))?;
        if nonce.len() != 24 {
            return Err(damaged("bad nonce length"));
        }
        let kek = derive(passphrase, &salt, self.kdf_params).map_err(|why| damaged(&why))?;
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    XNonce::from_slice(&nonce),
                    Payload {
                        msg: &ciphertext,
                        aad: self.install_id.as_bytes(),
                    },
                )
                .map_err(|_| EnvelopeError::WrongPassphrase)?,
        );
        let bytes: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| damaged("bad key length"))?;
        Ok(DbKey::from_bytes(bytes))
    }

    /// Read and check an envelope file.
    pub fn read(path: &Path) -> Result<Envelope, EnvelopeError> {
        let shown = path.display().to_string();
        let text = match fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(EnvelopeError::Missing { path: shown });
            }
            Err(e) => return Err(e.into()),
        };
        let env: Envelope = serde_json::from_str(&text).map_err(|e| EnvelopeError::Damaged {
            path: shown.clone(),
            why: e.to_string(),
        })?;
        if env.format != FORMAT
            || env.version != 1
            || env.aead != "xchacha20poly1305"
            || env.kdf != "argon2id-v19"
        {
            return Err(EnvelopeError::Damaged {
                path: shown,
                why: format!("unknown format {} v{}", env.format, env.version),
            });
        }
        Ok(env)
    }

    /// Write atomically: a temporary file beside the target, synced, then renamed over it.
    pub fn write(&self, path: &Path) -> Result<(), EnvelopeError> {
        let json =
            serde_json::to_vec_pretty(self).map_err(|e| std::io::Error::other(e.to_string()))?;
        let tmp = path.with_extension("json.tmp");
        {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(&json)?;
            f.sync_all()?;
        }
        fs::rename(&tmp, path)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> KdfParams {
        KdfParams {
            m_cost_kib: 1024,
            t_cost: 1,
            p_cost: 1,
        }
    }

    #[test]
    fn seals_and_opens_with_the_right_passphrase_only() {
        let key = DbKey::generate();
        let env = Envelope::seal("install-1", &key, "a long recovery phrase", cheap()).unwrap();
        assert_eq!(env.open("a long recovery phrase").unwrap(), key);
        assert!(matches!(
            env.open("a long recovery phrasE"),
            Err(EnvelopeError::WrongPassphrase)
        ));
    }

    #[test]
    fn envelope_is_bound_to_its_installation() {
        let key = DbKey::generate();
        let mut env = Envelope::seal("install-1", &key, "a long recovery phrase", cheap()).unwrap();
        env.install_id = "install-2".into();
        assert!(matches!(
            env.open("a long recovery phrase"),
            Err(EnvelopeError::WrongPassphrase)
        ));
    }

    #[test]
    fn refuses_short_passphrases() {
        assert!(matches!(
            Envelope::seal("i", &DbKey::generate(), "short", cheap()),
            Err(EnvelopeError::WeakPassphrase)
        ));
    }

    #[test]
    fn file_holds_no_key_material_in_the_clear() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(ENVELOPE_FILE);
        let key = DbKey::generate();
        Envelope::seal("install-1", &key, "a long recovery phrase", cheap())
            .unwrap()
            .write(&path)
            .unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(!text.contains(key.to_hex().as_str()));
        assert!(!text.contains("a long recovery phrase"));
        let back = Envelope::read(&path).unwrap();
        assert_eq!(back.open("a long recovery phrase").unwrap(), key);
    }

    #[test]
    fn damaged_file_is_reported_as_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(ENVELOPE_FILE);
        fs::write(&path, "{ not json").unwrap();
        assert!(matches!(
            Envelope::read(&path),
            Err(EnvelopeError::Damaged { .. })
        ));
    }
}
