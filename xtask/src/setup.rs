//! Install what Satchel's build and tests need, only where it is missing.

use crate::util::{cmd, output, run};
use crate::{root, target_dir};
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::Command;

/// Debian packages: to build the shell (WebKitGTK), SQLCipher (libcrypto) and the keyring
/// client (D-Bus); to test in a real window (Xvfb, WebKitWebDriver) with a real keyring.
const APT_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "libssl-dev",
    "libdbus-1-dev",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "dbus",
    "gnome-keyring",
];

/// What only the firm server's tests and benchmark need: a real PostgreSQL (the tests start
/// their own on loopback).
const APT_SERVER_TESTS: &[&str] = &["postgresql"];

/// Debian's route to a wasm32 standard library when rustup cannot download one.
const APT_WASM_FALLBACK: &[&str] = &["rustc-web", "cargo-web", "rust-web-src", "lld-16"];

const WASM: &str = "wasm32-unknown-unknown";

/// How to compile for wasm32.
#[derive(Debug, Clone)]
pub enum Wasm {
    /// rustup's prebuilt `wasm32-unknown-unknown` standard library.
    Rustup,
    /// Debian's rustc building std from source (`-Z build-std`), linked by wasm-ld.
    Debian,
}

impl Wasm {
    /// A `cargo` command set up for this route, and the target directory it builds into.
    pub fn cargo(&self) -> (Command, PathBuf) {
        match self {
            Wasm::Rustup => (Command::new("cargo"), target_dir()),
            Wasm::Debian => {
                let dir = target_dir().join("wasm-debian");
                let mut c = Command::new("/usr/bin/cargo");
                let path = std::env::var("PATH").unwrap_or_default();
                c.env("PATH", format!("/usr/bin:{path}"))
                    .env("RUSTC", "/usr/bin/rustc")
                    .env("RUSTC_BOOTSTRAP", "1")
                    .env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort")
                    .env(
                        "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER",
                        "/usr/lib/llvm-16/bin/wasm-ld",
                    )
                    .env("CARGO_TARGET_DIR", &dir)
                    .env_remove("RUSTUP_TOOLCHAIN");
                (c, dir)
            }
        }
    }
}

#[derive(Debug)]
pub struct Tools {
    pub wasm: Wasm,
    pub wasm_bindgen: PathBuf,
}

pub fn ensure_all() -> Result<Tools> {
    ensure_apt(APT_PACKAGES)?;
    let wasm = ensure_wasm()?;
    let wasm_bindgen = ensure_wasm_bindgen()?;
    ensure_tauri_driver()?;
    Ok(Tools { wasm, wasm_bindgen })
}

/// What the firm server's tests and `bench sync` need beyond the app: PostgreSQL and the
/// JavaScript automerge-repo client and reference server. Not needed to run the app.
pub fn ensure_server_test_tools() -> Result<()> {
    ensure_apt(APT_SERVER_TESTS)?;
    ensure_js_client()
}

/// The official JavaScript automerge-repo client, for the firm server's interoperability
/// test: Node and npm (Debian's, unless a `node` is on the PATH already), and the lock
/// file's packages in `crates/server/tests/interop` whenever it differs from the one last
/// installed. (`npm install` from the lock rather than `npm ci`: npm 11's `ci` refuses a lock
/// that leaves out another platform's optional packages, which this one does.)
fn ensure_js_client() -> Result<()> {
    if which("node").is_none() || which("npm").is_none() {
        ensure_apt(&["nodejs", "npm"])?;
    }
    let dir = root().join("crates/server/tests/interop");
    let lock =
        std::fs::read(dir.join("package-lock.json")).context("read the interop lock file")?;
    let stamp = dir.join("node_modules/.satchel-installed-lock.json");
    if std::fs::read(&stamp).is_ok_and(|installed| installed == lock) {
        return Ok(());
    }
    println!("xtask: installing the JavaScript automerge-repo client from its lock file");
    run(
        cmd(
            "npm",
            &["install", "--no-audit", "--no-fund", "--loglevel=error"],
        )
        .current_dir(&dir),
        "install the JavaScript client for the interoperability test",
    )?;
    std::fs::write(&stamp, &lock)?;
    Ok(())
}

fn installed(pkg: &str) -> bool {
    output(&mut cmd(
        "dpkg-query",
        &["-W", "-f", "${db:Status-Abbrev}", pkg],
    ))
    .is_some_and(|s| s.starts_with("ii"))
}

fn ensure_apt(packages: &[&str]) -> Result<()> {
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("xtask: installing Debian packages: {}", missing.join(" "));
    let is_root = output(&mut cmd("id", &["-u"])).is_some_and(|s| s.trim() == "0");
    let sudo: &[&str] = if is_root { &[] } else { &["sudo"] };
    if !is_root && which("sudo").is_none() {
        bail!(
            "these packages are missing and this user cannot install them: {}\nRun as root: apt-get install -y {}",
            missing.join(" "),
            missing.join(" ")
        );
    }
    let apt = |args: &[&str]| {
        let mut all: Vec<&str> = sudo.to_vec();
        all.push("apt-get");
        all.extend_from_slice(args);
        let mut c = Command::new(all[0]);
        c.args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    run(&mut apt(&["update", "-qq"]), "update the package lists")?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend_from_slice(&missing);
    run(&mut apt(&args), "install Debian packages")
}

fn ensure_wasm() -> Result<Wasm> {
    if std::env::var("SATCHEL_WASM_ROUTE").as_deref() == Ok("debian") {
        ensure_apt(APT_WASM_FALLBACK)?;
        return Ok(Wasm::Debian);
    }
    if let Some(list) = output(&mut cmd("rustup", &["target", "list", "--installed"])) {
        if list.lines().any(|l| l.trim() == WASM) {
            return Ok(Wasm::Rustup);
        }
        println!("xtask: adding the {WASM} target with rustup");
        if run(
            &mut cmd("rustup", &["target", "add", WASM]),
            "add the wasm target",
        )
        .is_ok()
        {
            return Ok(Wasm::Rustup);
        }
        println!("xtask: rustup could not add {WASM}; using Debian's rustc with build-std instead");
    }
    ensure_apt(APT_WASM_FALLBACK)?;
    Ok(Wasm::Debian)
}

/// The `wasm-bindgen` crate version in Cargo.lock: the CLI must match it exactly.
fn locked_wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).context("read Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_owned());
        }
    }
    bail!("Cargo.lock has no wasm-bindgen entry")
}

fn cargo_bin() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
        .join("bin")
}

pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain(std::iter::once(cargo_bin()))
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

fn ensure_wasm_bindgen() -> Result<PathBuf> {
    let want = locked_wasm_bindgen_version()?;
    if let Some(bin) = which("wasm-bindgen")
        && output(Command::new(&bin).arg("--version"))
            .is_some_and(|v| v.split_whitespace().nth(1) == Some(&want))
    {
        return Ok(bin);
    }
    println!("xtask: installing wasm-bindgen-cli {want} (to match the wasm-bindgen crate)");
    run(
        &mut cmd(
            "cargo",
            &["install", "wasm-bindgen-cli", "--version", &want, "--force"],
        ),
        "install wasm-bindgen-cli",
    )?;
    Ok(cargo_bin().join("wasm-bindgen"))
}

fn ensure_tauri_driver() -> Result<()> {
    if which("tauri-driver").is_some() {
        return Ok(());
    }
    println!("xtask: installing tauri-driver");
    run(
        &mut cmd("cargo", &["install", "tauri-driver", "--locked"]),
        "install tauri-driver",
    )
}
