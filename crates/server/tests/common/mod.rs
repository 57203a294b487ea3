//! A real PostgreSQL server for the tests: Debian's binaries (installed by `cargo xtask
//! setup`), a fresh cluster in a temporary folder, listening on 127.0.0.1 on a free port,
//! stopped when dropped. As root, it runs as the `postgres` user (PostgreSQL refuses root).
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

pub fn start() -> Postgres {
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
