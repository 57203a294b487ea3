//! `satchel-server backup` / `backups` / `restore` on the embedded store: a backup taken
//! while the server serves, verified and listed; a damaged backup refused with the database
//! untouched; a restore that brings the database back as it was, keeping the one it
//! replaced.

#![allow(clippy::unwrap_used)] // a test that cannot run its setup should panic

mod common;

use common::{BIN, admin, start};
use std::process::Command;

fn users(dir: &std::path::Path) -> String {
    admin(dir, &["user", "list"])
}

#[test]
fn a_server_backup_is_verified_and_restores_the_database_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    admin(
        dir,
        &[
            "user",
            "add",
            "--name",
            "Ann Moss",
            "--initials",
            "AM",
            "--role",
            "partner",
        ],
    );
    // Taken while the server serves.
    let running = start(dir);
    let said = admin(dir, &["backup"]);
    assert!(said.contains("backed up and verified"), "{said}");
    assert!(said.contains("keep a copy of"), "{said}");
    drop(running);
    let listed = admin(dir, &["backups"]);
    assert_eq!(listed.lines().count(), 1, "{listed}");
    let backup = listed.split_whitespace().last().unwrap().to_owned();
    assert!(
        !std::fs::read_dir(&backup)
            .unwrap()
            .any(|f| f.unwrap().file_name() == "server.key"),
        "the key is not in the backup"
    );
    admin(
        dir,
        &[
            "user",
            "add",
            "--name",
            "Bo Lake",
            "--initials",
            "BL",
            "--role",
            "fee_earner",
        ],
    );
    assert!(users(dir).contains("BL"));

    // A damaged copy is refused; nothing changes.
    let damaged = dir.join("damaged");
    std::fs::create_dir(&damaged).unwrap();
    for f in ["manifest.json", "server.db"] {
        std::fs::copy(std::path::Path::new(&backup).join(f), damaged.join(f)).unwrap();
    }
    let db = damaged.join("server.db");
    let mut bytes = std::fs::read(&db).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&db, bytes).unwrap();
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(["restore", damaged.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is damaged"), "{err}");
    assert!(users(dir).contains("BL"), "untouched");

    let said = admin(dir, &["restore", &backup]);
    assert!(said.contains("restored the backup of"), "{said}");
    let now = users(dir);
    assert!(now.contains("AM") && !now.contains("BL"), "{now}");
    // The database it replaced was backed up first.
    assert_eq!(admin(dir, &["backups"]).lines().count(), 2);
}

/// An erasure is never undone by restoring a server backup taken before it: the
/// documents erased since are erased again, gone from every page of the database.
#[test]
fn a_restored_server_backup_erases_again_what_was_erased_since() {
    use satchel_server::storage::ServerStore;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let doc = "4q8Gd1xDEmLCY3R2Rjpa2B1HkqUG";
    rt.block_on(async {
        let store = satchel_server::open_store(dir).unwrap();
        store
            .put_chunk(
                format!("{doc}/snapshot/aa"),
                b"Zelda Quartermain's file".to_vec(),
            )
            .await
            .unwrap();
        store
            .put_chunk("keptdoc/snapshot/bb".into(), b"Hal Baines's file".to_vec())
            .await
            .unwrap();
    });
    let listed = {
        admin(dir, &["backup"]);
        admin(dir, &["backups"])
    };
    let backup = listed.split_whitespace().last().unwrap().to_owned();
    rt.block_on(async {
        let store = satchel_server::open_store(dir).unwrap();
        assert_eq!(
            store
                .erase_documents(vec![(doc.into(), None)], jiff::Timestamp::now())
                .await
                .unwrap(),
            1
        );
    });
    let key = satchel_server::database_key(dir).unwrap();
    let in_backup =
        satchel_store::decrypted_pages(&std::path::Path::new(&backup).join("server.db"), &key)
            .unwrap();
    assert!(
        String::from_utf8_lossy(&in_backup).contains("Zelda Quartermain"),
        "the backup holds what was erased after it"
    );
    let said = admin(dir, &["restore", &backup]);
    assert!(
        said.contains("1 documents erased since that backup were erased again"),
        "{said}"
    );
    let pages = satchel_store::decrypted_pages(&dir.join("server.db"), &key).unwrap();
    let text = String::from_utf8_lossy(&pages);
    assert!(!text.contains("Zelda Quartermain"));
    assert!(
        text.contains("Hal Baines"),
        "what was not erased is restored"
    );
    rt.block_on(async {
        let store = satchel_server::open_store(dir).unwrap();
        assert!(!store.has_chunks_under(doc.into()).await.unwrap());
        assert_eq!(
            store.erased_documents().await.unwrap(),
            vec![doc.to_owned()]
        );
    });
}
