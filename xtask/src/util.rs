use anyhow::{Result, bail};
use std::process::Command;

pub fn cmd(program: &str, args: &[&str]) -> Command {
    let mut c = Command::new(program);
    c.args(args);
    c
}

/// Run a command with inherited output; fail with `what` if it fails.
pub fn run(c: &mut Command, what: &str) -> Result<()> {
    let status = c
        .status()
        .map_err(|e| anyhow::anyhow!("could not start {:?} to {what}: {e}", c.get_program()))?;
    if !status.success() {
        bail!("failed to {what} ({status})");
    }
    Ok(())
}

/// Run a command quietly and return its stdout if it succeeded.
pub fn output(c: &mut Command) -> Option<String> {
    let out = c.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}
