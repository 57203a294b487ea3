//! The firm server (`satchel-server`). It keeps the firm's Automerge documents and syncs
//! them with enrolled devices over the automerge-repo WebSocket protocol (samod), over TLS
//! always; each connection is opened with a signed challenge and bound to its device.
//! Storage is behind one trait ([`storage::ServerStore`]).
#![forbid(unsafe_code)]

pub mod auth;
pub mod backup;
pub mod confirm;
pub mod http;
pub mod policy;
pub mod postgres;
pub mod repo_storage;
pub mod storage;
pub mod tls;

use anyhow::{Context, Result};
use satchel_store::DbKey;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The server database's file in the data folder.
pub const DB_FILE: &str = "server.db";
/// The file holding the database key (hex), readable by the server's user alone.
pub const KEY_FILE: &str = "server.key";
/// The environment variable that gives the key instead of the file.
pub const KEY_ENV: &str = "SATCHEL_SERVER_KEY";

/// Write a file only its owner may read (a key).
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("create {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

/// The database key: from the environment, or the key file (made with a fresh key the first
/// time). A key file others may read is refused.
pub fn database_key(dir: &Path) -> Result<DbKey> {
    if let Ok(hex) = std::env::var(KEY_ENV) {
        return DbKey::from_hex(&hex)
            .with_context(|| format!("{KEY_ENV} must be 64 hex digits (a 256-bit key)"));
    }
    let path = dir.join(KEY_FILE);
    if !path.exists() {
        std::fs::create_dir_all(dir)?;
        write_private(&path, DbKey::generate().to_hex().as_bytes())?;
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path)?.permissions().mode();
    if mode & 0o077 != 0 {
        anyhow::bail!(
            "{} may be read by others (mode {:o}); make it readable by the server's user alone (chmod 600)",
            path.display(),
            mode & 0o777
        );
    }
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(&path)?);
    DbKey::from_hex(&text).with_context(|| format!("{} is not a key", path.display()))
}

/// Open the server's default store in `dir`.
pub fn open_store(dir: &Path) -> Result<storage::SqliteStore> {
    let key = database_key(dir)?;
    Ok(storage::SqliteStore::open(&dir.join(DB_FILE), &key)?)
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub dir: PathBuf,
    pub listen: SocketAddr,
    pub tls: Option<tls::TlsFiles>,
    /// Host names and addresses for a certificate made here.
    pub names: Vec<String>,
    /// Matter numbers given to a device at a time (bill numbers: five times as many).
    pub number_block: u32,
}

/// Matter numbers given to a device at a time, unless the administrator says otherwise.
pub const DEFAULT_NUMBER_BLOCK: u32 = 200;

/// Serve until `shutdown` resolves. Prints where it listens and the certificate's
/// fingerprint (what devices pin) once it is listening.
pub async fn serve<S: storage::ServerStore>(
    store: S,
    options: ServeOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let files = tls::certificate(&options.dir, options.tls.clone(), &options.names)?;
    let fingerprint = tls::fingerprint_of(&files.cert)?;
    let policy = policy::Policy::new(store.clone()).await?;
    let (stored, changed) = tokio::sync::mpsc::unbounded_channel();
    let health = repo_storage::Health::default();
    let repo = samod::Repo::build_tokio()
        .with_storage(repo_storage::RepoStorage::new(
            store.clone(),
            Some(stored.clone()),
            health.clone(),
        ))
        .with_peer_id(samod::PeerId::from("satchel-server"))
        .with_share_policy(policy.clone())
        .load()
        .await;
    // The firm's books answer pending client-account payments as their documents arrive.
    tokio::spawn(confirm::run(store.clone(), repo.clone(), changed));
    let acceptor = repo
        .make_acceptor(url::Url::parse("wss://satchel-server/sync")?)
        .map_err(|e| anyhow::anyhow!("start the sync acceptor: {e}"))?;
    let server = Arc::new(http::Server {
        store,
        acceptor,
        challenges: auth::Challenges::default(),
        policy,
        health,
        stored,
        number_block: i64::from(options.number_block),
    });
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&files.cert, &files.key)
        .await
        .context("load the TLS certificate and key")?;
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(Some(std::time::Duration::from_secs(5)));
    });
    let announce = handle.clone();
    tokio::spawn(async move {
        if let Some(addr) = announce.listening().await {
            println!("listening on https://{addr}");
            println!("certificate fingerprint (SHA-256) {fingerprint}");
        }
    });
    axum_server::bind_rustls(options.listen, config)
        .handle(handle)
        .serve(http::router(server).into_make_service())
        .await
        .context("serve")?;
    repo.stop().await;
    Ok(())
}
