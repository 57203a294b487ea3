//! `cargo xtask bench`: the store benchmarks in release, and the start-up time measured by
//! the last end-to-end run.

use crate::setup::Tools;
use crate::target_dir;
use crate::util::{cmd, run as run_cmd};
use anyhow::Result;

pub fn run(_tools: &Tools) -> Result<()> {
    run_cmd(
        &mut cmd("cargo", &["bench", "-p", "satchel-app", "--bench", "store"]),
        "run the store benchmarks",
    )?;
    // The practice benchmarks at a ten-year firm's size, on a generated store kept in the
    // target folder (made once; a few minutes on two cores), made again when the generator
    // that made it made less than today's does (a store from before client money, or from
    // before the client account's bank statements, which the reconciliation is measured
    // on). Opening the store to ask brings its schema up to date first.
    let mut args = crate::seed::SeedArgs::parse(&["--size".into(), "firm10y".into()])?;
    let dir = args.dir();
    if dir.join("satchel.db").exists() && !holds_current_firm(&dir)? {
        println!(
            "{} was made by an older generator; making it again",
            dir.display()
        );
        args.fresh = true;
    }
    let firm = crate::seed::seed(&args, false)?;
    run_cmd(
        cmd("cargo", &["bench", "-p", "satchel-seed", "--bench", "firm"])
            .env("SATCHEL_BENCH_STORE", &firm),
        "run the firm10y benchmarks",
    )?;
    run_cmd(
        cmd(
            "cargo",
            &["bench", "-p", "satchel-seed", "--bench", "backup"],
        )
        .env("SATCHEL_BENCH_STORE", &firm),
        "run the backup benchmark",
    )?;
    run_cmd(
        cmd("cargo", &["bench", "-p", "satchel-seed", "--bench", "gdpr"])
            .env("SATCHEL_BENCH_STORE", &firm),
        "run the UK GDPR benchmark",
    )?;
    let startup = target_dir().join("e2e/startup-ms.txt");
    match std::fs::read_to_string(&startup) {
        Ok(ms) => println!(
            "launch to matter list rendered (real window, keyring unlock, from the last `cargo xtask test`): {} ms",
            ms.trim()
        ),
        Err(_) => println!(
            "launch to matter list: run `cargo xtask test` first; its end-to-end test measures it"
        ),
    }
    Ok(())
}

/// Whether the generator, as built now, says the store in `dir` is a firm10y it makes.
pub(crate) fn holds_current_firm(dir: &std::path::Path) -> Result<bool> {
    run_cmd(
        &mut cmd("cargo", &["build", "--release", "-p", "satchel-seed"]),
        "build the dataset generator",
    )?;
    let status = std::process::Command::new(target_dir().join("release/satchel-seed"))
        .args(["--check", "--size", "firm10y", "--data-dir"])
        .arg(dir)
        .env("SATCHEL_KEYRING", "off")
        .status()?;
    Ok(status.success())
}
