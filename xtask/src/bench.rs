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
    // target folder (made once; about three minutes on two cores).
    let firm = crate::seed::seed(
        &crate::seed::SeedArgs::parse(&["--size".into(), "firm10y".into()])?,
        false,
    )?;
    run_cmd(
        cmd("cargo", &["bench", "-p", "satchel-seed", "--bench", "firm"])
            .env("SATCHEL_BENCH_STORE", &firm),
        "run the firm10y benchmarks",
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
