use super::*;
use satchel_api::{ErrorKind, NewMatterRequest};

const PASS: &str = "correct horse battery staple";

fn cheap() -> KdfParams {
    KdfParams {
        m_cost_kib: 1024,
        t_cost: 1,
        p_cost: 1,
    }
}

fn setup(role: &'static str) -> Setup<'static> {
    Setup {
        firm_name: "Hale & Co Solicitors",
        user_name: "Jane Hale",
        initials: "jh",
        role,
        passphrase: PASS,
    }
}

fn new_store(vault: &dyn KeyVault) -> (tempfile::TempDir, Satchel) {
    let dir = tempfile::tempdir().unwrap();
    let s =
        Satchel::init_with(&dir.path().join("data"), vault, &setup("partner"), cheap()).unwrap();
    (dir, s)
}

fn matter(client: &str, description: &str) -> NewMatterRequest {
    NewMatterRequest {
        client_name: client.into(),
        description: description.into(),
        ..Default::default()
    }
}

fn count(s: &Satchel, sql: &str) -> i64 {
    s.store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn setup_then_matters_round_trip_through_keyring_unlock() {
    let vault = MemoryVault::default();
    let (dir, mut s) = new_store(&vault);
    assert!(s.session().keyring_ok);
    assert!(s.list_matters().unwrap().is_empty());
    let m1 = s
        .create_matter(&matter("Alice Brown", "Purchase of 3 Mill Lane"))
        .unwrap();
    let m2 = s.create_matter(&matter("Bob Green", "Divorce")).unwrap();
    assert_eq!(m1.number, "M00001");
    assert_eq!(m2.number, "M00002");
    assert_eq!(m1.opened_by, "JH");
    assert_eq!(
        m1.opened,
        satchel_core::dates::london_date(Timestamp::now()).to_string()
    );
    drop(s);

    let s = Satchel::open(&dir.path().join("data"), &vault, Unlock::Keyring).unwrap();
    let list = s.list_matters().unwrap();
    assert_eq!(
        list.iter().map(|m| m.number.as_str()).collect::<Vec<_>>(),
        ["M00002", "M00001"]
    );
    assert_eq!(list[1], m1);
    assert_eq!(s.session().firm_name, "Hale & Co Solicitors");
}

#[test]
fn every_write_is_document_change_projection_and_audit_event_together() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let events_before = count(&s, "SELECT count(*) FROM audit_events");
    let changes_before = count(&s, "SELECT count(*) FROM doc_changes");
    let m = s
        .create_matter(&matter("Carol White", "Lease renewal"))
        .unwrap();
    assert_eq!(
        count(&s, "SELECT count(*) FROM audit_events"),
        events_before + 1
    );
    assert_eq!(
        count(&s, "SELECT count(*) FROM doc_changes"),
        changes_before + 1
    );
    let (action, subject): (String, String) = s
        .store
        .conn()
        .query_row(
            "SELECT action, subject FROM audit_events ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(action, "matter.create");
    assert_eq!(subject, format!("matter:{}", m.id));
    // The document holds the same facts as the projection.
    let tx = s.store.conn_mut().transaction().unwrap();
    let doc: docs::MatterDoc =
        autosurgeon::hydrate(&docs::load(&tx, &m.id).unwrap().unwrap()).unwrap();
    assert_eq!(doc.client_name, "Carol White");
    assert_eq!(doc.number, 1);
}

#[test]
fn invalid_input_changes_nothing() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let events = count(&s, "SELECT count(*) FROM audit_events");
    let err = s.create_matter(&matter("   ", "x")).unwrap_err();
    assert_eq!(ApiError::from(err).field.as_deref(), Some("client_name"));
    let err = s
        .create_matter(&NewMatterRequest {
            opened: Some("25/11/2026".into()),
            ..matter("A", "B")
        })
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("must be a date written YYYY-MM-DD"),
        "{err}"
    );
    let err = s
        .create_matter(&NewMatterRequest {
            opened: Some("2999-01-01".into()),
            ..matter("A", "B")
        })
        .unwrap_err();
    assert!(err.to_string().contains("is after today"), "{err}");
    assert_eq!(count(&s, "SELECT count(*) FROM audit_events"), events);
    assert_eq!(count(&s, "SELECT count(*) FROM matters"), 0);
    // The number was not consumed.
    assert_eq!(s.create_matter(&matter("A", "B")).unwrap().number, "M00001");
}

use satchel_api::ApiError;

#[test]
fn read_only_users_may_not_open_matters() {
    let vault = MemoryVault::default();
    let dir = tempfile::tempdir().unwrap();
    let mut s = Satchel::init_with(dir.path(), &vault, &setup("read-only"), cheap()).unwrap();
    let err = s.create_matter(&matter("A", "B")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
}

#[test]
fn store_and_envelope_hold_no_client_data_in_the_clear() {
    let vault = MemoryVault::default();
    let (dir, mut s) = new_store(&vault);
    let marker = format!("MARKER{}", Uuid::now_v7().simple());
    for i in 0..20 {
        s.create_matter(&matter(
            &format!("{marker} client {i}"),
            &format!("{marker} matter {i}"),
        ))
        .unwrap();
    }
    let data = dir.path().join("data");
    let scan = |when: &str| {
        let mut scanned = 0;
        for entry in fs::read_dir(&data).unwrap() {
            let path = entry.unwrap().path();
            let bytes = fs::read(&path).unwrap();
            scanned += bytes.len();
            assert!(
                !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
                "{when}: marker found in {}",
                path.display()
            );
            assert!(
                !bytes.windows(9).any(|w| w == b"Hale & Co"),
                "{when}: firm name in {}",
                path.display()
            );
        }
        scanned
    };
    // With the WAL still holding the changes…
    assert!(data.join("satchel.db-wal").exists());
    assert!(scan("before checkpoint") > 0);
    // …and after they are written into the main file.
    s.checkpoint().unwrap();
    scan("after checkpoint");
    let head = fs::read(data.join(DB_FILE)).unwrap();
    assert!(!head.starts_with(b"SQLite format 3"));
    // Every backup and every export: the client data nowhere in the clear either (their
    // manifests name the firm, which is not client data).
    let backup = s.backup(None, "manual", &|_, _| {}).unwrap();
    let usb = tempfile::tempdir().unwrap();
    let archive = s.export_archive(usb.path(), &|_, _| {}).unwrap();
    for place in [backup.path.as_path(), archive.as_path(), data.as_path()] {
        assert_eq!(
            holds_in_clear(place, &marker),
            Vec::<std::path::PathBuf>::new(),
            "{}",
            place.display()
        );
    }
}

#[test]
fn wrong_passphrase_is_refused_and_changes_nothing() {
    let vault = MemoryVault::default();
    let (dir, mut s) = new_store(&vault);
    s.create_matter(&matter("A", "B")).unwrap();
    s.checkpoint().unwrap();
    drop(s);
    let data = dir.path().join("data");
    let before = fs::read(data.join(DB_FILE)).unwrap();
    let err = Satchel::open(&data, &vault, Unlock::Passphrase("not the passphrase")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongPassphrase);
    assert!(err.to_string().contains("passphrase is wrong"));
    assert_eq!(fs::read(data.join(DB_FILE)).unwrap(), before);
}

#[test]
fn passphrase_opens_the_store_when_the_keyring_entry_is_gone_and_restores_it() {
    let vault = MemoryVault::default();
    let (dir, mut s) = new_store(&vault);
    s.create_matter(&matter("Dan Black", "Probate")).unwrap();
    let install = s.install_id().to_owned();
    drop(s);
    let data = dir.path().join("data");
    assert!(vault.forget(&install).unwrap());
    let err = Satchel::open(&data, &vault, Unlock::Keyring).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Locked);
    assert!(err.to_string().contains("recovery passphrase"), "{err}");
    let s = Satchel::open(&data, &vault, Unlock::Passphrase(PASS)).unwrap();
    assert_eq!(s.list_matters().unwrap()[0].client_name, "Dan Black");
    assert!(s.session().keyring_ok, "the key went back into the keyring");
    drop(s);
    assert!(Satchel::open(&data, &vault, Unlock::Keyring).is_ok());
}

#[test]
fn no_keyring_means_passphrase_every_time() {
    let dir = tempfile::tempdir().unwrap();
    let s = Satchel::init_with(dir.path(), &NoKeyring, &setup("partner"), cheap()).unwrap();
    assert!(!s.session().keyring_ok);
    drop(s);
    let err = Satchel::open(dir.path(), &NoKeyring, Unlock::Keyring).unwrap_err();
    assert!(err.to_string().contains("SATCHEL_KEYRING=off"), "{err}");
    assert!(Satchel::open(dir.path(), &NoKeyring, Unlock::Passphrase(PASS)).is_ok());
}

#[test]
fn tampered_audit_event_is_named_by_verify() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    for i in 0..3 {
        s.create_matter(&matter(&format!("Client {i}"), "Work"))
            .unwrap();
    }
    let report = s.verify().unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.audit_events, 4);
    assert_eq!(report.documents, 4);
    let conn = s.store.conn();
    let (seq, id): (i64, String) = conn
        .query_row("SELECT seq, id FROM audit_events WHERE seq = 3", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    // Someone with the key goes round the append-only trigger and edits the trail.
    conn.execute_batch("DROP TRIGGER audit_events_no_update")
        .unwrap();
    conn.execute(
        "UPDATE audit_events SET actor_id = 'someone-else' WHERE seq = 3",
        [],
    )
    .unwrap();
    let report = s.verify().unwrap();
    assert!(!report.is_ok());
    assert_eq!(report.chain_breaks, vec![ChainBreak::Altered { seq, id }]);
}

#[test]
fn a_database_from_another_installation_is_named_as_such() {
    let vault = MemoryVault::default();
    let (dir_a, a) = new_store(&vault);
    let (dir_b, b) = new_store(&vault);
    a.checkpoint().unwrap();
    b.checkpoint().unwrap();
    drop((a, b));
    let data_a = dir_a.path().join("data");
    for f in ["satchel.db-wal", "satchel.db-shm"] {
        let _ = fs::remove_file(data_a.join(f));
    }
    fs::copy(
        dir_b.path().join("data").join(DB_FILE),
        data_a.join(DB_FILE),
    )
    .unwrap();
    for how in [Unlock::Keyring, Unlock::Passphrase(PASS)] {
        let err = Satchel::open(&data_a, &vault, how).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Storage);
        assert!(
            err.to_string().contains("another Satchel installation"),
            "{err}"
        );
    }
}

#[test]
fn truncated_database_is_reported_and_left_alone() {
    let vault = MemoryVault::default();
    let (dir, s) = new_store(&vault);
    s.checkpoint().unwrap();
    drop(s);
    let db = dir.path().join("data").join(DB_FILE);
    let bytes = fs::read(&db).unwrap();
    fs::write(&db, &bytes[..bytes.len() / 2 + 7]).unwrap();
    let err = Satchel::open(&dir.path().join("data"), &vault, Unlock::Keyring).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
    assert_eq!(fs::read(&db).unwrap().len(), bytes.len() / 2 + 7);
}

#[test]
fn setup_refuses_to_overwrite_and_a_weak_passphrase_writes_nothing() {
    let vault = MemoryVault::default();
    let (dir, mut s) = new_store(&vault);
    s.create_matter(&matter("Kept", "Kept")).unwrap();
    drop(s);
    let data = dir.path().join("data");
    let err = Satchel::init_with(&data, &vault, &setup("partner"), cheap()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadySetUp);
    let s = Satchel::open(&data, &vault, Unlock::Keyring).unwrap();
    assert_eq!(s.list_matters().unwrap().len(), 1);

    let empty = tempfile::tempdir().unwrap();
    let err = Satchel::init_with(
        empty.path(),
        &vault,
        &Setup {
            passphrase: "short",
            ..setup("partner")
        },
        cheap(),
    )
    .unwrap_err();
    assert_eq!(ApiError::from(err).field.as_deref(), Some("passphrase"));
    assert_eq!(fs::read_dir(empty.path()).unwrap().count(), 0);
}

#[test]
fn disk_full_mid_write_rolls_back_the_whole_command() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let pages: i64 = count(&s, "PRAGMA page_count");
    let _: i64 = s
        .store
        .conn()
        .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
            r.get(0)
        })
        .unwrap();
    let long = "d".repeat(450);
    let mut created = 0;
    let err = loop {
        match s.create_matter(&matter(&format!("Client {created}"), &long)) {
            Ok(_) => created += 1,
            Err(e) => break e,
        }
        assert!(created < 1000, "the capped store never filled");
    };
    assert!(err.to_string().contains("disk is full"), "{err}");
    assert_eq!(err.kind(), ErrorKind::Storage);
    // Each part of the failed command is absent; each successful one is whole.
    assert_eq!(count(&s, "SELECT count(*) FROM matters"), created);
    assert_eq!(
        count(&s, "SELECT count(*) FROM documents WHERE kind = 'matter'"),
        created
    );
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM audit_events WHERE action = 'matter.create'"
        ),
        created
    );
    let _: i64 = s
        .store
        .conn()
        .query_row("PRAGMA max_page_count = 1073741823", [], |r| r.get(0))
        .unwrap();
    assert!(s.verify().unwrap().is_ok());
    let next = s.create_matter(&matter("After", "space freed")).unwrap();
    assert_eq!(
        next.number,
        MatterNumber::new(created as u32 + 1).to_string()
    );
}

#[test]
fn projections_rebuild_from_documents() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    for i in 0..70 {
        // More than the compaction threshold for the firm document is not needed; matters
        // each have their own document.
        s.create_matter(&matter(&format!("Client {i}"), "Work"))
            .unwrap();
    }
    let before = s.list_matters().unwrap();
    s.store.conn().execute("DELETE FROM matters", []).unwrap();
    assert!(s.list_matters().unwrap().is_empty());
    s.rebuild_projections().unwrap();
    assert_eq!(s.list_matters().unwrap(), before);
}

#[test]
fn default_kdf_costs_work_end_to_end() {
    let vault = MemoryVault::default();
    let dir = tempfile::tempdir().unwrap();
    let s = Satchel::init(dir.path(), &vault, &setup("fee earner")).unwrap();
    drop(s);
    let env = Envelope::read(&dir.path().join(ENVELOPE_FILE)).unwrap();
    assert_eq!(env.kdf_params, KdfParams::default());
    assert!(Satchel::open(dir.path(), &vault, Unlock::Passphrase(PASS)).is_ok());
}

fn contact(kind: &str, name: &str) -> satchel_api::NewContactRequest {
    satchel_api::NewContactRequest {
        kind: kind.into(),
        name: name.into(),
        ..Default::default()
    }
}

#[test]
fn contacts_are_validated_stored_and_listed() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let c = s
        .create_contact(&satchel_api::NewContactRequest {
            email: "zoe@example.co.uk".into(),
            postcode: "sw1a1aa".into(),
            ..contact("person", "Zoë O'Brien")
        })
        .unwrap();
    assert_eq!(c.postcode.as_deref(), Some("SW1A 1AA"));
    s.create_contact(&contact("organisation", "Acme Holdings Limited"))
        .unwrap();
    let events = count(&s, "SELECT count(*) FROM audit_events");
    let err = s
        .create_contact(&satchel_api::NewContactRequest {
            email: "not-an-email".into(),
            ..contact("person", "X")
        })
        .unwrap_err();
    assert_eq!(ApiError::from(err).field.as_deref(), Some("email"));
    assert_eq!(
        count(&s, "SELECT count(*) FROM audit_events"),
        events,
        "nothing written"
    );
    let all = s.list_contacts(None).unwrap();
    assert_eq!(
        all.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["Acme Holdings Limited", "Zoë O'Brien"]
    );
    assert_eq!(s.list_contacts(Some("acme")).unwrap().len(), 1);
    assert_eq!(s.contact(&c.id).unwrap(), c);
}

#[test]
fn matters_take_a_contact_as_client_and_parties_in_roles() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let client = s.create_contact(&contact("person", "Alice Brown")).unwrap();
    let other = s
        .create_contact(&contact("organisation", "Acme Ltd"))
        .unwrap();
    let m = s
        .create_matter(&NewMatterRequest {
            client_id: Some(client.id.clone()),
            ..matter("", "Dispute with Acme")
        })
        .unwrap();
    assert_eq!(m.client_name, "Alice Brown");
    s.add_party(&satchel_api::AddPartyRequest {
        matter: m.number.clone(),
        contact_id: other.id.clone(),
        role: "other side".into(),
    })
    .unwrap();
    let err = s
        .add_party(&satchel_api::AddPartyRequest {
            matter: m.id.clone(),
            contact_id: other.id.clone(),
            role: "other_side".into(),
        })
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("already held by Acme Ltd on M00001"),
        "{err}"
    );
    let err = s
        .add_party(&satchel_api::AddPartyRequest {
            matter: "M00099".into(),
            contact_id: other.id.clone(),
            role: "client".into(),
        })
        .unwrap_err();
    assert!(err.to_string().contains("M00099 is not a matter"), "{err}");
    assert_eq!(s.contact(&other.id).unwrap().matters, 1);
    // The parties live in the matter's document: a rebuild brings them back.
    s.store
        .conn()
        .execute("DELETE FROM matter_parties", [])
        .unwrap();
    s.rebuild_projections().unwrap();
    assert_eq!(count(&s, "SELECT count(*) FROM matter_parties"), 2);
    let parties = s.list_parties(&m.number).unwrap();
    assert_eq!(
        parties
            .iter()
            .map(|p| (p.name.as_str(), p.role_label.as_str()))
            .collect::<Vec<_>>(),
        [("Alice Brown", "Client"), ("Acme Ltd", "Other side")],
        "clients first, then the other roles in their order"
    );
    let on = s.contact_matters(&other.id).unwrap();
    assert_eq!(on.len(), 1);
    assert_eq!(
        (on[0].number.as_str(), on[0].role_label.as_str()),
        ("M00001", "Other side")
    );
    assert!(s.contact_matters("nobody").is_err());
}

#[test]
fn conflict_check_finds_near_names_grouped_by_matter_and_records_itself() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let acme = s
        .create_contact(&contact("organisation", "Acme Holdings Limited"))
        .unwrap();
    let m1 = s
        .create_matter(&matter("Jon Smyth", "Sale of 4 Elm Road"))
        .unwrap();
    let m2 = s
        .create_matter(&matter("Brian Jones", "Claim against Acme"))
        .unwrap();
    s.add_party(&satchel_api::AddPartyRequest {
        matter: m2.number.clone(),
        contact_id: acme.id.clone(),
        role: "other_side".into(),
    })
    .unwrap();
    s.create_contact(&contact("person", "Mary Unrelated"))
        .unwrap();
    let events = count(
        &s,
        "SELECT count(*) FROM audit_events WHERE action = 'conflict.check'",
    );

    let report = s
        .conflict_check(&satchel_api::ConflictQuery {
            names: vec!["John Smith".into(), "ACME Holding Ltd.".into()],
        })
        .unwrap();
    let found: Vec<(Option<&str>, Option<&str>, &str)> = report
        .hits
        .iter()
        .map(|h| {
            (
                h.matter_number.as_deref(),
                h.role.as_deref(),
                h.party_name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (Some(m1.number.as_str()), Some("client"), "Jon Smyth"),
            (
                Some(m2.number.as_str()),
                Some("other_side"),
                "Acme Holdings Limited"
            ),
        ]
    );
    assert_eq!(report.hits[0].match_kind, "fuzzy");
    assert_eq!(report.parties_checked, 4); // Acme on M00002, Mary, and the client of M00001 and M00002
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM audit_events WHERE action = 'conflict.check'"
        ),
        events + 1
    );
    let none = s
        .conflict_check(&satchel_api::ConflictQuery {
            names: vec!["Completely Different".into()],
        })
        .unwrap();
    assert!(none.hits.is_empty());
    let err = s
        .conflict_check(&satchel_api::ConflictQuery {
            names: vec!["  ".into()],
        })
        .unwrap_err();
    assert_eq!(ApiError::from(err).field.as_deref(), Some("names"));
}

#[test]
fn client_keys_missing_from_older_projections_are_filled_on_open() {
    let vault = MemoryVault::default();
    let (dir, mut s) = new_store(&vault);
    s.create_matter(&matter("Zoë Smith", "Old matter")).unwrap();
    s.store
        .conn()
        .execute("UPDATE matters SET client_key = ''", [])
        .unwrap();
    drop(s);
    let s = Satchel::open(&dir.path().join("data"), &vault, Unlock::Keyring).unwrap();
    let k: String = s
        .store
        .conn()
        .query_row("SELECT client_key FROM matters", [], |r| r.get(0))
        .unwrap();
    assert_eq!(k, "zoe smith");
}

