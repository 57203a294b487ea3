//! TLS, always: the server's certificate is the one configured, or one made at first start
//! (self-signed, by rcgen) and kept in the data folder. Devices pin its SHA-256 fingerprint
//! when they enrol, so a self-signed certificate is as safe as a bought one.

use anyhow::{Context, Result};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use satchel_sync::protocol::fingerprint;
use std::path::{Path, PathBuf};

/// The certificate and key the server presents.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The fingerprint of the first certificate in a PEM file.
pub fn fingerprint_of(cert_pem: &Path) -> Result<String> {
    let der = CertificateDer::from_pem_file(cert_pem)
        .with_context(|| format!("read the certificate {}", cert_pem.display()))?;
    Ok(fingerprint(&der))
}

/// The configured certificate, or the one made at first start in `dir/tls` (made now if
/// there is none), for `names` (host names and IP addresses the server is reached at).
pub fn certificate(dir: &Path, configured: Option<TlsFiles>, names: &[String]) -> Result<TlsFiles> {
    if let Some(files) = configured {
        return Ok(files);
    }
    let tls = dir.join("tls");
    let files = TlsFiles {
        cert: tls.join("cert.pem"),
        key: tls.join("key.pem"),
    };
    if files.cert.exists() && files.key.exists() {
        return Ok(files);
    }
    std::fs::create_dir_all(&tls)?;
    let made = rcgen::generate_simple_self_signed(names.to_vec())
        .context("make the server's self-signed certificate")?;
    crate::write_private(&files.key, made.signing_key.serialize_pem().as_bytes())?;
    std::fs::write(&files.cert, made.cert.pem())?;
    Ok(files)
}
