use super::*;

fn fresh() -> (tempfile::TempDir, PathBuf, DbKey) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    (dir, path, DbKey::generate())
}

#[test]
fn creates_migrated_encrypted_store_and_reopens_it() {
    let (_dir, path, key) = fresh();
    {
        let store = Store::create(&path, &key).unwrap();
        assert_eq!(store.schema_version().unwrap(), migrations::latest());
        store
            .conn()
            .execute(
                "INSERT INTO meta (key, value) VALUES ('marker', 'ZEBRA-MARKER-77')",
                [],
            )
            .unwrap();
        store.checkpoint().unwrap();
    }
    let head = fs::read(&path).unwrap();
    assert!(!head.starts_with(b"SQLite format 3"));
    assert!(!head.windows(15).any(|w| w == b"ZEBRA-MARKER-77"));
    let store = Store::open(&path, &key).unwrap();
    let v: String = store
        .conn()
        .query_row("SELECT value FROM meta WHERE key = 'marker'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(v, "ZEBRA-MARKER-77");
    assert!(store.integrity_problems().unwrap().is_empty());
}

#[test]
fn refuses_to_overwrite_an_existing_store() {
    let (_dir, path, key) = fresh();
    Store::create(&path, &key).unwrap();
    assert!(matches!(
        Store::create(&path, &key),
        Err(StoreError::AlreadyExists(_))
    ));
}

#[test]
fn wrong_key_is_reported_as_such() {
    let (_dir, path, key) = fresh();
    Store::create(&path, &key).unwrap().checkpoint().unwrap();
    let err = Store::open(&path, &DbKey::generate()).unwrap_err();
    assert!(matches!(err, StoreError::WrongKey(_)), "{err}");
    assert!(err.to_string().contains("another Satchel installation"));
}

#[test]
fn truncated_file_is_reported_as_damaged() {
    let (_dir, path, key) = fresh();
    Store::create(&path, &key).unwrap().checkpoint().unwrap();
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() - 100]).unwrap();
    let err = Store::open(&path, &key).unwrap_err();
    assert!(matches!(err, StoreError::Damaged { .. }), "{err}");
    assert!(err.to_string().contains("truncated"));
}

#[test]
fn plaintext_sqlite_is_refused() {
    let (_dir, path, key) = fresh();
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    assert!(matches!(
        Store::open(&path, &key),
        Err(StoreError::Plaintext(_))
    ));
}

#[test]
fn missing_file_is_missing() {
    let (_dir, path, key) = fresh();
    assert!(matches!(
        Store::open(&path, &key),
        Err(StoreError::Missing(_))
    ));
}

#[test]
fn audit_rows_cannot_be_updated_or_deleted_through_sql() {
    let (_dir, path, key) = fresh();
    let store = Store::create(&path, &key).unwrap();
    store
        .conn()
        .execute(
            "INSERT INTO audit_events VALUES ('d', 1, 'e1', 'a', 't', 'x', 's', '{}', 'p', 'h')",
            [],
        )
        .unwrap();
    let upd = store
        .conn()
        .execute("UPDATE audit_events SET detail = 'x'", []);
    assert!(upd.unwrap_err().to_string().contains("append-only"));
    let del = store.conn().execute("DELETE FROM audit_events", []);
    assert!(del.unwrap_err().to_string().contains("append-only"));
}

#[test]
fn disk_full_is_classified_and_rolls_back() {
    let (_dir, path, key) = fresh();
    let mut store = Store::create(&path, &key).unwrap();
    let pages: i64 = store
        .conn()
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    // Cap the file at its current size: the next growth fails as a full disk would.
    let _: i64 = store
        .conn()
        .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
            r.get(0)
        })
        .unwrap();
    let tx = store.conn_mut().transaction().unwrap();
    tx.execute("INSERT INTO meta VALUES ('a', 'small')", [])
        .unwrap();
    let big = "x".repeat(200_000);
    let err = tx
        .execute("INSERT INTO meta VALUES ('b', ?1)", [&big])
        .unwrap_err();
    assert!(matches!(StoreError::from_sql(err), StoreError::DiskFull));
    drop(tx); // rolls back
    let n: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM meta", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0, "nothing from the failed transaction was kept");
}

#[test]
fn a_version_1_store_is_upgraded_on_open() {
    let (_dir, path, key) = fresh();
    {
        let mut c = rusqlite::Connection::open(&path).unwrap();
        key.apply(&c).unwrap();
        rusqlite_migration::Migrations::new(vec![rusqlite_migration::M::up(migrations::V1)])
            .to_latest(&mut c)
            .unwrap();
        c.execute(
            "INSERT INTO matters (id, number, client_name, description, opened, status, opened_by)
             VALUES ('m1', 1, 'Old Client', 'Old matter', '2026-01-05', 'open', 'u1')",
            [],
        )
        .unwrap();
    }
    let store = Store::open(&path, &key).unwrap();
    assert_eq!(store.schema_version().unwrap(), migrations::latest());
    let key_col: String = store
        .conn()
        .query_row("SELECT client_key FROM matters WHERE id = 'm1'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(
        key_col, "",
        "filled in later by the application, which owns the key rules"
    );
}

