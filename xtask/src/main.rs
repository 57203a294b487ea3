//! `cargo xtask`: Satchel's developer tasks.
//!
//! - `setup`: install what is missing (Debian packages, the wasm target, wasm-bindgen-cli at
//!   the crate's exact version, tauri-driver). Idempotent and quick when all is present.
//! - `build`: the UI (wasm32 + wasm-bindgen into `ui/dist`), then the workspace and its tests.
//! - `run`: setup, build, and open the desktop window.
//! - `test`: setup, fmt check, build, clippy, then every test (unit, integration and the
//!   end-to-end suite in the real window) inside a private D-Bus session with an unlocked
//!   gnome-keyring and under Xvfb.
//! - `run --demo`: the same, on the generated demo firm in a throw-away data folder.
//! - `seed`: a store holding a generated firm (`demo` or `firm10y`), deterministic per seed.
//! - `bench`: store open time against plain SQLite, write and list times, fresh store size,
//!   and the start-up time the last end-to-end run measured; `bench sync`: the firm server
//!   against the reference JavaScript sync server, documents per second and memory.
#![forbid(unsafe_code)]

mod bench;
mod bench_sync;
mod seed;
mod setup;
mod util;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use util::{cmd, run};

fn main() -> std::process::ExitCode {
    // Work in the checkout that `cargo xtask` was run from.
    if let Err(e) = std::env::set_current_dir(root()) {
        eprintln!("xtask: cannot enter {}: {e}", root().display());
        return std::process::ExitCode::FAILURE;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::ensure_all().and_then(|_| setup::ensure_server_test_tools()),
        Some("build") => setup::ensure_all().and_then(|t| build(&t)),
        Some("run") => run_app(&args[1..]),
        Some("test") => test(),
        Some("bench") if args.get(1).map(String::as_str) == Some("sync") => {
            setup::ensure_server_test_tools().and_then(|()| bench_sync::run())
        }
        Some("bench") => setup::ensure_all().and_then(|t| bench::run(&t)),
        Some("seed") => {
            seed::SeedArgs::parse(&args[1..]).and_then(|a| seed::seed(&a, false).map(|_| ()))
        }
        Some("__in-session") => in_session(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <setup|build|run [--demo]|test|bench [sync]|seed --size demo|firm10y [--seed N]>"
            );
            return std::process::ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of `xtask/`). Read at run time (`cargo run` sets
/// `CARGO_MANIFEST_DIR`), not baked in at compile time: a target directory shared by two
/// checkouts must not send one checkout's build into the other.
pub fn root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Cargo's target directory: `CARGO_TARGET_DIR` if set, else `target/` in the workspace.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => {
            let d = PathBuf::from(d);
            if d.is_absolute() { d } else { root().join(d) }
        }
        _ => root().join("target"),
    }
}

/// Build the UI into `ui/dist`, then the whole workspace with its tests. `run` and `test`
/// build the same set, so Cargo's feature unification matches and neither rebuilds what
/// the other built.
fn build(tools: &setup::Tools) -> Result<()> {
    build_ui(tools)?;
    run(
        &mut cmd("cargo", &["build", "--workspace", "--all-targets"]),
        "build the workspace and its tests",
    )
}

fn build_ui(tools: &setup::Tools) -> Result<()> {
    let root = root();
    let (mut c, wasm_target_dir) = ui_cargo(tools, "build");
    run(&mut c, "build the UI for wasm32")?;
    let wasm = wasm_target_dir.join("wasm32-unknown-unknown/release/satchel_ui.wasm");
    let dist = root.join("ui/dist");
    std::fs::create_dir_all(&dist)?;
    run(
        cmd(
            tools.wasm_bindgen.to_str().context("non-UTF-8 path")?,
            &["--target", "web", "--no-typescript", "--out-dir"],
        )
        .arg(&dist)
        .arg(&wasm),
        "generate the UI's JavaScript bindings",
    )?;
    for (from, to) in [
        ("ui/index.html", "index.html"),
        ("assets/satchel.css", "satchel.css"),
        ("assets/icons/icon.png", "icon.png"),
    ] {
        copy_if_changed(&root.join(from), &dist.join(to))?;
    }
    Ok(())
}

/// `cargo <verb>` for the UI crate on wasm32 (release: smaller, and faster in the webview).
fn ui_cargo(tools: &setup::Tools, verb: &str) -> (std::process::Command, PathBuf) {
    let (mut c, dir) = tools.wasm.cargo();
    c.args([
        verb,
        "-p",
        "satchel-ui",
        "--lib",
        "--target",
        "wasm32-unknown-unknown",
        "--release",
    ]);
    (c, dir)
}

