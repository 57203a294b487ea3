//! The practice benchmarks at a ten-year firm's size (`cargo xtask bench`): cold open to the
//! matter list, list and search, the conflict check over every party, timer start/stop, the
//! WIP of one matter; client money on the busiest open matter (its ledger balance and its
//! ledger replayed, a new receipt through the write path), the list of client balances, a
//! year's client cash book, and the three-way reconciliation of the client account at the
//! last day (ten years of statement lines matched, the last ten days' entries outstanding,
//! the bank's charges its difference; its figures are printed once), with what the
//! reconciliation page loads beside it and a line matched by hand; then the same SQL
//! workload on SQLCipher and on a plaintext copy, for the cost of encryption. Prints a
//! table of figures, targets and ratios.
//!
//! The store comes from `SATCHEL_BENCH_STORE` (made by `cargo xtask seed --size firm10y`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark that cannot set up should stop

use satchel_api::{
    ConflictQuery, MatchRequest, PostingRequest, ReconcileRequest, Reconciliation,
    StartTimerRequest,
};
use satchel_app::domain::matter::MatterNumber;
use satchel_app::{MemoryVault, Satchel, Unlock};
use satchel_store::rusqlite::Connection;
use satchel_store::{DB_FILE, DbKey, Store};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const RUNS: usize = 15;
const PASS: &str = "satchel demo passphrase";

fn median(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
    let mut v: Vec<Duration> = (0..runs).map(|_| f()).collect();
    v.sort();
    v[runs / 2]
}

fn time<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let t = Instant::now();
    let out = f();
    (t.elapsed(), out)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Table(Vec<(String, f64, Option<f64>)>);

impl Table {
    fn row(&mut self, what: &str, d: Duration, target_ms: Option<f64>) {
        println!(
            "  {what:<58} {:>9.2} ms{}",
            ms(d),
            target_ms.map_or(String::new(), |t| format!(
                "   target < {t} ms ({:.2}× of target) {}",
                ms(d) / t,
                if ms(d) < t { "ok" } else { "MISSED" }
            ))
        );
        self.0.push((what.to_owned(), ms(d), target_ms));
    }
}

/// Try to empty the OS page cache so that "cold" means cold (needs root; says if not).
fn drop_page_cache() -> bool {
    std::fs::write("/proc/sys/vm/drop_caches", "3").is_ok()
}

fn plain_copy(dir: &Path, key: &DbKey) -> PathBuf {
    let plain = dir.join("bench-plain.db");
    if plain.exists() {
        return plain;
    }
    // The attached file must exist: the store's connection does not create files.
    drop(Connection::open(&plain).unwrap());
    let store = Store::open(&dir.join(DB_FILE), key).unwrap();
    let c = store.conn();
    c.execute(
        "ATTACH DATABASE ?1 AS plain KEY ''",
        [plain.display().to_string()],
    )
    .unwrap();
    c.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
        .unwrap();
    c.execute("DETACH DATABASE plain", []).unwrap();
    plain
}

/// The reads the app makes, as SQL, so that both engines run exactly the same work.
fn sql_workload(c: &Connection, matter_id: &str) -> Duration {
    let t = Instant::now();
    let n: i64 = c
        .prepare_cached(
            "SELECT count(*) FROM (SELECT m.id, m.number, m.client_name, m.description, m.opened, m.status,
                 o.initials, m.practice_area, f.initials, s.initials, m.closed_on, m.archived_on
             FROM matters m LEFT JOIN users o ON o.id = m.opened_by LEFT JOIN users f ON f.id = m.fee_earner_id
             LEFT JOIN users s ON s.id = m.supervisor_id ORDER BY m.number DESC)",
        )
        .unwrap()
        .query_row([], |r| r.get(0))
        .unwrap();
    assert!(n > 0);
    for q in ["\"smi\"*", "\"northw\"* \"trad\"*", "\"croydon\"*"] {
        let _: i64 = c
            .prepare_cached(
                "SELECT count(*) FROM (SELECT d.kind, d.ref_id FROM search_index
                 JOIN search_docs d ON d.id = search_index.rowid WHERE search_index MATCH ?1
                 ORDER BY rank LIMIT 25)",
            )
            .unwrap()
            .query_row([q], |r| r.get(0))
            .unwrap();
    }
    let mut keys = 0usize;
    let mut stmt = c
        .prepare_cached(
            "SELECT c.name_key FROM contacts c LEFT JOIN matter_parties p ON p.contact_id = c.id
             LEFT JOIN matters m ON m.id = p.matter_id",
        )
        .unwrap();
    let mut rows = stmt.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        keys += r.get_ref(0).unwrap().as_str().unwrap().len();
    }
    assert!(keys > 0);
    let _: i64 = c
        .query_row(
            "SELECT coalesce(sum(value_pence), 0) FROM time_entries WHERE matter_id = ?1 AND billable",
            [matter_id],
            |r| r.get(0),
        )
        .unwrap();
    t.elapsed()
}

