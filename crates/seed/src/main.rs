//! `satchel-seed`: make a Satchel store holding a generated firm. Run through
//! `cargo xtask seed --size demo|firm10y [--seed N] [--data-dir DIR]`.
#![forbid(unsafe_code)]

use anyhow::{Context, Result, bail};
use clap::Parser;
use satchel_app::{Satchel, Setup, Unlock, vault};
use satchel_seed::{FIRM_NAME, Size};
use std::path::PathBuf;
use std::time::Instant;

/// The recovery passphrase of generated stores unless SATCHEL_PASSPHRASE is set. Generated
/// data is made up; the store is still encrypted like any other.
const DEMO_PASSPHRASE: &str = "satchel demo passphrase";

#[derive(Parser)]
#[command(
    name = "satchel-seed",
    about = "Make a Satchel store holding a generated firm"
)]
struct Args {
    /// demo (60 matters) or firm10y (50 fee earners, 20,000 matters, 2,000,000 time entries).
    #[arg(long, default_value = "demo")]
    size: String,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// A folder with no Satchel store in it yet.
    #[arg(long)]
    data_dir: PathBuf,
    /// Matters per transaction.
    #[arg(long, default_value_t = 250)]
    batch: usize,
    /// Make nothing: exit 0 if --data-dir holds a firm of --size as this generator makes
    /// it, 1 if not (an older generator's store, say, with no client money), so that a
    /// store kept for benchmarks is made again rather than reused.
    #[arg(long)]
    check: bool,
}

/// Whether the store in `dir` holds a firm of `size` as this generator makes it.
fn check(dir: &std::path::Path, size: Size, passphrase: &str) -> Result<bool> {
    let vault = vault::from_env();
    let s = Satchel::open(dir, vault.as_ref(), Unlock::Passphrase(passphrase))
        .context("open the store")?;
    let current = satchel_seed::holds_generated_firm(&s, size)?;
    s.checkpoint()?;
    Ok(current)
}

fn main() -> Result<()> {
    let args = Args::parse();
    let Some(size) = Size::parse(&args.size) else {
        bail!("--size must be demo or firm10y, not '{}'", args.size);
    };
    let passphrase =
        std::env::var("SATCHEL_PASSPHRASE").unwrap_or_else(|_| DEMO_PASSPHRASE.to_owned());
    if args.check {
        let current = check(&args.data_dir, size, &passphrase).unwrap_or_else(|e| {
            println!("{}: {e:#}", args.data_dir.display());
            false
        });
        println!(
            "{} {}",
            args.data_dir.display(),
            if current {
                "holds a firm as this generator makes it"
            } else {
                "does not hold a firm as this generator makes it"
            }
        );
        std::process::exit(if current { 0 } else { 1 });
    }
    let started = Instant::now();
    let vault = vault::from_env();
    let mut s = Satchel::init(
        &args.data_dir,
        vault.as_ref(),
        &Setup {
            firm_name: FIRM_NAME,
            user_name: "Jane Hale",
            initials: "JH",
            role: "partner",
            passphrase: &passphrase,
        },
    )
    .context("set up the store")?;
    let made = satchel_seed::generate(&mut s, size, args.seed, args.batch, |made| {
        if size.matters >= 1000 && made.matters % 2000 == 0 {
            eprintln!(
                "  {} matters, {} time entries, {} postings ({:.0} s)",
                made.matters,
                made.time_entries,
                made.postings,
                started.elapsed().as_secs_f64()
            );
        }
    })?;
    s.checkpoint()?;
    let status = s.status()?;
    println!(
        "{} (seed {}): {} users, {} matters, {} contacts, {} time entries, {} postings in {:.1} s; store {} MB at {}",
        size.name,
        args.seed,
        size.users,
        made.matters,
        made.contacts,
        made.time_entries,
        made.postings,
        started.elapsed().as_secs_f64(),
        status.store_bytes / 1_000_000,
        args.data_dir.display()
    );
    println!("postings: {}", made.mix);
    println!(
        "client account: {} statements, {} lines, matched to every cash book entry up to {}",
        made.statements,
        made.statement_lines,
        satchel_seed::STATEMENTS_TO
    );
    if std::env::var_os("SATCHEL_PASSPHRASE").is_none() {
        println!("recovery passphrase: {DEMO_PASSPHRASE}");
    }
    Ok(())
}
