//! Where the database key lives between runs: the OS keyring.

use satchel_store::DbKey;
use std::collections::HashMap;
use std::sync::Mutex;

/// The keyring service name under which Satchel stores its keys.
pub const SERVICE: &str = "satchel";

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("the system keyring is not available ({0})")]
    Unavailable(String),
}

/// A place to keep the database key, one entry per installation.
pub trait KeyVault: Send + Sync {
    /// For status lines: "system keyring", "disabled"…
    fn describe(&self) -> &'static str;
    fn load(&self, install_id: &str) -> Result<Option<DbKey>, VaultError>;
    fn save(&self, install_id: &str, key: &DbKey) -> Result<(), VaultError>;
    /// Remove the entry; `Ok(false)` if there was none.
    fn forget(&self, install_id: &str) -> Result<bool, VaultError>;
}

/// The keyring entry for a slot: the database key's slot is the installation id (entry
/// `store-key:<install id>`); the device's sync key has the slot [`device_key_slot`]
/// (entry `device-key:<install id>`).
fn entry_name(slot: &str) -> String {
    if slot.starts_with(DEVICE_KEY) {
        slot.to_owned()
    } else {
        format!("store-key:{slot}")
    }
}

const DEVICE_KEY: &str = "device-key:";

/// The slot of this installation's device key for the firm server (an Ed25519 seed, 32
/// bytes, kept like the database key).
pub fn device_key_slot(install_id: &str) -> String {
    format!("{DEVICE_KEY}{install_id}")
}

/// The OS keyring through the `keyring` crate (Secret Service on Linux).
#[derive(Debug, Default)]
pub struct OsKeyring;

impl OsKeyring {
    fn entry(install_id: &str) -> Result<keyring::Entry, VaultError> {
        keyring::Entry::new(SERVICE, &entry_name(install_id)).map_err(unavailable)
    }
}

fn unavailable(e: keyring::Error) -> VaultError {
    let why = match &e {
        keyring::Error::NoStorageAccess(_) => "it is locked or access was refused".to_owned(),
        keyring::Error::PlatformFailure(inner) => format!("no keyring service answered: {inner}"),
        other => other.to_string(),
    };
    VaultError::Unavailable(why)
}

impl KeyVault for OsKeyring {
    fn describe(&self) -> &'static str {
        "system keyring"
    }

    fn load(&self, install_id: &str) -> Result<Option<DbKey>, VaultError> {
        match Self::entry(install_id)?.get_password() {
            Ok(hex) => Ok(DbKey::from_hex(&zeroize::Zeroizing::new(hex))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    fn save(&self, install_id: &str, key: &DbKey) -> Result<(), VaultError> {
        Self::entry(install_id)?
            .set_password(key.to_hex().as_str())
            .map_err(unavailable)
    }

    fn forget(&self, install_id: &str) -> Result<bool, VaultError> {
        match Self::entry(install_id)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(unavailable(e)),
        }
    }
}

/// No keyring: every open needs the recovery passphrase. For scripts on machines without
/// a keyring service (`SATCHEL_KEYRING=off`).
#[derive(Debug, Default)]
pub struct NoKeyring;

impl KeyVault for NoKeyring {
    fn describe(&self) -> &'static str {
        "disabled (passphrase on every open)"
    }
    fn load(&self, _: &str) -> Result<Option<DbKey>, VaultError> {
        Err(VaultError::Unavailable(
            "it is turned off by SATCHEL_KEYRING=off".into(),
        ))
    }
    fn save(&self, _: &str, _: &DbKey) -> Result<(), VaultError> {
        Err(VaultError::Unavailable(
            "it is turned off by SATCHEL_KEYRING=off".into(),
        ))
    }
    fn forget(&self, _: &str) -> Result<bool, VaultError> {
        Ok(false)
    }
}

/// A keyring held in memory, for tests of the services that do not exercise the OS one.
#[derive(Debug, Default)]
pub struct MemoryVault(Mutex<HashMap<String, [u8; 32]>>);

impl KeyVault for MemoryVault {
    fn describe(&self) -> &'static str {
        "memory"
    }
    fn load(&self, install_id: &str) -> Result<Option<DbKey>, VaultError> {
        let map = self
            .0
            .lock()
            .map_err(|_| VaultError::Unavailable("poisoned".into()))?;
        Ok(map.get(install_id).map(|b| DbKey::from_bytes(*b)))
    }
    fn save(&self, install_id: &str, key: &DbKey) -> Result<(), VaultError> {
        let mut map = self
            .0
            .lock()
            .map_err(|_| VaultError::Unavailable("poisoned".into()))?;
        map.insert(install_id.to_owned(), *key.as_bytes());
        Ok(())
    }
    fn forget(&self, install_id: &str) -> Result<bool, VaultError> {
        let mut map = self
            .0
            .lock()
            .map_err(|_| VaultError::Unavailable("poisoned".into()))?;
        Ok(map.remove(install_id).is_some())
    }
}

/// The vault the environment asks for: the OS keyring unless `SATCHEL_KEYRING=off`.
pub fn from_env() -> Box<dyn KeyVault> {
    match std::env::var("SATCHEL_KEYRING").as_deref() {
        Ok("off") => Box::new(NoKeyring),
        _ => Box::new(OsKeyring),
    }
}