/// Copy only when the content differs, so the shell (which embeds `ui/dist`) is not rebuilt
/// for nothing.
fn copy_if_changed(from: &Path, to: &Path) -> Result<()> {
    let new = std::fs::read(from).with_context(|| format!("read {}", from.display()))?;
    if std::fs::read(to).ok().as_deref() != Some(new.as_slice()) {
        std::fs::write(to, new)?;
    }
    Ok(())
}

fn has_display() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()))
}

fn run_app(extra: &[String]) -> Result<()> {
    let tools = setup::ensure_all()?;
    build(&tools)?;
    if !has_display() {
        bail!(
            "there is no graphical display here (DISPLAY and WAYLAND_DISPLAY are unset), so the Satchel window cannot open.\n\
             Run `cargo xtask run` from a desktop session; `{}` works without one.",
            target_dir().join("debug/satchel").display()
        );
    }
    let bin = target_dir().join("debug/satchel-desktop");
    if extra.first().map(String::as_str) == Some("--demo") {
        // A throw-away folder: the demo firm, opened with its passphrase from the keyring
        // entry the generator leaves; both are removed when the window closes.
        let dir = std::env::temp_dir().join(format!("satchel-demo-{}", std::process::id()));
        let args = seed::SeedArgs {
            size: "demo".into(),
            seed: 1,
            data_dir: Some(dir.clone()),
            fresh: true,
        };
        seed::seed(&args, true)?;
        println!(
            "demo firm in {} (recovery passphrase: satchel demo passphrase)",
            dir.display()
        );
        let result = run(
            std::process::Command::new(&bin)
                .args(&extra[1..])
                .env("SATCHEL_DATA_DIR", &dir),
            "run Satchel on the demo firm",
        );
        let _ = std::process::Command::new(target_dir().join("debug/satchel"))
            .args(["keyring", "forget", "--data-dir"])
            .arg(&dir)
            .status();
        let _ = std::fs::remove_dir_all(&dir);
        return result;
    }
    run(std::process::Command::new(&bin).args(extra), "run Satchel")
}

fn test() -> Result<()> {
    let tools = setup::ensure_all()?;
    setup::ensure_server_test_tools()?;
    let started = std::time::Instant::now();
    run(
        &mut cmd("cargo", &["fmt", "--all", "--", "--check"]),
        "check formatting (run `cargo fmt --all`)",
    )?;
    build(&tools)?;
    run(
        &mut cmd(
            "cargo",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
        "clippy (native crates)",
    )?;
    {
        let (mut c, _) = ui_cargo(&tools, "clippy");
        c.args(["--", "-D", "warnings"]);
        run(&mut c, "clippy (the wasm UI)")?;
    }
    // Every test, inside a private D-Bus session with gnome-keyring and an X server.
    let session = target_dir().join("xtask-session");
    let _ = std::fs::remove_dir_all(&session);
    std::fs::create_dir_all(session.join("runtime"))?;
    std::fs::create_dir_all(session.join("data"))?;
    set_private(&session.join("runtime"))?;
    let me = std::env::current_exe()?;
    let mut c = std::process::Command::new("dbus-run-session");
    c.args(["--", "xvfb-run", "-a", "-s", "-screen 0 1280x800x24"])
        .arg(me)
        .arg("__in-session")
        .env("XDG_RUNTIME_DIR", session.join("runtime"))
        .env("XDG_DATA_HOME", session.join("data"))
        .env("SATCHEL_BIN_DIR", target_dir().join("debug"))
        .env("SATCHEL_E2E_OUT", target_dir().join("e2e"))
        .env_remove("SATCHEL_DATA_DIR")
        .env_remove("SATCHEL_PASSPHRASE")
        .env_remove("SATCHEL_KEYRING");
    run(&mut c, "run the tests")?;
    println!("xtask test: all checks passed in {:.0?}", started.elapsed());
    Ok(())
}

fn set_private(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Inside `dbus-run-session` and `xvfb-run`: unlock a fresh gnome-keyring, then run the tests.
fn in_session(extra: &[String]) -> Result<()> {
    use std::io::Write;
    let mut daemon = std::process::Command::new("gnome-keyring-daemon")
        .args(["--unlock", "--components=secrets"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("start gnome-keyring-daemon")?;
    if let Some(mut stdin) = daemon.stdin.take() {
        // The throwaway keyring of this test session; not a secret of anyone's.
        stdin.write_all(b"satchel-test-session")?;
    }
    let out = daemon.wait_with_output()?;
    if !out.status.success() {
        bail!("gnome-keyring-daemon did not start");
    }
    let mut c = cmd("cargo", &["test", "--workspace", "--no-fail-fast"]);
    c.args(extra);
    run(&mut c, "cargo test")
}
