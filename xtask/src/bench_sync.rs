//! `cargo xtask bench sync`: the firm server against the reference JavaScript sync server
//! (`@automerge/automerge-repo-sync-server`) on this machine, with the same JavaScript
//! clients and documents (`crates/server/tests/interop/bench.mjs`): one device creates N
//! small matter documents, another asks the server for each. Prints documents synced per
//! second and each server's peak memory (VmHWM), and the ratios. Ours speaks TLS and checks
//! every document against the device's grants; the reference does neither.

use crate::util::{cmd, run as run_cmd};
use crate::{root, target_dir};
use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Documents per run, and runs per server (the median is taken).
const DOCS: u32 = 1000;
const RUNS: usize = 3;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Peak resident memory of a process, in MB.
fn peak_mb(pid: u32) -> Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("VmHWM in /proc")?;
    Ok(kb / 1024.0)
}

/// CPU time a process has used so far (user and system), in seconds.
fn cpu_s(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // After the command name (in parentheses, which may hold spaces): utime and stime are
    // the 12th and 13th fields, in clock ticks (100 a second on Linux).
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .context("/proc stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> Result<f64> {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .context("CPU time in /proc stat")
    };
    Ok((ticks(11)? + ticks(12)?) / 100.0)
}

/// What one server did over the runs.
struct Measured {
    /// Documents per second (median of the runs).
    rate: f64,
    /// Peak memory, MB.
    peak_mb: f64,
    /// The server's own CPU time per 1,000 documents (upload and fetch), in ms.
    cpu_ms: f64,
    /// The fetching client's busy time (median of the runs), in ms.
    client_ms: f64,
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Wait for a line starting with `prefix` on the child's stdout; the rest of the line.
fn wait_line(child: &mut Child, prefix: &str) -> Result<String> {
    let out = child.stdout.take().context("the server's output")?;
    let mut lines = BufReader::new(out).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        match lines.next() {
            Some(line) => {
                let line = line?;
                if let Some(rest) = line.strip_prefix(prefix) {
                    return Ok(rest.to_owned());
                }
            }
            None => break,
        }
    }
    bail!("the server never printed '{prefix}'")
}

/// One client run: what it fetched and how long it took.
struct Run {
    documents: u32,
    ms: f64,
    /// How long of that the client's own thread was busy.
    client_ms: f64,
}

