//! `cargo xtask seed --size demo|firm10y [--seed N] [--data-dir DIR] [--fresh]`: a store
//! holding a generated firm (see `crates/seed`), built in release. Without `--data-dir` the
//! store goes to `<target>/seed/<size>-<seed>`, kept between runs (a firm10y store takes
//! minutes to make); `--fresh` makes it again.

use crate::target_dir;
use crate::util::{cmd, run};
use anyhow::{Result, bail};
use std::path::PathBuf;

pub struct SeedArgs {
    pub size: String,
    pub seed: u64,
    pub data_dir: Option<PathBuf>,
    pub fresh: bool,
}

impl SeedArgs {
    pub fn parse(args: &[String]) -> Result<SeedArgs> {
        let mut out = SeedArgs {
            size: "demo".into(),
            seed: 1,
            data_dir: None,
            fresh: false,
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let mut value = |name: &str| {
                it.next()
                    .cloned()
                    .ok_or_else(|| anyhow::anyhow!("{name} needs a value"))
            };
            match a.as_str() {
                "--size" => out.size = value("--size")?,
                "--seed" => {
                    let v = value("--seed")?;
                    out.seed = v
                        .parse()
                        .map_err(|_| anyhow::anyhow!("--seed must be a whole number, not {v}"))?;
                }
                "--data-dir" => out.data_dir = Some(PathBuf::from(value("--data-dir")?)),
                "--fresh" => out.fresh = true,
                other => bail!(
                    "unknown seed option {other}; usage: cargo xtask seed --size demo|firm10y [--seed N] [--data-dir DIR] [--fresh]"
                ),
            }
        }
        if !["demo", "firm10y"].contains(&out.size.as_str()) {
            bail!("--size must be demo or firm10y, not {}", out.size);
        }
        Ok(out)
    }

    pub fn dir(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(|| {
            target_dir()
                .join("seed")
                .join(format!("{}-{}", self.size, self.seed))
        })
    }
}

/// Make the store (unless it is there already and not `--fresh`); returns its folder.
/// Stores made here keep their key only in the envelope (`SATCHEL_KEYRING=off`) unless
/// `keyring` is true, so throw-away stores leave nothing in the keyring.
pub fn seed(a: &SeedArgs, keyring: bool) -> Result<PathBuf> {
    let dir = a.dir();
    if dir.join("satchel.db").exists() {
        if !a.fresh {
            println!(
                "{} is already seeded (use --fresh to make it again)",
                dir.display()
            );
            return Ok(dir);
        }
        std::fs::remove_dir_all(&dir)?;
    }
    run(
        &mut cmd("cargo", &["build", "--release", "-p", "satchel-seed"]),
        "build the dataset generator",
    )?;
    let mut c = std::process::Command::new(target_dir().join("release/satchel-seed"));
    c.args([
        "--size",
        &a.size,
        "--seed",
        &a.seed.to_string(),
        "--data-dir",
    ])
    .arg(&dir);
    if !keyring {
        c.env("SATCHEL_KEYRING", "off");
    }
    run(&mut c, "generate the firm")?;
    Ok(dir)
}
