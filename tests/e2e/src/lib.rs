//! Helpers for Satchel's end-to-end tests: where the built binaries are, and a tauri-driver
//! that drives the real desktop binary in WebKitGTK.
//!
//! These tests need what `cargo xtask test` provides: the binaries built, an X server
//! (Xvfb), a private D-Bus session with an unlocked gnome-keyring, and tauri-driver.
#![forbid(unsafe_code)]

use anyhow::{Context, Result, bail};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The folder holding `satchel` and `satchel-desktop`.
pub fn bin_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("SATCHEL_BIN_DIR") {
        return PathBuf::from(d);
    }
    // target/debug/deps/<test> -> target/debug
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().and_then(Path::parent).map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("target/debug"))
}

pub fn bin(name: &str) -> Result<PathBuf> {
    let p = bin_dir().join(name);
    if !p.is_file() {
        bail!(
            "{} is not built: run the tests with `cargo xtask test`",
            p.display()
        );
    }
    Ok(p)
}

/// Where screenshots and timings go.
pub fn out_dir() -> PathBuf {
    let d = std::env::var_os("SATCHEL_E2E_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| bin_dir().join("../e2e"));
    let _ = std::fs::create_dir_all(&d);
    d
}

/// A private home for one test: HOME and the XDG folders, so nothing touches the real ones.
#[derive(Debug)]
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Result<Home> {
        let dir = tempfile::tempdir()?;
        for d in ["home", "data", "config", "cache"] {
            std::fs::create_dir_all(dir.path().join(d))?;
        }
        Ok(Home { dir })
    }

    pub fn apply(&self, c: &mut Command) {
        let p = self.dir.path();
        c.env("HOME", p.join("home"))
            .env("XDG_DATA_HOME", p.join("data"))
            .env("XDG_CONFIG_HOME", p.join("config"))
            .env("XDG_CACHE_HOME", p.join("cache"))
            .env_remove("SATCHEL_DATA_DIR")
            .env_remove("SATCHEL_PASSPHRASE")
            .env_remove("SATCHEL_KEYRING");
    }

    /// Satchel's default data folder inside this home.
    pub fn satchel_data(&self) -> PathBuf {
        self.dir.path().join("data/satchel")
    }
}

