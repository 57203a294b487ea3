use rusqlite::Connection;
use zeroize::{Zeroize, Zeroizing};

/// The database key: 256 random bits. `Debug` never shows it; memory is zeroed on drop.
#[derive(Clone)]
pub struct DbKey(Zeroizing<[u8; 32]>);

impl DbKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> DbKey {
        use chacha20poly1305::aead::{OsRng, rand_core::RngCore};
        let mut bytes = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(bytes.as_mut());
        DbKey(bytes)
    }

    pub fn from_bytes(mut bytes: [u8; 32]) -> DbKey {
        let key = DbKey(Zeroizing::new(bytes));
        bytes.zeroize();
        key
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Hex form, for the OS keyring entry. The caller must not log it.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_ref()))
    }

    pub fn from_hex(text: &str) -> Option<DbKey> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut bytes).ok()?;
        Some(DbKey::from_bytes(bytes))
    }

    /// Key an SQLCipher connection with the raw key (no passphrase derivation: fast open).
    /// Key a connection with this key (`PRAGMA key`, the raw key, never logged).
    pub fn apply(&self, conn: &Connection) -> rusqlite::Result<()> {
        self.apply_as(conn, "key")
    }

    /// `PRAGMA key` or `PRAGMA rekey` with this key.
    pub(crate) fn apply_as(&self, conn: &Connection, pragma: &str) -> rusqlite::Result<()> {
        let pragma = Zeroizing::new(format!(
            "PRAGMA {pragma} = \"x'{}'\";",
            self.to_hex().as_str()
        ));
        conn.execute_batch(&pragma)
    }
}

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey([redacted])")
    }
}

impl PartialEq for DbKey {
    fn eq(&self, other: &Self) -> bool {
        // Constant-time enough for a test helper: no early exit.
        self.0
            .iter()
            .zip(other.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}