#[test]
fn a_matter_opens_only_on_a_conflict_check_and_records_the_decision() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    s.create_matter(&matter("Northwind Traders Limited", "Supply dispute"))
        .unwrap();
    let matters = count(&s, "SELECT count(*) FROM matters");

    // No check given: one runs now, finds the earlier client, and a decision is needed.
    let err = s
        .create_matter(&matter("Northwind Trader Ltd", "New lease"))
        .unwrap_err();
    assert_eq!(
        ApiError::from(err).field.as_deref(),
        Some("conflict_decision")
    );
    assert_eq!(
        count(&s, "SELECT count(*) FROM matters"),
        matters,
        "nothing written"
    );

    // A check run beforehand, then a decision without a reason, then with one.
    let report = s
        .conflict_check(&satchel_api::ConflictQuery {
            names: vec!["Northwind Trader Ltd".into()],
        })
        .unwrap();
    assert_eq!(report.hits.len(), 1);
    let with = |decision: &str, reason: &str| NewMatterRequest {
        conflict_check_id: Some(report.id.clone()),
        conflict_decision: Some(decision.into()),
        conflict_reason: Some(reason.into()),
        ..matter("Northwind Trader Ltd", "New lease")
    };
    let err = s.create_matter(&with("cleared", "")).unwrap_err();
    assert_eq!(
        ApiError::from(err).field.as_deref(),
        Some("conflict_reason")
    );
    let m = s
        .create_matter(&with(
            "cleared",
            "Same group, same side: acting for both on the supply",
        ))
        .unwrap();
    let tx = s.store.conn_mut().transaction().unwrap();
    let doc: docs::MatterDoc =
        autosurgeon::hydrate(&docs::load(&tx, &m.id).unwrap().unwrap()).unwrap();
    drop(tx);
    let rec = doc.conflict.unwrap();
    assert_eq!(rec.check_id, report.id);
    assert_eq!(rec.decision, "cleared");
    assert_eq!(rec.names, ["Northwind Trader Ltd"]);
    assert_eq!(rec.hits.len(), 1);
    assert!(
        rec.hits[0].contains("M00001 client Northwind Traders Limited"),
        "{:?}",
        rec.hits
    );

    // One check, one matter; and a check is for the names it searched.
    let err = s
        .create_matter(&with("cleared", "Trying to reuse the check"))
        .unwrap_err();
    assert!(err.to_string().contains("already used"), "{err}");
    let other = s
        .conflict_check(&satchel_api::ConflictQuery {
            names: vec!["Someone Else".into()],
        })
        .unwrap();
    let err = s
        .create_matter(&NewMatterRequest {
            conflict_check_id: Some(other.id),
            ..matter("Northwind Trader Ltd", "Another")
        })
        .unwrap_err();
    assert!(err.to_string().contains("not for the client"), "{err}");

    // A fresh name needs no decision, and records that there was no conflict.
    let m = s
        .create_matter(&matter("Quite Different Person", "Will"))
        .unwrap();
    let tx = s.store.conn_mut().transaction().unwrap();
    let doc: docs::MatterDoc =
        autosurgeon::hydrate(&docs::load(&tx, &m.id).unwrap().unwrap()).unwrap();
    assert_eq!(doc.conflict.unwrap().decision, "no_conflict");
}

fn time(matter: &str, duration: &str, billable: bool) -> satchel_api::NewTimeRequest {
    satchel_api::NewTimeRequest {
        matter: matter.into(),
        duration: duration.into(),
        activity: "call".into(),
        description: "Call with client".into(),
        billable,
        ..Default::default()
    }
}

#[test]
fn time_is_recorded_in_units_at_the_rate_and_adds_up_to_wip() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let m = s
        .create_matter(&matter("Ada Lovelace", "Engine patent"))
        .unwrap();
    assert_eq!(s.set_my_rate("250.00").unwrap().pence(), 25_000);
    let e = s.record_time(&time(&m.number, "7m", true)).unwrap();
    assert_eq!((e.minutes, e.units), (7, 2));
    assert_eq!(e.value_pence, 5_000, "2 units of 6 minutes at £250/h");
    assert_eq!(e.fee_earner, "JH");
    s.record_time(&time(&m.number, "1:30", true)).unwrap();
    s.record_time(&time(&m.number, "0.5h", false)).unwrap();
    // A new rate applies from now on; recorded entries keep theirs.
    s.set_my_rate("300").unwrap();
    s.record_time(&time(&m.number, "6", true)).unwrap();
    let wip = s.wip(&m.number).unwrap();
    assert_eq!(wip.entries, 4);
    assert_eq!(wip.billable_minutes, 7 + 90 + 6);
    assert_eq!(wip.non_billable_minutes, 30);
    assert_eq!(wip.billable_units, 2 + 15 + 1);
    assert_eq!(wip.value_pence, 5_000 + 37_500 + 3_000);
    // Bad input changes nothing.
    let events = count(&s, "SELECT count(*) FROM audit_events");
    for (req, field) in [
        (time(&m.number, "25h", true), "duration"),
        (time(&m.number, "0", true), "duration"),
        (time("M00999", "1h", true), "matter"),
        (
            satchel_api::NewTimeRequest {
                date: "2999-01-01".into(),
                ..time(&m.number, "1h", true)
            },
            "date",
        ),
        (
            satchel_api::NewTimeRequest {
                activity: "lunch".into(),
                ..time(&m.number, "1h", true)
            },
            "activity",
        ),
    ] {
        let err = s.record_time(&req).unwrap_err();
        assert_eq!(ApiError::from(err).field.as_deref(), Some(field));
    }
    assert_eq!(count(&s, "SELECT count(*) FROM audit_events"), events);
    // Entries live in the matter's document.
    s.store
        .conn()
        .execute("DELETE FROM time_entries", [])
        .unwrap();
    s.rebuild_projections().unwrap();
    assert_eq!(s.list_time(&m.number).unwrap().len(), 4);
}

#[test]
fn a_running_timer_survives_closing_the_store_and_becomes_an_entry() {
    let vault = MemoryVault::default();
    let (dir, mut s) = new_store(&vault);
    let m = s
        .create_matter(&matter("Charles Babbage", "Difference engine"))
        .unwrap();
    let t = s
        .start_timer(&satchel_api::StartTimerRequest {
            matter: m.number.clone(),
            activity: "drafting".into(),
            description: "Draft particulars".into(),
        })
        .unwrap();
    assert_eq!(t.matter_number, "M00001");
    let err = s
        .start_timer(&satchel_api::StartTimerRequest {
            matter: m.number.clone(),
            activity: "call".into(),
            description: "x".into(),
        })
        .unwrap_err();
    assert!(
        err.to_string().contains("already running on M00001"),
        "{err}"
    );
    drop(s); // quit (or crash): the timer is in the store
    let mut s = Satchel::open(&dir.path().join("data"), &vault, Unlock::Keyring).unwrap();
    // Pretend it started 13 minutes ago.
    let started = (Timestamp::now() - jiff::SignedDuration::from_secs(13 * 60)).to_string();
    s.store
        .conn()
        .execute("UPDATE timers SET started_at = ?1", [&started])
        .unwrap();
    assert!(s.timer().unwrap().unwrap().elapsed_seconds >= 13 * 60);
    let e = s.stop_timer().unwrap();
    assert!((13..=14).contains(&e.minutes), "{}", e.minutes);
    assert_eq!(e.units, 3);
    assert_eq!(e.activity, "drafting");
    assert!(s.timer().unwrap().is_none());
    assert!(
        s.stop_timer()
            .unwrap_err()
            .to_string()
            .contains("not running")
    );
    // A timer whose start is in the future (the clock moved) is refused, not recorded.
    s.start_timer(&satchel_api::StartTimerRequest {
        matter: m.number.clone(),
        activity: "call".into(),
        description: "Call".into(),
    })
    .unwrap();
    let future = (Timestamp::now() + jiff::SignedDuration::from_secs(3600)).to_string();
    s.store
        .conn()
        .execute("UPDATE timers SET started_at = ?1", [&future])
        .unwrap();
    assert!(s.stop_timer().unwrap_err().to_string().contains("clock"));
    assert!(s.discard_timer().unwrap());
    assert_eq!(s.list_time(&m.number).unwrap().len(), 1);
}

#[test]
fn key_dates_remind_before_show_on_the_dashboard_and_export_to_icalendar() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let m = s
        .create_matter(&matter("Grace Hopper", "Personal injury claim"))
        .unwrap();
    let today = satchel_core::dates::london_date(Timestamp::now());
    let in_days = |n: i64| {
        today
            .checked_add(jiff::Span::new().days(n))
            .unwrap()
            .to_string()
    };
    let kd = |kind: &str, date: String, title: &str, remind: Option<u32>| {
        satchel_api::NewKeyDateRequest {
            matter: m.number.clone(),
            kind: kind.into(),
            date,
            title: title.into(),
            reminder_days: remind,
        }
    };
    let hearing = s
        .add_key_date(&kd(
            "hearing",
            in_days(10),
            "CMC at Leeds County Court",
            None,
        ))
        .unwrap();
    assert_eq!(hearing.reminder_days, 14);
    assert_eq!(
        hearing.reminder_on,
        today.to_string(),
        "already inside the warning: due now, not in the past"
    );
    assert_eq!(hearing.days_until, 10);
    let far = s
        .add_key_date(&kd(
            "limitation",
            in_days(100),
            "Limitation (3 years)",
            None,
        ))
        .unwrap();
    assert_eq!(far.reminder_on, in_days(10));
    let soon = s
        .add_key_date(&kd(
            "limitation",
            in_days(300),
            "Another limitation",
            Some(5),
        ))
        .unwrap();
    let dash: Vec<String> = s.upcoming(14).unwrap().into_iter().map(|k| k.id).collect();
    assert_eq!(
        dash,
        [hearing.id.clone(), far.id.clone()],
        "the far limitation shows because its reminder is due"
    );
    assert!(!dash.contains(&soon.id));
    // Bad input.
    let err = s
        .add_key_date(&kd("hearing", in_days(-1), "Past", None))
        .unwrap_err();
    assert_eq!(ApiError::from(err).field.as_deref(), Some("date"));
    assert!(s.upcoming(0).is_err());

    let ics = s.key_dates_ics(Some(&m.number)).unwrap();
    let parsed: icalendar::Calendar = ics.parse().unwrap();
    assert_eq!(parsed.components.len(), 3);
    let compact = in_days(10).replace('-', "");
    assert!(
        ics.contains(&format!("DTSTART;VALUE=DATE:{compact}")),
        "{ics}"
    );
    assert!(
        ics.contains(&format!(
            "DTEND;VALUE=DATE:{}",
            in_days(11).replace('-', "")
        )),
        "{ics}"
    );
    assert!(
        ics.contains(&format!("TRIGGER:-PT{}S", 14 * 86_400)),
        "{ics}"
    );
    assert!(
        ics.contains("M00001 Hearing: CMC at Leeds County Court"),
        "{ics}"
    );
    // They live in the matter's document.
    s.store.conn().execute("DELETE FROM key_dates", []).unwrap();
    s.rebuild_projections().unwrap();
    assert_eq!(s.upcoming(366).unwrap().len(), 3);
}

#[test]
fn attendance_notes_are_kept_encrypted_in_the_matter_and_only_their_fact_is_audited() {
    let vault = MemoryVault::default();
    let (dir, mut s) = new_store(&vault);
    let m = s
        .create_matter(&matter("Mary Shelley", "Publishing dispute"))
        .unwrap();
    let secret = format!("PRIVILEGED{}", Uuid::now_v7().simple());
    let n = s
        .add_note(&satchel_api::NewNoteRequest {
            matter: m.number.clone(),
            kind: "attendance".into(),
            title: "Meeting with client".into(),
            body: format!("Client instructs us to settle at no less than £40,000. {secret}"),
        })
        .unwrap();
    assert_eq!(n.author, "JH");
    assert_eq!(s.list_notes(&m.number).unwrap(), [n]);
    let detail: String = s
        .store
        .conn()
        .query_row(
            "SELECT detail FROM audit_events WHERE action = 'note.add'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        !detail.contains(&secret) && !detail.contains("settle"),
        "{detail}"
    );
    for (req, field) in [
        (
            satchel_api::NewNoteRequest {
                matter: m.number.clone(),
                kind: "gossip".into(),
                title: "t".into(),
                body: "b".into(),
            },
            "kind",
        ),
        (
            satchel_api::NewNoteRequest {
                matter: m.number.clone(),
                kind: "file".into(),
                title: "t".into(),
                body: "  ".into(),
            },
            "body",
        ),
        (
            satchel_api::NewNoteRequest {
                matter: m.number.clone(),
                kind: "file".into(),
                title: "t".into(),
                body: "x".repeat(notes::MAX_NOTE_CHARS + 1),
            },
            "body",
        ),
    ] {
        assert_eq!(
            ApiError::from(s.add_note(&req).unwrap_err())
                .field
                .as_deref(),
            Some(field)
        );
    }
    s.checkpoint().unwrap();
    for entry in fs::read_dir(dir.path().join("data")).unwrap() {
        let bytes = fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()));
    }
    s.store.conn().execute("DELETE FROM notes", []).unwrap();
    s.rebuild_projections().unwrap();
    assert_eq!(s.list_notes(&m.number).unwrap().len(), 1);
}

#[test]
fn a_matter_rate_overrides_the_fee_earners_and_wip_warns_past_the_estimate() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let m = s
        .create_matter(&matter("Rosalind Franklin", "Patent opposition"))
        .unwrap();
    s.set_my_rate("200").unwrap();
    let terms = |rate: Option<&str>, estimate: Option<&str>| satchel_api::MatterTermsRequest {
        matter: m.number.clone(),
        rate: rate.map(str::to_owned),
        estimate: estimate.map(str::to_owned),
    };
    let w = s
        .set_matter_terms(&terms(Some("300.00"), Some("400")))
        .unwrap();
    assert_eq!(w.estimate.as_deref(), Some("£400.00"));
    assert!(w.warning.is_none());
    let e = s.record_time(&time(&m.number, "1h", true)).unwrap();
    assert_eq!(
        e.rate_pence, 30_000,
        "the matter's rate, not the fee earner's"
    );
    assert!(
        s.wip(&m.number).unwrap().warning.is_none(),
        "£300 is within £400"
    );
    s.record_time(&time(&m.number, "30m", true)).unwrap();
    let w = s.wip(&m.number).unwrap();
    assert_eq!(w.value_pence, 45_000);
    let warning = w.warning.unwrap();
    assert!(
        warning.contains("£450.00 has passed the estimate of £400.00"),
        "{warning}"
    );
    // Clearing the matter rate goes back to the fee earner's; bad amounts change nothing.
    s.set_matter_terms(&terms(Some(""), None)).unwrap();
    assert_eq!(
        s.record_time(&time(&m.number, "6m", true))
            .unwrap()
            .rate_pence,
        20_000
    );
    let err = s
        .set_matter_terms(&terms(None, Some("12.345")))
        .unwrap_err();
    assert_eq!(ApiError::from(err).field.as_deref(), Some("estimate"));
    assert!(s.set_matter_terms(&terms(None, None)).is_err());
    assert_eq!(s.wip(&m.number).unwrap().estimate_pence, Some(40_000));
}

#[test]
fn disbursements_and_expenses_carry_their_vat_and_count_in_wip() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let m = s
        .create_matter(&matter("Dorothy Hodgkin", "Conveyancing"))
        .unwrap();
    let x = |kind: &str, amount: &str| satchel_api::NewExpenseRequest {
        matter: m.number.clone(),
        kind: kind.into(),
        amount: amount.into(),
        description: "Fee".into(),
        date: String::new(),
    };
    let d = s.record_expense(&x("disbursement", "150.00")).unwrap();
    assert_eq!((d.net.as_str(), d.vat.as_str()), ("£150.00", "£0.00"));
    let e = s.record_expense(&x("expense", "12.34")).unwrap();
    assert_eq!((e.net_pence, e.vat_pence), (1_234, 247));
    let events = count(&s, "SELECT count(*) FROM audit_events");
    assert_eq!(
        ApiError::from(s.record_expense(&x("expense", "0")).unwrap_err())
            .field
            .as_deref(),
        Some("amount")
    );
    assert_eq!(count(&s, "SELECT count(*) FROM audit_events"), events);
    let w = s.wip(&m.number).unwrap();
    assert_eq!((w.disbursements_pence, w.expenses_pence), (15_000, 1_234));
    assert_eq!(s.list_expenses(&m.number).unwrap().len(), 2);
    s.store.conn().execute("DELETE FROM expenses", []).unwrap();
    s.rebuild_projections().unwrap();
    assert_eq!(s.list_expenses(&m.number).unwrap().len(), 2);
}

fn open_matter(s: &mut Satchel, client: &str) -> satchel_api::Matter {
    s.create_matter(&matter(client, "Work")).unwrap()
}

fn status(matter: &str, to: &str, on: &str) -> satchel_api::MatterStatusRequest {
    satchel_api::MatterStatusRequest {
        matter: matter.into(),
        status: to.into(),
        on: Some(on.into()),
    }
}

#[test]
fn matters_close_reopen_and_archive_with_their_dates() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let m = open_matter(&mut s, "Dora Finch");
    assert_eq!(
        (
            m.status.as_str(),
            m.practice_area.as_str(),
            m.fee_earner.as_str()
        ),
        ("open", "general", "JH")
    );
    let err = s
        .set_matter_status(&status(&m.number, "archived", ""))
        .unwrap_err();
    assert!(err.to_string().contains("closed before"), "{err}");
    let err = s
        .set_matter_status(&status(&m.number, "closed", "2999-01-01"))
        .unwrap_err();
    assert!(err.to_string().contains("after today"), "{err}");
    let err = s
        .set_matter_status(&status(&m.number, "closed", "1999-01-01"))
        .unwrap_err();
    assert!(
        err.to_string().contains("before M00001 was opened"),
        "{err}"
    );
    let events = count(&s, "SELECT count(*) FROM audit_events");
    let closed = s
        .set_matter_status(&status(&m.number, "closed", ""))
        .unwrap();
    let today = satchel_core::dates::london_date(Timestamp::now()).to_string();
    assert_eq!(closed.status, "closed");
    assert_eq!(closed.closed_on.as_deref(), Some(today.as_str()));
    assert_eq!(count(&s, "SELECT count(*) FROM audit_events"), events + 1);
    let archived = s.set_matter_status(&status(&m.id, "archived", "")).unwrap();
    assert_eq!(
        (archived.status.as_str(), archived.archived_on.as_deref()),
        ("archived", Some(today.as_str()))
    );
    let err = s.set_matter_status(&status(&m.id, "open", "")).unwrap_err();
    assert!(err.to_string().contains("returned to closed"), "{err}");
    // Tasks need an open matter.
    let err = s
        .add_task(&satchel_api::NewTaskRequest {
            matter: m.number.clone(),
            title: "Call".into(),
            assignee: String::new(),
            due: today.clone(),
        })
        .unwrap_err();
    assert!(err.to_string().contains("is archived"), "{err}");
    s.set_matter_status(&status(&m.id, "closed", "")).unwrap();
    let reopened = s.set_matter_status(&status(&m.id, "open", "")).unwrap();
    assert_eq!(
        (
            reopened.status.as_str(),
            reopened.closed_on,
            reopened.archived_on
        ),
        ("open", None, None)
    );
    // The projection agrees with the document after a rebuild.
    let before = s.list_matters().unwrap();
    s.rebuild_projections().unwrap();
    assert_eq!(s.list_matters().unwrap(), before);
}

