//! Key rotation and the recovery passphrase.
//!
//! Rotating the key re-encrypts the store under a new random key: the new key is sealed
//! with the recovery passphrase into `key-envelope.json.next` first, then the database is
//! re-encrypted (SQLCipher's rekey), then the new envelope renamed over the old one and the
//! keyring told. Stopped part way, the store opens still: with the old key if the rekey
//! had not happened (the `.next` envelope is then thrown away), else with the passphrase,
//! which opens the `.next` envelope (see [`finish_rotation`]). Backups taken from then on
//! are under the new key; earlier ones keep theirs, with the envelope they were made with.

use crate::vault::KeyVault;
use crate::{AppError, Satchel, envelope_path};
use satchel_store::envelope::Envelope;
use satchel_store::{DbKey, Store, StoreError};
use std::path::{Path, PathBuf};

/// The envelope of a rotation under way, beside the envelope.
pub(crate) fn next_envelope_path(data_dir: &Path) -> PathBuf {
    envelope_path(data_dir).with_extension("json.next")
}

/// After an interrupted rotation: the database opens with `key` already (the rekey never
/// happened), so the `.next` envelope is thrown away; or it does not, and the passphrase
/// opens the `.next` envelope, whose key does — the rotation is then finished (the `.next`
/// envelope becomes the envelope). Returns the store and the key that opened it.
pub(crate) fn finish_rotation(
    data_dir: &Path,
    db: &Path,
    key: DbKey,
    passphrase: Option<&str>,
) -> Result<(Store, DbKey), AppError> {
    let next = next_envelope_path(data_dir);
    match Store::open(db, &key) {
        Ok(store) => {
            if next.exists() {
                let _ = std::fs::remove_file(&next);
            }
            Ok((store, key))
        }
        Err(StoreError::WrongKey(path)) if next.exists() => {
            let Some(passphrase) = passphrase else {
                return Err(AppError::Locked(
                    "a change of this store's key was interrupted: enter the recovery passphrase to finish it".into(),
                ));
            };
            let new = Envelope::read(&next)?.open(passphrase)?;
            let store = Store::open(db, &new).map_err(|_| StoreError::WrongKey(path))?;
            std::fs::rename(&next, envelope_path(data_dir))?;
            Ok((store, new))
        }
        Err(e) => Err(e.into()),
    }
}

impl Satchel {
    /// Re-encrypt the store under a new random key, sealed with the recovery passphrase
    /// (which must open the current envelope), and put it in the keyring.
    pub fn rotate_key(&mut self, vault: &dyn KeyVault, passphrase: &str) -> Result<(), AppError> {
        let env_path = envelope_path(&self.data_dir);
        let envelope = Envelope::read(&env_path)?;
        if envelope.open(passphrase)? != self.key {
            return Err(AppError::Locked(
                "the key envelope does not hold this store's key; nothing was changed".into(),
            ));
        }
        let new = DbKey::generate();
        let sealed = Envelope::seal(&self.ctx.install_id, &new, passphrase, envelope.kdf_params)?;
        let next = next_envelope_path(&self.data_dir);
        sealed.write(&next)?;
        // Re-encrypting rewrites every page: done with a rollback journal (the WAL written
        // back first), the WAL again after.
        let rekeyed = (|| -> Result<(), AppError> {
            if !self.store.rollback_journal()? {
                return Err(AppError::Locked(
                    "another program has the store open; close it and try again (nothing was changed)"
                        .into(),
                ));
            }
            let done = self.store.rekey(&new);
            self.store.back_to_wal()?;
            Ok(done?)
        })();
        if let Err(e) = rekeyed {
            // The old key still opens the store: the new envelope is not needed.
            if Store::open_copy(self.store.path(), &self.key).is_ok() {
                let _ = std::fs::remove_file(&next);
            }
            return Err(e);
        }
        std::fs::rename(&next, &env_path)?;
        self.key = new;
        let keyring = vault.save(&self.ctx.install_id, &self.key).is_ok();
        self.keyring_ok = keyring;
        self.write("key.rotate", "store", |_, _, _| {
            Ok(serde_json::json!({ "keyring_updated": keyring }))
        })?;
        Ok(())
    }

    /// Seal the store's key under a new recovery passphrase (the old one must open the
    /// envelope). Backups made before keep the passphrase they were made with.
    pub fn change_passphrase(&mut self, old: &str, new: &str) -> Result<(), AppError> {
        let env_path = envelope_path(&self.data_dir);
        let envelope = Envelope::read(&env_path)?;
        let key = envelope.open(old)?;
        if key != self.key {
            return Err(AppError::Locked(
                "the key envelope does not hold this store's key; nothing was changed".into(),
            ));
        }
        Envelope::seal(&self.ctx.install_id, &key, new, envelope.kdf_params)?.write(&env_path)?;
        self.write("passphrase.change", "store", |_, _, _| {
            Ok(serde_json::json!({}))
        })?;
        Ok(())
    }
}
