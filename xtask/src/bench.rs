use crate::setup::Tools;
use anyhow::Result;

pub fn run(_tools: &Tools) -> Result<()> {
    anyhow::bail!("bench: not yet written")
}
