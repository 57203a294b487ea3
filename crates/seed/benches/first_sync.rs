//! A fresh device's first sync of a ten-year firm (`cargo xtask bench sync`): the firm10y
//! store (made by `cargo xtask seed --size firm10y`, given as `SATCHEL_BENCH_STORE`) is
//! copied, enrolled with a real `satchel-server` (release, `SATCHEL_SERVER_BIN`) on
//! loopback over TLS and synced up — the first partner bringing the firm to its new server;
//! then a new laptop joins the firm from nothing and syncs everything down: the figure the
//! goal (under 60 s) is about. Prints both times, the documents and the server's peak
//! memory.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark that cannot set up should stop

use satchel_app::{Join, MemoryVault, Satchel, SyncError, SyncJob, Unlock};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The allocator the desktop and the command line use.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long one exchange may run before the benchmark stops it and reports how far it got
/// (`SATCHEL_BENCH_CAP_S`, default ten minutes).
fn cap() -> Duration {
    Duration::from_secs(
        std::env::var("SATCHEL_BENCH_CAP_S")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(600),
    )
}

/// What an exchange gave back, and how long it took.
type Exchange = (SyncJob, Result<satchel_app::Exchanged, SyncError>, f64);

/// Run a sync's exchange for at most [`cap`]: its outcome, or `None` when stopped (how far
/// it got is printed).
fn exchange_capped(what: &str, job: SyncJob) -> Option<Exchange> {
    let done = Arc::new(AtomicU64::new(0));
    let of = Arc::new(AtomicU64::new(0));
    let (tx, rx) = std::sync::mpsc::channel();
    let (d, o) = (done.clone(), of.clone());
    let t = Instant::now();
    std::thread::spawn(move || {
        let got = job.run(&move |n, m| {
            d.store(n, Ordering::Relaxed);
            o.store(m, Ordering::Relaxed);
        });
        let _ = tx.send((job, got));
    });
    match rx.recv_timeout(cap()) {
        Ok((job, got)) => Some((job, got, t.elapsed().as_secs_f64())),
        Err(_) => {
            let secs = t.elapsed().as_secs_f64();
            let (n, m) = (done.load(Ordering::Relaxed), of.load(Ordering::Relaxed));
            let rate = n as f64 / secs;
            println!(
                "  {what}: stopped after {secs:.0} s with {n} of {m} documents in step ({rate:.1}/s); at that rate all {m} would take {:.0} s   goal < {GOAL_S} s   MISSED",
                m as f64 / rate.max(0.001)
            );
            None
        }
    }
}

const PASS: &str = "satchel demo passphrase";
const GOAL_S: f64 = 60.0;

struct Server {
    child: Child,
    bin: PathBuf,
    dir: tempfile::TempDir,
    address: String,
    fingerprint: String,
}

impl Server {
    fn admin(bin: &Path, dir: &Path, args: &[&str]) -> String {
        let out = Command::new(bin)
            .arg("--data-dir")
            .arg(dir)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    fn start(bin: PathBuf, name: &str, initials: &str) -> Server {
        let dir = tempfile::tempdir().unwrap();
        Self::admin(
            &bin,
            dir.path(),
            &[
                "user",
                "add",
                "--name",
                name,
                "--initials",
                initials,
                "--role",
                "partner",
            ],
        );
        let mut child = Command::new(&bin)
            .arg("--data-dir")
            .arg(dir.path())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut address, mut fingerprint) = (String::new(), String::new());
        while address.is_empty() || fingerprint.is_empty() {
            let line = lines.next().unwrap().unwrap();
            if let Some(a) = line.strip_prefix("listening on ") {
                address = a.to_owned();
            }
            if let Some(f) = line.strip_prefix("certificate fingerprint (SHA-256) ") {
                fingerprint = f.to_owned();
            }
        }
        Server {
            child,
            bin,
            dir,
            address,
            fingerprint,
        }
    }

    fn code(&self, initials: &str) -> String {
        Self::admin(
            &self.bin,
            self.dir.path(),
            &["enrol-code", "--user", initials],
        )
    }