#[test]
fn fee_earner_supervisor_and_practice_area_are_users_and_listed_areas() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    s.add_user("Sam Okoro", "so", "fee earner", "180.00")
        .unwrap();
    let err = s.add_user("Sara Ong", "SO", "fee_earner", "").unwrap_err();
    assert!(err.to_string().contains("already Sam Okoro's"), "{err}");
    let m = s
        .create_matter(&NewMatterRequest {
            practice_area: Some("Family".into()),
            fee_earner: Some("SO".into()),
            supervisor: Some("JH".into()),
            ..matter("Eve Grant", "Child arrangements")
        })
        .unwrap();
    assert_eq!(
        (
            m.practice_area.as_str(),
            m.fee_earner.as_str(),
            m.supervisor.as_deref()
        ),
        ("family", "SO", Some("JH"))
    );
    let err = s
        .create_matter(&NewMatterRequest {
            supervisor: Some("JH".into()),
            ..matter("X", "Y")
        })
        .unwrap_err();
    assert!(
        err.to_string().contains("other than the fee earner"),
        "I open it, so I am its fee earner: {err}"
    );
    let err = s
        .create_matter(&NewMatterRequest {
            fee_earner: Some("ZZ".into()),
            ..matter("X", "Y")
        })
        .unwrap_err();
    assert!(
        err.to_string().contains("ZZ is not anyone in the firm"),
        "{err}"
    );
    assert_eq!(
        s.list_matters().unwrap().len(),
        1,
        "nothing opened on a refusal"
    );
    let err = s
        .set_matter_details(&satchel_api::MatterDetailsRequest {
            matter: m.number.clone(),
            supervisor: Some("SO".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert!(
        err.to_string().contains("other than the fee earner"),
        "{err}"
    );
    let changed = s
        .set_matter_details(&satchel_api::MatterDetailsRequest {
            matter: m.number.clone(),
            practice_area: Some("employment".into()),
            supervisor: Some(String::new()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        (changed.practice_area.as_str(), changed.supervisor),
        ("employment", None)
    );
    let err = s
        .set_matter_details(&satchel_api::MatterDetailsRequest {
            matter: m.number.clone(),
            practice_area: Some("astrology".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert!(err.to_string().contains("not a practice area"), "{err}");
    assert_eq!(
        s.list_users()
            .unwrap()
            .iter()
            .map(|u| u.initials.as_str())
            .collect::<Vec<_>>(),
        ["JH", "SO"]
    );
}

#[test]
fn tasks_have_an_assignee_and_due_date_and_show_until_done() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    s.add_user("Sam Okoro", "SO", "fee_earner", "").unwrap();
    let m = open_matter(&mut s, "Fay Hart");
    let today = satchel_core::dates::london_date(Timestamp::now());
    let day = |n: i64| {
        today
            .checked_add(jiff::Span::new().days(n))
            .unwrap()
            .to_string()
    };
    let task = |title: &str, who: &str, due: String| satchel_api::NewTaskRequest {
        matter: m.number.clone(),
        title: title.into(),
        assignee: who.into(),
        due,
    };
    let mine = s.add_task(&task("Chase searches", "", day(3))).unwrap();
    s.add_task(&task("Late one", "", day(-2))).unwrap();
    s.add_task(&task("Far off", "", day(40))).unwrap();
    s.add_task(&task("For Sam", "so", day(1))).unwrap();
    assert_eq!(
        (mine.assignee.as_str(), mine.matter_number.as_str()),
        ("JH", "M00001")
    );
    for (bad, field) in [
        (task("", "", day(1)), "Title"),
        (task("x", "", "2026-02-30".into()), "Due"),
        (task("x", "", String::new()), "Due"),
        (task("x", "QQ", day(1)), "QQ is not anyone"),
    ] {
        let err = s.add_task(&bad).unwrap_err();
        assert!(err.to_string().contains(field), "{err}");
    }
    let next = s.list_tasks(&satchel_api::TaskQuery::default()).unwrap();
    assert_eq!(
        next.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(),
        ["Late one", "Chase searches"]
    );
    let sams = s
        .list_tasks(&satchel_api::TaskQuery {
            assignee: Some("SO".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(sams.len(), 1);
    let done = s.complete_task(&mine.id).unwrap();
    assert_eq!(done.done_on, Some(today.to_string()));
    assert!(
        s.complete_task(&mine.id)
            .unwrap_err()
            .to_string()
            .contains("already done")
    );
    let next = s.list_tasks(&satchel_api::TaskQuery::default()).unwrap();
    assert_eq!(next.len(), 1);
    let all = s
        .list_tasks(&satchel_api::TaskQuery {
            matter: Some(m.number.clone()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(
        all.last().unwrap().title,
        "Chase searches",
        "done tasks last"
    );
}

#[test]
fn time_units_follow_the_firms_setting() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let m = open_matter(&mut s, "Gus Ivy");
    assert_eq!(s.unit_minutes().unwrap(), 6);
    assert!(
        s.set_unit_minutes(7)
            .unwrap_err()
            .to_string()
            .contains("divide an hour")
    );
    assert_eq!(s.set_unit_minutes(15).unwrap(), 15);
    let e = s.record_time(&time(&m.number, "16m", true)).unwrap();
    assert_eq!(e.units, 2, "16 minutes is two 15-minute units");
    s.rebuild_projections().unwrap();
    assert_eq!(
        s.unit_minutes().unwrap(),
        15,
        "the setting lives in the firm document"
    );
}

#[test]
fn documents_are_versioned_encrypted_size_limited_and_downloads_audited() {
    let vault = MemoryVault::default();
    let (dir, mut s) = new_store(&vault);
    let m = open_matter(&mut s, "Hal Jones");
    let marker = format!("DOCMARKER{}", Uuid::now_v7().simple());
    let v1 = s
        .add_document(&m.number, "Lease.txt", format!("{marker} draft").as_bytes())
        .unwrap();
    assert_eq!(
        (v1.version, v1.name.as_str(), v1.added_by.as_str()),
        (1, "Lease.txt", "JH")
    );
    let err = s
        .add_document(&m.number, "Lease.txt", format!("{marker} draft").as_bytes())
        .unwrap_err();
    assert!(
        err.to_string().contains("same as its latest version"),
        "{err}"
    );
    let v2 = s
        .add_document(&m.number, "Lease.txt", format!("{marker} final").as_bytes())
        .unwrap();
    assert_eq!(
        (v2.id.as_str(), v2.version, v2.versions.len()),
        (v1.id.as_str(), 2, 2)
    );
    let big = vec![0u8; (satchel_core::document::MAX_DOCUMENT_BYTES + 1) as usize];
    let changes = count(&s, "SELECT count(*) FROM doc_changes");
    let err = s.add_document(&m.number, "video.mov", &big).unwrap_err();
    assert!(err.to_string().contains("50 MB limit"), "{err}");
    assert!(s.add_document(&m.number, "../x", b"x").is_err());
    assert_eq!(
        count(&s, "SELECT count(*) FROM doc_changes"),
        changes,
        "a refusal writes nothing"
    );
    assert_eq!(count(&s, "SELECT count(*) FROM blobs"), 2);

    let before = count(
        &s,
        "SELECT count(*) FROM audit_events WHERE action = 'document.download'",
    );
    let latest = s.export_document(&v1.id, None).unwrap();
    assert_eq!(latest.bytes, format!("{marker} final").as_bytes());
    let first = s.export_document(&v1.id, Some(1)).unwrap();
    assert_eq!(first.bytes, format!("{marker} draft").as_bytes());
    assert!(
        s.export_document(&v1.id, Some(3))
            .unwrap_err()
            .to_string()
            .contains("no version 3")
    );
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM audit_events WHERE action = 'document.download'"
        ),
        before + 2
    );
    let listed = s.list_documents(&m.number).unwrap();
    assert_eq!(listed.len(), 1);

    // A tampered blob is caught, not handed out.
    s.store.conn().execute("UPDATE blobs SET bytes = X'00' WHERE size > 0 AND sha256 = (SELECT sha256 FROM matter_files WHERE version = 1)", []).unwrap();
    assert!(
        s.export_document(&v1.id, Some(1))
            .unwrap_err()
            .to_string()
            .contains("does not match its digest")
    );
    let report = s.verify().unwrap();
    assert!(!report.is_ok());
    assert!(
        report
            .document_problems
            .iter()
            .any(|p| p.contains("Lease.txt version 1")),
        "{:?}",
        report.document_problems
    );

    // The bytes are not in the clear on disk.
    s.checkpoint().unwrap();
    for entry in fs::read_dir(dir.path().join("data")).unwrap() {
        let bytes = fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(marker.len()).any(|w| w == marker.as_bytes()));
    }
    // A rebuild keeps the bytes (they are not a projection).
    s.rebuild_projections().unwrap();
    assert_eq!(s.export_document(&v1.id, None).unwrap().version, 2);
}

fn kinds(s: &Satchel, q: &str) -> Vec<String> {
    s.search(q).unwrap().into_iter().map(|h| h.kind).collect()
}

#[test]
fn search_finds_contacts_matters_notes_and_documents_as_you_type() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let c = s
        .create_contact(&contact("organisation", "Northwind Traders Limited"))
        .unwrap();
    let m = s
        .create_matter(&NewMatterRequest {
            client_id: Some(c.id.clone()),
            ..matter("", "Supply contract dispute")
        })
        .unwrap();
    s.add_note(&satchel_api::NewNoteRequest {
        matter: m.number.clone(),
        kind: "attendance".into(),
        title: "Call with Zoë".into(),
        body: "Discussed the warehouse lease in Croydon".into(),
    })
    .unwrap();
    s.add_document(&m.number, "Witness statement.pdf", b"%PDF")
        .unwrap();

    let hits = s.search("northw").unwrap();
    assert!(
        hits.iter().any(|h| h.kind == "contact" && h.id == c.id),
        "{hits:?}"
    );
    assert!(
        hits.iter().any(|h| h.kind == "matter" && h.id == m.id),
        "{hits:?}"
    );
    assert_eq!(kinds(&s, "croyd"), ["note"]);
    assert_eq!(kinds(&s, "zoe"), ["note"], "diacritics are folded");
    assert_eq!(kinds(&s, "witness"), ["document"]);
    assert_eq!(
        s.search("1").unwrap()[0].id,
        m.id,
        "a matter number finds the matter"
    );
    assert_eq!(
        s.search("M00001").unwrap()[0].matter_number.as_deref(),
        Some("M00001")
    );
    assert!(s.search("\"unbalanced (").unwrap().is_empty());
    assert!(s.search("").unwrap().is_empty());
    // The index is a projection: rebuilt, it finds the same.
    s.rebuild_projections().unwrap();
    assert_eq!(kinds(&s, "croyd"), ["note"]);
}

const THREE_CARDS: &str = "BEGIN:VCARD\r\n\
VERSION:3.0\r\n\
N:O'Brien;Zoë;;;\r\n\
FN:Zoë O'Brien\r\n\
EMAIL;type=INTERNET;type=pref:zoe@example.co.uk\r\n\
TEL;type=CELL:07700 900123\r\n\
ADR;type=HOME:;;1 High Street;Norwich;;nr21 0aa;UK\r\n\
BDAY:1980-02-29\r\n\
END:VCARD\r\n\
BEGIN:VCARD\r\n\
VERSION:4.0\r\n\
KIND:org\r\n\
FN:Acme Holdings Limited\r\n\
X-SATCHEL-COMPANY-NUMBER:sc123456\r\n\
END:VCARD\r\n\
BEGIN:VCARD\r\n\
VERSION:3.0\r\n\
FN:Bob Green\r\n\
EMAIL:bob@example.com\r\n\
END:VCARD\r\n";

fn audit_details(s: &Satchel, action: &str) -> Vec<String> {
    let mut stmt = s
        .store
        .conn()
        .prepare("SELECT detail FROM audit_events WHERE action = ?1 ORDER BY seq")
        .unwrap();
    stmt.query_map([action], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_vcard_file_imports_its_contacts_in_one_write_with_one_audit_event() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let events = count(&s, "SELECT count(*) FROM audit_events");
    let result = s.import_vcards(THREE_CARDS).unwrap();
    assert_eq!((result.imported, result.skipped_duplicates), (3, 0));
    assert_eq!(
        result
            .contacts
            .iter()
            .map(|c| (c.kind.as_str(), c.name.as_str()))
            .collect::<Vec<_>>(),
        [
            ("person", "Zoë O'Brien"),
            ("organisation", "Acme Holdings Limited"),
            ("person", "Bob Green")
        ]
    );
    let zoe = &result.contacts[0];
    // The same rules as the form: the postcode and company number come out normalised.
    assert_eq!(zoe.postcode.as_deref(), Some("NR21 0AA"));
    assert_eq!(zoe.address.as_deref(), Some("1 High Street, Norwich, UK"));
    assert_eq!(zoe.date_of_birth.as_deref(), Some("1980-02-29"));
    assert_eq!(zoe.phone.as_deref(), Some("07700 900123"));
    assert_eq!(
        result.contacts[1].company_number.as_deref(),
        Some("SC123456")
    );
    assert_eq!(s.list_contacts(None).unwrap().len(), 3);
    assert_eq!(s.contact(&zoe.id).unwrap(), *zoe);
    assert_eq!(
        count(&s, "SELECT count(*) FROM audit_events"),
        events + 1,
        "one audit event for the whole file"
    );
    let details = audit_details(&s, "contact.import");
    assert_eq!(details.len(), 1);
    let detail: serde_json::Value = serde_json::from_str(&details[0]).unwrap();
    assert_eq!(detail["imported"], 3);
    assert_eq!(detail["skipped_duplicates"], 0);
    for personal in ["Zo", "Acme", "Bob", "example", "NR21", "1980"] {
        assert!(!details[0].contains(personal), "{}", details[0]);
    }
    // The contacts are documents: a rebuild brings them back.
    s.store.conn().execute("DELETE FROM contacts", []).unwrap();
    s.rebuild_projections().unwrap();
    assert_eq!(s.list_contacts(None).unwrap().len(), 3);
}

#[test]
fn one_bad_card_imports_nothing_and_names_its_line_and_field() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let events = count(&s, "SELECT count(*) FROM audit_events");
    let bad = THREE_CARDS.replace("bob@example.com", "bob-at-example");
    let err = s.import_vcards(&bad).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 16 (card 3, Bob Green): email: 'bob-at-example' is not an email address such as name@example.co.uk"
    );
    assert_eq!(ApiError::from(err).kind, ErrorKind::Invalid);
    assert!(s.list_contacts(None).unwrap().is_empty());
    assert_eq!(count(&s, "SELECT count(*) FROM audit_events"), events);
    assert_eq!(
        count(&s, "SELECT count(*) FROM documents WHERE kind = 'contact'"),
        0
    );

    // A card the parser cannot read names its line too.
    let broken = THREE_CARDS.replace(
        "FN:Bob Green\r\n",
        "FN:Bob Green\r\nthis is not a property\r\n",
    );
    let err = s.import_vcards(&broken).unwrap_err();
    assert!(err.to_string().starts_with("line 19: "), "{err}");
    // So does a field only the form's rules refuse.
    let future = THREE_CARDS.replace("BDAY:1980-02-29", "BDAY:2999-01-01");
    let err = s.import_vcards(&future).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("line 1 (card 1, Zoë O'Brien): date of birth: cannot be in the future"),
        "{err}"
    );
    assert!(
        s.import_vcards("")
            .unwrap_err()
            .to_string()
            .contains("no vCard found")
    );
    assert!(s.list_contacts(None).unwrap().is_empty());
}

#[test]
fn importing_again_skips_the_contacts_already_held() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    // One already typed in, with a name that differs only in case and accents.
    s.create_contact(&satchel_api::NewContactRequest {
        email: "ZOE@example.co.uk".into(),
        ..contact("person", "zoe o'brien")
    })
    .unwrap();
    let first = s.import_vcards(THREE_CARDS).unwrap();
    assert_eq!((first.imported, first.skipped_duplicates), (2, 1));
    let again = s.import_vcards(THREE_CARDS).unwrap();
    assert_eq!((again.imported, again.skipped_duplicates), (0, 3));
    assert!(again.contacts.is_empty());
    assert_eq!(s.list_contacts(None).unwrap().len(), 3);
    // A card repeated in the same file is one contact.
    let twice = "BEGIN:VCARD\nVERSION:4.0\nFN:Carol White\nEND:VCARD\n\
        BEGIN:VCARD\nVERSION:4.0\nFN:CAROL WHITE\nEND:VCARD\n";
    let r = s.import_vcards(twice).unwrap();
    assert_eq!((r.imported, r.skipped_duplicates), (1, 1));
    // Same name, different email: a different person.
    let other = "BEGIN:VCARD\nVERSION:4.0\nFN:Bob Green\nEMAIL:bob.green@example.org\nEND:VCARD\n";
    assert_eq!(s.import_vcards(other).unwrap().imported, 1);
    assert_eq!(audit_details(&s, "contact.import").len(), 4);
}

#[test]
fn an_export_imports_into_a_fresh_store_as_the_same_contacts() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    s.import_vcards(THREE_CARDS).unwrap();
    s.create_contact(&satchel_api::NewContactRequest {
        address: "Flat 2, 10 Long Road, Little Snoring, Norfolk; by the church".into(),
        postcode: "NR21 0AA".into(),
        phone: "+44 (0)20 7946-0000".into(),
        ..contact("organisation", "Snoring, Smith & Co LLP")
    })
    .unwrap();
    let text = s.export_vcards().unwrap();
    assert!(text.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\n"), "{text}");
    assert_eq!(text.matches("BEGIN:VCARD").count(), 4);
    let detail: serde_json::Value =
        serde_json::from_str(&audit_details(&s, "contact.export")[0]).unwrap();
    assert_eq!(detail["count"], 4);

    let (_dir2, mut fresh) = new_store(&vault);
    let r = fresh.import_vcards(&text).unwrap();
    assert_eq!((r.imported, r.skipped_duplicates), (4, 0));
    let strip_id = |list: Vec<api::Contact>| {
        list.into_iter()
            .map(|c| api::Contact {
                id: String::new(),
                ..c
            })
            .collect::<Vec<_>>()
    };
    let before = strip_id(s.list_contacts(None).unwrap());
    assert_eq!(
        before.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        [
            "Acme Holdings Limited",
            "Bob Green",
            "Snoring, Smith & Co LLP",
            "Zoë O'Brien"
        ],
        "exported by name"
    );
    assert_eq!(strip_id(fresh.list_contacts(None).unwrap()), before);
    assert_eq!(fresh.export_vcards().unwrap(), text);
}

#[test]
fn two_devices_opening_matters_at_once_never_share_a_number() {
    let vault_a = MemoryVault::default();
    let vault_b = MemoryVault::default();
    let (_da, mut a) = new_store(&vault_a);
    let (_db, mut b) = new_store(&vault_b);
    // What joining the firm does: each device gets its own block.
    a.set_number_blocks(&[(1, 500)]).unwrap();
    b.set_number_blocks(&[(501, 1000), (5001, 5002)]).unwrap();
    let open_many = |mut s: Satchel, tag: &'static str| {
        std::thread::spawn(move || {
            let numbers: Vec<String> = (0..120)
                .map(|i| {
                    s.create_matter(&matter(&format!("{tag} client {i}"), "Work"))
                        .unwrap()
                        .number
                })
                .collect();
            (s, numbers)
        })
    };
    let (ta, tb) = (open_many(a, "A"), open_many(b, "B"));
    let (a, na) = ta.join().unwrap();
    let (mut b, nb) = tb.join().unwrap();
    let all: std::collections::BTreeSet<&String> = na.iter().chain(&nb).collect();
    assert_eq!(all.len(), 240, "no number given out twice");
    assert_eq!((na[0].as_str(), na[119].as_str()), ("M00001", "M00120"));
    assert_eq!((nb[0].as_str(), nb[119].as_str()), ("M00501", "M00620"));
    // A block in use is kept; an overlapping request is refused.
    assert!(
        b.set_number_blocks(&[(2000, 3000)])
            .unwrap_err()
            .to_string()
            .contains("already given out")
    );
    let (_dc, mut c) = new_store(&MemoryVault::default());
    assert!(
        c.set_number_blocks(&[(1, 10), (5, 20)])
            .unwrap_err()
            .to_string()
            .contains("overlaps")
    );

    // A matter arriving from the other device with a number already used here is refused,
    // and nothing of it is kept.
    let dup = docs::MatterDoc {
        id: Uuid::now_v7().to_string(),
        ..autosurgeon::hydrate(&{
            let id = b.list_matters().unwrap()[0].id.clone();
            let tx = b.store.conn_mut().transaction().unwrap();
            let d = docs::load(&tx, &id).unwrap().unwrap();
            drop(tx);
            d
        })
        .unwrap()
    };
    let before = a.list_matters().unwrap().len();
    let mut a = a;
    let mut batch = Batch::default();
    batch.matters.push(docs::MatterDoc { number: 1, ..dup });
    let err = a.load_batch(&batch).unwrap_err();
    assert!(err.to_string().contains("M00001 is already used"), "{err}");
    assert_eq!(a.list_matters().unwrap().len(), before);

    // A device that has used every number in its blocks says so and opens nothing.
    c.set_number_blocks(&[(9000, 9000)]).unwrap();
    c.create_matter(&matter("Last", "Work")).unwrap();
    let err = c.create_matter(&matter("One more", "Work")).unwrap_err();
    assert!(
        err.to_string().contains("used all its matter numbers"),
        "{err}"
    );
    assert_eq!(c.list_matters().unwrap().len(), 1);
}

#[test]
fn the_party_index_follows_every_write_that_changes_a_party() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let check = |s: &mut Satchel| {
        s.conflict_check(&satchel_api::ConflictQuery {
            names: vec!["Zed Quill".into()],
        })
        .unwrap()
        .hits
    };
    let m = open_matter(&mut s, "Ann Lee");
    assert!(check(&mut s).is_empty());
    let c = s.create_contact(&contact("person", "Zed Quill")).unwrap();
    let hits = check(&mut s);
    assert_eq!(hits.len(), 1, "a new contact is searched at once");
    assert_eq!(hits[0].matter_number, None);
    s.record_time(&time(&m.number, "6m", true)).unwrap();
    assert_eq!(check(&mut s).len(), 1);
    s.add_party(&satchel_api::AddPartyRequest {
        matter: m.number.clone(),
        contact_id: c.id.clone(),
        role: "other_side".into(),
    })
    .unwrap();
    let hits = check(&mut s);
    assert_eq!(hits.len(), 1);
    assert_eq!(
        hits[0].matter_number.as_deref(),
        Some("M00001"),
        "now on the matter"
    );
    s.import_vcards("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zed Quil\r\nEND:VCARD\r\n")
        .unwrap();
    assert_eq!(
        check(&mut s).len(),
        2,
        "an imported near-duplicate is found too"
    );
    s.create_matter(&NewMatterRequest {
        conflict_decision: Some("cleared".into()),
        conflict_reason: Some("Different person, checked date of birth".into()),
        ..matter("Zed Quill", "Second matter")
    })
    .unwrap();
    assert_eq!(
        check(&mut s).len(),
        3,
        "a new matter's client is searched at once"
    );
}

#[test]
fn wip_per_fee_earner_and_a_calendar_per_person() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    s.set_my_rate("200.00").unwrap();
    s.add_user("Sam Okoro", "SO", "fee_earner", "100.00")
        .unwrap();
    let mine = open_matter(&mut s, "Kim Lowe");
    let sams = s
        .create_matter(&NewMatterRequest {
            fee_earner: Some("SO".into()),
            ..matter("Lee Marsh", "Sam's matter")
        })
        .unwrap();
    s.record_time(&time(&mine.number, "1:00", true)).unwrap();
    s.record_time(&time(&sams.number, "0:30", true)).unwrap();
    s.record_time(&time(&sams.number, "0:12", false)).unwrap();
    let wip = s.wip_by_fee_earner().unwrap();
    assert_eq!(wip.len(), 1, "time is by who recorded it: all mine here");
    assert_eq!(
        (wip[0].initials.as_str(), wip[0].matters, wip[0].entries),
        ("JH", 2, 3)
    );
    assert_eq!((wip[0].billable_minutes, wip[0].value_pence), (90, 30_000));

    let today = satchel_core::dates::london_date(Timestamp::now());
    let soon = today
        .checked_add(jiff::Span::new().days(20))
        .unwrap()
        .to_string();
    for m in [&mine, &sams] {
        s.add_key_date(&satchel_api::NewKeyDateRequest {
            matter: m.number.clone(),
            kind: "deadline".into(),
            date: soon.clone(),
            title: format!("Deadline on {}", m.number),
            reminder_days: None,
        })
        .unwrap();
    }
    s.add_task(&satchel_api::NewTaskRequest {
        matter: sams.number.clone(),
        title: "Draft defence".into(),
        assignee: "SO".into(),
        due: soon.clone(),
    })
    .unwrap();
    let ics = s.user_ics("SO").unwrap();
    let parsed: icalendar::Calendar = ics.parse().unwrap();
    assert_eq!(parsed.components.len(), 2, "{ics}");
    assert!(
        ics.contains("Deadline on M00002") && !ics.contains("Deadline on M00001"),
        "{ics}"
    );
    assert!(
        ics.contains("BEGIN:VTODO") && ics.contains("M00002 Draft defence"),
        "{ics}"
    );
    let mine_ics = s.user_ics("").unwrap();
    assert!(
        mine_ics.contains("Deadline on M00001") && !mine_ics.contains("VTODO"),
        "{mine_ics}"
    );
    assert!(
        s.user_ics("QQ")
            .unwrap_err()
            .to_string()
            .contains("QQ is not anyone")
    );
}

fn account(
    kind: &str,
    name: &str,
    number: &str,
    opening: &str,
    bf: &[&str],
) -> satchel_api::NewBankAccountRequest {
    satchel_api::NewBankAccountRequest {
        kind: kind.into(),
        name: name.into(),
        sort_code: "20-00-00".into(),
        account_number: number.into(),
        opening_balance: opening.into(),
        opened_on: String::new(),
        brought_forward: bf.iter().map(|s| (*s).to_owned()).collect(),
    }
}

#[test]
fn bank_accounts_follow_the_client_money_rules_and_refusals_change_nothing() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    open_matter(&mut s, "Ann Lee");
    open_matter(&mut s, "Bob Marsh");
    let office = s
        .add_bank_account(&account(
            "office",
            "Hale & Co Office Account",
            "11111111",
            "-250.00",
            &[],
        ))
        .unwrap();
    assert_eq!(
        (office.sort_code.as_str(), office.opening_balance.as_str()),
        ("20-00-00", "-£250.00")
    );
    let changes = count(&s, "SELECT count(*) FROM doc_changes");
    for (req, says) in [
        (
            account("client", "Office Account No 2", "22222222", "", &[]),
            "firm's name",
        ),
        (
            account(
                "client",
                "Hale & Co Solicitors General Account",
                "22222222",
                "",
                &[],
            ),
            "word \"client\"",
        ),
        (
            account(
                "client",
                "Hale & Co Solicitors Client Account",
                "1234",
                "",
                &[],
            ),
            "Account number",
        ),
        (
            account(
                "client",
                "Hale & Co Solicitors Client Account",
                "22222222",
                "-1.00",
                &[],
            ),
            "cannot be negative",
        ),
        (
            account(
                "client",
                "Hale & Co Solicitors Client Account",
                "22222222",
                "100.00",
                &["M00001=60.00"],
            ),
            "exactly",
        ),
        (
            account(
                "client",
                "Hale & Co Solicitors Client Account",
                "22222222",
                "100.00",
                &["M00009=100.00"],
            ),
            "M00009 is not a matter",
        ),
        (
            account(
                "client",
                "Hale & Co Solicitors Client Account",
                "11111111",
                "",
                &[],
            ),
            "already in the books",
        ),
    ] {
        let err = s.add_bank_account(&req).unwrap_err().to_string();
        assert!(err.contains(says), "{says}: {err}");
    }
    assert_eq!(
        count(&s, "SELECT count(*) FROM doc_changes"),
        changes,
        "refusals write nothing"
    );
    let client = s
        .add_bank_account(&account(
            "client",
            "Hale & Co Solicitors Client Account",
            "22222222",
            "100.00",
            &["M00001=60.00", "M00002=40.00"],
        ))
        .unwrap();
    assert_eq!(client.kind, "client");
    let list = s.list_bank_accounts().unwrap();
    assert_eq!(
        list.iter().map(|a| a.kind.as_str()).collect::<Vec<_>>(),
        ["client", "office"]
    );
    s.rebuild_projections().unwrap();
    assert_eq!(
        s.list_bank_accounts().unwrap(),
        list,
        "kept in the firm document"
    );
}

