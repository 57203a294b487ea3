//! Store benchmarks: open time (against plain SQLite as the baseline), list time, and the
//! size of a fresh store. Run with `cargo xtask bench` (release build).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark that cannot set up should stop

use satchel_api::NewMatterRequest;
use satchel_app::{KeyVault, MemoryVault, Satchel, Setup, Unlock};
use satchel_store::envelope::KdfParams;
use satchel_store::{DB_FILE, Store, rusqlite};
use std::time::{Duration, Instant};

const RUNS: usize = 31;

fn median(mut f: impl FnMut() -> Duration) -> Duration {
    let mut v: Vec<Duration> = (0..RUNS).map(|_| f()).collect();
    v.sort();
    v[RUNS / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let vault = MemoryVault::default();
    let setup = Setup {
        firm_name: "Bench & Co",
        user_name: "Bea Bench",
        initials: "BB",
        role: "partner",
        passphrase: "benchmark recovery passphrase",
    };
    let s = Satchel::init_with(&dir, &vault, &setup, KdfParams::default()).unwrap();
    s.checkpoint().unwrap();
    let fresh = std::fs::metadata(dir.join(DB_FILE)).unwrap().len();
    let envelope = std::fs::metadata(dir.join("key-envelope.json"))
        .unwrap()
        .len();
    println!("fresh store: {fresh} bytes database + {envelope} bytes key envelope");
    let install = s.install_id().to_owned();
    drop(s);

    let mut s = Satchel::open(&dir, &vault, Unlock::Keyring).unwrap();
    let t = Instant::now();
    for i in 0..1000 {
        s.create_matter(&NewMatterRequest {
            client_name: format!("Client {i}"),
            description: format!("Matter number {i} for the benchmark"),
            opened: None,
            ..Default::default()
        })
        .unwrap();
    }
    let per_write = t.elapsed() / 1000;
    println!(
        "create matter (document change + projection + audit, fsync): {:.2} ms each",
        ms(per_write)
    );
    let list = median(|| {
        let t = Instant::now();
        assert_eq!(s.list_matters().unwrap().len(), 1000);
        t.elapsed()
    });
    println!("list 1000 matters: {:.2} ms", ms(list));
    let conflict = median(|| {
        let t = Instant::now();
        let r = s
            .conflict_check(&satchel_api::ConflictQuery {
                names: vec!["Client 500".into(), "Acme Holdings Limited".into()],
            })
            .unwrap();
        assert_eq!(r.parties_checked, 1000);
        t.elapsed()
    });
    println!(
        "conflict check, 2 names against 1000 parties (kept and audited): {:.2} ms",
        ms(conflict)
    );
    s.checkpoint().unwrap();
    drop(s);

    let key = vault.load(&install).unwrap().unwrap();
    let db = dir.join(DB_FILE);
    let open = median(|| {
        let t = Instant::now();
        let store = Store::open(&db, &key).unwrap();
        let _: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM matters", [], |r| r.get(0))
            .unwrap();
        t.elapsed()
    });

    // Baseline: the same database exported unencrypted, opened the same way.
    let plain = tmp.path().join("plain.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()))
            .unwrap();
        c.execute_batch(&format!(
            "ATTACH DATABASE '{}' AS plaintext KEY ''; SELECT sqlcipher_export('plaintext'); DETACH DATABASE plaintext;",
            plain.display()
        ))
        .unwrap();
    }
    let plain_open = median(|| {
        let t = Instant::now();
        let c = rusqlite::Connection::open(&plain).unwrap();
        let _: String = c
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .unwrap();
        let _: i64 = c
            .query_row("SELECT count(*) FROM matters", [], |r| r.get(0))
            .unwrap();
        t.elapsed()
    });
    println!(
        "store open (SQLCipher, raw key, migrations checked): {:.2} ms; plain SQLite baseline {:.2} ms; ratio {:.1}x",
        ms(open),
        ms(plain_open),
        open.as_secs_f64() / plain_open.as_secs_f64()
    );
    let app_open = median(|| {
        let t = Instant::now();
        let s = Satchel::open(&dir, &vault, Unlock::Keyring).unwrap();
        drop(s);
        t.elapsed()
    });
    println!(
        "Satchel::open from keyring (store open + audited unlock): {:.2} ms; ratio to plain SQLite open {:.1}x",
        ms(app_open),
        app_open.as_secs_f64() / plain_open.as_secs_f64()
    );
    let pass_open = {
        let t = Instant::now();
        drop(Satchel::open(&dir, &vault, Unlock::Passphrase(setup.passphrase)).unwrap());
        t.elapsed()
    };
    println!(
        "Satchel::open with the recovery passphrase (Argon2id 64 MiB, 3 passes): {:.0} ms",
        ms(pass_open)
    );
    let size = std::fs::metadata(&db).unwrap().len();
    println!(
        "store with 1000 matters: {size} bytes ({} bytes per matter)",
        (size - fresh) / 1000
    );
}