fn client(args: &[&str], extra_ca: Option<&Path>) -> Result<Run> {
    let dir = root().join("crates/server/tests/interop");
    let mut c = Command::new("node");
    c.current_dir(&dir).arg("bench.mjs").args(args);
    if let Some(ca) = extra_ca {
        c.env("NODE_EXTRA_CA_CERTS", ca);
    }
    let out = c.output().context("run node")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<f64> = text
        .lines()
        .find_map(|l| l.strip_prefix("result "))
        .map(|r| {
            r.split_whitespace()
                .filter_map(|f| f.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let [n, ok, ms, client_ms] = fields[..] else {
        bail!(
            "the benchmark client printed {text:?} and {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    if !out.status.success() || ok < n {
        bail!("the benchmark client got {ok} of {n} documents");
    }
    Ok(Run {
        documents: ok as u32,
        ms,
        client_ms,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Our server.
fn ours() -> Result<Measured> {
    let bin = target_dir().join("release/satchel-server");
    let data = tempfile_dir("satchel-bench-sync")?;
    let admin = |args: &[&str]| -> Result<String> {
        let out = Command::new(&bin)
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .output()?;
        if !out.status.success() {
            bail!(
                "satchel-server {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8(out.stdout)?.trim().to_owned())
    };
    admin(&[
        "user",
        "add",
        "--name",
        "Bench Partner",
        "--initials",
        "BP",
        "--role",
        "partner",
    ])?;
    let mut child = Killed(
        Command::new(&bin)
            .arg("--data-dir")
            .arg(&data)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let address = wait_line(&mut child.0, "listening on https://")?;
    let ca = data.join("tls/cert.pem");
    let mut rates = Vec::new();
    let mut client_ms = Vec::new();
    let cpu_before = cpu_s(child.0.id())?;
    for _ in 0..RUNS {
        let (a, b) = (
            admin(&["enrol-code", "--user", "BP"])?,
            admin(&["enrol-code", "--user", "BP"])?,
        );
        let run = client(&["satchel", &address, &DOCS.to_string(), &a, &b], Some(&ca))?;
        println!(
            "    satchel-server run: {} documents in {:.0} ms (the client busy {:.0} ms of it)",
            run.documents, run.ms, run.client_ms
        );
        rates.push(f64::from(run.documents) / (run.ms / 1000.0));
        client_ms.push(run.client_ms);
    }
    let cpu = cpu_s(child.0.id())? - cpu_before;
    let peak_mb = peak_mb(child.0.id())?;
    drop(child);
    let _ = std::fs::remove_dir_all(&data);
    Ok(Measured {
        rate: median(rates),
        peak_mb,
        cpu_ms: cpu * 1000.0 / (f64::from(DOCS) * RUNS as f64 / 1000.0),
        client_ms: median(client_ms),
    })
}

/// The reference server.
fn reference() -> Result<Measured> {
    let dir = root().join("crates/server/tests/interop");
    let data = tempfile_dir("satchel-bench-sync-ref")?;
    let port = free_port()?;
    let mut child = Killed(
        Command::new("node")
            .current_dir(&dir)
            .arg("node_modules/@automerge/automerge-repo-sync-server/src/index.js")
            .env("PORT", port.to_string())
            .env("DATA_DIR", data.join("amrg"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?,
    );
    wait_line(&mut child.0, "Listening on port")?;
    let mut rates = Vec::new();
    let mut client_ms = Vec::new();
    let cpu_before = cpu_s(child.0.id())?;
    for _ in 0..RUNS {
        let run = client(&["ref", &port.to_string(), &DOCS.to_string()], None)?;
        println!(
            "    reference run: {} documents in {:.0} ms (the client busy {:.0} ms of it)",
            run.documents, run.ms, run.client_ms
        );
        rates.push(f64::from(run.documents) / (run.ms / 1000.0));
        client_ms.push(run.client_ms);
    }
    let cpu = cpu_s(child.0.id())? - cpu_before;
    let peak_mb = peak_mb(child.0.id())?;
    drop(child);
    let _ = std::fs::remove_dir_all(&data);
    Ok(Measured {
        rate: median(rates),
        peak_mb,
        cpu_ms: cpu * 1000.0 / (f64::from(DOCS) * RUNS as f64 / 1000.0),
        client_ms: median(client_ms),
    })
}

fn tempfile_dir(name: &str) -> Result<std::path::PathBuf> {
    let dir = target_dir().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

pub fn run() -> Result<()> {
    run_cmd(
        &mut cmd("cargo", &["build", "--release", "-p", "satchel-server"]),
        "build the firm server",
    )?;
    println!(
        "sync: {DOCS} matter documents created on one device and fetched by another, median of {RUNS} runs"
    );
    let us = ours()?;
    let theirs = reference()?;
    println!(
        "  satchel-server (TLS, grants checked)      {:>8.0} documents/s   peak {:>6.1} MB   server CPU {:>6.0} ms per 1,000 documents",
        us.rate, us.peak_mb, us.cpu_ms
    );
    println!(
        "  automerge-repo-sync-server (plain ws)     {:>8.0} documents/s   peak {:>6.1} MB   server CPU {:>6.0} ms per 1,000 documents",
        theirs.rate, theirs.peak_mb, theirs.cpu_ms
    );
    println!(
        "  ratio: {:.2}× the documents per second (goal ≥ 3×), {:.2}× the memory, {:.2}× the server CPU per document",
        us.rate / theirs.rate,
        us.peak_mb / theirs.peak_mb,
        us.cpu_ms / theirs.cpu_ms
    );
    // The client's own work bounds what any server can show: were the server to answer
    // at once, fetching would still take the client's busy time.
    let ceiling = (f64::from(DOCS) / (us.client_ms / 1000.0)) / theirs.rate;
    println!(
        "  the JavaScript client was busy {:.0} ms of each fetch from ours ({:.0} ms from the reference): a server that took no time at all could be seen at most {ceiling:.2}× the reference{}",
        us.client_ms,
        theirs.client_ms,
        if ceiling < 3.0 {
            " (the goal of 3× is out of reach of any server with these clients on this machine)"
        } else {
            ""
        }
    );
    first_sync()
}

/// A fresh device's first sync of the firm10y dataset (`crates/seed/benches/first_sync.rs`),
/// on the generated store `cargo xtask bench` uses (made once, kept in the target folder).
fn first_sync() -> Result<()> {
    let mut args = crate::seed::SeedArgs::parse(&["--size".into(), "firm10y".into()])?;
    let dir = args.dir();
    if dir.join("satchel.db").exists() && !crate::bench::holds_current_firm(&dir)? {
        args.fresh = true;
    }
    let firm = crate::seed::seed(&args, false)?;
    run_cmd(
        cmd(
            "cargo",
            &["bench", "-p", "satchel-seed", "--bench", "first_sync"],
        )
        .env("SATCHEL_BENCH_STORE", &firm)
        .env(
            "SATCHEL_SERVER_BIN",
            target_dir().join("release/satchel-server"),
        ),
        "a fresh device's first sync of firm10y",
    )
}