#[test]
fn only_cashiers_partners_and_admins_add_bank_accounts() {
    let vault = MemoryVault::default();
    let dir = tempfile::tempdir().unwrap();
    let mut s = Satchel::init_with(
        &dir.path().join("data"),
        &vault,
        &setup("fee_earner"),
        cheap(),
    )
    .unwrap();
    let err = s
        .add_bank_account(&account("office", "Hale & Co Office", "11111111", "", &[]))
        .unwrap_err();
    assert!(err.to_string().contains("only a cashier"), "{err}");
}

fn money_req(kind: &str, matter: &str, account: &str, amount: &str) -> satchel_api::PostingRequest {
    satchel_api::PostingRequest {
        kind: kind.into(),
        matter: matter.into(),
        account: account.into(),
        amount: amount.into(),
        reference: "REF".into(),
        party: "Ann Lee".into(),
        ..Default::default()
    }
}

/// Two matters, a client account holding £60 for M00001 and £40 for M00002, an office
/// account, and a second person (AB, a cashier) to authorise.
fn books_store(vault: &MemoryVault) -> (tempfile::TempDir, Satchel) {
    let (dir, mut s) = new_store(vault);
    open_matter(&mut s, "Ann Lee");
    open_matter(&mut s, "Bob Marsh");
    s.add_bank_account(&account(
        "client",
        "Hale & Co Solicitors Client Account",
        "22222222",
        "100.00",
        &["M00001=60.00", "M00002=40.00"],
    ))
    .unwrap();
    s.add_bank_account(&account(
        "office",
        "Hale & Co Office Account",
        "11111111",
        "",
        &[],
    ))
    .unwrap();
    s.add_user("Alan Bird", "AB", "cashier", "").unwrap();
    (dir, s)
}

#[test]
fn postings_keep_the_client_money_rules_hand_worked() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = books_store(&vault);
    // £60 brought forward + £500 received = £560 held for M00001.
    s.record_posting(&money_req("receipt", "M00001", "client", "500.00"))
        .unwrap();
    assert_eq!(s.client_balance_pence("M00001").unwrap(), 56_000);

    // Paying out £600 would overdraw: refused, with the balance available, nothing kept.
    let changes = count(&s, "SELECT count(*) FROM doc_changes");
    let audit = count(&s, "SELECT count(*) FROM audit_events");
    let err = s
        .record_posting(&money_req("payment", "M00001", "client", "600.00"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("would overdraw the client ledger of M00001"),
        "{err}"
    );
    assert!(err.contains("available £560.00"), "{err}");
    assert_eq!(count(&s, "SELECT count(*) FROM doc_changes"), changes);
    assert_eq!(count(&s, "SELECT count(*) FROM audit_events"), audit);

    let pay = s
        .record_posting(&money_req("payment", "M00001", "client", "200.00"))
        .unwrap();
    assert_eq!(
        (pay.kind.as_str(), pay.state.as_str()),
        ("payment", "confirmed")
    );
    assert_eq!(pay.recorded_by, "JH");

    // Client to client needs a reason and a second person.
    let mut between = money_req("transfer", "M00001", "client", "60.00");
    between.to_matter = "M00002".into();
    between.reason = "Same client's purchase completion".into();
    let err = s.record_posting(&between).unwrap_err().to_string();
    assert!(err.contains("Authorised by is required"), "{err}");
    between.authorised_by = "JH".into();
    let err = s.record_posting(&between).unwrap_err().to_string();
    assert!(err.contains("someone other than who recorded it"), "{err}");
    between.authorised_by = "ab".into();
    s.record_posting(&between).unwrap();
    assert_eq!(s.client_balance_pence("M00001").unwrap(), 30_000);
    assert_eq!(s.client_balance_pence("M00002").unwrap(), 10_000);

    // Client to office only against a bill (bills come with the register).
    let mut to_office = money_req("transfer", "M00001", "client", "10.00");
    let err = s.record_posting(&to_office).unwrap_err().to_string();
    assert!(err.contains("only against a bill"), "{err}");
    to_office.bill = "B000001".into();
    let err = s.record_posting(&to_office).unwrap_err().to_string();
    assert!(err.contains("not in the register"), "{err}");

    // A fraction of a penny is refused.
    let err = s
        .record_posting(&money_req("receipt", "M00001", "client", "10.005"))
        .unwrap_err()
        .to_string();
    assert!(err.to_lowercase().contains("amount"), "{err}");

    // The payment reversed: the £200 is back; reversing it again is refused.
    let mut rev = satchel_api::PostingRequest {
        kind: "reversal".into(),
        matter: "M00001".into(),
        reverses: pay.id.clone(),
        reason: "Paid to the wrong payee".into(),
        ..Default::default()
    };
    let reversal = s.record_posting(&rev).unwrap();
    assert_eq!(reversal.amount_pence, 20_000);
    assert_eq!(
        s.posting(&pay.id).unwrap().reversed_by,
        Some(reversal.id.clone())
    );
    assert_eq!(s.client_balance_pence("M00001").unwrap(), 50_000);
    let err = s.record_posting(&rev).unwrap_err().to_string();
    assert!(err.contains("reversed once"), "{err}");
    rev.reverses = reversal.id.clone();
    assert!(
        s.record_posting(&rev).is_err(),
        "a reversal is not reversed"
    );

    // Office money on the office side, never in the client ledger.
    s.record_posting(&money_req("receipt", "M00001", "office", "75.00"))
        .unwrap();

    let ledger = s.client_ledger("M00001").unwrap();
    assert_eq!(
        ledger
            .lines
            .iter()
            .map(|l| (
                l.what.as_str(),
                l.client_balance_pence,
                l.office_balance_pence
            ))
            .collect::<Vec<_>>(),
        [
            ("brought forward", 6_000, 0),
            ("receipt", 56_000, 0),
            ("payment", 36_000, 0),
            ("transfer", 30_000, 0),
            ("reversal", 50_000, 0),
            ("receipt", 50_000, 7_500),
        ]
    );
    assert_eq!(
        (
            ledger.client_balance_pence,
            ledger.available_pence,
            ledger.office_balance_pence
        ),
        (50_000, 50_000, 7_500)
    );
    assert!(!ledger.lines[2].reversible && ledger.lines[1].reversible);

    // Σ client ledgers = client cash book: 500 + 100 = £600 = 100 + 500 − 200 + 200.
    let balances = s.client_balances().unwrap();
    assert_eq!(
        balances
            .iter()
            .map(|b| (b.matter_number.as_str(), b.balance_pence))
            .collect::<Vec<_>>(),
        [("M00001", 50_000), ("M00002", 10_000)]
    );
    let cash = s.cash_book("client", "2000-01-01", "").unwrap();
    assert_eq!(cash.balance_pence, 60_000);
    assert_eq!(cash.lines.first().unwrap().what, "opening");
    assert_eq!(
        s.cash_book("office", "2000-01-01", "")
            .unwrap()
            .balance_pence,
        7_500
    );

    // Kept in the matter documents: a rebuild gives the same records.
    s.rebuild_projections().unwrap();
    assert_eq!(s.client_ledger("M00001").unwrap(), ledger);
    assert_eq!(s.client_balances().unwrap(), balances);
}

#[test]
fn a_payment_over_the_firms_threshold_needs_a_second_authoriser() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = books_store(&vault);
    s.record_posting(&money_req("receipt", "M00001", "client", "9000.00"))
        .unwrap();
    s.set_second_authoriser_above("5000.00").unwrap();
    let mut pay = money_req("payment", "M00001", "client", "5000.01");
    let err = s.record_posting(&pay).unwrap_err().to_string();
    assert!(err.contains("over £5,000.00"), "{err}");
    pay.authorised_by = "ZZ".into();
    let err = s.record_posting(&pay).unwrap_err().to_string();
    assert!(err.contains("ZZ is not anyone"), "{err}");
    pay.authorised_by = "AB".into();
    let p = s.record_posting(&pay).unwrap();
    assert_eq!(p.authorised_by.as_deref(), Some("AB"));
    // At or under the threshold, one person will do; office payments never need two.
    s.record_posting(&money_req("payment", "M00001", "client", "5000.00"))
        .unwrap_err(); // only £3,999.99 left
    s.record_posting(&money_req("payment", "M00001", "client", "3999.99"))
        .unwrap();
    s.record_posting(&money_req("payment", "M00001", "office", "6000.00"))
        .unwrap();
}

#[test]
fn fee_earners_do_not_post_money() {
    let vault = MemoryVault::default();
    let dir = tempfile::tempdir().unwrap();
    let mut s = Satchel::init_with(
        &dir.path().join("data"),
        &vault,
        &setup("fee_earner"),
        cheap(),
    )
    .unwrap();
    open_matter(&mut s, "Ann Lee");
    let err = s
        .record_posting(&money_req("receipt", "M00001", "client", "1.00"))
        .unwrap_err();
    assert!(err.to_string().contains("only a cashier"), "{err}");
}

#[test]
fn a_bill_from_unbilled_work_then_costs_move_to_office_against_it() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = books_store(&vault);
    s.set_my_rate("200.00").unwrap();
    // 1 h 30 min at £200/h = £300.00 + VAT £60.00; a £150.00 Land Registry fee (no VAT);
    // £20.00 travel + VAT £4.00. Total £534.00.
    s.record_time(&time("M00001", "1:30", true)).unwrap();
    s.record_time(&time("M00001", "0:30", false)).unwrap();
    let cost = |kind: &str, amount: &str, what: &str| satchel_api::NewExpenseRequest {
        matter: "M00001".into(),
        kind: kind.into(),
        amount: amount.into(),
        description: what.into(),
        date: String::new(),
    };
    s.record_expense(&cost("disbursement", "150.00", "Land Registry fee"))
        .unwrap();
    s.record_expense(&cost("expense", "20.00", "Travel"))
        .unwrap();
    let req = satchel_api::NewBillRequest {
        matter: "M00001".into(),
        ..Default::default()
    };
    let draft = s.draft_bill(&req).unwrap();
    assert_eq!(
        (draft.fees_pence, draft.vat_pence, draft.total_pence),
        (30_000, 6_400, 53_400)
    );
    let bill = s.create_bill(&req).unwrap();
    assert_eq!(bill.number, "B000001");
    assert_eq!((bill.total_pence, bill.unpaid_pence), (53_400, 53_400));
    assert_eq!(
        bill.lines
            .iter()
            .map(|l| (l.kind.as_str(), l.vat_pence))
            .collect::<Vec<_>>(),
        [("fees", 6_000), ("expense", 400), ("disbursement", 0)]
    );
    // Billed work is no longer work in progress; billing again finds nothing.
    let wip = s.wip("M00001").unwrap();
    assert_eq!(
        (wip.value_pence, wip.disbursements_pence, wip.expenses_pence),
        (0, 0, 0)
    );
    let err = s.create_bill(&req).unwrap_err().to_string();
    assert!(err.contains("nothing unbilled"), "{err}");

    // Client money: £60 brought forward + £1,000 received. £534 may move to office against
    // the bill, and no more than is unpaid.
    s.record_posting(&money_req("receipt", "M00001", "client", "1000.00"))
        .unwrap();
    let mut to_office = money_req("transfer", "M00001", "client", "534.01");
    to_office.bill = "B000001".into();
    let err = s.record_posting(&to_office).unwrap_err().to_string();
    assert!(
        err.contains("more than the £534.00 unpaid on bill B000001"),
        "{err}"
    );
    to_office.amount = "400.00".into();
    s.record_posting(&to_office).unwrap();
    assert_eq!(s.bill("B000001").unwrap().unpaid_pence, 13_400);
    // A bill on another matter is not this matter's.
    let mut wrong = money_req("transfer", "M00002", "client", "10.00");
    wrong.bill = "B000001".into();
    let err = s.record_posting(&wrong).unwrap_err().to_string();
    assert!(err.contains("is a bill on M00001, not on M00002"), "{err}");
    // The client pays the rest straight to office account.
    let mut office = money_req("receipt", "M00001", "office", "134.00");
    office.bill = "B000001".into();
    s.record_posting(&office).unwrap();
    assert_eq!(s.bill("B000001").unwrap().unpaid_pence, 0);

    // The ledger: the bill debits the office side; payments credit it.
    let ledger = s.client_ledger("M00001").unwrap();
    assert_eq!(ledger.client_balance_pence, 6_000 + 100_000 - 40_000);
    assert_eq!(
        ledger.office_balance_pence, 0,
        "billed £534.00, paid £534.00"
    );
    assert_eq!(
        ledger
            .lines
            .iter()
            .map(|l| (l.what.as_str(), l.office_pence, l.office_balance_pence))
            .collect::<Vec<_>>(),
        [
            ("brought forward", 0, 0),
            ("bill B000001", -53_400, -53_400),
            ("receipt", 0, -53_400),
            ("transfer", 40_000, -13_400),
            ("receipt", 13_400, 0),
        ],
        "the bill sits where it was made among the day's postings"
    );

    // Nothing is unpaid, so nothing may be credited; delivery is recorded once.
    let credit = satchel_api::CreditRequest {
        bill: "B000001".into(),
        reason: "Goodwill".into(),
        fees: "10.00".into(),
        ..Default::default()
    };
    let err = s.credit_bill(&credit).unwrap_err().to_string();
    assert!(err.contains("more than the £0.00 unpaid"), "{err}");
    s.deliver_bill("B000001", "").unwrap();
    assert!(
        s.deliver_bill("B000001", "")
            .unwrap_err()
            .to_string()
            .contains("already")
    );

    // A second bill, credited in whole: its items are unbilled again.
    s.record_time(&time("M00002", "1:00", true)).unwrap();
    let second = s
        .create_bill(&satchel_api::NewBillRequest {
            matter: "M00002".into(),
            kind: "notification".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        (second.number.as_str(), second.kind.as_str()),
        ("B000002", "notification")
    );
    let note = s
        .credit_bill(&satchel_api::CreditRequest {
            bill: "b000002".into(),
            reason: "Billed in error".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        (note.number.as_str(), note.total_pence),
        ("B000003", -24_000)
    );
    assert_eq!(note.credits.as_deref(), Some("B000002"));
    assert_eq!(s.bill("B000002").unwrap().unpaid_pence, 0);
    assert_eq!(s.wip("M00002").unwrap().value_pence, 20_000);

    // The register, as CSV; kept in the documents (a rebuild gives the same register).
    let register = s.list_bills("", "").unwrap();
    assert_eq!(register.len(), 3);
    let csv = s.bill_register_csv("", "").unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with("number,kind,date,matter"));
    assert!(lines.next().unwrap().starts_with("B000001,bill,"));
    assert!(csv.contains(",534.00,534.00,0.00,0.00"), "{csv}");
    assert!(csv.contains("B000003,credit_note,"));
    s.rebuild_projections().unwrap();
    assert_eq!(s.list_bills("", "").unwrap(), register);
    assert_eq!(s.wip("M00002").unwrap().value_pence, 20_000);
    assert_eq!(s.wip("M00001").unwrap().value_pence, 0);

    // A printable invoice, and its export is audited.
    let audit = count(
        &s,
        "SELECT count(*) FROM audit_events WHERE action = 'bill.export'",
    );
    let pdf = s.bill_pdf("B000001").unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM audit_events WHERE action = 'bill.export'"
        ),
        audit + 1
    );
}

fn ofx(today: &str, lines: &[(&str, &str, &str, &str)], balance: &str) -> Vec<u8> {
    let d = today.replace('-', "");
    let mut s = format!(
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX>\n<BANKMSGSRSV1>\n<STMTTRNRS>\n<TRNUID>1\n<STATUS>\n<CODE>0\n<SEVERITY>INFO\n</STATUS>\n<STMTRS>\n<CURDEF>GBP\n<BANKACCTFROM>\n<BANKID>200000\n<ACCTID>22222222\n<ACCTTYPE>CHECKING\n</BANKACCTFROM>\n<BANKTRANLIST>\n<DTSTART>{d}\n<DTEND>{d}\n"
    );
    for (fitid, amount, name, memo) in lines {
        s.push_str(&format!(
            "<STMTTRN>\n<TRNTYPE>OTHER\n<DTPOSTED>{d}\n<TRNAMT>{amount}\n<FITID>{fitid}\n<NAME>{name}\n<MEMO>{memo}\n</STMTTRN>\n"
        ));
    }
    s.push_str(&format!(
        "</BANKTRANLIST>\n<LEDGERBAL>\n<BALAMT>{balance}\n<DTASOF>{d}\n</LEDGERBAL>\n</STMTRS>\n</STMTTRNRS>\n</BANKMSGSRSV1>\n</OFX>\n"
    ));
    s.into_bytes()
}

