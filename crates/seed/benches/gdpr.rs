//! UK GDPR at a ten-year firm's size (`cargo xtask bench`), on a copy of the firm10y store
//! (`SATCHEL_BENCH_STORE`): a subject access request for the contact on the most matters
//! (everything held about them gathered, as the JSON and the PDF are made from it), the
//! erasure plan for them, and the erasure of a person planted on an old closed matter and
//! mentioned on an open one (the plan, the matter destroyed, the open matter kept, the
//! contact erased, the search index merged and the WAL emptied). Prints each time against a
//! target: what a COLP would wait for at the desk.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark that cannot set up should stop

use satchel_api::{EraseRequest, NewContactRequest, NewMatterRequest, NewNoteRequest};
use satchel_app::{MemoryVault, Satchel, Unlock};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PASS: &str = "satchel demo passphrase";

fn row(what: &str, d: Duration, target_s: f64) {
    let s = d.as_secs_f64();
    println!(
        "  {what:<64} {s:>7.2} s   target < {target_s} s ({:.2}× of target) {}",
        s / target_s,
        if s < target_s { "ok" } else { "MISSED" }
    );
}

fn main() {
    let Some(store) = std::env::var_os("SATCHEL_BENCH_STORE").map(PathBuf::from) else {
        println!("gdpr: set SATCHEL_BENCH_STORE (cargo xtask bench does)");
        return;
    };
    let work = tempfile::tempdir_in(store.parent().unwrap()).unwrap();
    let data = work.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    for f in std::fs::read_dir(&store).unwrap() {
        let f = f.unwrap();
        if f.file_type().unwrap().is_file() {
            std::fs::copy(f.path(), data.join(f.file_name())).unwrap();
        }
    }
    let vault = MemoryVault::default();
    let mut s = Satchel::open(&data, &vault, Unlock::Passphrase(PASS)).unwrap();
    println!("UK GDPR on the firm10y store:");

    // What the Matters page asks for an admin or a partner: the open requests and the
    // breaches still to report (both read from the firm's document).
    let t = Instant::now();
    let _ = (s.subject_requests().unwrap(), s.data_breaches().unwrap());
    let d = t.elapsed();
    println!(
        "  {:<64} {:>7.2} ms   target < 50 ms ({:.2}× of target) {}",
        "the dashboard's compliance list (requests and breaches)",
        d.as_secs_f64() * 1000.0,
        d.as_secs_f64() * 1000.0 / 50.0,
        if d.as_secs_f64() < 0.05 {
            "ok"
        } else {
            "MISSED"
        }
    );

    // The retention review: every closed matter weighed against its practice area's period.
    let t = Instant::now();
    let r = s.retention().unwrap();
    let d = t.elapsed();
    println!(
        "  {:<64} {:>7.2} ms   target < 500 ms ({:.2}× of target) {}",
        format!("the retention review ({} matters due)", r.due.len()),
        d.as_secs_f64() * 1000.0,
        d.as_secs_f64() * 1000.0 / 500.0,
        if d.as_secs_f64() < 0.5 {
            "ok"
        } else {
            "MISSED"
        }
    );

    // The contact on the most matters.
    let busiest = s
        .list_contacts(None)
        .unwrap()
        .into_iter()
        .max_by_key(|c| c.matters)
        .unwrap();
    let t = Instant::now();
    let sar = s.subject_access(&busiest.id).unwrap();
    let pdf = s.subject_access_pdf(&sar).unwrap();
    let items: usize = sar.matters.iter().map(|m| m.items.len()).sum();
    row(
        &format!(
            "subject access, {} matters, {items} items, PDF {} kB",
            sar.matters.len(),
            pdf.len() / 1024
        ),
        t.elapsed(),
        5.0,
    );
    let t = Instant::now();
    let plan = s.erasure_plan(&busiest.id).unwrap();
    row(
        &format!(
            "erasure plan for them ({} matters weighed)",
            plan.matters.len()
        ),
        t.elapsed(),
        5.0,
    );

    // A person on an old closed matter, and mentioned on the busiest open one.
    let person = s
        .create_contact(&NewContactRequest {
            kind: "person".into(),
            name: "Zelda Quartermain".into(),
            email: "zelda.q@example.org".into(),
            ..Default::default()
        })
        .unwrap();
    let old = s
        .create_matter(&NewMatterRequest {
            client_id: Some(person.id.clone()),
            description: "Tribunal claim".into(),
            opened: Some("2012-03-01".into()),
            practice_area: Some("employment".into()),
            ..Default::default()
        })
        .unwrap();
    s.add_note(&NewNoteRequest {
        matter: old.number.clone(),
        kind: "attendance".into(),
        title: "Attendance".into(),
        body: "Zelda Quartermain brought the letter".into(),
    })
    .unwrap();
    s.set_matter_status(&satchel_api::MatterStatusRequest {
        matter: old.number.clone(),
        status: "closed".into(),
        on: Some("2014-06-30".into()),
    })
    .unwrap();
    let open = s
        .list_matters()
        .unwrap()
        .into_iter()
        .find(|m| m.status == "open")
        .unwrap();
    s.add_note(&NewNoteRequest {
        matter: open.number.clone(),
        kind: "file".into(),
        title: "Witness".into(),
        body: "Zelda Quartermain may give evidence".into(),
    })
    .unwrap();
    let t = Instant::now();
    let done = s
        .erase_person(&EraseRequest {
            person: person.id.clone(),
            request_id: String::new(),
        })
        .unwrap();
    assert_eq!(done.destroyed, 1);
    row(
        "erasure: plan, a matter and the contact destroyed, index merged, WAL emptied",
        t.elapsed(),
        10.0,
    );
}
