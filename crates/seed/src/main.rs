//! `satchel-seed`: make a Satchel store holding a generated firm. Run through
//! `cargo xtask seed --size demo|firm10y [--seed N] [--data-dir DIR]`.
#![forbid(unsafe_code)]

use anyhow::{Context, Result, bail};
use clap::Parser;
use satchel_app::{Satchel, Setup, vault};
use satchel_seed::{Firm, Size};
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
}

fn main() -> Result<()> {
    let args = Args::parse();
    let Some(size) = Size::parse(&args.size) else {
        bail!("--size must be demo or firm10y, not '{}'", args.size);
    };
    let passphrase =
        std::env::var("SATCHEL_PASSPHRASE").unwrap_or_else(|_| DEMO_PASSPHRASE.to_owned());
    let started = Instant::now();
    let vault = vault::from_env();
    let mut s = Satchel::init(
        &args.data_dir,
        vault.as_ref(),
        &Setup {
            firm_name: "Hale & Co Solicitors",
            user_name: "Jane Hale",
            initials: "JH",
            role: "partner",
            passphrase: &passphrase,
        },
    )
    .context("set up the store")?;
    let me = s
        .list_users()?
        .into_iter()
        .next()
        .context("the store has its first user")?;
    let mut firm = Firm::new(size, args.seed, &me.id, &me.initials);
    s.load_batch(&firm.users())?;
    let (mut matters, mut contacts, mut time) = (0usize, 0usize, 0usize);
    while let Some(batch) = firm.next_batch(args.batch.max(1)) {
        matters += batch.matters.len();
        contacts += batch.contacts.len();
        time += batch.matters.iter().map(|m| m.time.len()).sum::<usize>();
        s.load_batch(&batch)?;
        if size.matters >= 1000 && matters % 2000 == 0 {
            eprintln!(
                "  {matters} matters, {time} time entries ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    s.checkpoint()?;
    let status = s.status()?;
    println!(
        "{} (seed {}): {} users, {matters} matters, {contacts} contacts, {time} time entries in {:.1} s; store {} MB at {}",
        size.name,
        args.seed,
        size.users,
        started.elapsed().as_secs_f64(),
        status.store_bytes / 1_000_000,
        args.data_dir.display()
    );
    if std::env::var_os("SATCHEL_PASSPHRASE").is_none() {
        println!("recovery passphrase: {DEMO_PASSPHRASE}");
    }
    Ok(())
}