    fn peak_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn main() {
    let Some(store) = std::env::var_os("SATCHEL_BENCH_STORE").map(PathBuf::from) else {
        println!("first sync: set SATCHEL_BENCH_STORE (cargo xtask bench sync does)");
        return;
    };
    let bin = std::env::var_os("SATCHEL_SERVER_BIN")
        .map(PathBuf::from)
        .expect("SATCHEL_SERVER_BIN names the satchel-server binary");
    // A copy: enrolling writes to the store.
    let work = tempfile::tempdir().unwrap();
    let a_dir = work.path().join("partner");
    std::fs::create_dir_all(&a_dir).unwrap();
    for f in std::fs::read_dir(&store).unwrap() {
        let f = f.unwrap();
        if f.file_type().unwrap().is_file() {
            std::fs::copy(f.path(), a_dir.join(f.file_name())).unwrap();
        }
    }
    let vault_a = MemoryVault::default();
    let (opened, a) = {
        let t = Instant::now();
        let a = Satchel::open(&a_dir, &vault_a, Unlock::Passphrase(PASS)).unwrap();
        (t.elapsed(), a)
    };
    let mut a = a;
    let who = a.session();
    let server = Server::start(bin, &who.user_name, &who.initials);
    a.enrol_device(
        &vault_a,
        &server.address,
        &server.fingerprint,
        &server.code(&who.initials),
        "firm10y partner",
    )
    .unwrap();
    println!(
        "first sync of firm10y (opened the copy in {:.1} s)",
        opened.as_secs_f64()
    );
    let job = a.sync_job(&vault_a).unwrap();
    let Some((job, got, up_s)) =
        exchange_capped("the partner's store brought to a new server", job)
    else {
        println!("  server peak memory {:.1} MB", server.peak_mb());
        return;
    };
    let up = a.finish_sync(&vault_a, job, got).unwrap();
    println!(
        "  the partner's store brought to a new server   {:>8.1} s   {} documents ({:.0}/s)",
        up_s,
        up.documents,
        up.documents as f64 / up_s
    );
    drop(a);

    let b_dir = work.path().join("laptop");
    let vault_b = MemoryVault::default();
    let t = Instant::now();
    let code = server.code(&who.initials);
    let mut b = Satchel::join(
        &b_dir,
        &vault_b,
        &Join {
            address: &server.address,
            fingerprint: &server.fingerprint,
            code: &code,
            device_name: "new laptop",
            passphrase: PASS,
        },
        Default::default(),
    )
    .unwrap();
    let joined = t.elapsed().as_secs_f64();
    let job = b.sync_job(&vault_b).unwrap();
    let Some((job, got, down_s)) = exchange_capped("the new laptop's first sync", job) else {
        println!("  server peak memory {:.1} MB", server.peak_mb());
        return;
    };
    println!(
        "  a new laptop joins (enrol, the firm's records) {:>8.1} s",
        joined
    );
    println!("  its first sync's exchange (what it lacks, listed) {down_s:>4.1} s");
    // Fetching what it lacks and merging it into the store as it comes, capped like the
    // exchange (stopped, it keeps nothing).
    let t = Instant::now();
    let merged = AtomicU64::new(0);
    let outcome = b.finish_sync_with(&vault_b, job, got, &|n, _| {
        merged.store(n, Ordering::Relaxed);
        t.elapsed() < cap()
    });
    let Ok(down) = outcome else {
        let secs = t.elapsed().as_secs_f64();
        let n = merged.load(Ordering::Relaxed);
        println!(
            "  its first sync's merge into the store: stopped after {secs:.0} s with {n} documents merged ({:.1}/s)   goal < {GOAL_S} s   MISSED",
            n as f64 / secs
        );
        println!("  server peak memory {:.1} MB", server.peak_mb());
        return;
    };
    let matters = b.status().unwrap().matters;
    println!(
        "  its first sync's fetch and merge into the store {:>7.1} s",
        t.elapsed().as_secs_f64()
    );
    let down_s = down_s + t.elapsed().as_secs_f64();
    println!(
        "  its first sync: everything it may have        {:>8.1} s   {} documents, {} matters ({:.0}/s)   goal < {GOAL_S} s ({:.2}× of goal) {}",
        down_s,
        down.arrived,
        matters,
        down.arrived as f64 / down_s,
        down_s / GOAL_S,
        if down_s < GOAL_S { "ok" } else { "MISSED" }
    );
    println!(
        "  server peak memory                            {:>8.1} MB",
        server.peak_mb()
    );
}