#[test]
fn the_matters_rebuild_keeps_every_row_and_the_rows_that_refer_to_it() {
    let (_dir, path, key) = fresh();
    {
        let mut c = rusqlite::Connection::open(&path).unwrap();
        key.apply(&c).unwrap();
        c.pragma_update(None, "foreign_keys", "ON").unwrap();
        migrations::migrations().to_version(&mut c, 8).unwrap();
        c.execute_batch(
            "INSERT INTO matters (id, number, client_name, description, opened, status, opened_by, rate_pence)
             VALUES ('m1', 7, 'Old Client', 'Old matter', '2026-01-05', 'closed', 'u1', 25000);
             INSERT INTO notes (id, matter_id, at, author_id, kind, title, body)
             VALUES ('n1', 'm1', '2026-01-05T10:00:00Z', 'u1', 'file', 'T', 'B');",
        )
        .unwrap();
    }
    let store = Store::open(&path, &key).unwrap();
    assert_eq!(store.schema_version().unwrap(), migrations::latest());
    let row: (u32, String, String, String, i64) = store
        .conn()
        .query_row(
            "SELECT number, status, fee_earner_id, practice_area, rate_pence FROM matters WHERE id = 'm1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!(
        row,
        (7, "closed".into(), "u1".into(), "general".into(), 25000)
    );
    // Foreign keys are on again and still point at the rebuilt table.
    let err = store
        .conn()
        .execute(
            "INSERT INTO notes (id, matter_id, at, author_id, kind, title, body)
             VALUES ('n2', 'nope', 'x', 'u1', 'file', 'T', 'B')",
            [],
        )
        .unwrap_err();
    assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
    store
        .conn()
        .execute("UPDATE matters SET status = 'archived' WHERE id = 'm1'", [])
        .unwrap();
    // FTS5 is compiled into the bundled SQLCipher.
    store
        .conn()
        .execute(
            "INSERT INTO search_docs (kind, ref_id, matter_id, title, body) VALUES ('note', 'n1', 'm1', 'Zoë', '')",
            [],
        )
        .unwrap();
    let hits: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM search_index WHERE search_index MATCH 'zo*'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(hits, 1);
    store
        .conn()
        .execute(
            "UPDATE search_docs SET title = 'Anna' WHERE ref_id = 'n1'",
            [],
        )
        .unwrap();
    let hits: (i64, i64) = store
        .conn()
        .query_row(
            "SELECT (SELECT count(*) FROM search_index WHERE search_index MATCH 'zo*'),
                    (SELECT count(*) FROM search_index WHERE search_index MATCH 'anna')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(hits, (0, 1), "the index follows updates");
}

#[test]
fn the_unlock_check_for_missing_client_keys_reads_no_matter_rows() {
    let (_dir, path, key) = fresh();
    let store = Store::create(&path, &key).unwrap();
    let plan: Vec<String> = store
        .conn()
        .prepare("EXPLAIN QUERY PLAN SELECT id, client_name FROM matters WHERE client_key = '' AND client_name <> ''")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        plan.iter()
            .any(|p| p.contains("matters_missing_client_key")),
        "{plan:?}"
    );
}

#[test]
fn pages_decrypt_with_the_key_and_show_deleted_values_gone_only_when_deleted_securely() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let key = DbKey::generate();
    let mut store = Store::create(&path, &key).unwrap();
    let marker = "Zelda Quartermain of 9 Crane Row";
    store
        .conn_mut()
        .execute_batch(&format!(
            "CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('{marker}'); INSERT INTO t VALUES ('kept value 12345');"
        ))
        .unwrap();
    store
        .conn()
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let holds = |needle: &str| {
        let plain = crate::decrypted_pages(&path, &key).unwrap();
        plain.windows(needle.len()).any(|w| w == needle.as_bytes())
    };
    // The encrypted file never shows it; its pages decrypted do.
    let raw = std::fs::read(&path).unwrap();
    assert!(!raw.windows(marker.len()).any(|w| w == marker.as_bytes()));
    assert!(holds(marker));
    store
        .conn()
        .execute("DELETE FROM t WHERE v = ?1", [marker])
        .unwrap();
    store
        .conn()
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    assert!(!holds(marker), "deleted securely: gone from every page");
    assert!(holds("kept value 12345"));
    // The scan sees freed space: a value deleted without secure delete is still there.
    let other = "Yorick Plimsoll of 4 Loom Yard";
    store
        .conn_mut()
        .execute_batch(&format!(
            "INSERT INTO t VALUES ('{other}'); PRAGMA wal_checkpoint(TRUNCATE); PRAGMA secure_delete = OFF; DELETE FROM t WHERE v = '{other}'; PRAGMA wal_checkpoint(TRUNCATE);"
        ))
        .unwrap();
    assert!(
        holds(other),
        "an insecure delete leaves the bytes in the page"
    );
    // A value still in the write-ahead log is found there.
    let in_wal = "Quill Ashdown of 2 Mere Lane";
    store
        .conn_mut()
        .execute_batch(&format!("INSERT INTO t VALUES ('{in_wal}');"))
        .unwrap();
    let wal = crate::decrypted_wal(&path.with_extension("db-wal"), &key).unwrap();
    assert!(wal.windows(in_wal.len()).any(|w| w == in_wal.as_bytes()));
    // Another key is refused, not read as noise.
    let wrong = DbKey::generate();
    assert!(matches!(
        crate::decrypted_pages(&path, &wrong),
        Err(StoreError::WrongKey(_))
    ));
}
