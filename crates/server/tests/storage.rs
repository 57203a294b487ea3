//! The storage suite every `ServerStore` passes (the embedded SQLite store here; the same
//! suite is run against each implementation).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use jiff::Timestamp;
use satchel_server::storage::{Access, Device, EnrolRefused, ServerStore, SqliteStore, User};

fn user(id: &str, initials: &str) -> User {
    User {
        id: id.into(),
        name: format!("User {initials}"),
        initials: initials.into(),
        role: "fee_earner".into(),
        created_at: Timestamp::now().to_string(),
    }
}

fn device(id: &str) -> Device {
    Device {
        id: id.into(),
        user_id: String::new(),
        name: "laptop".into(),
        public_key: vec![7; 32],
        enrolled_at: Timestamp::now().to_string(),
        revoked_at: None,
    }
}

async fn suite<S: ServerStore>(s: S) {
    // Chunks: a key/value store whose prefix reads take whole key components only.
    s.put_chunk("doc1/snapshot/aa".into(), vec![1])
        .await
        .unwrap();
    s.put_chunk("doc1/incremental/bb".into(), vec![2])
        .await
        .unwrap();
    s.put_chunk("doc10/snapshot/cc".into(), vec![3])
        .await
        .unwrap();
    s.put_chunk("doc1".into(), vec![4]).await.unwrap();
    assert_eq!(
        s.chunk("doc1/snapshot/aa".into()).await.unwrap(),
        Some(vec![1])
    );
    assert_eq!(s.chunk("nothing".into()).await.unwrap(), None);
    let mut under = s.chunks_under("doc1".into()).await.unwrap();
    under.sort();
    assert_eq!(
        under,
        vec![
            ("doc1".into(), vec![4]),
            ("doc1/incremental/bb".into(), vec![2]),
            ("doc1/snapshot/aa".into(), vec![1]),
        ],
        "doc10's chunk is not under doc1"
    );
    assert_eq!(
        s.document_ids().await.unwrap(),
        ["doc1", "doc10"],
        "documents are the first part of chunk keys"
    );
    let snaps = s.chunks_under("doc1/snapshot".into()).await.unwrap();
    assert_eq!(snaps, vec![("doc1/snapshot/aa".into(), vec![1])]);
    s.put_chunk("doc1/snapshot/aa".into(), vec![9])
        .await
        .unwrap();
    assert_eq!(
        s.chunk("doc1/snapshot/aa".into()).await.unwrap(),
        Some(vec![9]),
        "replaced"
    );
    s.delete_chunk("doc1/snapshot/aa".into()).await.unwrap();
    assert_eq!(s.chunk("doc1/snapshot/aa".into()).await.unwrap(), None);

    // Changes: each chunk written is the next change of its document; a device asks what
    // changed after the last change it saw.
    let (all, last) = s.changed_since(0).await.unwrap();
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["doc1", "doc10"],
        "a key without a document part is none"
    );
    assert_eq!(
        all.last().map(String::as_str),
        Some("doc1"),
        "doc1 changed last"
    );
    let (none, same) = s.changed_since(last).await.unwrap();
    assert!(none.is_empty(), "nothing changed since: {none:?}");
    assert_eq!(same, last);
    s.put_chunk("doc10/incremental/dd".into(), vec![5])
        .await
        .unwrap();
    let (changed, later) = s.changed_since(last).await.unwrap();
    assert_eq!(changed, ["doc10"]);
    assert!(later > last);
    s.delete_chunk("doc10/incremental/dd".into()).await.unwrap();
    assert!(
        s.changed_since(later).await.unwrap().0.is_empty(),
        "removing a chunk (compaction) changes no document"
    );

    // Users: initials are unique.
    s.add_user(user("u1", "JH")).await.unwrap();
    let err = s.add_user(user("u2", "JH")).await.unwrap_err().to_string();
    assert!(err.contains("initials JH exists already"), "{err}");
    s.add_user(user("u2", "AB")).await.unwrap();
    let initials: Vec<_> = s
        .users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.initials)
        .collect();
    assert_eq!(initials, ["AB", "JH"]);

    // Enrolment codes: once each, before they expire; the device belongs to the code's user.
    let now = Timestamp::now();
    let hour = jiff::SignedDuration::from_hours(1);
    s.add_enrol_code("h1".into(), "u1".into(), now.checked_add(hour).unwrap())
        .await
        .unwrap();
    s.add_enrol_code("h2".into(), "u2".into(), now.checked_sub(hour).unwrap())
        .await
        .unwrap();
    assert_eq!(
        s.enrol("nope".into(), now, device("d0")).await.unwrap(),
        Err(EnrolRefused::Unknown)
    );
    let d = s
        .enrol("h1".into(), now, device("d1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.user_id, "u1");
    assert!(matches!(
        s.enrol("h1".into(), now, device("d9")).await.unwrap(),
        Err(EnrolRefused::Used(_))
    ));
    assert!(matches!(
        s.enrol("h2".into(), now, device("d2")).await.unwrap(),
        Err(EnrolRefused::Expired(_))
    ));
    assert_eq!(
        s.device("d9".into()).await.unwrap(),
        None,
        "a refused code adds nothing"
    );
    assert_eq!(s.device("d1".into()).await.unwrap(), Some(d.clone()));

    // Revocation: once.
    assert!(s.revoke_device("d1".into(), now).await.unwrap());
    assert!(!s.revoke_device("d1".into(), now).await.unwrap());
    assert!(!s.revoke_device("d0".into(), now).await.unwrap());
    let d1 = s.device("d1".into()).await.unwrap().unwrap();
    assert_eq!(d1.revoked_at, Some(now.to_string()));
    assert_eq!(s.devices().await.unwrap(), vec![d1]);

    // Grants: set, changed, taken away; each moves the access version.
    let v0 = s.access_version().await.unwrap();
    s.set_grant("u2".into(), "docA".into(), Some(Access::Read))
        .await
        .unwrap();
    assert_eq!(
        s.grant("u2".into(), "docA".into()).await.unwrap(),
        Some(Access::Read)
    );
    s.set_grant("u2".into(), "docA".into(), Some(Access::Edit))
        .await
        .unwrap();
    assert_eq!(
        s.grant("u2".into(), "docA".into()).await.unwrap(),
        Some(Access::Edit)
    );
    assert_eq!(s.grant("u1".into(), "docA".into()).await.unwrap(), None);
    assert_eq!(
        s.grants().await.unwrap(),
        vec![("u2".into(), "docA".into(), Access::Edit)]
    );
    let v1 = s.access_version().await.unwrap();
    assert!(v1 > v0);
    s.set_grant("u2".into(), "docA".into(), None).await.unwrap();
    assert_eq!(s.grant("u2".into(), "docA".into()).await.unwrap(), None);
    assert!(s.access_version().await.unwrap() > v1);
    // Numbers: each block taken once; a device's own numbers move the start past them.
    let (a, a_last) = s.reserve_numbers("matters".into(), 1, 200).await.unwrap();
    assert_eq!((a, a_last), (1, 200));
    let (b, b_last) = s.reserve_numbers("matters".into(), 1, 200).await.unwrap();
    assert_eq!((b, b_last), (201, 400), "the next block, not the same one");
    let (c, _) = s.reserve_numbers("matters".into(), 1_000, 0).await.unwrap();
    assert_eq!(c, 1_000, "only recorded");
    let (d, d_last) = s.reserve_numbers("matters".into(), 1, 10).await.unwrap();
    assert_eq!(
        (d, d_last),
        (1_000, 1_009),
        "after the numbers a store keeps"
    );
    let (e, _) = s.reserve_numbers("bills".into(), 1, 5).await.unwrap();
    assert_eq!(e, 1, "each series its own");
    assert!(s.has_chunks_under("doc1".into()).await.unwrap());
    assert!(
        !s.has_chunks_under("doc".into()).await.unwrap(),
        "doc1's chunks are not doc's"
    );

    // Audit trails: appended in order per device, the head the last appended.
    assert_eq!(s.audit_head("dev-a".into()).await.unwrap(), None);
    s.append_audit(
        "dev-a".into(),
        vec![
            (1, "{\"seq\":1}".into(), "h1".into()),
            (2, "{\"seq\":2}".into(), "h2".into()),
        ],
    )
    .await
    .unwrap();
    s.append_audit("dev-b".into(), vec![(1, "{}".into(), "b1".into())])
        .await
        .unwrap();
    s.append_audit("dev-a".into(), vec![(3, "{\"seq\":3}".into(), "h3".into())])
        .await
        .unwrap();
    assert_eq!(
        s.audit_head("dev-a".into()).await.unwrap(),
        Some((3, "h3".to_owned()))
    );
    assert!(
        s.append_audit("dev-a".into(), vec![(3, "{}".into(), "again".into())])
            .await
            .is_err(),
        "an event's place in a trail is taken once"
    );
    let trails = s.audit_trails().await.unwrap();
    assert_eq!(trails.len(), 2);
    assert_eq!(trails[0].0, "dev-a");
    assert_eq!(
        trails[0].1,
        vec!["{\"seq\":1}", "{\"seq\":2}", "{\"seq\":3}"]
    );

    // Erasure: the chunks go, the id stays erased (nothing is stored under it again) and
    // counts as changed, and a replacement takes over the grants.
    s.put_chunk("docE/snapshot/ee".into(), vec![9])
        .await
        .unwrap();
    s.put_chunk("docEE/snapshot/ee".into(), vec![9])
        .await
        .unwrap();
    s.set_grant("u2".into(), "docE".into(), Some(Access::Download))
        .await
        .unwrap();
    let (_, before) = s.changed_since(0).await.unwrap();
    let v = s.access_version().await.unwrap();
    assert_eq!(
        s.erase_documents(
            vec![("docE".into(), Some("docF".into())), ("doc10".into(), None)],
            now
        )
        .await
        .unwrap(),
        2
    );
    assert!(!s.has_chunks_under("docE".into()).await.unwrap());
    assert!(!s.has_chunks_under("doc10".into()).await.unwrap());
    assert!(
        s.has_chunks_under("docEE".into()).await.unwrap(),
        "docEE is not docE"
    );
    assert_eq!(
        s.grant("u2".into(), "docF".into()).await.unwrap(),
        Some(Access::Download)
    );
    assert_eq!(s.grant("u2".into(), "docE".into()).await.unwrap(), None);
    assert!(s.access_version().await.unwrap() > v);
    let (changed, _) = s.changed_since(before).await.unwrap();
    assert!(changed.contains(&"docE".to_owned()) && changed.contains(&"doc10".to_owned()));
    s.put_chunk("docE/incremental/ff".into(), vec![1])
        .await
        .unwrap();
    assert!(
        !s.has_chunks_under("docE".into()).await.unwrap(),
        "nothing is stored under an erased id"
    );
    assert!(!s.document_ids().await.unwrap().contains(&"docE".to_owned()));
    assert_eq!(
        s.erased_documents().await.unwrap(),
        vec!["doc10".to_owned(), "docE".to_owned()]
    );
    assert_eq!(
        s.erase_documents(vec![("docE".into(), None)], now)
            .await
            .unwrap(),
        0,
        "erased once"
    );
}

#[tokio::test]
async fn the_sqlite_store_passes_the_suite() {
    let dir = tempfile::tempdir().unwrap();
    let key = satchel_store::DbKey::generate();
    suite(SqliteStore::open(&dir.path().join("server.db"), &key).unwrap()).await;
}

#[tokio::test]
async fn the_postgres_store_passes_the_suite() {
    let pg = common::start_postgres();
    let store = satchel_server::postgres::PgStore::connect(&pg.url)
        .await
        .unwrap();
    suite(store).await;
    // Opening again finds the schema in place (the migrations ran once).
    let again = satchel_server::postgres::PgStore::connect(&pg.url)
        .await
        .unwrap();
    assert_eq!(again.users().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_postgres_elsewhere_is_refused_without_tls() {
    let err = satchel_server::postgres::PgStore::connect("host=db.example.com user=satchel")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("without TLS"), "{err}");
}

#[tokio::test]
async fn the_sqlite_store_is_encrypted_and_refuses_a_wrong_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    let key = satchel_store::DbKey::generate();
    {
        let s = SqliteStore::open(&path, &key).unwrap();
        s.put_chunk("d/snapshot/x".into(), b"PLANTED-MARKER-7731".to_vec())
            .await
            .unwrap();
        s.add_user(user("u1", "QZX")).await.unwrap();
    }
    for file in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(file.unwrap().path()).unwrap();
        assert!(!bytes.windows(19).any(|w| w == b"PLANTED-MARKER-7731"));
        assert!(!bytes.starts_with(b"SQLite format 3"));
    }
    let err = SqliteStore::open(&path, &satchel_store::DbKey::generate()).unwrap_err();
    assert!(err.to_string().contains("does not open"), "{err}");
    let s = SqliteStore::open(&path, &key).unwrap();
    assert_eq!(
        s.chunk("d/snapshot/x".into()).await.unwrap(),
        Some(b"PLANTED-MARKER-7731".to_vec())
    );
}
