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
