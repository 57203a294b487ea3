//! The real `satchel-server` process over TLS on loopback, with devices enrolling and
//! syncing through `satchel-sync`: enrolment codes are good once; a certificate other than
//! the pinned one, a bad signature and a revoked device are refused with a clear message;
//! two devices share a document through the server, which keeps it encrypted across a
//! restart; garbage and oversized frames close that connection and nothing else.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use automerge::ReadDoc;
use futures::{SinkExt, StreamExt};
use satchel_sync::{DeviceKey, Message, Server, SyncError};
use std::path::Path;
use std::time::Duration;
use tokio::time::timeout;

mod common;

use common::{
    LIMIT, add_user, admin, admin_with, device_repo, enrolled, find, firm, new_doc, put_text,
    start, start_on, start_with, text_at,
};

/// What a refused connection says.
fn refused<T>(r: Result<T, SyncError>) -> String {
    match r {
        Ok(_) => panic!("the connection was not refused"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_enrol_authenticate_and_sync_through_the_server() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    add_user(data, &[], "Jane Hale", "JH", "partner");
    let code_a = admin(data, &["enrol-code", "--user", "JH"]);
    let code_b = admin(data, &["enrol-code", "--user", "jh", "--hours", "2"]);
    let running = start(data);
    assert_eq!(
        running.fingerprint,
        admin(data, &["fingerprint"]),
        "the fingerprint printed at start is the certificate's"
    );
    let server = Server::new(&running.address, &running.fingerprint).unwrap();
    assert_eq!(server.hello().await.unwrap()["server"], "satchel-server");

    // Another certificate's fingerprint: refused before anything is sent.
    let wrong = Server::new(&running.address, &"AB".repeat(32)).unwrap();
    let err = wrong
        .enrol(
            &code_a,
            "laptop",
            &DeviceKey::generate().unwrap(),
            None,
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::WrongCertificate { .. }), "{err}");
    assert!(err.to_string().contains(&running.fingerprint), "{err}");

    // Enrolment: a code is good once.
    let (a, key_a) = enrolled(&server, &code_a, "Jane's laptop").await;
    assert_eq!((a.initials.as_str(), a.role.as_str()), ("JH", "partner"));
    let err = server
        .enrol(
            &code_a,
            "another",
            &DeviceKey::generate().unwrap(),
            None,
            None,
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("used already"), "{err}");
    let err = server
        .enrol(
            "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ",
            "another",
            &DeviceKey::generate().unwrap(),
            None,
            None,
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("not one this server gave out"), "{err}");
    // Typed in lower case with spaces: the same code.
    let key_b = DeviceKey::generate().unwrap();
    let b = server
        .enrol(
            &code_b.to_lowercase().replace('-', " "),
            "Jane's desktop",
            &key_b,
            None,
            None,
        )
        .await
        .unwrap();

    // A connection needs the device's own signature.
    let err = refused(
        server
            .connect(&a.device_id, &DeviceKey::generate().unwrap())
            .await,
    );
    assert!(err.contains("signature does not match"), "{err}");
    let err = refused(server.connect("no-such-device", &key_a).await);
    assert!(err.contains("not enrolled"), "{err}");

    // Two devices share a document through the server.
    let key_b_copy = DeviceKey::from_secret_hex(&key_b.secret_hex()).unwrap();
    let repo_a = device_repo(&server, &a, key_a).await;
    let repo_b = device_repo(&server, &b, key_b).await;
    let doc = new_doc("client", "PLANTED-CLIENT-4412 Ann Lee");
    let on_a = repo_a.create(doc).await.unwrap();
    let id = on_a.document_id().clone();
    let on_b = find(&repo_b, &id).await;
    assert_eq!(
        text_at(&on_b, "client").as_deref(),
        Some("PLANTED-CLIENT-4412 Ann Lee")
    );
    put_text(&on_b, "client", "Ann Lee-Smith");
    timeout(LIMIT, async {
        while text_at(&on_a, "client").as_deref() != Some("Ann Lee-Smith") {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("b's edit reached a");

    // Garbage and oversized frames close that connection; the server serves on.
    let key_b2 = DeviceKey::from_secret_hex(&key_b_copy.secret_hex()).unwrap();
    for frame in [vec![0xff, 0x00, 0x13, 0x37], vec![0u8; (64 << 20) + 1]] {
        let mut s = server.open_socket(&b.device_id, &key_b2).await.unwrap();
        let _ = s.send(Message::Binary(frame.into())).await;
        let closed = timeout(LIMIT, async {
            loop {
                match s.next().await {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return true,
                    Some(Ok(_)) => {}
                }
            }
        })
        .await;
        assert_eq!(closed, Ok(true), "the server closed the connection");
    }
    assert_eq!(server.hello().await.unwrap()["server"], "satchel-server");

    // Revoked: refused at the next connection.
    let listed = admin(data, &["device", "list"]);
    assert!(
        listed.contains(&b.device_id) && listed.contains("Jane's desktop"),
        "{listed}"
    );
    admin(data, &["device", "revoke", &b.device_id]);
    let err = refused(server.connect(&b.device_id, &key_b_copy).await);
    assert!(err.contains("revoked"), "{err}");

    // Kept across a restart, encrypted on disk.
    repo_a.stop().await;
    repo_b.stop().await;
    drop(running);
    for file in std::fs::read_dir(data).unwrap() {
        let path = file.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(19).any(|w| w == b"PLANTED-CLIENT-4412"),
                "{} holds the planted value in plain text",
                path.display()
            );
        }
    }
    let running = start(data);
    let server = Server::new(&running.address, &running.fingerprint).unwrap();
    let code_c = admin(data, &["enrol-code", "--user", "JH"]);
    let (c, key_c) = enrolled(&server, &code_c, "new laptop").await;
    let repo_c = device_repo(&server, &c, key_c).await;
    let on_c = find(&repo_c, &id).await;
    assert_eq!(text_at(&on_c, "client").as_deref(), Some("Ann Lee-Smith"));
    repo_c.stop().await;
}

#[test]
fn a_dead_server_is_reported_as_unreachable() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        // A port nothing listens on.
        let server = Server::new(&free_listen(), &"AB".repeat(32)).unwrap();
        let err = timeout(LIMIT, server.hello()).await.unwrap().unwrap_err();
        assert!(matches!(err, SyncError::Unreachable { .. }), "{err}");
        assert!(err.to_string().contains("cannot be reached"), "{err}");
        let err = Server::new("http://127.0.0.1:1", &"AB".repeat(32))
            .unwrap_err()
            .to_string();
        assert!(err.contains("https only"), "{err}");
        let err = Server::new("127.0.0.1:1", "not a fingerprint")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a certificate fingerprint"), "{err}");
    });
}

