//! Interoperability: the official JavaScript client (`@automerge/automerge-repo` and its
//! WebSocket adapter, on Node, installed by `cargo xtask setup` from the lock file in
//! `tests/interop`) reads a partner's document from our server once its user is granted it,
//! and is refused (`doc-unavailable`) before.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use automerge::Automerge;
use automerge::transaction::Transactable;
use satchel_sync::DeviceKey;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;
use common::{admin, device_repo, enrolled, firm};

fn interop_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop");
    assert!(
        dir.join("node_modules/@automerge/automerge-repo").exists(),
        "the JavaScript client is not installed: run `cargo xtask setup` (npm install in {})",
        dir.display()
    );
    dir
}

/// Run the JavaScript client for one document; its one line of JSON.
fn js_read(data: &Path, address: &str, device: &str, seed: &str, doc: &str) -> serde_json::Value {
    let dir = interop_dir();
    let out = Command::new("node")
        .current_dir(&dir)
        .arg("read.mjs")
        .args([address, device, seed, doc])
        .env("NODE_EXTRA_CA_CERTS", data.join("tls/cert.pem"))
        .stderr(Stdio::inherit())
        .output()
        .expect("node runs");
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|_| panic!("node printed {text:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_javascript_client_reads_a_granted_document_and_is_refused_otherwise() {
    let firm = firm(
        &[
            ("Jane Hale", "JH", "partner"),
            ("Alan Bird", "AB", "fee_earner"),
        ],
        &["JH", "AB"],
    );
    let (data, running, server) = (firm.data(), &firm.running, &firm.server);
    let [code_jh, code_ab] = &firm.codes[..] else {
        unreachable!()
    };
    // The script takes host:port.
    let address = running.address.trim_start_matches("https://").to_owned();
    let (jh, key_jh) = enrolled(server, code_jh, "partner's laptop").await;
    // The fee earner's device is the JavaScript client; its key's seed goes to the script.
    let (ab, key_ab) = enrolled(server, code_ab, "browser").await;

    // The partner's device (Rust, samod) puts a matter's document on the server.
    let repo = device_repo(server, &jh, key_jh).await;
    let mut doc = Automerge::new();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(automerge::ROOT, "kind", "matter")?;
        tx.put(automerge::ROOT, "client_name", "Ann Lee")?;
        tx.put(automerge::ROOT, "number", 42_u64)?;
        Ok(())
    })
    .unwrap();
    let id = repo.create(doc).await.unwrap().document_id().clone();
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let seed = key_ab.secret_hex();
    // The fee earner's device asks for the document through the JavaScript client, with
    // the key seed given (off the async threads: it waits for Node).
    let read_as = |seed: &str| {
        let (data, address, device, seed, id) = (
            data.to_owned(),
            address.clone(),
            ab.device_id.clone(),
            seed.to_owned(),
            id.to_string(),
        );
        async move {
            tokio::task::spawn_blocking(move || js_read(&data, &address, &device, &seed, &id))
                .await
                .unwrap()
        }
    };
    let before = read_as(&seed).await;
    assert!(before.get("unavailable").is_some(), "not granted: {before}");

    admin(
        data,
        &[
            "grant",
            "--user",
            "AB",
            "--doc",
            &id.to_string(),
            "--access",
            "read",
        ],
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let after = read_as(&seed).await;
    assert_eq!(after["doc"]["client_name"], "Ann Lee", "{after}");
    assert_eq!(after["doc"]["kind"], "matter", "{after}");
    assert_eq!(after["doc"]["number"], "42", "{after}");

    // A wrong signature in the address: refused before any document is shared.
    let wrong = DeviceKey::generate().unwrap().secret_hex();
    let refused = read_as(&wrong).await;
    assert!(
        refused["refused"]
            .as_str()
            .is_some_and(|r| r.contains("401")),
        "{refused}"
    );
    repo.stop().await;
}
