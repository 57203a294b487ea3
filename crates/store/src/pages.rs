//! Every page of an SQLCipher file, decrypted: what the file holds, free pages and the
//! unused ends of pages included, for checks that a value is gone from it (an erasure).
//! SQLCipher 4 with a raw key: each page is AES-256-CBC under the key, its IV in the
//! page's reserved tail (16 bytes of IV, then the 64-byte HMAC); page 1 begins with the
//! 16-byte salt instead of SQLite's header string.

use crate::{DbKey, PAGE_SIZE, StoreError};
use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::NoPadding};
use std::path::Path;

type Decryptor = cbc::Decryptor<aes::Aes256>;

/// The reserved tail of each page: IV and HMAC-SHA512.
const RESERVE: usize = 16 + 64;
const SALT: usize = 16;

/// One page decrypted (page 1 without its salt).
fn decrypt_page(path: &Path, p: &[u8], first: bool, key: &DbKey) -> Result<Vec<u8>, StoreError> {
    let page = p.len();
    let start = if first { SALT } else { 0 };
    let (data, tail) = p.split_at(page - RESERVE);
    let iv = &tail[..16];
    let mut buf = data[start..].to_vec();
    Decryptor::new(key.as_bytes().into(), iv.into())
        .decrypt_padded_mut::<NoPadding>(&mut buf)
        .map_err(|_| StoreError::Damaged {
            path: path.to_owned(),
            why: "a page does not decrypt".into(),
        })?;
    Ok(buf)
}

/// The pages in a write-ahead log (`…-wal`), decrypted with `key`, one after another: the
/// frames not yet written back into the database.
pub fn decrypted_wal(path: &Path, key: &DbKey) -> Result<Vec<u8>, StoreError> {
    const HEADER: usize = 32;
    const FRAME_HEADER: usize = 24;
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let page = usize::try_from(PAGE_SIZE).unwrap_or(4096);
    let mut out = Vec::new();
    for frame in bytes
        .get(HEADER..)
        .unwrap_or_default()
        .chunks(FRAME_HEADER + page)
    {
        if frame.len() != FRAME_HEADER + page {
            break;
        }
        let number = u32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]);
        out.extend(decrypt_page(
            path,
            &frame[FRAME_HEADER..],
            number == 1,
            key,
        )?);
    }
    Ok(out)
}

/// The file's pages decrypted with `key`, one after another (page 1 without its salt). A
/// key that is not the file's is refused (page 1 must read as an SQLite header would).
pub fn decrypted_pages(path: &Path, key: &DbKey) -> Result<Vec<u8>, StoreError> {
    let bytes = std::fs::read(path)?;
    let page = usize::try_from(PAGE_SIZE).unwrap_or(4096);
    let mut out = Vec::with_capacity(bytes.len());
    for (n, p) in bytes.chunks(page).enumerate() {
        if p.len() != page {
            return Err(StoreError::Damaged {
                path: path.to_owned(),
                why: "it is not a whole number of pages".into(),
            });
        }
        let buf = decrypt_page(path, p, n == 0, key)?;
        if n == 0 {
            // Bytes 16.. of SQLite's header: the page size (big-endian; 1 means 65536), and
            // at offset 20 the reserved bytes per page.
            let size = u16::from_be_bytes([buf[0], buf[1]]);
            if usize::from(size) != page || usize::from(buf[4]) != RESERVE {
                return Err(StoreError::WrongKey(path.to_owned()));
            }
        }
        out.extend_from_slice(&buf);
    }
    Ok(out)
}
