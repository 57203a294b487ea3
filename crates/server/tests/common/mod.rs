//! What the server's tests share: the `satchel-server` process (its admin commands, a
//! running server stopped when dropped, a device's samod repository connected to it), and
//! a real PostgreSQL server — Debian's binaries (installed by `cargo xtask setup`), a fresh
//! cluster in a temporary folder, listening on 127.0.0.1 on a free port, stopped when
//! dropped; as root, it runs as the `postgres` user (PostgreSQL refuses root).
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use automerge::ReadDoc;
use automerge::transaction::Transactable;
use satchel_sync::{DeviceDialer, DeviceKey, Enrolment, Server};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::time::timeout;

pub const BIN: &str = env!("CARGO_BIN_EXE_satchel-server");
/// How long any one wait in these tests may take.
pub const LIMIT: Duration = Duration::from_secs(20);

pub fn admin(dir: &Path, args: &[&str]) -> String {
    admin_with(dir, &[], args)
}

/// An admin command with global options (`--postgres URL`).
pub fn admin_with(dir: &Path, global: &[&str], args: &[&str]) -> String {
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(global)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "satchel-server {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A firm's server running on a data folder of its own: its users, a one-time code for
/// each initials asked for, and a client of it. Stopped (and its folder removed) when
/// dropped.
pub struct Firm {
    pub running: Running,
    pub server: Server,
    pub codes: Vec<String>,
    dir: tempfile::TempDir,
}

impl Firm {
    pub fn data(&self) -> &Path {
        self.dir.path()
    }
}

/// [`Firm`]: `users` as (name, initials, role), a code for each of `codes` (initials).
pub fn firm(users: &[(&str, &str, &str)], codes: &[&str]) -> Firm {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    for (name, initials, role) in users {
        add_user(dir.path(), &[], name, initials, role);
    }
    let codes = codes
        .iter()
        .map(|u| admin(dir.path(), &["enrol-code", "--user", u]))
        .collect();
    let running = start(dir.path());
    let server = Server::new(&running.address, &running.fingerprint).unwrap();
    Firm {
        running,
        server,
        codes,
        dir,
    }
}

/// A running server, stopped when dropped.
pub struct Running {
    child: Child,
    pub address: String,
    pub fingerprint: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start(dir: &Path) -> Running {
    start_with(dir, &[])
}

pub fn start_with(dir: &Path, global: &[&str]) -> Running {
    start_on(dir, global, "127.0.0.1:0")
}

pub fn start_on(dir: &Path, global: &[&str], listen: &str) -> Running {
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(global)
        .args(["serve", "--listen", listen])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut address = None;
    let mut fingerprint = None;
    while address.is_none() || fingerprint.is_none() {
        let line = lines
            .next()
            .expect("the server printed its address")
            .unwrap();
        if let Some(a) = line.strip_prefix("listening on ") {
            address = Some(a.to_owned());
        }
        if let Some(f) = line.strip_prefix("certificate fingerprint (SHA-256) ") {
            fingerprint = Some(f.to_owned());
        }
    }
    Running {
        child,
        address: address.unwrap(),
        fingerprint: fingerprint.unwrap(),
    }
}

pub async fn device_repo(server: &Server, e: &Enrolment, key: DeviceKey) -> samod::Repo {
    let repo = samod::Repo::build_tokio()
        .with_peer_id(samod::PeerId::from(e.device_id.as_str()))
        .load()
        .await;
    let dialer = repo
        .dial(
            // Retry quickly and without end: a server that goes away is waited for.
            samod::BackoffConfig {
                initial_delay: Duration::from_millis(100),
                max_delay: Duration::from_secs(1),
                max_retries: None,
            },
            Arc::new(DeviceDialer {
                server: server.clone(),
                device_id: e.device_id.clone(),
                key: Arc::new(key),
            }),
        )
        .unwrap();
    timeout(LIMIT, dialer.established()).await.unwrap().unwrap();
    repo
}

pub struct Postgres {
    child: Child,
    _dir: tempfile::TempDir,
    pub url: String,
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // A fast shutdown (SIGINT) so the cluster leaves no shared memory behind.
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn bin_dir() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed (cargo xtask setup installs Debian's postgresql)")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .expect("a PostgreSQL with initdb under /usr/lib/postgresql")
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// `program` with `args`, as the postgres user when we are root.
fn command(program: &Path, args: &[&str]) -> Command {
    if running_as_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program).args(args);
        c
    } else {
        let mut c = Command::new(program);
        c.args(args);
        c
    }
}

/// A user of the firm on the server (`--postgres URL` in `global` for a server on
/// PostgreSQL).
pub fn add_user(dir: &Path, global: &[&str], name: &str, initials: &str, role: &str) {
    admin_with(
        dir,
        global,
        &[
            "user",
            "add",
            "--name",
            name,
            "--initials",
            initials,
            "--role",
            role,
        ],
    );
}

/// A device enrolled with `code`, and its key.
pub async fn enrolled(server: &Server, code: &str, name: &str) -> (Enrolment, DeviceKey) {
    let key = DeviceKey::generate().unwrap();
    let e = server.enrol(code, name, &key, None, None).await.unwrap();
    (e, key)
}

/// A new document with one text field.
pub fn new_doc(key: &str, value: &str) -> automerge::Automerge {
    let mut doc = automerge::Automerge::new();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(automerge::ROOT, key, value)?;
        Ok(())
    })
    .unwrap();
    doc
}

/// Find a document through the server, asking again until it is there (bounded).
pub async fn find(repo: &samod::Repo, id: &samod::DocumentId) -> samod::DocHandle {
    timeout(LIMIT, async {
        loop {
            if let Ok(Some(h)) = repo.find(id.clone()).await {
                return h;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the document came through the server")
}

/// Text at a key of a document.
pub fn text_at(h: &samod::DocHandle, key: &str) -> Option<String> {
    h.with_document(|d| {
        d.get(automerge::ROOT, key)
            .unwrap()
            .and_then(|(v, _)| v.into_string().ok())
    })
}

pub fn put_text(h: &samod::DocHandle, key: &str, value: &str) {
    h.with_document(|d| {
        d.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(automerge::ROOT, key, value)?;
            Ok(())
        })
        .unwrap();
    });
}

pub fn start_postgres() -> Postgres {
    let bin = bin_dir();
    let dir = tempfile::tempdir().unwrap();
    if running_as_root() {
        let id = |flag: &str| -> u32 {
            let out = Command::new("id")
                .args([flag, "postgres"])
                .output()
                .unwrap();
            String::from_utf8(out.stdout)
                .unwrap()
                .trim()
                .parse()
                .unwrap()
        };
        std::os::unix::fs::chown(dir.path(), Some(id("-u")), Some(id("-g"))).unwrap();
    }
    let data = dir.path().join("data");
    let data_s = data.display().to_string();
    let out = command(
        &bin.join("initdb"),
        &[
            "-D",
            &data_s,
            "-A",
            "trust",
            "-U",
            "satchel",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sock = dir.path().display().to_string();
    let child = command(
        &bin.join("postgres"),
        &[
            "-D",
            &data_s,
            "-k",
            &sock,
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-F",
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let url = format!("host=127.0.0.1 port={port} user=satchel dbname=postgres");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            let ok = Command::new(bin.join("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                break;
            }
        }
        assert!(
            Instant::now() < deadline,
            "PostgreSQL did not start within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Postgres {
        child,
        _dir: dir,
        url,
    }
}
