//! Backup and verification of a large store (`cargo xtask bench`): a copy of the firm10y
//! store (`SATCHEL_BENCH_STORE`) is backed up with `Satchel::backup` — the WAL written
//! back, the encrypted file copied and hashed, the copy opened with the key, quick-checked,
//! its pages authenticated, every audit chain verified and its records counted. Prints the
//! time, the size, and the time per GB against the goal (a 1 GB store backed up and
//! verified in under 10 s).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark that cannot set up should stop

use satchel_app::{MemoryVault, Satchel, Unlock};
use std::path::PathBuf;
use std::time::Instant;

/// The allocator the desktop and the command line use.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PASS: &str = "satchel demo passphrase";
const GOAL_S_PER_GB: f64 = 10.0;

fn main() {
    let Some(store) = std::env::var_os("SATCHEL_BENCH_STORE").map(PathBuf::from) else {
        println!("backup: set SATCHEL_BENCH_STORE (cargo xtask bench does)");
        return;
    };
    let work = tempfile::tempdir_in(store.parent().unwrap()).unwrap();
    let data = work.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    for f in std::fs::read_dir(&store).unwrap() {
        let f = f.unwrap();
        if f.file_type().unwrap().is_file() {
            std::fs::copy(f.path(), data.join(f.file_name())).unwrap();
        }
    }
    let vault = MemoryVault::default();
    let mut s = Satchel::open(&data, &vault, Unlock::Passphrase(PASS)).unwrap();
    let folder = work.path().join("backups");
    let t = Instant::now();
    let b = s.backup(Some(&folder), "manual", &|_, _| {}).unwrap();
    let secs = t.elapsed().as_secs_f64();
    let gb = b.manifest.bytes as f64 / 1e9;
    let per_gb = secs / gb;
    println!(
        "backup of the firm10y store ({gb:.2} GB: copied, hashed, opened, checked, audit chains and records verified)   {secs:>6.1} s   {per_gb:.1} s per GB   goal < {GOAL_S_PER_GB} s for 1 GB ({:.2}× of goal) {}",
        per_gb / GOAL_S_PER_GB,
        if per_gb < GOAL_S_PER_GB {
            "ok"
        } else {
            "MISSED"
        }
    );
}