/// Run the `satchel` CLI in `home` (the real keyring; `pass` as SATCHEL_PASSPHRASE where
/// given); its standard output, or an error with everything it said.
pub fn cli(home: &Home, args: &[&str], pass: Option<&str>) -> Result<String> {
    let mut c = Command::new(bin("satchel")?);
    home.apply(&mut c);
    c.args(args).stdin(std::process::Stdio::null());
    if let Some(p) = pass {
        c.env("SATCHEL_PASSPHRASE", p);
    }
    let out = c.output()?;
    anyhow::ensure!(
        out.status.success(),
        "satchel {}: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A running tauri-driver (which runs WebKitWebDriver). Stopped with SIGTERM on drop, so
/// WebKitWebDriver is not left behind.
#[derive(Debug)]
pub struct Driver {
    child: Child,
    pub port: u16,
}

impl Driver {
    pub fn start(home: &Home) -> Result<Driver> {
        Driver::start_with(home, &[])
    }

    /// A driver whose app gets `env` besides the home's folders.
    pub fn start_with(home: &Home, env: &[(&str, &str)]) -> Result<Driver> {
        if std::env::var_os("DISPLAY").is_none() {
            bail!("no X display: run the tests with `cargo xtask test`, which provides Xvfb");
        }
        let driver = which("tauri-driver")
            .context("tauri-driver is not installed: run `cargo xtask setup`")?;
        let port = free_port()?;
        let native = free_port()?;
        let mut c = Command::new(driver);
        c.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
        home.apply(&mut c);
        c.envs(env.iter().copied());
        let child = c.spawn().context("start tauri-driver")?;
        let d = Driver { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("tauri-driver did not listen on 127.0.0.1:{port} within 20 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(d)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A firm server (`satchel-server serve`) on loopback, stopped on drop.
#[derive(Debug)]
pub struct FirmServer {
    child: Child,
    pub address: String,
    pub fingerprint: String,
}

impl FirmServer {
    /// An administrator's command on the server's data in `dir`; its standard output.
    pub fn admin(dir: &Path, args: &[&str]) -> Result<String> {
        let out = Command::new(bin("satchel-server")?)
            .arg("--data-dir")
            .arg(dir)
            .args(args)
            .stdin(Stdio::null())
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "satchel-server {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// Serve the data in `dir` on `listen` (e.g. `127.0.0.1:0`), once it says where.
    pub fn start(dir: &Path, listen: &str) -> Result<FirmServer> {
        use std::io::BufRead;
        let mut child = Command::new(bin("satchel-server")?)
            .arg("--data-dir")
            .arg(dir)
            .args(["serve", "--listen", listen])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("start satchel-server")?;
        let stdout = child.stdout.take().context("the server's output")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (mut address, mut fingerprint) = (None, None);
        let deadline = Instant::now() + Duration::from_secs(20);
        while address.is_none() || fingerprint.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .context("satchel-server did not say where it listens within 20 s")?;
            if let Some(a) = line.strip_prefix("listening on ") {
                address = Some(a.to_owned());
            }
            if let Some(f) = line.strip_prefix("certificate fingerprint (SHA-256) ") {
                fingerprint = Some(f.to_owned());
            }
        }
        Ok(FirmServer {
            child,
            address: address.unwrap_or_default(),
            fingerprint: fingerprint.unwrap_or_default(),
        })
    }
}

impl Drop for FirmServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    if let Some(h) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(h).join("bin"));
    }
    if let Some(h) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(h).join(".cargo/bin"));
    }
    dirs.into_iter()
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// Driving the window: launch the app, find elements, wait for what a reactive UI shows.
pub mod ui {
    use super::{Driver, bin, out_dir};
    use anyhow::{Context, Result};
    use fantoccini::{Client, ClientBuilder, Locator};
    use std::time::{Duration, Instant};

    pub const WAIT: Duration = Duration::from_secs(30);

    pub async fn launch(driver: &Driver) -> Result<Client> {
        let app = bin("satchel-desktop")?;
        let caps = serde_json::json!({
            "browserName": "wry",
            "tauri:options": { "application": app }
        });
        let serde_json::Value::Object(caps) = caps else {
            unreachable!("a JSON object literal")
        };
        // tauri-driver may drop the first request while it starts WebKitWebDriver on a
        // loaded machine ("did not respond"): asked again, a few times at most.
        let mut tries = 0;
        loop {
            let got = ClientBuilder::rustls()
                .context("TLS roots for the WebDriver client")?
                .capabilities(caps.clone())
                .connect(&driver.url())
                .await;
            match got {
                Ok(client) => return Ok(client),
                Err(
                    fantoccini::error::NewSessionError::Failed(_)
                    | fantoccini::error::NewSessionError::FailedC(_)
                    | fantoccini::error::NewSessionError::Lost(_),
                ) if tries < 3 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(e) => {
                    return Err(e).context("start a WebDriver session (launch satchel-desktop)");
                }
            }
        }
    }

    pub async fn wait_for(c: &Client, css: &str) -> Result<fantoccini::elements::Element> {
        c.wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("waiting for {css}"))
    }

    /// Type `text` into the input matching `css`, and check it arrived there whole: on a
    /// loaded machine WebKit may move focus while keys are in flight (an autofocus landing
    /// late), so a mistyped field is cleared and typed again, a few times at most.
    pub async fn fill(c: &Client, css: &str, text: &str) -> Result<()> {
        for _ in 0..3 {
            let e = wait_for(c, css).await?;
            e.clear().await?;
            e.send_keys(text).await?;
            // (A newline typed into a textarea may or may not reach its value as one.)
            let flat = |t: &str| t.replace(['\r', '\n'], "");
            if e.prop("value").await?.as_deref().map(flat) == Some(flat(text)) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let got = wait_for(c, css).await?.prop("value").await?;
        anyhow::bail!("typing {text:?} into {css} left {got:?}")
    }

    /// Put `text` into a field as if typed, at once (the page's input handlers run), and
    /// check it is there. For long values on a busy machine, where typed keys can reach
    /// a field the focus has just left.
    pub async fn set_value(c: &Client, css: &str, text: &str) -> Result<()> {
        wait_for(c, css).await?;
        c.execute(
            "const e = document.querySelector(arguments[0]);
             e.focus();
             e.value = arguments[1];
             e.dispatchEvent(new Event('input', { bubbles: true }));
             e.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![css.into(), text.into()],
        )
        .await?;
        let got = wait_for(c, css).await?.prop("value").await?;
        anyhow::ensure!(
            got.as_deref() == Some(text),
            "setting {css} to {text:?} left {got:?}"
        );
        Ok(())
    }

    pub async fn shot(c: &Client, name: &str) -> Result<()> {
        // The DOM may be ahead of what is painted (a whole page just replaced): wait for
        // two frames (or 300 ms, if frames are not drawn) so the picture is of this page.
        c.execute_async(
            "const done = arguments[arguments.length - 1];
             let called = false;
             const once = () => { if (!called) { called = true; done(); } };
             requestAnimationFrame(() => requestAnimationFrame(once));
             setTimeout(once, 300);",
            vec![],
        )
        .await?;
        let png = c.screenshot().await?;
        let path = out_dir().join(name);
        std::fs::write(&path, png)?;
        println!("screenshot: {}", path.display());
        Ok(())
    }

    /// The text of the element matching `css`. A reactive UI may replace an element between
    /// finding it and reading it; then it is found again (and the replacement is reported).
    pub async fn text_of(c: &Client, css: &str) -> Result<String> {
        let deadline = Instant::now() + WAIT;
        loop {
            match wait_for(c, css).await?.text().await {
                Ok(t) => return Ok(t),
                Err(e) if Instant::now() < deadline => {
                    eprintln!("note: {css} was re-rendered while being read ({e}); reading again");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Wait until the matter list holds `n` rows, and return its text.
    pub async fn matter_list_with(c: &Client, n: usize) -> Result<String> {
        let deadline = Instant::now() + WAIT;
        let want = n.to_string();
        loop {
            // The list is re-rendered when it reloads; a stale element just means "look again".
            if let Ok(list) = c.find(Locator::Css("#matter-list")).await
                && let Ok(Some(count)) = list.attr("data-count").await
                && count == want
                && let Ok(text) = list.text().await
            {
                return Ok(text);
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "the matter list never showed {n} matters"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Wait until the text of the element matching `css` contains `needle` (pages load their
    /// data after they render), and return the text.
    pub async fn wait_for_text(c: &Client, css: &str, needle: &str) -> Result<String> {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = text_of(c, css).await?;
            if text.contains(needle) {
                return Ok(text);
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "{css} never showed {needle:?}; it shows {text:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Wait until the element matching `css` has `attr` equal to `want`.
    pub async fn wait_until_attr(c: &Client, css: &str, attr: &str, want: &str) -> Result<()> {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(e) = c.find(Locator::Css(css)).await
                && let Ok(Some(v)) = e.attr(attr).await
                && v == want
            {
                return Ok(());
            }
            anyhow::ensure!(Instant::now() < deadline, "{css} never had {attr}={want}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