fn main() {
    let dir = PathBuf::from(
        std::env::var("SATCHEL_BENCH_STORE")
            .expect("SATCHEL_BENCH_STORE: a store made by `cargo xtask seed --size firm10y`"),
    );
    let db_bytes = std::fs::metadata(dir.join(DB_FILE)).unwrap().len();
    println!("store: {} ({} MB)", dir.display(), db_bytes / 1_000_000);
    let vault = MemoryVault::default();
    let mut table = Table(Vec::new());

    // The first open takes the passphrase (Argon2id) and puts the key in the (memory)
    // keyring; opens after that are keyring opens, as the desktop's are.
    let (d, s) = time(|| Satchel::open(&dir, &vault, Unlock::Passphrase(PASS)).unwrap());
    println!("  (passphrase open, Argon2id: {:.0} ms)", ms(d));
    let status = s.status().unwrap();
    println!(
        "  {} matters, {} contacts on this device",
        status.matters, status.contacts
    );
    let key = vault_key(&vault, s.install_id());
    drop(s);
    // Client money is measured on the open matter with the most postings.
    let (busy, busy_postings, postings) = {
        let store = Store::open(&dir.join(DB_FILE), &key).unwrap();
        let c = store.conn();
        let postings: i64 = c
            .query_row("SELECT count(*) FROM postings", [], |r| r.get(0))
            .unwrap();
        assert!(
            postings > 0,
            "{} was generated before the generator made client money: make it again with `cargo xtask seed --size firm10y --fresh` (`cargo xtask bench` does)",
            dir.display()
        );
        let (number, count): (u32, i64) = c
            .query_row(
                "SELECT p.matter_number, count(*) FROM postings p JOIN matters m ON m.id = p.matter_id
                 WHERE m.status = 'open' GROUP BY p.matter_number ORDER BY count(*) DESC, p.matter_number LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        (MatterNumber::new(number).to_string(), count, postings)
    };
    println!("  {postings} postings; the busiest open matter, {busy}, has {busy_postings}");

    let cold = drop_page_cache();
    // Open and list; the store is closed outside the timing (closing checkpoints the WAL,
    // which is the quit's cost, not the start's; it has its own row below).
    let (d, (n, s)) = time(|| {
        let s = Satchel::open(&dir, &vault, Unlock::Keyring).unwrap();
        (s.list_matters().unwrap().len(), s)
    });
    table.row(
        "close the store (checkpoint the WAL, as on quit)",
        time(|| drop(s)).0,
        None,
    );
    assert!(n > 0);
    table.row(
        if cold {
            "cold open to the matter list (page cache dropped)"
        } else {
            "first open to the matter list (page cache not droppable)"
        },
        d,
        Some(1000.0),
    );
    table.row(
        "open to the matter list (warm)",
        median(5, || {
            let (d, s) = time(|| {
                let s = Satchel::open(&dir, &vault, Unlock::Keyring).unwrap();
                s.list_matters().unwrap();
                s
            });
            drop(s);
            d
        }),
        Some(1000.0),
    );

    let s = Satchel::open(&dir, &vault, Unlock::Keyring).unwrap();
    table.row(
        &format!("list all matters ({n})"),
        median(RUNS, || time(|| s.list_matters().unwrap()).0),
        Some(50.0),
    );
    for q in ["smi", "northw trad", "M01234", "croydon lease"] {
        table.row(
            &format!("search \"{q}\""),
            median(RUNS, || time(|| s.search(q).unwrap()).0),
            Some(50.0),
        );
    }
    let names = || ConflictQuery {
        names: vec!["Amelia Okafor".into(), "Northwind Traders Ltd".into()],
    };
    drop(s);
    let mut s = Satchel::open(&dir, &vault, Unlock::Keyring).unwrap();
    s.warm_conflict_index().unwrap();
    let (first, report) = time(|| s.conflict_check(&names()).unwrap());
    println!(
        "  ({} parties; {} possible conflicts found)",
        report.parties_checked,
        report.hits.len()
    );
    table.row(
        "first conflict check at once after unlock (waits for its index)",
        first,
        None,
    );
    drop(s);
    let mut s = Satchel::open(&dir, &vault, Unlock::Keyring).unwrap();
    s.warm_conflict_index().unwrap();
    std::thread::sleep(Duration::from_secs(2));
    table.row(
        "first conflict check 2 s after unlock (index built meanwhile)",
        time(|| s.conflict_check(&names()).unwrap()).0,
        Some(30.0),
    );
    table.row(
        "conflict check, 2 names against every party",
        median(RUNS, || time(|| s.conflict_check(&names()).unwrap()).0),
        Some(30.0),
    );
    let busiest: String = {
        let list = s.list_matters().unwrap();
        list.iter()
            .find(|m| m.status == "open")
            .map(|m| m.number.clone())
            .unwrap()
    };
    let _ = s.discard_timer();
    table.row(
        &format!("timer start + stop on {busiest} (records an entry)"),
        median(RUNS, || {
            time(|| {
                s.start_timer(&StartTimerRequest {
                    matter: busiest.clone(),
                    activity: "attendance".into(),
                    description: "Benchmark".into(),
                })
                .unwrap();
                s.stop_timer().unwrap()
            })
            .0
        }),
        Some(50.0),
    );
    table.row(
        &format!("WIP of {busiest}"),
        median(RUNS, || time(|| s.wip(&busiest).unwrap()).0),
        Some(50.0),
    );
    let matter_id = s.matter(&busiest).unwrap().id;

    // Client money.
    let client = s
        .list_bank_accounts()
        .unwrap()
        .into_iter()
        .find(|a| a.kind == "client")
        .unwrap();
    table.row(
        &format!("client ledger balance of {busy} (client_balance_pence)"),
        median(RUNS, || time(|| s.client_balance_pence(&busy).unwrap()).0),
        Some(5.0),
    );
    let lines = s.client_ledger(&busy).unwrap().lines.len();
    table.row(
        &format!("client ledger of {busy}, {lines} lines (books replayed)"),
        median(RUNS, || time(|| s.client_ledger(&busy).unwrap()).0),
        Some(50.0),
    );
    let ledgers = s.client_balances().unwrap().len();
    table.row(
        &format!("list of client balances ({ledgers} ledgers)"),
        median(RUNS, || time(|| s.client_balances().unwrap()).0),
        Some(50.0),
    );
    let to = satchel_seed::LAST_DAY;
    let from = to
        .saturating_sub(jiff::Span::new().years(1))
        .saturating_add(jiff::Span::new().days(1));
    let (from, to) = (from.to_string(), to.to_string());
    let lines = s.cash_book(&client.id, &from, &to).unwrap().lines.len();
    table.row(
        &format!("client cash book {from} to {to} ({lines} lines)"),
        median(RUNS, || {
            time(|| s.cash_book(&client.id, &from, &to).unwrap()).0
        }),
        Some(50.0),
    );
    reconciliation_rows(&mut s, &mut table, &client.id);
    let receipt = PostingRequest {
        kind: "receipt".into(),
        matter: busy.clone(),
        account: client.id.clone(),
        amount: "250.00".into(),
        reference: "Benchmark receipt".into(),
        party: "Benchmark payer".into(),
        ..PostingRequest::default()
    };
    table.row(
        &format!("new receipt on {busy} (record_posting, write path)"),
        median(RUNS, || time(|| s.record_posting(&receipt).unwrap()).0),
        Some(50.0),
    );
    s.checkpoint().unwrap();
    drop(s);
    import_row(&dir, &vault, &mut table, &client.id);

    // The cost of encryption: the same SQL on SQLCipher and on a plaintext copy.
    let plain = plain_copy(&dir, &key);
    let cipher_store = Store::open(&dir.join(DB_FILE), &key).unwrap();
    let cipher = cipher_store.conn();
    let plain_c = Connection::open(&plain).unwrap();
    for c in [cipher, &plain_c] {
        c.execute_batch("PRAGMA cache_size = -16000; PRAGMA query_only = ON;")
            .unwrap();
    }
    // Warm both, then alternate.
    sql_workload(cipher, &matter_id);
    sql_workload(&plain_c, &matter_id);
    let enc = median(RUNS, || sql_workload(cipher, &matter_id));
    let pla = median(RUNS, || sql_workload(&plain_c, &matter_id));
    println!(
        "  {:<58} {:>9.2} ms   plain SQLite {:.2} ms: ratio {:.2}× (target ≤ 1.2×) {}",
        "SQL workload (list, 3 searches, party scan, WIP), SQLCipher",
        ms(enc),
        ms(pla),
        ms(enc) / ms(pla),
        if ms(enc) / ms(pla) <= 1.2 {
            "ok"
        } else {
            "MISSED"
        }
    );
    let _ = std::fs::remove_file(&plain);
    let missed = table
        .0
        .iter()
        .filter(|(_, v, t)| t.is_some_and(|t| *v >= t))
        .count();
    let with_target = table.0.iter().filter(|(_, _, t)| t.is_some()).count();
    println!("{missed} of {with_target} targets missed (plus the encryption ratio above)");
}

/// The three-way reconciliation of the client account at the generator's last day, on the
/// statement imported for that day (its figures printed once, so a reader sees what was
/// reconciled); what the reconciliation page loads beside it (every statement line, the
/// latest cash book entries); and a line unmatched and matched again by hand, which
/// changes the document of the line's month.
fn reconciliation_rows(s: &mut Satchel, table: &mut Table, account: &str) {
    let day = satchel_seed::LAST_DAY.to_string();
    let request = ReconcileRequest {
        account: account.to_owned(),
        date: day.clone(),
        ..ReconcileRequest::default()
    };
    let lines = s.statement_lines(account).unwrap();
    let matched = lines.iter().filter(|l| l.matched_posting.is_some()).count();
    let (first, r) = time(|| s.reconcile(&request).unwrap());
    print_figures(&r, lines.len(), matched);
    println!(
        "  (the session's first reconciliation, before the medians: {:.0} ms)",
        ms(first)
    );
    table.row(
        &format!(
            "three-way reconciliation at {day} ({} outstanding)",
            r.lodgements.len() + r.unpresented.len()
        ),
        median(RUNS, || time(|| s.reconcile(&request).unwrap()).0),
        Some(500.0),
    );
    table.row(
        &format!(
            "statement lines of the client account ({} lines)",
            lines.len()
        ),
        median(5, || time(|| s.statement_lines(account).unwrap()).0),
        None,
    );
    let entries = s.cash_entries(account).unwrap().len();
    table.row(
        &format!("latest cash book entries to match ({entries})"),
        median(RUNS, || time(|| s.cash_entries(account).unwrap()).0),
        None,
    );
    // The newest line matched to an entry: unmatched, then matched again (by hand now).
    let Some(line) = lines.iter().find(|l| l.matched_posting.is_some()) else {
        return;
    };
    let posting = line.matched_posting.clone().unwrap_or_default();
    let mut by_hand = |posting: &str| {
        time(|| {
            s.match_line(&MatchRequest {
                account: account.to_owned(),
                line_key: line.key.clone(),
                posting_id: posting.to_owned(),
            })
            .unwrap()
        })
        .0
    };
    let unmatch = by_hand("");
    let rematch = by_hand(&posting);
    table.row(
        "unmatch a statement line, match it again (its month's document)",
        unmatch + rematch,
        None,
    );
}

/// The client account's next statement imported: every entry outstanding at the last day,
/// as the bank would show it, matched as it comes in. Done on a copy of the store (made and
/// removed here), so that the kept store still reconciles as the generator made it.
fn import_row(dir: &Path, vault: &MemoryVault, table: &mut Table, account: &str) {
    let scratch = dir.with_extension("import-scratch");
    let _ = std::fs::remove_dir_all(&scratch);
    copy_dir(dir, &scratch);
    let mut s = Satchel::open(&scratch, vault, Unlock::Keyring).unwrap();
    let number = s
        .list_bank_accounts()
        .unwrap()
        .into_iter()
        .find(|a| a.id == account)
        .unwrap()
        .account_number;
    let day = satchel_seed::LAST_DAY.to_string();
    let r = s
        .reconcile(&ReconcileRequest {
            account: account.to_owned(),
            date: day.clone(),
            ..ReconcileRequest::default()
        })
        .unwrap();
    let items: Vec<_> = r
        .lodgements
        .iter()
        .map(|i| (i, i.amount_pence))
        .chain(r.unpresented.iter().map(|i| (i, i.amount_pence)))
        .collect();
    let compact = |d: &str| d.replace('-', "");
    let mut ofx = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?OFX OFXHEADER=\"200\" VERSION=\"220\" SECURITY=\"NONE\" OLDFILEUID=\"NONE\" NEWFILEUID=\"NONE\"?>\n\
         <OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>\n\
         <STMTRS><CURDEF>GBP</CURDEF><BANKACCTFROM><BANKID>200000</BANKID><ACCTID>{number}</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>\n\
         <BANKTRANLIST><DTSTART>{0}</DTSTART><DTEND>{0}</DTEND>\n",
        compact(&day)
    );
    for (k, (item, pence)) in items.iter().enumerate() {
        let sign = if *pence < 0 { "-" } else { "" };
        ofx.push_str(&format!(
            "<STMTTRN><TRNTYPE>OTHER</TRNTYPE><DTPOSTED>{}</DTPOSTED><TRNAMT>{sign}{}.{:02}</TRNAMT><FITID>NEXT{k:06}</FITID><NAME>BENCH</NAME><MEMO>{}</MEMO></STMTTRN>\n",
            compact(&item.date),
            pence.unsigned_abs() / 100,
            pence.unsigned_abs() % 100,
            item.reference.replace('&', "&amp;").replace('<', "&lt;")
        ));
    }
    ofx.push_str("</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n");
    let (d, done) = time(|| {
        s.import_statement(account, "next.ofx", ofx.as_bytes(), None)
            .unwrap()
    });
    table.row(
        &format!(
            "import the next statement ({} lines, {} matched)",
            done.added, done.matched
        ),
        d,
        None,
    );
    drop(s);
    std::fs::remove_dir_all(&scratch).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == "bench-plain.db") {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

fn print_figures(r: &Reconciliation, lines: usize, matched: usize) {
    let pounds = |p: i64| satchel_app::domain::Money::from_pence(p).to_string();
    let sum = |items: &[satchel_api::ReconItem]| items.iter().map(|i| i.amount_pence).sum::<i64>();
    println!(
        "  (client account at {}: {lines} statement lines, {matched} matched to the cash book;",
        r.date
    );
    println!(
        "   statement {}; {} outstanding lodgements {}; {} unpresented payments {};",
        pounds(r.statement_balance),
        r.lodgements.len(),
        pounds(r.outstanding_lodgements),
        r.unpresented.len(),
        pounds(r.unpresented_payments)
    );
    println!(
        "   adjusted bank balance {}; cash book {}; client ledgers {} ({} debit balances);",
        pounds(r.adjusted_bank_balance),
        pounds(r.cash_book_balance),
        pounds(r.client_ledger_total),
        r.debit_balances.len()
    );
    println!(
        "   {} bank entries not in the cash book {}; difference {})",
        r.unrecorded_bank_entries.len(),
        pounds(sum(&r.unrecorded_bank_entries)),
        pounds(r.difference)
    );
}

fn vault_key(vault: &MemoryVault, install: &str) -> DbKey {
    use satchel_app::KeyVault;
    vault
        .load(install)
        .unwrap()
        .expect("the key is in the memory keyring")
}