/// What a device receives and whose changes count is decided per document: a fee earner
/// sees nothing of a partner's matter until granted, then reads it (their changes ignored),
/// then edits it; grants take effect on connected devices; a revoked device's connection
/// loses everything at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_decide_what_a_device_sees_and_changes() {
    let firm = firm(
        &[
            ("Jane Hale", "JH", "partner"),
            ("Alan Bird", "AB", "fee_earner"),
        ],
        &["JH", "AB"],
    );
    let (data, server) = (firm.data(), &firm.server);
    let [code_jh, code_ab] = &firm.codes[..] else {
        unreachable!()
    };
    let (jh, key_jh) = enrolled(server, code_jh, "partner's laptop").await;
    let (ab, key_ab) = enrolled(server, code_ab, "fee earner's laptop").await;
    let repo_jh = device_repo(server, &jh, key_jh).await;
    let repo_ab = device_repo(server, &ab, key_ab).await;

    let doc = new_doc("client", "Ann Lee");
    let on_jh = repo_jh.create(doc).await.unwrap();
    let id = on_jh.document_id().clone();
    // The partner's matter reaches the server; the fee earner is told it is unavailable.
    timeout(LIMIT, async {
        while !server_holds(data, &id) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the partner's document reached the server");
    let unavailable = timeout(LIMIT, repo_ab.find(id.clone()))
        .await
        .unwrap()
        .unwrap();
    assert!(unavailable.is_none(), "not granted: doc-unavailable");

    // Read: the fee earner receives it, and their change is not taken.
    admin(
        data,
        &[
            "grant",
            "--user",
            "ab",
            "--doc",
            &format!("automerge:{id}"),
            "--access",
            "read",
        ],
    );
    let on_ab = find(&repo_ab, &id).await;
    assert_eq!(text_at(&on_ab, "client").as_deref(), Some("Ann Lee"));
    put_text(&on_ab, "client", "Changed without the edit grant");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        text_at(&on_jh, "client").as_deref(),
        Some("Ann Lee"),
        "a read grant changes nothing"
    );

    // Edit, granted while connected: the next change is taken.
    admin(
        data,
        &[
            "grant",
            "--user",
            "AB",
            "--doc",
            &id.to_string(),
            "--access",
            "edit",
        ],
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    put_text(&on_ab, "fee_earner", "AB");
    timeout(LIMIT, async {
        loop {
            let fe = on_jh.with_document(|d| {
                d.get(automerge::ROOT, "fee_earner")
                    .unwrap()
                    .and_then(|(v, _)| v.into_string().ok())
            });
            if fe.as_deref() == Some("AB") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("with the edit grant, the change reached the partner");

    // Revoked while connected: the partner's next change no longer reaches the fee earner.
    admin(data, &["device", "revoke", &ab.device_id]);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    put_text(&on_jh, "client", "After the revocation");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_ne!(
        text_at(&on_ab, "client").as_deref(),
        Some("After the revocation")
    );
    repo_jh.stop().await;
    repo_ab.stop().await;
}

/// Whether the server's store holds a document (read while it runs, with its key file).
/// A new document is its creator's: a fee earner claims their new matter, which then reaches
/// the server with them granted edit on it (their later changes are taken); another fee
/// earner is told it is unavailable and cannot claim it; a read-only user's new document is
/// neither granted nor taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_document_is_granted_to_the_fee_earner_who_brings_it() {
    let firm = firm(
        &[
            ("Alan Bird", "AB", "fee_earner"),
            ("Cara Dunn", "CD", "fee_earner"),
            ("Rita Oakes", "RO", "read_only"),
        ],
        &["AB", "CD", "RO"],
    );
    let (data, server, codes) = (firm.data(), &firm.server, &firm.codes);
    let mut repos = Vec::new();
    let mut ids = Vec::new();
    for (code, name) in codes.iter().zip(["ab", "cd", "ro"]) {
        let (e, key) = enrolled(server, code, name).await;
        let again = DeviceKey::from_secret_hex(&key.secret_hex()).unwrap();
        ids.push((e.device_id.clone(), again));
        repos.push(device_repo(server, &e, key).await);
    }
    let on_ab = repos[0].create(new_doc("client", "Ann Lee")).await.unwrap();
    let id = on_ab.document_id().clone();
    // Claimed: the server holds no such document, so it is AB's to edit; a claim of one the
    // server holds already is not granted.
    let granted = server
        .claim(&ids[0].0, &ids[0].1, std::slice::from_ref(&id))
        .await
        .unwrap();
    assert_eq!(granted, vec![id.clone()]);
    put_text(&on_ab, "client", "Ann Lee");
    timeout(LIMIT, async {
        while !server_holds(data, &id) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the fee earner's new document reached the server");
    let grants = admin(data, &["grants"]);
    assert!(
        grants.contains(&format!("AB\t{id}\tedit")),
        "the creator holds edit: {grants}"
    );
    // Their later change is taken.
    put_text(&on_ab, "client", "Ann Lee-Smith");
    timeout(LIMIT, async {
        while server_text(data, &id, "client").as_deref() != Some("Ann Lee-Smith") {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the creator's change reached the server");
    let unavailable = timeout(LIMIT, repos[1].find(id.clone()))
        .await
        .unwrap()
        .unwrap();
    assert!(unavailable.is_none(), "another fee earner: doc-unavailable");
    let taken = server
        .claim(&ids[1].0, &ids[1].1, std::slice::from_ref(&id))
        .await
        .unwrap();
    assert!(
        taken.is_empty(),
        "a document the server holds is not claimed"
    );

    let on_ro = repos[2]
        .create(new_doc("client", "Bob Marsh"))
        .await
        .unwrap();
    let ro_id = on_ro.document_id().clone();
    let none = server
        .claim(&ids[2].0, &ids[2].1, std::slice::from_ref(&ro_id))
        .await
        .unwrap();
    assert!(none.is_empty(), "a read-only user claims nothing");
    put_text(&on_ro, "client", "Bob Marsh");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        !server_holds(data, &ro_id),
        "a read-only user creates nothing"
    );
    assert!(!admin(data, &["grants"]).contains(&ro_id.to_string()));
    for r in repos {
        r.stop().await;
    }
}

/// A server that cannot store (here: its database at the size its administrator allows, as
/// a full disk would be) takes no new sync connections and says why; the device keeps its
/// work, and once there is room it arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_server_refuses_new_syncs_in_words_and_nothing_is_lost() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    add_user(data, &[], "Jane Hale", "JH", "partner");
    let code = admin(data, &["enrol-code", "--user", "JH"]);
    let listen = free_listen();
    let full = start_on(data, &["--max-db-mb", "1"], &listen);
    let server = Server::new(&full.address, &full.fingerprint).unwrap();
    let (e, key) = enrolled(&server, &code, "laptop").await;
    let again = DeviceKey::from_secret_hex(&key.secret_hex()).unwrap();
    let repo = device_repo(&server, &e, key).await;
    // Two megabytes that do not compress: more than the server may keep.
    let mut bytes = vec![0u8; 1 << 20];
    getrandom::fill(&mut bytes).unwrap();
    let big = hex::encode(&bytes);
    let on_a = repo.create(new_doc("client", "Ann Lee")).await.unwrap();
    let id = on_a.document_id().clone();
    put_text(&on_a, "bundle", &big);
    let said = timeout(LIMIT, async {
        loop {
            match server.connect(&e.device_id, &again).await {
                Err(err) => break err.to_string(),
                Ok(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    })
    .await
    .expect("the server said it cannot store");
    assert!(said.contains("cannot store changes now"), "{said}");
    assert!(said.contains("full"), "the reason is given: {said}");
    assert_eq!(
        text_at(&on_a, "bundle").as_deref(),
        Some(big.as_str()),
        "kept here"
    );

    // Room again: the device reconnects by itself and its work arrives.
    drop(full);
    let _roomy = start_on(data, &[], &listen);
    timeout(LIMIT, async {
        while server_text(data, &id, "bundle").as_deref() != Some(big.as_str()) {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .expect("the device's work reached the server once there was room");
    repo.stop().await;
}

/// Whole documents for a first sync: a partner's device stores a document the server does
/// not hold and another device fetches it whole; a fee earner's unclaimed document is not
/// taken, nor is it fetched by someone without a grant; bytes that are not a document are
/// refused in words (a cut-short body: `protocol`'s own test).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_documents_are_stored_and_fetched_only_as_grants_allow() {
    let firm = firm(
        &[
            ("Jane Hale", "JH", "partner"),
            ("Alan Bird", "AB", "fee_earner"),
        ],
        &["JH", "JH", "AB"],
    );
    let (data, server) = (firm.data(), &firm.server);
    let [code_jh, code_jh2, code_ab] = &firm.codes[..] else {
        unreachable!()
    };
    let (jh, key_jh) = enrolled(server, code_jh, "laptop").await;
    let (jh2, key_jh2) = enrolled(server, code_jh2, "desktop").await;
    let (ab, key_ab) = enrolled(server, code_ab, "fee earner's laptop").await;
    let doc = new_doc("client", "Ann Lee");
    let id: samod::DocumentId = uuid::Uuid::now_v7().as_bytes().to_vec().try_into().unwrap();
    let taken = server
        .store(&jh.device_id, &key_jh, &[(id.clone(), doc.save())])
        .await
        .unwrap();
    assert_eq!(taken, vec![id.clone()]);
    assert_eq!(server_text(data, &id, "client").as_deref(), Some("Ann Lee"));
    // Held now: storing it whole again is not taken (changes go through the protocol).
    let again = server
        .store(&jh.device_id, &key_jh, &[(id.clone(), doc.save())])
        .await
        .unwrap();
    assert!(again.is_empty());
    let fetched = server
        .fetch(&jh2.device_id, &key_jh2, std::slice::from_ref(&id))
        .await
        .unwrap();
    assert_eq!(fetched.len(), 1);
    let got = automerge::Automerge::load(&fetched[0].1).unwrap();
    assert_eq!(
        got.get(automerge::ROOT, "client")
            .unwrap()
            .and_then(|(v, _)| v.into_string().ok())
            .as_deref(),
        Some("Ann Lee")
    );
    // The fee earner: not granted, nothing fetched; an unclaimed new document not taken.
    let none = server
        .fetch(&ab.device_id, &key_ab, std::slice::from_ref(&id))
        .await
        .unwrap();
    assert!(none.is_empty());
    let theirs: samod::DocumentId = uuid::Uuid::now_v7().as_bytes().to_vec().try_into().unwrap();
    let not = server
        .store(&ab.device_id, &key_ab, &[(theirs.clone(), doc.save())])
        .await
        .unwrap();
    assert!(not.is_empty(), "unclaimed");
    // Not a document: refused in words.
    let other: samod::DocumentId = uuid::Uuid::now_v7().as_bytes().to_vec().try_into().unwrap();
    let err = server
        .store(
            &jh.device_id,
            &key_jh,
            &[(other, b"not automerge".to_vec())],
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("not an automerge document"), "{err}");
}

/// Asked with the cursor its last sync left, a device is told only what changed since
/// (and, when who may see what changed, everything again), and which of the documents it
/// is about to send the server lacks. Numbers: a store that keeps its own is given none and
/// what it keeps is given to no one; a new device is given a block, then the next.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_is_told_what_changed_and_given_numbers_once() {
    use satchel_sync::protocol::Numbers;
    let firm = firm(
        &[
            ("Jane Hale", "JH", "partner"),
            ("Alan Bird", "AB", "fee_earner"),
        ],
        &["JH", "AB"],
    );
    let (data, server) = (firm.data(), &firm.server);
    let [code_jh, code_ab] = &firm.codes[..] else {
        unreachable!()
    };

    let key_jh = DeviceKey::generate().unwrap();
    let jh = server
        .enrol(
            code_jh,
            "laptop",
            &key_jh,
            None,
            Some(&Numbers {
                matters: vec![(1, 1_002)],
                bills: vec![(1, 5_000)],
            }),
        )
        .await
        .unwrap();
    assert_eq!(jh.numbers, Numbers::default(), "it keeps its own");
    let key_ab = DeviceKey::generate().unwrap();
    let ab = server
        .enrol(
            code_ab,
            "new laptop",
            &key_ab,
            None,
            Some(&Numbers::default()),
        )
        .await
        .unwrap();
    assert_eq!(
        ab.numbers.matters,
        [(1_003, 1_202)],
        "after what the store keeps"
    );
    assert_eq!(
        ab.numbers.bills,
        [(5_001, 6_000)],
        "five times as many bills"
    );
    assert_eq!(
        server
            .more_numbers(&ab.device_id, &key_ab, "matters")
            .await
            .unwrap(),
        (1_203, 1_402)
    );
    let err = server
        .more_numbers(&ab.device_id, &key_ab, "widgets")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("matters or bills"), "{err}");

    let first = server
        .listing(&jh.device_id, &key_jh, None, &[])
        .await
        .unwrap();
    assert_eq!(first.all.as_deref(), Some(&[][..]), "nothing held yet");
    assert!(
        first.changed.is_none(),
        "no cursor: everything is listed instead"
    );
    let new_id =
        || -> samod::DocumentId { uuid::Uuid::now_v7().as_bytes().to_vec().try_into().unwrap() };
    let (held, lacking) = (new_id(), new_id());
    server
        .store(
            &jh.device_id,
            &key_jh,
            &[(held.clone(), new_doc("client", "Ann Lee").save())],
        )
        .await
        .unwrap();
    let next = server
        .listing(
            &jh.device_id,
            &key_jh,
            Some(first.cursor),
            &[held.clone(), lacking.clone()],
        )
        .await
        .unwrap();
    assert!(next.all.is_none(), "who may see what is as it was");
    assert_eq!(next.changed.as_deref(), Some(std::slice::from_ref(&held)));
    assert_eq!(next.not_held, [lacking]);
    let quiet = server
        .listing(&jh.device_id, &key_jh, Some(next.cursor), &[])
        .await
        .unwrap();
    assert_eq!(quiet.changed.as_deref(), Some(&[][..]), "nothing since");
    // A cursor from a later history than the server's (restored from an older backup):
    // answered as a first sync, in full.
    let ahead = satchel_sync::protocol::Cursor {
        changes: quiet.cursor.changes + 1_000,
        ..quiet.cursor
    };
    let restored = server
        .listing(&jh.device_id, &key_jh, Some(ahead), &[])
        .await
        .unwrap();
    assert!(restored.changed.is_none());
    assert_eq!(restored.all.as_deref(), Some(std::slice::from_ref(&held)));
    // The fee earner is not granted it; granted, their listing has it again in full.
    let before = server
        .listing(&ab.device_id, &key_ab, Some(quiet.cursor), &[])
        .await
        .unwrap();
    assert!(before.all.is_none());
    assert_eq!(before.changed.as_deref(), Some(&[][..]));
    admin(
        data,
        &[
            "grant",
            "--user",
            "AB",
            "--doc",
            &held.to_string(),
            "--access",
            "read",
        ],
    );
    // (The running server takes a grant made from the command line within a second.)
    let after = timeout(LIMIT, async {
        loop {
            let after = server
                .listing(&ab.device_id, &key_ab, Some(before.cursor), &[])
                .await
                .unwrap();
            if after.all.as_ref().is_some_and(|a| !a.is_empty()) {
                return after;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the grant was listed");
    assert_eq!(after.all.as_deref(), Some(std::slice::from_ref(&held)));
}

/// A text field of a document as the server stores it.
fn server_text(data: &Path, id: &samod::DocumentId, key: &str) -> Option<String> {
    let rt = tokio::runtime::Handle::current();
    let store = satchel_server::open_store(data).unwrap();
    tokio::task::block_in_place(|| {
        rt.block_on(async {
            use satchel_server::storage::ServerStore;
            let mut doc = automerge::Automerge::new();
            for (_, bytes) in store.chunks_under(id.to_string()).await.unwrap() {
                doc.load_incremental(&bytes).unwrap();
            }
            doc.get(automerge::ROOT, key)
                .unwrap()
                .and_then(|(v, _)| v.into_string().ok())
        })
    })
}

/// A loopback address nothing listens on (for a server to start on, or be missing from).
fn free_listen() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}")
}

fn server_holds(data: &Path, id: &samod::DocumentId) -> bool {
    let rt = tokio::runtime::Handle::current();
    let store = satchel_server::open_store(data).unwrap();
    tokio::task::block_in_place(|| {
        rt.block_on(async {
            use satchel_server::storage::ServerStore;
            store.has_chunks_under(id.to_string()).await.unwrap()
        })
    })
}

/// The same server on PostgreSQL: users, codes and grants in the database, and two devices
/// sharing a partner's document once the fee earner is granted it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_on_postgresql_enrols_grants_and_syncs() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let pg = common::start_postgres();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let on_pg = ["--postgres", pg.url.as_str()];
    add_user(data, &on_pg, "Jane Hale", "JH", "partner");
    add_user(data, &on_pg, "Alan Bird", "AB", "fee_earner");
    assert!(
        admin(data, &["user", "list"]).is_empty(),
        "nothing went to the embedded store"
    );
    let code_jh = admin_with(data, &on_pg, &["enrol-code", "--user", "JH"]);
    let code_ab = admin_with(data, &on_pg, &["enrol-code", "--user", "AB"]);
    let running = start_with(data, &on_pg);
    let server = Server::new(&running.address, &running.fingerprint).unwrap();
    let (jh, key_jh) = enrolled(&server, &code_jh, "partner's laptop").await;
    let (ab, key_ab) = enrolled(&server, &code_ab, "fee earner's laptop").await;
    let repo_jh = device_repo(&server, &jh, key_jh).await;
    let repo_ab = device_repo(&server, &ab, key_ab).await;
    let doc = new_doc("client", "Ann Lee");
    let id = repo_jh.create(doc).await.unwrap().document_id().clone();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let unavailable = timeout(LIMIT, repo_ab.find(id.clone()))
        .await
        .unwrap()
        .unwrap();
    assert!(unavailable.is_none(), "not granted: doc-unavailable");
    admin_with(
        data,
        &on_pg,
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
    let on_ab = find(&repo_ab, &id).await;
    assert_eq!(text_at(&on_ab, "client").as_deref(), Some("Ann Lee"));
    repo_jh.stop().await;
    repo_ab.stop().await;
}

/// The server goes down: both devices go on working (each edits the same document), and
/// when it is back on the same address they reconnect by themselves (backoff) and each gets
/// the other's work; nothing is lost, including concurrent edits to the same field (both
/// values kept by Automerge, one chosen the same on both).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_work_on_while_the_server_is_down_and_catch_up_when_it_returns() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    add_user(data, &[], "Jane Hale", "JH", "partner");
    let code_a = admin(data, &["enrol-code", "--user", "JH"]);
    let code_b = admin(data, &["enrol-code", "--user", "JH"]);
    let listen = free_listen();
    let running = start_on(data, &[], &listen);
    let server = Server::new(&running.address, &running.fingerprint).unwrap();
    let (a, key_a) = enrolled(&server, &code_a, "laptop").await;
    let (b, key_b) = enrolled(&server, &code_b, "desktop").await;
    let repo_a = device_repo(&server, &a, key_a).await;
    let repo_b = device_repo(&server, &b, key_b).await;
    let doc = new_doc("client", "Ann Lee");
    let on_a = repo_a.create(doc).await.unwrap();
    let id = on_a.document_id().clone();
    let on_b = find(&repo_b, &id).await;

    drop(running);
    // Offline: different fields, and the same field, on each device.
    put_text(&on_a, "description", "Lease renewal");
    put_text(&on_b, "reference", "HL/2041");
    put_text(&on_a, "status", "open (A)");
    put_text(&on_b, "status", "open (B)");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(text_at(&on_b, "description"), None, "the server is down");

    let _back = start_on(data, &[], &listen);
    timeout(LIMIT, async {
        loop {
            let both = |h: &samod::DocHandle| {
                text_at(h, "description").as_deref() == Some("Lease renewal")
                    && text_at(h, "reference").as_deref() == Some("HL/2041")
            };
            if both(&on_a) && both(&on_b) && text_at(&on_a, "status") == text_at(&on_b, "status") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("both devices reconnected and converged");
    // The concurrent values of `status` are both kept; each device sees the same two.
    let conflicts = |h: &samod::DocHandle| {
        h.with_document(|d| {
            let mut all: Vec<String> = d
                .get_all(automerge::ROOT, "status")
                .unwrap()
                .into_iter()
                .filter_map(|(v, _)| v.into_string().ok())
                .collect();
            all.sort();
            all
        })
    };
    assert_eq!(conflicts(&on_a), ["open (A)", "open (B)"]);
    assert_eq!(conflicts(&on_b), conflicts(&on_a));
    repo_a.stop().await;
    repo_b.stop().await;
}