#[test]
fn statements_import_match_and_the_three_way_reconciliation_signs_and_locks() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = books_store(&vault);
    let today = satchel_core::dates::london_date(Timestamp::now()).to_string();
    let receipt = s
        .record_posting(&satchel_api::PostingRequest {
            reference: "BACS 1182".into(),
            ..money_req("receipt", "M00001", "client", "500.00")
        })
        .unwrap();
    let cheque = s
        .record_posting(&satchel_api::PostingRequest {
            reference: "CHQ 100201".into(),
            ..money_req("payment", "M00001", "client", "120.00")
        })
        .unwrap();

    // The bank shows the £500 in and a £5 charge; the cheque has not been presented.
    // £100 opening + £500 − £5 = £595.
    let file = ofx(
        &today,
        &[
            ("T1", "500.00", "P SHAH", "BACS 1182"),
            ("T2", "-5.00", "CHARGES", "Account fee"),
        ],
        "595.00",
    );
    // A malformed file is refused with its line, and nothing is imported.
    let broken = String::from_utf8(file.clone())
        .unwrap()
        .replace("-5.00", "-5.005");
    let err = s
        .import_statement("client", "nov.ofx", broken.as_bytes(), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("nov.ofx: Line 40: TRNAMT"), "{err}");
    assert!(err.contains("fraction of a penny"), "{err}");
    assert_eq!(count(&s, "SELECT count(*) FROM statement_lines"), 0);

    let done = s
        .import_statement("client", "nov.ofx", &file, None)
        .unwrap();
    assert_eq!(
        (done.lines_read, done.added, done.duplicates, done.matched),
        (2, 2, 0, 1)
    );
    assert_eq!(done.closing_balance.as_deref(), Some("£595.00"));
    // The same statement again: nothing new, refused, nothing changed.
    let changes = count(&s, "SELECT count(*) FROM doc_changes");
    let err = s
        .import_statement("client", "nov.ofx", &file, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("already imported"), "{err}");
    assert_eq!(count(&s, "SELECT count(*) FROM doc_changes"), changes);
    let lines = s.statement_lines("client").unwrap();
    let matched: Vec<_> = lines
        .iter()
        .filter_map(|l| l.matched_posting.clone())
        .collect();
    assert_eq!(matched, std::slice::from_ref(&receipt.id));
    // Another bank's statement is not this account's.
    let other = String::from_utf8(file.clone())
        .unwrap()
        .replace("22222222", "99999999");
    let err = s
        .import_statement("client", "x.ofx", other.as_bytes(), None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("not Hale & Co Solicitors Client Account"),
        "{err}"
    );

    // Reconcile: 595 − 120 unpresented = 475 adjusted; cash book and ledgers 480; the £5
    // charge is the difference.
    let req = satchel_api::ReconcileRequest {
        account: "client".into(),
        date: today.clone(),
        ..Default::default()
    };
    let r = s.reconcile(&req).unwrap();
    assert_eq!(
        (
            r.statement_balance,
            r.outstanding_lodgements,
            r.unpresented_payments,
            r.adjusted_bank_balance,
            r.cash_book_balance,
            r.client_ledger_total,
            r.difference
        ),
        (59_500, 0, 12_000, 47_500, 48_000, 48_000, -500)
    );
    assert_eq!(r.unpresented.len(), 1);
    assert_eq!(r.unrecorded_bank_entries[0].amount_pence, -500);
    assert!(r.debit_balances.is_empty());
    // Signing needs the difference explained, to the penny.
    let err = s
        .reconcile(&satchel_api::ReconcileRequest {
            sign: true,
            ..req.clone()
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("-£5.00 must be explained"), "{err}");
    let explained = satchel_api::ReconcileRequest {
        sign: true,
        explanations: vec![satchel_api::ExplanationInput {
            text: "Bank charge debited to client account in error; refund requested".into(),
            amount: "-5.00".into(),
        }],
        ..req.clone()
    };
    let signed = s.reconcile(&explained).unwrap();
    assert_eq!(signed.signed_by.as_deref(), Some("JH"));
    // Signed means locked: signing again, or a posting dated on or before it, is refused.
    let err = s.reconcile(&explained).unwrap_err().to_string();
    assert!(err.contains("cannot be changed"), "{err}");
    let err = s
        .record_posting(&money_req("receipt", "M00001", "client", "1.00"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("reconciled and signed to"), "{err}");
    // Office money is not locked by the client account's reconciliation.
    s.record_posting(&money_req("receipt", "M00001", "office", "1.00"))
        .unwrap();
    assert_eq!(s.reconcile(&req).unwrap(), signed, "shown as signed");
    assert_eq!(
        s.reconciliations("client").unwrap(),
        std::slice::from_ref(&signed)
    );
    assert!(s.reconciliation_due().unwrap().is_empty());

    // Matching by hand: unmatch the receipt, match it again; a different amount is refused.
    let key = lines
        .iter()
        .find(|l| l.amount_pence == 50_000)
        .unwrap()
        .key
        .clone();
    let charge = lines
        .iter()
        .find(|l| l.amount_pence == -500)
        .unwrap()
        .key
        .clone();
    let un = s
        .match_line(&satchel_api::MatchRequest {
            account: "client".into(),
            line_key: key.clone(),
            posting_id: String::new(),
        })
        .unwrap();
    assert_eq!(un.matched_posting, None);
    let err = s
        .match_line(&satchel_api::MatchRequest {
            account: "client".into(),
            line_key: charge,
            posting_id: cheque.id.clone(),
        })
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("is for -£120.00, but the statement line is for -£5.00"),
        "{err}"
    );
    let again = s
        .match_line(&satchel_api::MatchRequest {
            account: "client".into(),
            line_key: key,
            posting_id: receipt.id.clone(),
        })
        .unwrap();
    assert!(
        again.matched_to.contains("M00001 receipt BACS 1182"),
        "{}",
        again.matched_to
    );

    // CSV: the layout is saved with the first CSV import; the cheque clears later.
    let csv = format!("Date,Details,Amount\n{},CHQ 100201,-120.00\n", {
        let d: jiff::civil::Date = today.parse().unwrap();
        format!("{:02}/{:02}/{}", d.day(), d.month(), d.year())
    });
    let err = s
        .import_statement("client", "dec.csv", csv.as_bytes(), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no CSV layout saved"), "{err}");
    let layout = satchel_statement::CsvMapping {
        has_header: true,
        delimiter: ',',
        date_column: 0,
        date_format: satchel_statement::DateFormat::DayMonthYear,
        amount: satchel_statement::AmountColumns::Signed { column: 2 },
        description_column: 1,
        reference_column: Some(1),
        balance_column: None,
    };
    let done = s
        .import_statement("client", "dec.csv", csv.as_bytes(), Some(&layout))
        .unwrap();
    assert_eq!((done.added, done.matched), (1, 1));
    let err = s
        .import_statement("client", "dec.csv", csv.as_bytes(), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("already imported"), "{err}");

    // Kept in the bank document: a rebuild gives the same lines and history.
    let lines = s.statement_lines("client").unwrap();
    s.rebuild_projections().unwrap();
    assert_eq!(s.statement_lines("client").unwrap(), lines);
    assert_eq!(s.reconciliations("client").unwrap(), [signed]);
}

#[test]
fn a_client_account_not_reconciled_for_five_weeks_is_due() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let today = satchel_core::dates::london_date(Timestamp::now());
    let long_ago = today.saturating_sub(jiff::Span::new().days(40)).to_string();
    s.add_bank_account(&satchel_api::NewBankAccountRequest {
        opened_on: long_ago,
        ..account(
            "client",
            "Hale & Co Solicitors Client Account",
            "22222222",
            "",
            &[],
        )
    })
    .unwrap();
    let due = s.reconciliation_due().unwrap();
    assert_eq!(due.len(), 1);
    assert!(
        due[0].message.contains("never been reconciled"),
        "{}",
        due[0].message
    );
    // A fee earner is not shown the books, and an office account is not reconciled.
    let err = s
        .reconcile(&satchel_api::ReconcileRequest {
            account: "client".into(),
            statement_balance: "0.00".into(),
            sign: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(err.difference, 0);
    assert!(s.reconciliation_due().unwrap().is_empty(), "signed today");
    // Over the 40 days since it opened, there is a gap of more than five weeks, named.
    let opened = today.saturating_sub(jiff::Span::new().days(40)).to_string();
    let report = s.accountants_report(&opened, &today.to_string()).unwrap();
    assert_eq!(report.gaps.len(), 1, "{:?}", report.gaps);
    assert!(report.gaps[0].contains("(40 days)"), "{:?}", report.gaps);
}

#[test]
fn registers_breaches_residuals_and_the_accountants_report() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = books_store(&vault);
    let today = satchel_core::dates::london_date(Timestamp::now());
    let t = today.to_string();
    // Reconcile today with the £100 brought forward: signed, £100 held.
    let r = s
        .reconcile(&satchel_api::ReconcileRequest {
            account: "client".into(),
            statement_balance: "100.00".into(),
            sign: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r.difference, 0);
    let report = s.accountants_report(&t, &t).unwrap();
    assert_eq!(report.reconciliation_dates, 1);
    assert_eq!(
        (report.average_balance_pence, report.maximum_balance_pence),
        (10_000, 10_000)
    );
    assert!(report.exempt, "{}", report.exemption);
    assert!(report.gaps.is_empty(), "{:?}", report.gaps);
    let year_ago = today
        .saturating_sub(jiff::Span::new().days(365))
        .to_string();
    let err = s.accountants_report(&t, &year_ago).unwrap_err().to_string();
    assert!(err.contains("must be on or before"), "{err}");

    // The breach log: by hand, with the matter.
    let b = s
        .add_breach(&satchel_api::NewBreachRequest {
            matter: "M00002".into(),
            description: "Costs transferred before the bill was sent; reversed the same day".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        (b.matter_number.as_deref(), b.automatic),
        (Some("M00002"), false)
    );
    let err = s
        .add_breach(&satchel_api::NewBreachRequest {
            date: "2999-01-01".into(),
            description: "x".into(),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("is after today"), "{err}");

    // Residual balances: M00002 closed with £40.00 — may go to charity after tracing.
    s.set_matter_status(&status("M00002", "closed", &t))
        .unwrap();
    let regs = s.registers().unwrap();
    assert_eq!(regs.residual_candidates.len(), 1);
    assert!(regs.residual_candidates[0].1.contains("may go to charity"));
    assert_eq!(regs.breaches.len(), 1);
    assert!(regs.dormant.is_empty(), "moved today");
    let big = satchel_api::ResidualRequest {
        matter: "M00002".into(),
        amount: "500.01".into(),
        tracing_steps: "Letters to last known address 1 March and 1 June; tracing agent 10 July"
            .into(),
        charity: "Citizens Advice".into(),
        charity_number: "279057".into(),
        ..Default::default()
    };
    let err = s.record_residual(&big).unwrap_err().to_string();
    assert!(err.contains("SRA's authority"), "{err}");
    let small = s
        .record_residual(&satchel_api::ResidualRequest {
            amount: "40.00".into(),
            ..big.clone()
        })
        .unwrap();
    assert_eq!(
        (small.owner.as_str(), small.amount_pence),
        ("Bob Marsh", 4_000)
    );
    let with_authority = s
        .record_residual(&satchel_api::ResidualRequest {
            sra_authority: "SRA/RB/2026/0142".into(),
            ..big
        })
        .unwrap();
    assert_eq!(
        with_authority.sra_authority.as_deref(),
        Some("SRA/RB/2026/0142")
    );
    assert_eq!(s.registers().unwrap().residuals.len(), 2);

    // CSV and PDF of the report; both exports audited.
    let csv = s.accountants_report_csv(&t, &t).unwrap();
    assert!(csv.contains("exemption,exempt,£100.00,£100.00"), "{csv}");
    assert!(csv.contains("breach,"), "{csv}");
    let pdf = s.accountants_report_pdf(&t, &t).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM audit_events WHERE action = 'report.export'"
        ),
        2
    );
    s.rebuild_projections().unwrap();
    assert_eq!(s.registers().unwrap().residuals.len(), 2);
}

#[test]
fn an_overdrawn_ledger_found_at_reconciliation_is_logged_as_a_breach() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = books_store(&vault);
    // Records from elsewhere (as a merge would bring) overdraw M00002: a payment written
    // straight into its document, past the books' check.
    let account: String = s
        .store
        .conn()
        .query_row(
            "SELECT id FROM bank_accounts WHERE kind = 'client'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let matter_id: String = s
        .store
        .conn()
        .query_row("SELECT id FROM matters WHERE number = 2", [], |r| r.get(0))
        .unwrap();
    let today = satchel_core::dates::london_date(Timestamp::now()).to_string();
    let rec = docs::PostingRec {
        id: Uuid::now_v7().to_string(),
        date: today.clone(),
        kind: "payment".into(),
        account,
        to_account: None,
        amount_pence: 5_000,
        to_matter: None,
        to_client: None,
        notice: None,
        bill_reference: None,
        bill_unpaid_pence: None,
        reverses: None,
        reason: None,
        method: "bank_transfer".into(),
        reference: "CHQ 9".into(),
        party: "Someone".into(),
        client: "Bob Marsh".into(),
        recorded_by: "AB".into(),
        authorised_by: None,
        recorded_at: Timestamp::now().to_string(),
        state: "confirmed".into(),
        confirmed_at: None,
        refused_at: None,
        refused_reason: None,
    };
    s.write("money.payment", "test", |tx, at, actor| {
        update_matter(tx, &matter_id, actor, at, "merged payment", |m| {
            m.postings.push(rec.clone())
        })?;
        Ok(serde_json::json!({}))
    })
    .unwrap();
    assert_eq!(s.client_balance_pence("M00002").unwrap(), -1_000);
    // The cheque is not presented: statement £100, adjusted £50 = cash book; ledgers:
    // M00001 £60 (credit), M00002 −£10 (listed apart, never netted).
    let req = satchel_api::ReconcileRequest {
        account: "client".into(),
        statement_balance: "100.00".into(),
        ..Default::default()
    };
    let r = s.reconcile(&req).unwrap();
    assert_eq!(
        (r.cash_book_balance, r.client_ledger_total, r.difference),
        (5_000, 6_000, -1_000)
    );
    assert_eq!(r.debit_balances.len(), 1);
    assert_eq!(r.debit_balances[0].matter_number, "M00002");
    s.reconcile(&satchel_api::ReconcileRequest {
        sign: true,
        explanations: vec![satchel_api::ExplanationInput {
            text: "M00002 overdrawn by a payment made on another laptop; £10 replaced from office"
                .into(),
            amount: "-10.00".into(),
        }],
        ..req
    })
    .unwrap();
    let log = s.registers().unwrap().breaches;
    assert_eq!(log.len(), 1);
    assert!(
        log[0].automatic && log[0].description.contains("overdrawn by £10.00"),
        "{:?}",
        log[0]
    );
}

#[test]
fn each_change_stores_only_itself_not_the_documents_history() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let m = open_matter(&mut s, "Ann Lee");
    let note = |i: usize| satchel_api::NewNoteRequest {
        matter: m.number.clone(),
        kind: "file".into(),
        title: format!("Note {i}"),
        body: "Spoke to the client about completion; ".repeat(20),
    };
    for i in 0..20 {
        s.add_note(&note(i)).unwrap();
    }
    let sizes: Vec<i64> = {
        let mut stmt = s
            .store
            .conn()
            .prepare("SELECT length(bytes) FROM doc_changes WHERE doc_id = ?1 ORDER BY seq")
            .unwrap();
        stmt.query_map([&m.id], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert!(sizes.len() >= 20);
    // The last change is about as big as the first note's, not twenty notes' worth.
    let (first_note, last) = (sizes[1], *sizes.last().unwrap());
    assert!(last < first_note * 2, "{sizes:?}");
    // And the document still loads whole.
    assert_eq!(s.list_notes(&m.number).unwrap().len(), 20);
}

/// A bank account's statement lines are kept a month to a document: an import spanning two
/// months writes two, a later import into a month adds to its document, the account's own
/// document keeps only imports and reconciliations, and a match by hand edits the line's
/// month alone — all of it rebuilt the same from the documents.
#[test]
fn statement_lines_are_kept_a_month_to_a_document() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = books_store(&vault);
    let today = satchel_core::dates::london_date(Timestamp::now());
    let earlier = today.saturating_sub(jiff::Span::new().days(40));
    let cheque = s
        .record_posting(&satchel_api::PostingRequest {
            reference: "CHQ 100301".into(),
            ..money_req("payment", "M00001", "client", "50.00")
        })
        .unwrap();
    let dmy = |d: jiff::civil::Date| format!("{:02}/{:02}/{}", d.day(), d.month(), d.year());
    let layout = satchel_statement::CsvMapping {
        has_header: true,
        delimiter: ',',
        date_column: 0,
        date_format: satchel_statement::DateFormat::DayMonthYear,
        amount: satchel_statement::AmountColumns::Signed { column: 2 },
        description_column: 1,
        reference_column: None,
        balance_column: None,
    };
    let first = format!(
        "Date,Details,Amount\n{},OLD CHEQUE,-50.00\n{},INTEREST,0.12\n",
        dmy(earlier),
        dmy(today)
    );
    let done = s
        .import_statement("client", "a.csv", first.as_bytes(), Some(&layout))
        .unwrap();
    assert_eq!(
        (done.added, done.matched),
        (2, 0),
        "40 days apart: not matched"
    );
    let month = |d: jiff::civil::Date| d.strftime("%Y-%m").to_string();
    let account_id: String = s
        .store
        .conn()
        .query_row(
            "SELECT id FROM bank_accounts WHERE kind = 'client'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let months = |s: &Satchel| -> Vec<String> {
        let mut stmt = s
            .store
            .conn()
            .prepare("SELECT id FROM documents WHERE kind = 'statements' ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let mut expected = vec![
        format!("bank-{account_id}-{}", month(earlier)),
        format!("bank-{account_id}-{}", month(today)),
    ];
    expected.dedup();
    assert_eq!(months(&s), expected);
    let second = format!("Date,Details,Amount\n{},CHARGE,-3.00\n", dmy(today));
    s.import_statement("client", "b.csv", second.as_bytes(), None)
        .unwrap();
    assert_eq!(months(&s), expected, "added to this month's document");
    let tx = s.store.conn_mut().transaction().unwrap();
    let this_month: docs::StatementsDoc = autosurgeon::hydrate(
        &docs::load(&tx, &format!("bank-{account_id}-{}", month(today)))
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        this_month
            .lines
            .iter()
            .map(|l| l.description.as_str())
            .collect::<Vec<_>>(),
        ["INTEREST", "CHARGE"]
    );
    let account_doc = docs::load(&tx, &format!("bank-{account_id}"))
        .unwrap()
        .unwrap();
    assert!(
        automerge::ReadDoc::get(&account_doc, automerge::ROOT, "lines")
            .unwrap()
            .is_none()
    );
    let account_doc: docs::BankDoc = autosurgeon::hydrate(&account_doc).unwrap();
    assert_eq!(account_doc.imports.len(), 2);
    drop(tx);

    // Matching the old line by hand changes its month's document, and the cheque is
    // presented on the line's date.
    let old_key = s
        .statement_lines("client")
        .unwrap()
        .into_iter()
        .find(|l| l.amount_pence == -5_000)
        .unwrap()
        .key;
    let changes_of = |s: &Satchel, id: &str| -> i64 {
        s.store
            .conn()
            .query_row(
                "SELECT count(*) FROM doc_changes WHERE doc_id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap()
    };
    let old_month = format!("bank-{account_id}-{}", month(earlier));
    let before = (
        changes_of(&s, &old_month),
        changes_of(&s, &format!("bank-{account_id}")),
    );
    s.match_line(&satchel_api::MatchRequest {
        account: "client".into(),
        line_key: old_key,
        posting_id: cheque.id.clone(),
    })
    .unwrap();
    assert_eq!(
        (
            changes_of(&s, &old_month),
            changes_of(&s, &format!("bank-{account_id}"))
        ),
        (before.0 + 1, before.1)
    );
    let presented = |s: &Satchel| -> Option<String> {
        s.store
            .conn()
            .query_row(
                "SELECT presented_on FROM posting_moves WHERE posting_id = ?1 AND place = 'cash'",
                [&cheque.id],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(presented(&s), Some(earlier.to_string()));
    let lines = s.statement_lines("client").unwrap();
    s.rebuild_projections().unwrap();
    assert_eq!(s.statement_lines("client").unwrap(), lines);
    assert_eq!(presented(&s), Some(earlier.to_string()));
}

/// A copy of a store as another device of the same firm: the same documents, its own
/// device id (so its own Automerge actor).
fn second_device(vault: &MemoryVault, s: &Satchel) -> (tempfile::TempDir, Satchel) {
    s.checkpoint().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("data");
    std::fs::create_dir_all(&to).unwrap();
    for f in std::fs::read_dir(s.data_dir()).unwrap() {
        let f = f.unwrap();
        if f.file_type().unwrap().is_file() {
            std::fs::copy(f.path(), to.join(f.file_name())).unwrap();
        }
    }
    {
        let b = Satchel::open(&to, vault, Unlock::Keyring).unwrap();
        b.store
            .conn()
            .execute(
                "UPDATE meta SET value = ?1 WHERE key = 'device_id'",
                [uuid::Uuid::now_v7().to_string()],
            )
            .unwrap();
        b.checkpoint().unwrap();
    }
    let b = Satchel::open(&to, vault, Unlock::Keyring).unwrap();
    (dir, b)
}

fn everything(s: &Satchel) -> Vec<crate::Replica> {
    s.document_ids()
        .unwrap()
        .into_iter()
        .map(|(id, _)| s.replica_of(&id).unwrap())
        .collect()
}

/// Two devices of the firm work apart: each pays out of the same client ledger what that
/// ledger held as each saw it, and one adds a note. Merged both ways, both devices hold the
/// same postings, notes and balances; the ledger the two payments overdrew shows its debit
/// balance (not hidden, not undone) and the breach is logged; money is conserved (the
/// client ledgers add up to the client cash book). Merging again changes nothing.
#[test]
fn work_on_two_devices_apart_merges_and_an_overdraft_it_makes_is_logged() {
    let vault = MemoryVault::default();
    let (_da, mut a) = books_store(&vault);
    let (_db, mut b) = second_device(&vault, &a);
    // £60 on M00001: A pays £50, B pays £40; each was allowed where it was made.
    a.record_posting(&money_req("payment", "M00001", "client", "50.00"))
        .unwrap();
    b.record_posting(&money_req("payment", "M00001", "client", "40.00"))
        .unwrap();
    b.add_note(&satchel_api::NewNoteRequest {
        matter: "M00001".into(),
        kind: "file".into(),
        title: "Completion date".into(),
        body: "Client called about the completion date".into(),
    })
    .unwrap();
    let (from_a, from_b) = (everything(&a), everything(&b));
    assert!(a.merge_documents(&from_b).unwrap() >= 1);
    assert!(b.merge_documents(&from_a).unwrap() >= 1);

    for s in [&a, &b] {
        let ledger = s.client_ledger("M00001").unwrap();
        assert_eq!(
            ledger.client_balance_pence,
            60_00 - 50_00 - 40_00,
            "both payments"
        );
        assert_eq!(
            ledger
                .lines
                .iter()
                .filter(|l| l.what.contains("payment"))
                .count(),
            2
        );
        assert_eq!(s.list_notes("M00001").unwrap().len(), 1);
        let ledgers: i64 = s
            .client_balances()
            .unwrap()
            .iter()
            .map(|r| r.balance_pence)
            .sum();
        let book = s.cash_book("client", "", "").unwrap();
        assert_eq!(ledgers, book.balance_pence, "money is conserved");
    }
    // The overdraft is logged where the merge found it (each device found it on merging),
    // and once the devices' firm documents meet, it is one breach on both.
    for s in [&a, &b] {
        let breaches = s.registers().unwrap().breaches;
        assert!(
            breaches
                .iter()
                .any(|x| x.description.contains("M00001 overdrawn by £30.00")),
            "{breaches:?}"
        );
    }
    let (firm_a, firm_b) = (everything(&a), everything(&b));
    a.merge_documents(&firm_b).unwrap();
    b.merge_documents(&firm_a).unwrap();
    for s in [&a, &b] {
        let breaches = s.registers().unwrap().breaches;
        assert_eq!(
            breaches
                .iter()
                .filter(|x| x.description.contains("M00001 overdrawn"))
                .count(),
            1,
            "{breaches:?}"
        );
    }
    // Merging what is already here changes nothing.
    assert_eq!(a.merge_documents(&everything(&b)).unwrap(), 0);
    // The same documents on both: a second exchange brings nothing new either way.
    let (again_a, again_b) = (everything(&a), everything(&b));
    b.merge_documents(&again_a).unwrap();
    a.merge_documents(&again_b).unwrap();
    assert_eq!(
        a.client_ledger("M00001").unwrap(),
        b.client_ledger("M00001").unwrap()
    );
}

/// The firm server binary, built beside these tests by `cargo test --workspace`.
fn server_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("satchel-server");
    assert!(
        bin.exists(),
        "{} is missing: build the workspace (cargo test --workspace builds it)",
        bin.display()
    );
    bin
}

/// A firm server on 127.0.0.1 with a partner and two one-time codes; killed when dropped.
struct TestServer {
    child: std::process::Child,
    address: String,
    fingerprint: String,
    codes: Vec<String>,
    bin: std::path::PathBuf,
    dir: tempfile::TempDir,
}

impl TestServer {
    /// A user of the firm on the server (as the administrator adds them).
    fn add_user(&self, name: &str, initials: &str, role: &str) {
        self.admin(&[
            "user",
            "add",
            "--name",
            name,
            "--initials",
            initials,
            "--role",
            role,
        ]);
    }

    /// Someone new in the firm on their own laptop: added as a user on the server and in
    /// `a`'s firm document (synced), then their device joined from nothing with an
    /// enrolment code. Returns the new store's folder, its keyring and the store.
    fn join_as(
        &self,
        a: &mut Satchel,
        vault: &MemoryVault,
        (name, initials, role): (&str, &str, &str),
    ) -> (tempfile::TempDir, MemoryVault, Satchel) {
        self.add_user(name, initials, role);
        a.add_user(name, initials, role, "").unwrap();
        a.sync_now(vault).unwrap();
        let code = self.admin(&["enrol-code", "--user", initials]);
        let dir = tempfile::tempdir().unwrap();
        let keyring = MemoryVault::default();
        let first = name.split_whitespace().next().unwrap_or(name);
        let device_name = format!("{first}'s laptop");
        let b = Satchel::join(
            &dir.path().join("data"),
            &keyring,
            &Join {
                address: &self.address,
                fingerprint: &self.fingerprint,
                code: &code,
                device_name: &device_name,
                passphrase: "correct horse battery staple",
            },
            cheap(),
        )
        .unwrap();
        (dir, keyring, b)
    }

    /// An administrator's command on the running server's data.
    fn admin(&self, args: &[&str]) -> String {
        let out = std::process::Command::new(&self.bin)
            .arg("--data-dir")
            .arg(self.dir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn test_server() -> TestServer {
    test_server_with(&[])
}

/// [`test_server`], served with more options (`--number-block 4`).
fn test_server_with(serve: &[&str]) -> TestServer {
    use std::io::BufRead;
    let bin = server_binary();
    let dir = tempfile::tempdir().unwrap();
    let admin = |args: &[&str]| -> String {
        let out = std::process::Command::new(&bin)
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    admin(&[
        "user",
        "add",
        "--name",
        "Jane Hale",
        "--initials",
        "JH",
        "--role",
        "partner",
    ]);
    let codes = vec![
        admin(&["enrol-code", "--user", "JH"]),
        admin(&["enrol-code", "--user", "JH"]),
    ];
    let mut child = std::process::Command::new(&bin)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(serve)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut address, mut fingerprint) = (String::new(), String::new());
    while address.is_empty() || fingerprint.is_empty() {
        let line = lines.next().unwrap().unwrap();
        if let Some(a) = line.strip_prefix("listening on ") {
            address = a.to_owned();
        }
        if let Some(f) = line.strip_prefix("certificate fingerprint (SHA-256) ") {
            fingerprint = f.to_owned();
        }
    }
    TestServer {
        child,
        address,
        fingerprint,
        codes,
        bin,
        dir,
    }
}

/// A field two devices set apart keeps both values after they merge: the matter shows
/// both, the same one shown on each device; choosing one is a change that, once merged,
/// leaves one value on both, and the projection follows.
#[test]
fn a_field_set_apart_on_two_devices_shows_both_values_until_one_is_chosen() {
    let vault = MemoryVault::default();
    let (_da, mut a) = new_store(&vault);
    open_matter(&mut a, "Ann Lee");
    a.add_user("Alan Bird", "AB", "fee_earner", "").unwrap();
    a.add_user("Cara Dunn", "CD", "fee_earner", "").unwrap();
    let (_db, mut b) = second_device(&vault, &a);
    let details = |who: &str| satchel_api::MatterDetailsRequest {
        matter: "M00001".into(),
        practice_area: None,
        fee_earner: Some(who.into()),
        supervisor: None,
    };
    a.set_matter_details(&details("AB")).unwrap();
    b.set_matter_details(&details("CD")).unwrap();
    assert!(
        a.matter_conflicts("M00001").unwrap().is_empty(),
        "none before merging"
    );
    let (from_a, from_b) = (everything(&a), everything(&b));
    a.merge_documents(&from_b).unwrap();
    b.merge_documents(&from_a).unwrap();
    let on_a = a.matter_conflicts("M00001").unwrap();
    assert_eq!(
        on_a,
        b.matter_conflicts("M00001").unwrap(),
        "the same on both"
    );
    assert_eq!(on_a.len(), 1, "{on_a:?}");
    let c = &on_a[0];
    assert_eq!(
        (c.field.as_str(), c.label.as_str()),
        ("fee_earner", "Fee earner")
    );
    let mut values = c.values.clone();
    values.sort();
    assert_eq!(values, ["Alan Bird (AB)", "Cara Dunn (CD)"]);
    let shown = a.matter("M00001").unwrap().fee_earner;
    assert_eq!(
        shown,
        b.matter("M00001").unwrap().fee_earner,
        "both devices show the same value"
    );
    // A chooses the value not shown; once merged, B has one value, the chosen one.
    let other = 1 - c.showing;
    let want = if c.values[other as usize].contains("(AB)") {
        "AB"
    } else {
        "CD"
    };
    let err = a
        .resolve_conflict(&satchel_api::ResolveConflictRequest {
            matter: "M00001".into(),
            field: "fee_earner".into(),
            choice: 7,
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("one of the 2 values"), "{err}");
    let left = a
        .resolve_conflict(&satchel_api::ResolveConflictRequest {
            matter: "M00001".into(),
            field: "fee_earner".into(),
            choice: other,
        })
        .unwrap();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(a.matter("M00001").unwrap().fee_earner, want);
    b.merge_documents(&everything(&a)).unwrap();
    assert!(b.matter_conflicts("M00001").unwrap().is_empty());
    assert_eq!(b.matter("M00001").unwrap().fee_earner, want);
    let err = b
        .resolve_conflict(&satchel_api::ResolveConflictRequest {
            matter: "M00001".into(),
            field: "fee_earner".into(),
            choice: 0,
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("nothing to choose"), "{err}");
}

/// A document fetched whole must name itself as the id it came under: another document
/// sent under that id is refused and nothing of the merge is kept; rightly named, it
/// arrives.
#[test]
fn a_fetched_document_must_be_the_one_asked_for() {
    let vault = MemoryVault::default();
    let (_da, mut a) = books_store(&vault);
    let (_db, mut b) = second_device(&vault, &a);
    let elm = a
        .create_contact(&contact("organisation", "Elm Lettings Limited"))
        .unwrap();
    let bytes = a.replica_of(&elm.id).unwrap().bytes;
    let other = a.matter("M00002").unwrap().id;
    let err = b
        .merge_documents_with(
            &[],
            crate::Fetched::all(vec![(satchel_sync::repo_id(&other), bytes.clone())]),
            &|_, _| true,
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not say what it is"), "{err}");
    let elm_on = |s: &Satchel| {
        s.list_contacts(None)
            .unwrap()
            .iter()
            .any(|c| c.name == "Elm Lettings Limited")
    };
    assert!(!elm_on(&b));
    // A fetch that fails part way (the server gone while the merge reads what came):
    // the merge is refused and what came before the failure is not kept either.
    let err = b
        .merge_documents_with(
            &[],
            crate::Fetched {
                asked: 2,
                docs: Box::new(
                    vec![
                        Ok((satchel_sync::repo_id(&elm.id), bytes.clone())),
                        Err(crate::AppError::Document("the server went away".into())),
                    ]
                    .into_iter(),
                ),
            },
            &|_, _| true,
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("the server went away"), "{err}");
    assert!(!elm_on(&b));
    let merged = b
        .merge_documents_with(
            &[],
            crate::Fetched::all(vec![(satchel_sync::repo_id(&elm.id), bytes)]),
            &|_, _| true,
        )
        .unwrap();
    assert_eq!(
        merged,
        crate::Merged {
            changed: 1,
            arrived: 1
        }
    );
    assert!(elm_on(&b));
}

/// A merge of more than a thousand documents new to the store (a first sync) writes them
/// with the bulk tables' indexes dropped, and makes the indexes again: every row arrives,
/// every index is there after, and what reads through them (search, ledgers) works.
#[test]
fn a_large_merge_of_new_documents_keeps_every_row_and_every_index() {
    let vault = MemoryVault::default();
    let (_da, mut a) = books_store(&vault);
    a.record_time(&time("M00001", "1:30", true)).unwrap();
    a.add_note(&satchel_api::NewNoteRequest {
        matter: "M00002".into(),
        kind: "file".into(),
        title: "Completion".into(),
        body: "Keys released at noon".into(),
    })
    .unwrap();
    a.record_posting(&money_req("payment", "M00001", "client", "20.00"))
        .unwrap();
    for i in 0..1_001 {
        a.create_contact(&contact("person", &format!("Client Number{i}")))
            .unwrap();
    }
    let party = a
        .create_contact(&contact("organisation", "Elm Lettings Limited"))
        .unwrap();
    a.add_party(&satchel_api::AddPartyRequest {
        matter: "M00001".into(),
        contact_id: party.id.clone(),
        role: "other_side".into(),
    })
    .unwrap();
    let (_db, mut b) = new_store(&vault);
    let indexes = |s: &Satchel| count(s, "SELECT count(*) FROM sqlite_master WHERE type = 'index'");
    let before = indexes(&b);
    let replicas = everything(&a);
    assert!(replicas.len() > 1_000);
    // A matter naming a party whose contact did not come: refused, nothing kept.
    let without: Vec<crate::Replica> = replicas
        .iter()
        .filter(|r| r.doc_id != party.id)
        .cloned()
        .collect();
    let err = b.merge_documents(&without).unwrap_err().to_string();
    assert!(err.contains("refer to records that did not come"), "{err}");
    assert_eq!(count(&b, "SELECT count(*) FROM contacts"), 0);
    assert_eq!(indexes(&b), before);
    assert_eq!(
        count(&b, "PRAGMA foreign_keys"),
        1,
        "references checked again"
    );
    let journal = |s: &Satchel| -> String {
        s.store
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(journal(&b), "wal", "back to the write-ahead log");
    assert_eq!(b.merge_documents(&replicas).unwrap(), replicas.len());
    assert_eq!(indexes(&b), before, "every index made again");
    assert_eq!(count(&b, "PRAGMA foreign_keys"), 1);
    assert_eq!(journal(&b), "wal");
    assert!(
        !b.data_dir().join("satchel.db-journal").exists(),
        "no rollback journal left behind"
    );
    for table in [
        "contacts",
        "matters",
        "time_entries",
        "notes",
        "postings",
        "posting_moves",
        "search_docs",
    ] {
        let sql = format!("SELECT count(*) FROM {table}");
        assert_eq!(count(&b, &sql), count(&a, &sql), "{table}");
    }
    let hits = b.search("Number1000").unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(
        b.client_ledger("M00001").unwrap().client_balance_pence,
        a.client_ledger("M00001").unwrap().client_balance_pence
    );
    assert!(b.list_notes("M00002").unwrap().len() == 1);
}

/// A whole document read in one pass (`read_whole`: what a first sync reads a firm's
/// documents with) is the same value autosurgeon reads field by field — for every kind of
/// document, with entries of every sort — and a document of the first schema, without the
/// fields added since, reads with the same defaults.
#[test]
fn a_document_read_whole_is_the_same_as_read_field_by_field() {
    fn same<T>(doc: &mut automerge::AutoCommit)
    where
        T: autosurgeon::Hydrate + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let by_field: T = autosurgeon::hydrate(doc).unwrap();
        let whole: T = docs::read_whole(doc.document()).unwrap();
        assert_eq!(whole, by_field);
    }
    let vault = MemoryVault::default();
    let (_d, mut s) = books_store(&vault);
    let today = satchel_core::dates::london_date(Timestamp::now()).to_string();
    s.record_time(&time("M00001", "1:30", true)).unwrap();
    s.add_note(&satchel_api::NewNoteRequest {
        matter: "M00001".into(),
        kind: "attendance".into(),
        title: "Call".into(),
        body: "Client called".into(),
    })
    .unwrap();
    s.record_posting(&satchel_api::PostingRequest {
        reference: "BACS 1182".into(),
        ..money_req("receipt", "M00001", "client", "500.00")
    })
    .unwrap();
    s.record_posting(&money_req("payment", "M00001", "client", "20.00"))
        .unwrap();
    s.create_contact(&contact("organisation", "Elm Lettings Limited"))
        .unwrap();
    s.import_statement(
        "client",
        "nov.ofx",
        &ofx(&today, &[("T1", "500.00", "P SHAH", "BACS 1182")], "600.00"),
        None,
    )
    .unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    for (id, kind) in s.document_ids().unwrap() {
        let mut doc = docs::load(s.store.conn(), &id).unwrap().unwrap();
        match kind.as_str() {
            docs::KIND_MATTER => same::<docs::MatterDoc>(&mut doc),
            docs::KIND_CONTACT => same::<docs::ContactDoc>(&mut doc),
            docs::KIND_FIRM => same::<docs::FirmDoc>(&mut doc),
            docs::KIND_BANK => same::<docs::BankDoc>(&mut doc),
            docs::KIND_STATEMENTS => same::<docs::StatementsDoc>(&mut doc),
            other => panic!("a document of kind {other}"),
        }
        kinds.insert(kind);
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["bank", "contact", "firm", "matter", "statements"]
    );
    // The first schema's matter: the later lists empty, the later options none.
    let mut old = automerge::AutoCommit::new();
    for (k, v) in [
        ("kind", "matter"),
        ("id", "01a0"),
        ("client_name", "Ann Lee"),
        ("description", "Sale"),
        ("opened", "2019-04-01"),
        ("status", "open"),
        ("opened_by", "u1"),
    ] {
        automerge::transaction::Transactable::put(&mut old, automerge::ROOT, k, v).unwrap();
    }
    automerge::transaction::Transactable::put(&mut old, automerge::ROOT, "schema", 1_u64).unwrap();
    automerge::transaction::Transactable::put(&mut old, automerge::ROOT, "number", 7_u64).unwrap();
    same::<docs::MatterDoc>(&mut old);
    let read: docs::MatterDoc = docs::read_whole(old.document()).unwrap();
    assert!(read.time.is_empty() && read.practice_area.is_none());
}

/// After its first sync a device sends only the documents changed on it since, and takes
/// from the server only those changed there: nothing changed, nothing sent or merged; a
/// note is one document sent (the changes waiting count it until then); another device's
/// change arrives though this device changed nothing.
#[test]
fn a_sync_after_the_first_sends_and_takes_only_what_changed() {
    let server = test_server();
    let vault = MemoryVault::default();
    let vault_b = MemoryVault::default();
    let (_da, mut a) = books_store(&vault);
    let (_db, mut b) = second_device(&vault, &a);
    for (s, v, code, name) in [
        (&mut a, &vault, &server.codes[0], "laptop"),
        (&mut b, &vault_b, &server.codes[1], "desktop"),
    ] {
        s.enrol_device(v, &server.address, &server.fingerprint, code, name)
            .unwrap();
    }
    let held = a.document_ids().unwrap().len() as u64;
    assert_eq!(a.sync_backlog().unwrap().1, held, "nothing sent yet");
    let first = a.sync_now(&vault).unwrap();
    assert_eq!(first.documents, held, "a first sync sends everything");
    assert_eq!(a.sync_backlog().unwrap().1, 0);
    b.sync_now(&vault_b).unwrap();
    let quiet = a.sync_now(&vault).unwrap();
    assert_eq!(
        (quiet.documents, quiet.changed_here, quiet.arrived),
        (0, 0, 0),
        "{quiet:?}"
    );

    b.add_note(&satchel_api::NewNoteRequest {
        matter: "M00001".into(),
        kind: "file".into(),
        title: "Completion".into(),
        body: "Client called about the completion date".into(),
    })
    .unwrap();
    assert_eq!(b.sync_backlog().unwrap().1, 1, "one document waiting");
    let sent = b.sync_now(&vault_b).unwrap();
    assert_eq!(sent.documents, 1, "{sent:?}");
    assert_eq!(b.sync_backlog().unwrap().1, 0);
    let got = a.sync_now(&vault).unwrap();
    assert_eq!((got.documents, got.changed_here), (0, 1), "{got:?}");
    assert_eq!(a.list_notes("M00001").unwrap().len(), 1);
    assert_eq!(a.sync_backlog().unwrap().1, 0, "what came is not waiting");
    // A server restored from an older backup does not know where A's last sync left
    // off: A's next sync is a full one again.
    a.store
        .conn()
        .execute(
            "UPDATE meta SET value = json_set(value, '$.changes', 1000000) WHERE key = 'server_cursor'",
            [],
        )
        .unwrap();
    a.sync_now(&vault).unwrap();
    let full = a.sync_now(&vault).unwrap();
    assert_eq!(
        full.documents,
        a.document_ids().unwrap().len() as u64,
        "{full:?}"
    );
    assert_eq!(
        a.sync_now(&vault).unwrap().documents,
        0,
        "and in step after it"
    );
}

/// A store enrolled before the firm server gave out numbers still holds its whole
/// standalone series: at its next sync it tells the server, once, which it keeps (cut as at
/// enrolment), and a device joining later is given numbers after them.
#[test]
fn a_store_enrolled_before_numbers_were_given_out_tells_the_server_once() {
    let server = test_server();
    let vault = MemoryVault::default();
    let (_da, mut a) = books_store(&vault);
    a.enrol_device(
        &vault,
        &server.address,
        &server.fingerprint,
        &server.codes[0],
        "laptop",
    )
    .unwrap();
    // As an older version left it: the whole series, 4,999 numbers given out, nothing told.
    a.store
        .conn()
        .execute_batch(
            "DELETE FROM number_blocks;
             INSERT INTO number_blocks (first, last, next) VALUES (1, 99999, 5000);
             DELETE FROM meta WHERE key = 'server_numbers_kept';",
        )
        .unwrap();
    a.sync_now(&vault).unwrap();
    let kept = [(1, 4_999, 5_000), (5_000, 5_999, 5_000)];
    assert_eq!(a.number_blocks().unwrap(), kept);
    a.sync_now(&vault).unwrap();
    assert_eq!(
        a.number_blocks().unwrap(),
        kept,
        "told once; 1,000 left is not low"
    );
    let (_db, _, b) = server.join_as(&mut a, &vault, ("Cara Dunn", "CD", "fee_earner"));
    assert_eq!(b.number_blocks().unwrap(), [(6_000, 6_199, 6_000)]);
}

/// A fee earner's new laptop joins the firm from nothing: with the server's address, the
/// fingerprint and a code it gets the firm's records and its user; it then receives what it
/// was granted, and its work reaches the partner. A store set up apart from the firm is not
/// let in (the code is kept), and joining a server with no firm yet says what to do.
#[test]
fn a_new_device_joins_the_firm_and_works_on_what_it_is_granted() {
    let server = test_server_with(&["--number-block", "4"]);
    let vault = MemoryVault::default();
    let (_da, mut a) = books_store(&vault);
    let dir_b = tempfile::tempdir().unwrap();
    let vault_b = MemoryVault::default();
    fn join<'a>(server: &'a TestServer, code: &'a str) -> Join<'a> {
        Join {
            address: &server.address,
            fingerprint: &server.fingerprint,
            code,
            device_name: "Cara's laptop",
            passphrase: "correct horse battery staple",
        }
    }
    server.add_user("Cara Dunn", "CD", "fee_earner");
    let code_b = server.admin(&["enrol-code", "--user", "CD"]);
    let err = Satchel::join(
        &dir_b.path().join("data"),
        &vault_b,
        &join(&server, &code_b),
        cheap(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("holds no firm yet"), "{err}");

    // The partner's device enrols: its store's firm document becomes the firm's.
    a.enrol_device(
        &vault,
        &server.address,
        &server.fingerprint,
        &server.codes[0],
        "laptop",
    )
    .unwrap();
    // A store set up apart (another firm document) is refused, its code kept.
    let (_dc, mut c) = new_store(&MemoryVault::default());
    let err = c
        .enrol_device(
            &MemoryVault::default(),
            &server.address,
            &server.fingerprint,
            &server.codes[1],
            "stray",
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("another firm's documents"), "{err}");

    a.add_user("Cara Dunn", "CD", "fee_earner", "").unwrap();
    a.sync_now(&vault).unwrap();
    let b_path = dir_b.path().join("data");
    let mut b = Satchel::join(&b_path, &vault_b, &join(&server, &code_b), cheap()).unwrap();
    assert_eq!(b.session().firm_name, a.session().firm_name);
    assert_eq!(b.session().initials, "CD", "the firm's own record of them");
    assert!(b.list_matters().unwrap().is_empty());
    // Nothing is granted yet: the firm's records only.
    b.sync_now(&vault_b).unwrap();
    assert!(b.list_matters().unwrap().is_empty());
    assert!(
        b.list_bank_accounts().unwrap().len() == 2,
        "the firm's accounts came"
    );
    // Granted M00001, the next sync brings it; time recorded there reaches the partner.
    let m = a.matter("M00001").unwrap();
    let id = satchel_sync::repo_id(&m.id).to_string();
    server.admin(&["grant", "--user", "CD", "--doc", &id, "--access", "edit"]);
    std::thread::sleep(std::time::Duration::from_millis(1200));
    let r = b.sync_now(&vault_b).unwrap();
    assert_eq!(r.arrived, 1, "{r:?}");
    assert_eq!(b.list_matters().unwrap().len(), 1);
    b.record_time(&time("M00001", "0:30", true)).unwrap();
    b.sync_now(&vault_b).unwrap();
    a.sync_now(&vault).unwrap();
    let on_a = a.list_time("M00001").unwrap();
    assert!(on_a.iter().any(|t| t.fee_earner == "CD"), "{on_a:?}");
    // A contact CD adds is a new document of theirs: claimed, it reaches the firm.
    b.create_contact(&contact("organisation", "Elm Lettings Limited"))
        .unwrap();
    b.sync_now(&vault_b).unwrap();
    a.sync_now(&vault).unwrap();
    assert!(
        a.list_contacts(None)
            .unwrap()
            .iter()
            .any(|c| c.name == "Elm Lettings Limited"),
        "the fee earner's new contact reached the partner"
    );
    // Numbers: the partner's store kept its series up to 1,000 past what it had given
    // out; the new device was given a block after that, and is given another when it
    // runs low — matters opened apart never share a number.
    assert_eq!(
        a.number_blocks().unwrap(),
        [(1, 2, 3), (3, 1_002, 3)],
        "the numbers given out, then the 1,000 kept"
    );
    assert_eq!(b.number_blocks().unwrap(), [(1_003, 1_006, 1_003)]);
    let opened: Vec<String> = ["Dan Elms", "Eve Ford", "Finn Gray"]
        .iter()
        .map(|client| b.create_matter(&matter(client, "Lease")).unwrap().number)
        .collect();
    assert_eq!(opened, ["M01003", "M01004", "M01005"]);
    let on_a = a.create_matter(&matter("Gail Hart", "Probate")).unwrap();
    assert_eq!(on_a.number, "M00003");
    b.sync_now(&vault_b).unwrap();
    assert_eq!(
        b.number_blocks().unwrap(),
        [(1_003, 1_006, 1_006), (1_007, 1_010, 1_007)],
        "a quarter left: another block"
    );
    a.sync_now(&vault).unwrap();
    let mut on_a: Vec<String> = a
        .list_matters()
        .unwrap()
        .into_iter()
        .map(|m| m.number)
        .collect();
    on_a.sort();
    assert_eq!(
        on_a,
        ["M00001", "M00002", "M00003", "M01003", "M01004", "M01005"],
        "every matter reached the partner, each under its own number"
    );
    // And it opens again from its keyring.
    drop(b);
    let b = Satchel::open(&b_path, &vault_b, Unlock::Keyring).unwrap();
    assert_eq!(b.session().initials, "CD");
}

/// Two devices of the firm (headless app instances) enrol with a real firm server over TLS
/// on loopback, work apart — each pays out of the same ledger what together would
/// overdraw it, one adds a note — and sync: the server confirms the first payment and
/// refuses the second with the reason, both devices end with the same ledger and the note,
/// money conserved, no breach. A device cannot enrol twice, and a dead server is reported
/// in words.
#[test]
fn two_devices_sync_their_work_through_the_firm_server() {
    let server = test_server();
    let vault = MemoryVault::default();
    let (_da, mut a) = books_store(&vault);
    let (_db, mut b) = second_device(&vault, &a);
    // Each device keeps its own device key (B's keyring is another machine's).
    let vault_b = MemoryVault::default();
    let on_a = a
        .enrol_device(
            &vault,
            &server.address,
            &server.fingerprint,
            &server.codes[0],
            "laptop",
        )
        .unwrap();
    b.enrol_device(
        &vault_b,
        &server.address,
        &server.fingerprint,
        &server.codes[1],
        "desktop",
    )
    .unwrap();
    assert_eq!(a.server_settings().unwrap(), Some(on_a.clone()));
    let err = a
        .enrol_device(
            &vault,
            &server.address,
            &server.fingerprint,
            &server.codes[1],
            "again",
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("enrolled with"), "{err}");

    // Apart, A pays £50 and B £40 out of the £60 on the ledger: each is pending, counted
    // against what is available on its own device at once.
    let paid_a = a
        .record_posting(&money_req("payment", "M00001", "client", "50.00"))
        .unwrap();
    let paid_b = b
        .record_posting(&money_req("payment", "M00001", "client", "40.00"))
        .unwrap();
    assert_eq!(
        (paid_a.state.as_str(), paid_b.state.as_str()),
        ("pending", "pending")
    );
    assert_eq!(a.client_ledger("M00001").unwrap().available_pence, 10_00);
    let receipt = a
        .record_posting(&money_req("receipt", "M00002", "client", "5.00"))
        .unwrap();
    assert_eq!(receipt.state, "confirmed", "receipts apply at once");
    b.add_note(&satchel_api::NewNoteRequest {
        matter: "M00001".into(),
        kind: "file".into(),
        title: "Completion".into(),
        body: "Client called about the completion date".into(),
    })
    .unwrap();
    let first = a.sync_now(&vault).unwrap();
    assert_eq!(first.not_shared, 0);
    assert!(first.documents >= 3, "{first:?}");
    let second = b.sync_now(&vault_b).unwrap();
    assert!(second.changed_here >= 1, "A's payment came: {second:?}");
    // The server answers in the order recorded: A's payment confirmed, B's refused (it
    // would overdraw the ledger), and both answers reach both devices.
    let answered = |s: &Satchel| {
        let state = |id: &str| s.posting(id).map(|p| p.state).unwrap_or_default();
        state(&paid_a.id) == "confirmed" && state(&paid_b.id) == "refused"
    };
    for (s, v) in [(&mut a, &vault), (&mut b, &vault_b)] {
        let mut tries = 0;
        while !answered(s) {
            tries += 1;
            assert!(tries < 50, "the server answered within 10 s");
            std::thread::sleep(std::time::Duration::from_millis(200));
            s.sync_now(v).unwrap();
        }
    }
    for s in [&a, &b] {
        let ledger = s.client_ledger("M00001").unwrap();
        assert_eq!(
            (ledger.client_balance_pence, ledger.available_pence),
            (10_00, 10_00)
        );
        assert_eq!(ledger.refused.len(), 1, "{:?}", ledger.refused);
        let why = ledger.refused[0].refused_reason.clone().unwrap_or_default();
        assert!(
            why.contains("£10.00"),
            "the reason names what was available: {why}"
        );
        assert_eq!(ledger.refused[0].amount_pence, 40_00);
        assert_eq!(s.list_notes("M00001").unwrap().len(), 1);
        let ledgers: i64 = s
            .client_balances()
            .unwrap()
            .iter()
            .map(|r| r.balance_pence)
            .sum();
        assert_eq!(
            ledgers,
            s.cash_book("client", "", "").unwrap().balance_pence
        );
        assert!(
            !s.registers()
                .unwrap()
                .breaches
                .iter()
                .any(|x| x.description.contains("M00001")),
            "no ledger went overdrawn"
        );
    }

    // A new matter opened on A (its own new documents) reaches B, which never held it.
    let before = b.status().unwrap().matters;
    open_matter(&mut a, "Carol King");
    a.sync_now(&vault).unwrap();
    let arrived = b.sync_now(&vault_b).unwrap();
    assert!(arrived.arrived >= 1, "{arrived:?}");
    assert_eq!(b.status().unwrap().matters, before + 1);
    assert!(
        b.list_matters()
            .unwrap()
            .iter()
            .any(|m| m.client_name == "Carol King")
    );

    // B is revoked: its next sync says so, and its keys leave its keyring; A's stay.
    let install = b.install_id().to_owned();
    vault_b
        .save(&install, &vault.load(&install).unwrap().unwrap())
        .unwrap();
    let on_b = b.server_settings().unwrap().unwrap();
    server.admin(&["device", "revoke", &on_b.device_id]);
    let err = b.sync_now(&vault_b).unwrap_err().to_string();
    assert!(err.contains("revoked"), "{err}");
    assert!(
        vault_b.load(&install).unwrap().is_none(),
        "B's store key removed"
    );
    assert!(
        vault_b
            .load(&crate::vault::device_key_slot(&install))
            .unwrap()
            .is_none(),
        "B's device key removed"
    );
    assert!(
        vault.load(&install).unwrap().is_some(),
        "A's keyring untouched"
    );

    drop(server);
    let err = a.sync_now(&vault).unwrap_err().to_string();
    assert!(err.contains("cannot be reached"), "{err}");
}

/// One thing a device does apart: (device, matter 1 or 2, receipt or payment, pounds), or a
/// note on a matter.
#[derive(Debug, Clone)]
enum Apart {
    Money(usize, u8, bool, u16),
    Note(usize, u8),
}

fn apart() -> impl proptest::strategy::Strategy<Value = Apart> {
    use proptest::prelude::*;
    prop_oneof![
        3 => (0..3usize, 1..=2u8, any::<bool>(), 1..80u16)
            .prop_map(|(d, m, r, p)| Apart::Money(d, m, r, p)),
        1 => (0..3usize, 1..=2u8).prop_map(|(d, m)| Apart::Note(d, m)),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 12,
        .. proptest::prelude::ProptestConfig::default()
    })]

    /// Three devices of one firm do random work apart (receipts and payments, each allowed
    /// where it is made, and notes), then merge every document with each other: all three
    /// hold the same ledgers, postings and notes, every posting once; money is conserved
    /// (Σ client ledgers = client cash book, each device's own postings all there), and a
    /// ledger the merge overdraws shows its debit balance.
    #[test]
    fn three_devices_converge_and_money_is_conserved(work in proptest::collection::vec(apart(), 1..12)) {
        let vault = MemoryVault::default();
        let (_d0, first) = books_store(&vault);
        let (_d1, second) = second_device(&vault, &first);
        let (_d2, third) = second_device(&vault, &first);
        let mut devices = [first, second, third];
        let mut accepted = 0usize;
        // What each ledger must hold after the merge: its opening balance and every
        // accepted posting, worked out here apart from the app.
        let mut expected = [60_00i64, 40_00];
        for w in &work {
            match w {
                Apart::Money(d, m, receipt, pounds) => {
                    let kind = if *receipt { "receipt" } else { "payment" };
                    let req = money_req(kind, &format!("M0000{m}"), "client", &format!("{pounds}.00"));
                    if devices[*d].record_posting(&req).is_ok() {
                        accepted += 1;
                        let pence = i64::from(*pounds) * 100;
                        expected[usize::from(*m) - 1] += if *receipt { pence } else { -pence };
                    }
                }
                Apart::Note(d, m) => {
                    devices[*d]
                        .add_note(&satchel_api::NewNoteRequest {
                            matter: format!("M0000{m}"),
                            kind: "file".into(),
                            title: "Note".into(),
                            body: "Worked on apart".into(),
                        })
                        .unwrap();
                }
            }
        }
        let notes = work.iter().filter(|w| matches!(w, Apart::Note(..))).count();
        // Everyone's documents to everyone (twice round, so what came from one reaches all).
        for _ in 0..2 {
            for from in 0..3 {
                let replicas = everything(&devices[from]);
                for (to, device) in devices.iter_mut().enumerate() {
                    if to != from {
                        device.merge_documents(&replicas).unwrap();
                    }
                }
            }
        }
        let view = |s: &Satchel| {
            let ledgers: Vec<_> = ["M00001", "M00002"]
                .iter()
                .map(|m| s.client_ledger(m).unwrap())
                .collect();
            let notes = s.list_notes("M00001").unwrap().len() + s.list_notes("M00002").unwrap().len();
            (ledgers, notes)
        };
        let (ledgers, held_notes) = view(&devices[0]);
        proptest::prop_assert_eq!(held_notes, notes);
        let postings: usize = ledgers
            .iter()
            .map(|l| l.lines.iter().filter(|x| !x.posting_id.is_empty()).count())
            .sum();
        proptest::prop_assert_eq!(postings, accepted, "every accepted posting, once");
        let balances: Vec<i64> = ledgers.iter().map(|l| l.client_balance_pence).collect();
        proptest::prop_assert_eq!(balances, expected.to_vec(), "debit balances shown, not hidden");
        for s in &devices[1..] {
            proptest::prop_assert_eq!(&view(s), &(ledgers.clone(), held_notes));
        }
        for s in &devices {
            let total: i64 = s.client_balances().unwrap().iter().map(|r| r.balance_pence).sum();
            let book = s.cash_book("client", "", "").unwrap().balance_pence;
            proptest::prop_assert_eq!(total, book, "money is conserved");
        }
    }
}

/// A device joining a firm of more than a thousand documents fetches them while it merges
/// (`SyncJob::fetching`, batch by batch, from the real server): every document arrives,
/// the rows and indexes are whole, and the store is back on its write-ahead log.
#[test]
fn a_first_sync_of_thousands_fetches_them_as_it_merges() {
    let server = test_server();
    let vault = MemoryVault::default();
    let (_da, mut a) = books_store(&vault);
    for i in 0..1_001 {
        a.create_contact(&contact("person", &format!("Client Number{i}")))
            .unwrap();
    }
    a.record_time(&time("M00001", "1:30", true)).unwrap();
    a.enrol_device(
        &vault,
        &server.address,
        &server.fingerprint,
        &server.codes[0],
        "laptop",
    )
    .unwrap();
    let (_db, vault_b, mut b) = server.join_as(&mut a, &vault, ("Bill Pike", "BP", "partner"));
    let indexes = count(
        &b,
        "SELECT count(*) FROM sqlite_master WHERE type = 'index'",
    );
    let job = b.sync_job(&vault_b).unwrap();
    let got = job.run(&|_, _| {}).unwrap();
    let held = a.document_ids().unwrap().len();
    assert!(
        got.to_fetch.len() > crate::sync::STREAMED && got.fetched.is_empty(),
        "left to the merge: {} to fetch, {} fetched",
        got.to_fetch.len(),
        got.fetched.len()
    );
    let report = b.finish_sync(&vault_b, job, Ok(got)).unwrap();
    assert_eq!(report.arrived as usize, held - 1, "all but the firm's own");
    assert_eq!(b.document_ids().unwrap().len(), held);
    for sql in [
        "SELECT count(*) FROM contacts",
        "SELECT count(*) FROM matters",
        "SELECT count(*) FROM time_entries",
        "SELECT count(*) FROM posting_moves",
    ] {
        assert_eq!(count(&b, sql), count(&a, sql), "{sql}");
    }
    assert_eq!(
        count(
            &b,
            "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
        ),
        indexes,
        "every index made again"
    );
    let journal: String = b
        .store
        .conn()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "wal");
    assert_eq!(b.search("Number1000").unwrap().len(), 1);
    // And the next sync is a quiet one.
    let quiet = b.sync_now(&vault_b).unwrap();
    assert_eq!((quiet.documents, quiet.arrived), (0, 0), "{quiet:?}");
}

// ---- Backups ----

fn note(matter: &str, body: &str) -> satchel_api::NewNoteRequest {
    satchel_api::NewNoteRequest {
        matter: matter.into(),
        kind: "file".into(),
        title: "Attendance".into(),
        body: body.into(),
    }
}

/// Whether any file under `path` (or the file itself) holds `marker` in the clear.
fn holds_in_clear(path: &std::path::Path, marker: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let files: Vec<std::path::PathBuf> = if path.is_dir() {
        std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect()
    } else {
        vec![path.to_owned()]
    };
    for f in files {
        if f.is_dir() {
            found.extend(holds_in_clear(&f, marker));
        } else {
            let bytes = std::fs::read(&f).unwrap();
            if bytes.windows(marker.len()).any(|w| w == marker.as_bytes()) {
                found.push(f);
            }
        }
    }
    found
}

/// A backup is verified when written, holds nothing in the clear, and restores the store
/// as it was — after a safety backup of the store as it then is — and both are audited.
#[test]
fn a_backup_restores_the_store_as_it_was_after_a_safety_backup() {
    let vault = MemoryVault::default();
    let (_d, mut s) = books_store(&vault);
    let marker = format!("BACKUPMARKER{}", Uuid::now_v7().simple());
    s.add_note(&note("M00001", &format!("{marker} before")))
        .unwrap();
    let backup = s.backup(None, "manual", &|_, _| {}).unwrap();
    assert_eq!(backup.manifest.reason, "manual");
    assert_eq!(backup.manifest.counts["matters"], 2);
    assert!(backup.manifest.counts["audit_events"] > 0);
    assert_eq!(s.backups().unwrap(), vec![backup.clone()]);
    assert_eq!(
        holds_in_clear(&backup.path, &marker),
        Vec::<std::path::PathBuf>::new(),
        "the backup holds nothing in the clear"
    );
    // Work after the backup, which the restore takes back.
    s.add_note(&note("M00001", "after the backup")).unwrap();
    open_matter(&mut s, "Cy Twombly");
    assert_eq!(s.list_notes("M00001").unwrap().len(), 2);
    let data = s.data_dir().to_owned();
    drop(s);
    // What an earlier restore stopped part way left (the copy not yet renamed in): the
    // store was still the old one, and the next restore starts afresh.
    std::fs::write(data.join("satchel.db.restoring"), b"half a copy").unwrap();
    let restored =
        crate::backup::restore(&data, &vault, Unlock::Keyring, &backup.path, &|_, _| {}).unwrap();
    assert_eq!(restored.from, backup.manifest);
    let safety = crate::backup::read(restored.safety.as_deref().unwrap()).unwrap();
    assert_eq!(safety.manifest.reason, "before restore");
    assert_eq!(safety.manifest.counts["matters"], 3, "the store as it was");
    let mut s = Satchel::open(&data, &vault, Unlock::Keyring).unwrap();
    let notes = s.list_notes("M00001").unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].body.contains(&marker));
    assert_eq!(s.list_matters().unwrap().len(), 2);
    let actions: Vec<String> = s
        .store
        .conn()
        .prepare("SELECT action FROM audit_events ORDER BY at")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert!(actions.iter().any(|a| a == "backup.restore"), "{actions:?}");
    let report = s.verify().unwrap();
    assert!(report.chain_breaks.is_empty() && report.integrity_problems.is_empty());
    assert!(
        !data.join("satchel.db.restoring").exists(),
        "nothing left of the restore"
    );
}

/// A truncated or altered backup, or another firm's, is refused with a message that says
/// so, and the store is left exactly as it was.
#[test]
fn a_damaged_or_foreign_backup_is_refused_and_the_store_untouched() {
    let vault = MemoryVault::default();
    let (_d, mut s) = books_store(&vault);
    let backup = s.backup(None, "manual", &|_, _| {}).unwrap();
    s.add_note(&note("M00001", "kept whatever happens"))
        .unwrap();
    let data = s.data_dir().to_owned();
    drop(s);
    let db = backup.path.join("satchel.db");
    let original = std::fs::read(&db).unwrap();
    let restore = |from: &std::path::Path| {
        crate::backup::restore(&data, &vault, Unlock::Keyring, from, &|_, _| {})
            .unwrap_err()
            .to_string()
    };
    // Truncated by a page.
    std::fs::write(&db, &original[..original.len() - 4096]).unwrap();
    let err = restore(&backup.path);
    assert!(
        err.contains("is damaged") && err.contains("truncated"),
        "{err}"
    );
    // One byte changed in the middle.
    let mut altered = original.clone();
    let mid = altered.len() / 2;
    altered[mid] ^= 0x40;
    std::fs::write(&db, &altered).unwrap();
    let err = restore(&backup.path);
    assert!(err.contains("is damaged"), "{err}");
    // Not a backup at all.
    let err = restore(&data.join("nowhere"));
    assert!(err.contains("is not a Satchel backup"), "{err}");
    // Another firm's backup.
    let other_vault = MemoryVault::default();
    let (_o, mut other) = new_store(&other_vault);
    let foreign = other.backup(None, "manual", &|_, _| {}).unwrap();
    let err = restore(&foreign.path);
    assert!(err.contains("another firm"), "{err}");
    // The store is as it was: the note written after the backup is there, no safety
    // backup was needed, and it verifies.
    let mut s = Satchel::open(&data, &vault, Unlock::Keyring).unwrap();
    assert_eq!(s.list_notes("M00001").unwrap().len(), 1);
    assert_eq!(s.backups().unwrap().len(), 1, "no safety backup taken");
    assert!(s.verify().unwrap().integrity_problems.is_empty());
}

/// A backup folder that cannot be written is reported in words, and nothing is left of
/// the attempt.
#[test]
fn a_backup_folder_that_cannot_be_written_is_reported() {
    let vault = MemoryVault::default();
    let (d, mut s) = new_store(&vault);
    let file = d.path().join("not-a-folder");
    std::fs::write(&file, b"x").unwrap();
    let err = s
        .backup(Some(&file.join("backups")), "manual", &|_, _| {})
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Making the backup folder") && err.contains("the store was not changed"),
        "{err}"
    );
    assert!(s.backups().unwrap().is_empty());
}

/// Rotation keeps the six newest, the newest of each of the last seven days and of each
/// of the last four weeks, and removes the rest.
#[test]
fn rotation_keeps_the_recent_the_daily_and_the_weekly() {
    use crate::backup::{Keep, to_keep};
    // Every four hours for 40 days, ending at noon on Thursday 26 November 2026.
    let end: jiff::Timestamp = "2026-11-26T12:00:00Z".parse().unwrap();
    let times: Vec<jiff::Timestamp> = (0..240)
        .map(|i| end - jiff::SignedDuration::from_hours(4 * i))
        .collect();
    let kept = to_keep(&times, Keep::default());
    // The six newest are times[0..6]; they cover 26 and 25 November. The newest of each
    // of the seven days 26–20 November: 26 and 25 are in the six, so 24, 23, 22, 21, 20
    // add five. Weeks (ISO, Monday first): 23–29 Nov, 16–22 Nov (both kept already), then
    // 9–15 and 2–8 November add two.
    assert_eq!(kept.len(), 6 + 5 + 2, "{kept:?}");
    for i in 0..6 {
        assert!(kept.contains(&i));
    }
    let day = |i: usize| satchel_core::dates::london_date(times[i]).to_string();
    let mut days: Vec<String> = kept.iter().map(|&i| day(i)).collect();
    days.dedup();
    assert!(days.contains(&"2026-11-20".to_owned()));
    assert!(!days.contains(&"2026-11-19".to_owned()), "{days:?}");
    assert!(
        days.contains(&"2026-11-15".to_owned()),
        "newest of 9–15 November"
    );
    assert!(
        days.contains(&"2026-11-08".to_owned()),
        "newest of 2–8 November"
    );
    assert!(!days.iter().any(|d| d.as_str() < "2026-11-08"), "{days:?}");
    // Fewer backups than places: all kept.
    assert_eq!(to_keep(&times[..3], Keep::default()).len(), 3);
}

/// An exported archive holds nothing in the clear and opens on a new machine with the
/// recovery passphrase alone; a wrong passphrase is refused and creates nothing.
#[test]
fn an_archive_opens_on_a_new_machine_with_the_passphrase_alone() {
    let vault = MemoryVault::default();
    let (_d, mut s) = books_store(&vault);
    let marker = format!("ARCHIVEMARKER{}", Uuid::now_v7().simple());
    s.add_note(&note("M00002", &marker)).unwrap();
    let usb = tempfile::tempdir().unwrap();
    let archive = s.export_archive(usb.path(), &|_, _| {}).unwrap();
    assert!(
        archive
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("hale-co-solicitors-"),
        "{archive:?}"
    );
    assert_eq!(
        std::fs::read_dir(usb.path()).unwrap().count(),
        1,
        "the archive alone"
    );
    assert!(holds_in_clear(&archive, &marker).is_empty());
    let machine = tempfile::tempdir().unwrap();
    let data = machine.path().join("satchel");
    let fresh = MemoryVault::default();
    let err = crate::backup::restore(
        &data,
        &fresh,
        Unlock::Passphrase("not the passphrase at all"),
        &archive,
        &|_, _| {},
    )
    .unwrap_err();
    assert!(matches!(err, AppError::WrongPassphrase), "{err}");
    assert!(!data.join("satchel.db").exists());
    crate::backup::restore(
        &data,
        &fresh,
        Unlock::Passphrase(PASS),
        &archive,
        &|_, _| {},
    )
    .unwrap();
    let s2 = Satchel::open(&data, &fresh, Unlock::Keyring).unwrap();
    assert_eq!(s2.list_notes("M00002").unwrap()[0].body, marker);
    assert_eq!(s2.session().firm_name, "Hale & Co Solicitors");
    assert!(
        std::fs::read_dir(machine.path())
            .unwrap()
            .all(|e| e.unwrap().file_name() == "satchel"),
        "nothing left of unpacking"
    );
}

/// Backup settings: hours from 1 to 24, a folder given in full that Satchel can write to;
/// a backup is due when none was taken or the newest is older than the interval.
#[test]
fn backup_settings_are_checked_and_say_when_a_backup_is_due() {
    let vault = MemoryVault::default();
    let (d, mut s) = new_store(&vault);
    let set = |s: &mut Satchel, folder: &str, every_hours: u32| {
        s.set_backup_settings(&satchel_api::BackupSettings {
            folder: folder.into(),
            every_hours,
        })
    };
    let field = |e: AppError| match e {
        AppError::Invalid(i) => i.field,
        other => panic!("{other}"),
    };
    assert_eq!(field(set(&mut s, "", 0).unwrap_err()), "every_hours");
    assert_eq!(field(set(&mut s, "", 25).unwrap_err()), "every_hours");
    assert_eq!(field(set(&mut s, "usb/backups", 4).unwrap_err()), "folder");
    let file = d.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let err = set(&mut s, file.join("backups").to_str().unwrap(), 4).unwrap_err();
    assert!(err.to_string().contains("cannot write"), "{err}");
    assert_eq!(s.backup_every_hours().unwrap(), 4, "unchanged");
    assert_eq!(s.backup_folder().unwrap(), s.data_dir().join("backups"));

    let usb = d.path().join("usb");
    set(&mut s, usb.to_str().unwrap(), 2).unwrap();
    assert_eq!(s.backup_folder().unwrap(), usb);
    assert_eq!(s.backup_every_hours().unwrap(), 2);
    let now = jiff::Timestamp::now();
    assert!(s.backup_due_at(now).unwrap(), "none taken yet");
    let b = s.backup(None, "scheduled", &|_, _| {}).unwrap();
    assert!(b.path.starts_with(&usb));
    assert!(!s.backup_due_at(now).unwrap());
    let later = now + jiff::SignedDuration::from_hours(2) + jiff::SignedDuration::from_secs(5);
    assert!(s.backup_due_at(later).unwrap());
}

// ---- Keys ----

/// A rotated key re-encrypts the store: the old key opens nothing, the keyring and the
/// passphrase open it; backups from before open with the passphrase they were made with,
/// and restore under the new key.
#[test]
fn a_rotated_key_reencrypts_the_store_and_old_backups_still_restore() {
    let vault = MemoryVault::default();
    let (_d, mut s) = books_store(&vault);
    let before = s.backup(None, "manual", &|_, _| {}).unwrap();
    let old_key = s.key.clone();
    let err = s
        .rotate_key(&vault, "not the passphrase at all")
        .unwrap_err();
    assert!(matches!(err, AppError::WrongPassphrase), "{err}");
    assert!(s.key == old_key, "nothing changed");
    s.rotate_key(&vault, PASS).unwrap();
    assert!(s.key != old_key);
    s.add_note(&note("M00001", "after the new key")).unwrap();
    let data = s.data_dir().to_owned();
    let db = data.join("satchel.db");
    drop(s);
    assert!(!keys::next_envelope_path(&data).exists());
    assert!(matches!(
        satchel_store::Store::open_copy(&db, &old_key),
        Err(satchel_store::StoreError::WrongKey(_))
    ));
    let s = Satchel::open(&data, &vault, Unlock::Keyring).unwrap();
    assert_eq!(s.list_notes("M00001").unwrap().len(), 1);
    drop(s);
    let mut s = Satchel::open(&data, &MemoryVault::default(), Unlock::Passphrase(PASS)).unwrap();
    let after = s.backup(None, "manual", &|_, _| {}).unwrap();
    crate::backup::verify(&after, &s.key).unwrap();
    drop(s);
    // The backup from before the rotation: its own envelope, the passphrase.
    let err = crate::backup::restore(&data, &vault, Unlock::Keyring, &before.path, &|_, _| {})
        .unwrap_err();
    assert!(err.to_string().contains("made under another key"), "{err}");
    crate::backup::restore(
        &data,
        &vault,
        Unlock::Passphrase(PASS),
        &before.path,
        &|_, _| {},
    )
    .unwrap();
    let s = Satchel::open(&data, &vault, Unlock::Keyring).unwrap();
    assert!(
        s.list_notes("M00001").unwrap().is_empty(),
        "the store as backed up"
    );
    assert!(
        satchel_store::Store::open_copy(&db, &old_key).is_err(),
        "restored under the current key"
    );
}

/// A key change stopped part way leaves a store that opens: before the re-encryption,
/// with the old key (the new envelope thrown away); after it, with the passphrase, which
/// finishes the change.
#[test]
fn an_interrupted_key_change_is_finished_or_forgotten_at_the_next_unlock() {
    let vault = MemoryVault::default();
    let (_d, mut s) = books_store(&vault);
    let data = s.data_dir().to_owned();
    let install = s.install_id().to_owned();
    let next = keys::next_envelope_path(&data);
    // Stopped before the re-encryption: the new envelope written, nothing else.
    let new = satchel_store::DbKey::generate();
    Envelope::seal(&install, &new, PASS, cheap())
        .unwrap()
        .write(&next)
        .unwrap();
    drop(s);
    let s2 = Satchel::open(&data, &vault, Unlock::Keyring).unwrap();
    assert!(!next.exists(), "the unused envelope is thrown away");
    s = s2;
    // Stopped after it: the store under the new key, the envelope still the old one.
    Envelope::seal(&install, &new, PASS, cheap())
        .unwrap()
        .write(&next)
        .unwrap();
    assert!(s.store.rollback_journal().unwrap());
    s.store.rekey(&new).unwrap();
    drop(s);
    let err = Satchel::open(&data, &vault, Unlock::Keyring).unwrap_err();
    assert!(err.to_string().contains("interrupted"), "{err}");
    let s = Satchel::open(&data, &vault, Unlock::Passphrase(PASS)).unwrap();
    assert!(s.key == new);
    assert!(!next.exists(), "the new envelope is the envelope");
    drop(s);
    let s = Satchel::open(&data, &vault, Unlock::Keyring).unwrap();
    assert_eq!(s.list_matters().unwrap().len(), 2);
}

/// A new recovery passphrase: the old one must open the envelope, the new one must be
/// strong enough; after it, only the new one opens the store.
#[test]
fn the_recovery_passphrase_changes_only_with_the_old_one() {
    let vault = MemoryVault::default();
    let (_d, mut s) = new_store(&vault);
    const NEW: &str = "a different and longer recovery passphrase";
    let err = s
        .change_passphrase("the wrong old passphrase", NEW)
        .unwrap_err();
    assert!(matches!(err, AppError::WrongPassphrase), "{err}");
    let err = s.change_passphrase(PASS, "short").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid, "{err}");
    s.change_passphrase(PASS, NEW).unwrap();
    let data = s.data_dir().to_owned();
    drop(s);
    let fresh = MemoryVault::default();
    let err = Satchel::open(&data, &fresh, Unlock::Passphrase(PASS)).unwrap_err();
    assert!(matches!(err, AppError::WrongPassphrase), "{err}");
    Satchel::open(&data, &fresh, Unlock::Passphrase(NEW)).unwrap();
}

/// Locking is audited and closes the store; the idle time is 1 to 60 minutes, 10 unless
/// set, and the session carries it to the window.
#[test]
fn a_lock_is_audited_and_the_idle_time_is_checked() {
    let vault = MemoryVault::default();
    let (_d, mut s) = new_store(&vault);
    assert_eq!(s.session().autolock_seconds, 600);
    for bad in [0, 61] {
        let err = s.set_autolock_minutes(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid, "{err}");
    }
    s.set_autolock_minutes(5).unwrap();
    assert_eq!(s.session().autolock_seconds, 300);
    let data = s.data_dir().to_owned();
    s.lock("idle").unwrap();
    let s = Satchel::open(&data, &vault, Unlock::Keyring).unwrap();
    let (action, detail): (String, String) = s
        .store
        .conn()
        .query_row(
            "SELECT action, detail FROM audit_events WHERE action = 'session.lock'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(action, "session.lock");
    assert!(detail.contains("idle"), "{detail}");
    assert_eq!(s.autolock_minutes().unwrap(), 5, "kept");
}

/// A read-only user sees none of the firm's accounts and cannot pay out of client account.
#[test]
fn a_read_only_user_sees_no_accounts_and_cannot_pay_out() {
    let vault = MemoryVault::default();
    let (_d, s) = books_store(&vault);
    let data = s.data_dir().to_owned();
    s.store
        .conn()
        .execute(
            "UPDATE users SET role = 'read_only' WHERE id = (SELECT value FROM meta WHERE key = 'user_id')",
            [],
        )
        .unwrap();
    drop(s);
    let mut s = Satchel::open(&data, &vault, Unlock::Keyring).unwrap();
    assert_eq!(s.session().role, "read_only");
    let forbidden = |r: Result<(), AppError>| {
        let e = r.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Forbidden, "{e}");
        e.to_string()
    };
    let said = forbidden(
        s.record_posting(&money_req("payment", "M00001", "client", "10.00"))
            .map(|_| ()),
    );
    assert!(
        said.contains("only a cashier, a partner or an admin"),
        "{said}"
    );
    let said = forbidden(s.client_balances().map(|_| ()));
    assert!(
        said.contains("read-only user may not see the firm's accounts"),
        "{said}"
    );
    forbidden(s.cash_book("client", "", "").map(|_| ()));
    forbidden(s.registers().map(|_| ()));
    assert_eq!(
        s.client_ledger("M00001").unwrap().client_balance_pence,
        6_000,
        "nothing was paid out"
    );
}

// ---- Access reports ----

/// Who accessed a matter: its views, the work recorded on it and its documents' downloads,
/// by user and by date; as CSV (itself recorded); for admins and partners only.
#[test]
fn the_access_log_shows_who_viewed_and_changed_a_matter() {
    let vault = MemoryVault::default();
    let (_d, mut s) = books_store(&vault);
    s.view_matter("M00001").unwrap();
    s.view_matter("M00002").unwrap();
    s.record_time(&time("M00001", "0:30", true)).unwrap();
    let m = s.matter("M00001").unwrap();
    let doc = s.add_document(&m.number, "Lease.txt", b"a lease").unwrap();
    s.export_document(&doc.id, None).unwrap();
    let q = |user: &str, matter: &str, from: &str, to: &str| satchel_api::AccessLogQuery {
        user: user.into(),
        matter: matter.into(),
        from: from.into(),
        to: to.into(),
    };
    let log = s.access_log(&q("", "M00001", "", "")).unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"matter.view"), "{actions:?}");
    assert!(actions.contains(&"time.record"), "{actions:?}");
    assert!(actions.contains(&"document.download"), "{actions:?}");
    assert_eq!(
        actions.iter().filter(|a| **a == "matter.view").count(),
        1,
        "M00002's view is not M00001's"
    );
    assert!(
        log.iter()
            .all(|e| e.initials == "JH" && e.user_name == "Jane Hale")
    );
    assert!(log.windows(2).all(|w| w[0].at >= w[1].at), "newest first");
    assert!(
        log.iter()
            .any(|e| e.action == "matter.view" && e.subject == "M00001"),
        "a matter named by its number: {log:?}"
    );
    let today = satchel_core::dates::london_date(jiff::Timestamp::now());
    let tomorrow = today.tomorrow().unwrap().to_string();
    let today = today.to_string();
    assert_eq!(
        s.access_log(&q("jh", "M00001", &today, &today))
            .unwrap()
            .len(),
        log.len()
    );
    assert!(s.access_log(&q("", "", &tomorrow, "")).unwrap().is_empty());
    let err = s.access_log(&q("ZZ", "", "", "")).unwrap_err();
    assert!(
        err.to_string().contains("no user has the initials ZZ"),
        "{err}"
    );
    let err = s.access_log(&q("", "", &tomorrow, &today)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid, "{err}");
    let csv = s.access_log_csv(&q("", "M00001", "", "")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "at,initials,user,device,action,subject,detail"
    );
    assert_eq!(lines.count(), log.len());
    let exports = s.access_log(&q("", "", "", "")).unwrap();
    assert_eq!(exports[0].action, "report.export", "the export is recorded");
    let pdf = s.access_log_pdf(&q("", "M00001", "", "")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));

    let (_e, fee_earner) = {
        let dir = tempfile::tempdir().unwrap();
        let s = Satchel::init_with(
            &dir.path().join("data"),
            &MemoryVault::default(),
            &setup("fee_earner"),
            cheap(),
        )
        .unwrap();
        (dir, s)
    };
    let err = fee_earner.access_log(&q("", "", "", "")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
}

/// Roles change only by an admin or a partner, each change recorded with what it was and
/// what it became; the firm's last admin or partner keeps that role.
#[test]
fn roles_change_by_a_partner_and_are_recorded() {
    let vault = MemoryVault::default();
    let (_d, mut s) = new_store(&vault);
    s.add_user("Ann Moss", "AM", "fee_earner", "").unwrap();
    let u = s.set_user_role("am", "read-only").unwrap();
    assert_eq!((u.initials.as_str(), u.role.as_str()), ("AM", "read_only"));
    assert!(
        s.list_users()
            .unwrap()
            .iter()
            .any(|u| u.initials == "AM" && u.role == "read_only")
    );
    let detail: String = s
        .store
        .conn()
        .query_row(
            "SELECT detail FROM audit_events WHERE action = 'user.role'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        detail.contains("fee_earner") && detail.contains("read_only"),
        "{detail}"
    );
    let err = s.set_user_role("JH", "fee_earner").unwrap_err();
    assert!(err.to_string().contains("only admin or partner"), "{err}");
    let err = s.set_user_role("AM", "boss").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid, "{err}");
    let err = s.set_user_role("ZZ", "partner").unwrap_err();
    assert!(err.to_string().contains("not anyone in the firm"), "{err}");
    // Another partner first, then JH may step down.
    s.set_user_role("AM", "partner").unwrap();
    s.set_user_role("JH", "fee_earner").unwrap();
}

/// A device's audit trail goes to the firm server with its syncs, only what the server
/// lacks each time; the server verifies every link (`satchel-server audit verify`), and
/// refuses events that do not continue the trail it holds — the sync is still done and
/// says why.
#[test]
fn the_audit_trail_reaches_the_server_link_by_link() {
    let server = test_server();
    let vault = MemoryVault::default();
    let (_d, mut a) = books_store(&vault);
    a.enrol_device(
        &vault,
        &server.address,
        &server.fingerprint,
        &server.codes[0],
        "laptop",
    )
    .unwrap();
    let r = a.sync_now(&vault).unwrap();
    assert_eq!(r.audit_refused, None);
    let held = |s: &Satchel| -> i64 {
        s.store
            .conn()
            .query_row(
                "SELECT value FROM meta WHERE key = 'server_audit_seq'",
                [],
                |r| r.get::<_, String>(0),
            )
            .unwrap()
            .parse()
            .unwrap()
    };
    let first = held(&a);
    assert!(first > 5, "{first}");
    let said = server.admin(&["audit", "verify"]);
    assert!(
        said.contains(&format!("1 devices' audit trails, {first} events")),
        "{said}"
    );
    a.view_matter("M00001").unwrap();
    a.sync_now(&vault).unwrap();
    let second = held(&a);
    assert!(second > first);
    let said = server.admin(&["audit", "verify"]);
    assert!(said.contains(&format!("{second} events")), "{said}");
    // Events the server already holds, sent again as if new: refused, named, nothing kept.
    a.store
        .conn()
        .execute(
            "UPDATE meta SET value = '1' WHERE key = 'server_audit_seq'",
            [],
        )
        .unwrap();
    let r = a.sync_now(&vault).unwrap();
    let why = r.audit_refused.unwrap();
    assert!(
        why.contains("do not continue the trail held for this device"),
        "{why}"
    );
    assert_eq!(held(&a), 1, "not moved on");
    let said = server.admin(&["audit", "verify"]);
    assert!(said.contains(&format!("{second} events")), "{said}");
}

/// A partner grants a matter from their device: the firm server keeps the grant (as
/// `satchel-server grant` would), the fee earner's next sync brings the matter, and the
/// change is in the partner's audit trail; a fee earner may not grant, and a bad access
/// is refused in words.
#[test]
fn a_partner_grants_a_matter_from_the_window() {
    let server = test_server();
    let vault = MemoryVault::default();
    let (_d, mut a) = books_store(&vault);
    a.enrol_device(
        &vault,
        &server.address,
        &server.fingerprint,
        &server.codes[0],
        "laptop",
    )
    .unwrap();
    let (_db, vault_b, mut b) = server.join_as(&mut a, &vault, ("Cara Dunn", "CD", "fee_earner"));
    b.sync_now(&vault_b).unwrap();
    assert!(b.list_matters().unwrap().is_empty());
    assert!(a.matter_grants(&vault, "M00001", None).unwrap().is_empty());
    let grants = a
        .matter_grants(&vault, "M00001", Some(("cd", "edit")))
        .unwrap();
    assert_eq!(
        grants,
        vec![satchel_api::MatterGrant {
            initials: "CD".into(),
            access: "edit".into()
        }]
    );
    let listed = server.admin(&["grants"]);
    assert!(listed.contains("CD") && listed.contains("edit"), "{listed}");
    std::thread::sleep(std::time::Duration::from_millis(1200));
    let r = b.sync_now(&vault_b).unwrap();
    assert_eq!(r.arrived, 1, "{r:?}");
    let err = a
        .matter_grants(&vault, "M00001", Some(("CD", "owner")))
        .unwrap_err();
    assert!(
        err.to_string().contains("read, download, edit or none"),
        "{err}"
    );
    let err = b.matter_grants(&vault_b, "M00001", None).unwrap_err();
    assert!(
        err.to_string().contains("only an admin or a partner"),
        "{err}"
    );
    let recorded: i64 = a
        .store
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_events WHERE action = 'grant.set'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(recorded, 1);
}

mod gdpr;
