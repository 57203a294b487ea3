//! UK GDPR: subject access covers a planted person everywhere they are; erasure removes
//! every trace of what may go (scanned in every decrypted page of the store, its WAL, a
//! backup made afterwards and every document's whole history) and keeps what the law
//! holds, naming the hold and when it ends.

use super::*;

const NAME: &str = "Zelda Quartermain";
const EMAIL: &str = "zelda.q@example.org";
const PHONE: &str = "07700 900461";

fn planted() -> satchel_api::NewContactRequest {
    satchel_api::NewContactRequest {
        kind: "person".into(),
        name: NAME.into(),
        email: EMAIL.into(),
        phone: PHONE.into(),
        address: "9 Crane Row, Ludlow".into(),
        postcode: "SY8 1AA".into(),
        ..Default::default()
    }
}

/// A matter opened on `opened` for `client` (a contact id, or a name), in `area`.
fn old_matter(
    s: &mut Satchel,
    client: Result<&str, &str>,
    description: &str,
    opened: &str,
    area: &str,
) -> satchel_api::Matter {
    let (client_id, client_name) = match client {
        Ok(id) => (Some(id.to_owned()), String::new()),
        Err(name) => (None, name.to_owned()),
    };
    s.create_matter(&NewMatterRequest {
        client_id,
        client_name,
        description: description.into(),
        opened: Some(opened.into()),
        practice_area: Some(area.into()),
        ..Default::default()
    })
    .unwrap()
}

fn close(s: &mut Satchel, matter: &str, on: &str) {
    s.set_matter_status(&status(matter, "closed", on)).unwrap();
}

fn add_note(s: &mut Satchel, matter: &str, body: &str) {
    s.add_note(&note(matter, body)).unwrap();
}

fn party(s: &mut Satchel, matter: &str, contact: &str, role: &str) {
    s.add_party(&satchel_api::AddPartyRequest {
        matter: matter.into(),
        contact_id: contact.into(),
        role: role.into(),
    })
    .unwrap();
}

/// Where a store holds `needle`: its pages decrypted (free space included), its WAL, and
/// each document's whole history saved uncompressed.
fn traces(s: &Satchel, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let db = s.data_dir().join(satchel_store::DB_FILE);
    let has = |bytes: &[u8]| {
        let lower = String::from_utf8_lossy(bytes).to_lowercase();
        lower.contains(&needle.to_lowercase())
    };
    if has(&satchel_store::decrypted_pages(&db, &s.key).unwrap()) {
        found.push("the store's pages".to_owned());
    }
    let wal = db.with_extension("db-wal");
    if has(&satchel_store::decrypted_wal(&wal, &s.key).unwrap()) {
        found.push("the store's WAL".to_owned());
    }
    for (id, _) in s.document_ids().unwrap() {
        let mut doc = docs::load(s.store.conn(), &id).unwrap().unwrap();
        if has(&doc.save_nocompress()) {
            found.push(format!("document {id}'s history"));
        }
    }
    found
}

#[test]
fn subject_access_gathers_a_person_from_every_matter_and_flags_privilege() {
    let vault = MemoryVault::default();
    let (dir, mut s) = new_store(&vault);
    let z = s.create_contact(&planted()).unwrap();
    // Her own matter: a note, time, a document.
    let a = old_matter(
        &mut s,
        Ok(&z.id),
        "Unfair dismissal claim",
        "2024-03-01",
        "employment",
    );
    add_note(
        &mut s,
        &a.number,
        "Zelda says the dismissal letter came by email",
    );
    s.record_time(&satchel_api::NewTimeRequest {
        description: "Call with Zelda about the ET1".into(),
        ..time(&a.number, "0:30", true)
    })
    .unwrap();
    s.add_document(&a.number, "dismissal-letter.pdf", b"%PDF-1.4 letter")
        .unwrap();
    // A witness on another client's matter.
    let b = old_matter(
        &mut s,
        Err("Orion Mills Ltd"),
        "Contract dispute",
        "2025-01-10",
        "commercial",
    );
    party(&mut s, &b.number, &z.id, "witness");
    // Only mentioned (her email in a note) on a third; not at all on a fourth.
    let c = old_matter(
        &mut s,
        Err("Hal Baines"),
        "Lease renewal",
        "2025-02-01",
        "commercial property",
    );
    add_note(&mut s, &c.number, &format!("Copied {EMAIL} on the draft"));
    add_note(&mut s, &c.number, "Landlord agrees the rent review");
    let d = old_matter(
        &mut s,
        Err("Ivy Stone"),
        "Will",
        "2025-03-01",
        "wills and probate",
    );

    let sar = s.subject_access(NAME).unwrap();
    let numbers: Vec<&str> = sar.matters.iter().map(|m| m.number.as_str()).collect();
    assert_eq!(
        numbers,
        [a.number.as_str(), b.number.as_str(), c.number.as_str()]
    );
    assert!(!numbers.contains(&d.number.as_str()));
    let on_a = &sar.matters[0];
    assert_eq!(on_a.roles, ["client"]);
    let texts: Vec<&str> = on_a.items.iter().map(|i| i.text.as_str()).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("dismissal letter came by email")),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("Call with Zelda about the ET1"))
    );
    assert!(texts.iter().any(|t| t.contains("dismissal-letter.pdf")));
    let note = on_a.items.iter().find(|i| i.kind == "note").unwrap();
    assert!(note.privileged, "notes are flagged for privilege review");
    assert_eq!(sar.matters[1].roles, ["witness"]);
    // On the matter where she is only mentioned, only what mentions her.
    let on_c = &sar.matters[2];
    assert!(on_c.roles.is_empty());
    assert!(on_c.items.iter().any(|i| i.text.contains(EMAIL)));
    assert!(!on_c.items.iter().any(|i| i.text.contains("rent review")));
    assert!(sar.to_review >= 3);
    assert!(
        sar.audit.iter().any(|e| e.action == "contact.create"),
        "{:?}",
        sar.audit
    );
    // Each event named by what it was on: their record, or a matter by its number.
    for (number, action) in [
        (&a.number, "note.add"),
        (&b.number, "matter.party.add"),
        (&c.number, "note.add"),
    ] {
        assert!(
            sar.audit
                .iter()
                .any(|e| &e.subject == number && e.action == action),
            "{number} {action}: {:?}",
            sar.audit
        );
    }
    assert!(!sar.audit.iter().any(|e| e.subject == d.number));

    // An event from before names were kept out of the trail, naming her in its detail.
    s.write("conflict.check", "conflict:older", |_, _, _| {
        Ok(serde_json::json!({ "names": [NAME], "hits": 0 }))
    })
    .unwrap();
    let sar = s.subject_access(NAME).unwrap();
    assert!(
        sar.audit
            .iter()
            .any(|e| e.action == "conflict.check" && e.subject == "names them in its detail"),
        "{:?}",
        sar.audit
    );

    // Written out: JSON that reads back, a PDF, her documents.
    let out = dir.path().join("exports");
    std::fs::create_dir_all(&out).unwrap();
    let e = s.export_subject_access(&z.id, &out).unwrap();
    let folder = std::path::Path::new(&e.folder);
    let json: satchel_api::SubjectAccess =
        serde_json::from_slice(&std::fs::read(folder.join("subject-access.json")).unwrap())
            .unwrap();
    assert_eq!(json.matters.len(), 3);
    assert_eq!(json.person.email.as_deref(), Some(EMAIL));
    assert!(
        std::fs::read(folder.join("subject-access.pdf"))
            .unwrap()
            .starts_with(b"%PDF")
    );
    assert_eq!(
        std::fs::read(
            folder
                .join("documents")
                .join(format!("{}-dismissal-letter.pdf", a.number))
        )
        .unwrap(),
        b"%PDF-1.4 letter"
    );
    assert_eq!(audit_details(&s, "gdpr.subject_access").len(), 1);
    assert!(
        !audit_details(&s, "gdpr.subject_access")[0].contains("Quartermain"),
        "the trail records counts, never the person"
    );

    // An unknown person gets a clear message.
    let err = s.subject_access("Nobody Atall").unwrap_err().to_string();
    assert!(err.contains("'Nobody Atall' is not a contact"), "{err}");
}

#[test]
fn requests_are_due_a_calendar_month_on_and_extend_only_within_it() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    s.create_contact(&planted()).unwrap();
    let today = satchel_core::dates::london_date(Timestamp::now());
    let r = s
        .add_subject_request(&satchel_api::NewSubjectRequest {
            person: NAME.into(),
            kind: "access".into(),
            received_on: String::new(),
        })
        .unwrap();
    assert_eq!(
        r.due_on,
        satchel_core::gdpr::response_due(today).to_string()
    );
    assert!(r.days_left.unwrap() >= 28);
    let r = s
        .extend_subject_request(&r.id, "Ten years of files")
        .unwrap();
    assert!(r.extended);
    assert_eq!(
        r.due_on,
        satchel_core::gdpr::extended_due(today).to_string()
    );
    assert!(s.extend_subject_request(&r.id, "again").is_err());
    // Received two months ago: too late to extend, and overdue.
    let old = s
        .add_subject_request(&satchel_api::NewSubjectRequest {
            person: NAME.into(),
            kind: "access".into(),
            received_on: today
                .checked_sub(jiff::Span::new().months(2))
                .unwrap()
                .to_string(),
        })
        .unwrap();
    assert!(old.days_left.unwrap() < 0);
    let err = s
        .extend_subject_request(&old.id, "complex")
        .unwrap_err()
        .to_string();
    assert!(err.contains("too late"), "{err}");
    let listed = s.subject_requests().unwrap();
    assert_eq!(listed[0].id, old.id, "the most urgent first");
    let answered = s
        .answer_subject_request(&old.id, "sent the export")
        .unwrap();
    assert!(answered.answered_on.is_some() && answered.days_left.is_none());
    // Bad input changes nothing.
    let before = s.subject_requests().unwrap();
    assert!(
        s.add_subject_request(&satchel_api::NewSubjectRequest {
            person: "Nobody Atall".into(),
            ..Default::default()
        })
        .unwrap_err()
        .to_string()
        .contains("is not a contact")
    );
    assert!(
        s.add_subject_request(&satchel_api::NewSubjectRequest {
            person: NAME.into(),
            received_on: today.tomorrow().unwrap().to_string(),
            ..Default::default()
        })
        .is_err()
    );
    assert_eq!(s.subject_requests().unwrap(), before);
}

/// The planted person's own matter closed long past its retention, and a mention on
/// another client's old matter: the first destroyed, the second anonymised under a new id,
/// her contact gone — and no trace in any page of the store, its WAL, any document's
/// history, or a backup made afterwards.
#[test]
fn erasure_past_retention_leaves_no_trace_in_the_store_or_a_new_backup() {
    let vault = MemoryVault::default();
    let (dir, mut s) = new_store(&vault);
    let z = s.create_contact(&planted()).unwrap();
    let a = old_matter(
        &mut s,
        Ok(&z.id),
        "Unfair dismissal claim",
        "2012-03-01",
        "employment",
    );
    add_note(&mut s, &a.number, "Zelda Quartermain attended; 9 Crane Row");
    s.record_time(&satchel_api::NewTimeRequest {
        description: "Call with Zelda Quartermain".into(),
        ..time(&a.number, "0:30", true)
    })
    .unwrap();
    s.add_document(&a.number, "quartermain-letter.pdf", b"Dear Ms Quartermain")
        .unwrap();
    close(&mut s, &a.number, "2014-06-30");
    let c = old_matter(
        &mut s,
        Err("Hal Baines"),
        "Lease renewal",
        "2013-01-07",
        "employment",
    );
    party(&mut s, &c.number, &z.id, "witness");
    add_note(
        &mut s,
        &c.number,
        &format!("Zelda Quartermain ({EMAIL}, {PHONE}) saw the landlord"),
    );
    s.add_document(
        &c.number,
        "lease.pdf",
        b"Lease: Hal Baines and the landlord",
    )
    .unwrap();
    close(&mut s, &c.number, "2015-02-02");
    let c_before = s.matter(&c.number).unwrap();
    let before = s
        .backup(Some(&dir.path().join("backups")), "manual", &|_, _| {})
        .unwrap();
    assert!(
        !traces(&s, "Quartermain").is_empty(),
        "the scan sees her before"
    );

    let plan = s.erasure_plan(NAME).unwrap();
    let actions: Vec<(&str, &str)> = plan
        .matters
        .iter()
        .map(|m| (m.number.as_str(), m.action.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            (a.number.as_str(), "destroy"),
            (c.number.as_str(), "anonymise")
        ]
    );
    assert!(plan.contact_erased);
    assert!(!plan.refused_in_part, "{plan:?}");
    // A file on the matter that stays is kept as it is, and the plan says so.
    let note = plan
        .kept_elsewhere
        .iter()
        .find(|k| k.name == format!("documents on {}", c.number))
        .unwrap();
    assert!(note.reason.contains("1 document on") && note.reason.contains("review them"));
    let done = s
        .erase_person(&satchel_api::EraseRequest {
            person: z.id.clone(),
            request_id: String::new(),
        })
        .unwrap();
    assert_eq!((done.destroyed, done.anonymised), (1, 1));

    for needle in ["Quartermain", EMAIL, PHONE, "Crane Row", "Dear Ms"] {
        assert_eq!(traces(&s, needle), Vec::<String>::new(), "{needle}");
    }
    // What is not hers is kept: the other client's matter, under a new id, same number.
    let c_after = s.matter(&c.number).unwrap();
    assert_ne!(c_after.id, c_before.id);
    assert_eq!(c_after.client_name, "Hal Baines");
    assert!(
        !traces(&s, "Hal Baines").is_empty(),
        "the scan still finds what is kept"
    );
    let kept_file = s.list_documents(&c.number).unwrap();
    assert_eq!(kept_file.len(), 1, "the other client's file stays");
    let notes = s.list_notes(&c.number).unwrap();
    assert_eq!(
        notes[0].body,
        "[erased] ([erased], [erased]) saw the landlord"
    );
    assert!(s.matter(&a.number).is_err(), "her own matter is gone");
    assert!(s.contact(&z.id).is_err());
    assert!(s.search("Quartermain").unwrap().is_empty());
    // Every projection agrees with the documents (nothing dangles).
    assert_eq!(
        count(&s, "SELECT count(*) FROM pragma_foreign_key_check"),
        0
    );
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM erased_documents WHERE told_server = 0"
        ),
        3
    );
    assert!(s.verify().unwrap().integrity_problems.is_empty());

    // A backup made afterwards holds none of it.
    let backup = s
        .backup(Some(&dir.path().join("backups")), "manual", &|_, _| {})
        .unwrap();
    let db = backup.path.join(satchel_store::DB_FILE);
    let pages = String::from_utf8_lossy(&satchel_store::decrypted_pages(&db, &s.key).unwrap())
        .to_lowercase();
    assert!(!pages.contains("quartermain"));
    assert!(pages.contains("hal baines"));
    // The erasure's audit event names no one.
    let detail = audit_details(&s, "gdpr.erase");
    assert_eq!(detail.len(), 1);
    assert!(!detail[0].contains("Quartermain") && detail[0].contains("\"destroyed\":1"));

    // The backup from before the erasure, restored: the erasure is made again, and the
    // anonymised copy kept as it was.
    let data = s.data_dir().to_owned();
    drop(s);
    crate::backup::restore(&data, &vault, Unlock::Keyring, &before.path, &|_, _| {}).unwrap();
    let s = Satchel::open(&data, &vault, Unlock::Keyring).unwrap();
    for needle in ["Quartermain", EMAIL, PHONE] {
        assert_eq!(
            traces(&s, needle),
            Vec::<String>::new(),
            "{needle} after a restore"
        );
    }
    let c_restored = s.matter(&c.number).unwrap();
    assert_eq!(
        c_restored.id, c_after.id,
        "the anonymised copy, not the original"
    );
    assert!(s.matter(&a.number).is_err());
    assert_eq!(count(&s, "SELECT count(*) FROM erased_documents"), 3);
    assert_eq!(audit_details(&s, "gdpr.erasures_reapplied").len(), 1);
}

#[test]
fn erasure_is_refused_with_the_hold_named_where_the_law_requires_retention() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = books_store(&vault);
    let z = s.create_contact(&planted()).unwrap();
    // An open matter: nothing of hers may go; refused whole, nothing changes.
    let open = old_matter(
        &mut s,
        Ok(&z.id),
        "Boundary dispute",
        "2024-05-01",
        "dispute resolution",
    );
    let before = count(&s, "SELECT count(*) FROM documents");
    let err = s
        .erase_person(&satchel_api::EraseRequest {
            person: NAME.into(),
            request_id: String::new(),
        })
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot be erased now") && err.contains("the matter is open"),
        "{err}"
    );
    assert_eq!(count(&s, "SELECT count(*) FROM documents"), before);
    assert!(s.contact(&z.id).is_ok());

    // Closed long ago, but client money moved on it two years ago: the six-year hold, to
    // the day it ends.
    close(
        &mut s,
        &open.number,
        &satchel_core::dates::london_date(Timestamp::now()).to_string(),
    );
    let plan = s.erasure_plan(NAME).unwrap();
    assert_eq!(plan.matters[0].action, "keep");
    let names: Vec<&str> = plan.matters[0]
        .holds
        .iter()
        .map(|h| h.name.as_str())
        .collect();
    assert!(names.contains(&"AML identification records"), "{names:?}");
    assert!(names.contains(&"limitation period"));
    assert!(plan.refused_in_part);
    assert!(plan.held_until.is_some());

    // Young accounting records on an old, closed matter.
    let old = old_matter(
        &mut s,
        Err("Wren Holt"),
        "Sale of shop",
        "2010-01-04",
        "general",
    );
    party(&mut s, &old.number, &z.id, "other_side");
    let two_years_ago = satchel_core::dates::london_date(Timestamp::now())
        .checked_sub(jiff::Span::new().years(2))
        .unwrap();
    s.record_posting(&satchel_api::PostingRequest {
        date: two_years_ago.to_string(),
        ..money_req("receipt", &old.number, "client", "25.00")
    })
    .unwrap();
    close(&mut s, &old.number, "2012-08-01");
    let plan = s.erasure_plan(NAME).unwrap();
    let on_old = plan
        .matters
        .iter()
        .find(|m| m.number == old.number)
        .unwrap();
    assert_eq!(on_old.action, "keep");
    let until = two_years_ago
        .checked_add(jiff::Span::new().years(6))
        .unwrap()
        .to_string();
    assert!(
        on_old
            .holds
            .iter()
            .any(|h| h.name == "accounting records" && h.until.as_deref() == Some(until.as_str())),
        "{:?}",
        on_old.holds
    );
    assert!(on_old.holds[0].reason.contains(&until));
    assert!(
        !plan.contact_erased,
        "kept while a matter she is on is kept"
    );

    // Money moved into another old matter of hers from a live one a year ago: that ledger
    // moved, so its records are held too, though no posting of its own is young.
    let third = old_matter(&mut s, Err("Ivo Holt"), "Lease", "2010-02-01", "general");
    party(&mut s, &third.number, &z.id, "other_side");
    let year_ago = satchel_core::dates::london_date(Timestamp::now())
        .checked_sub(jiff::Span::new().years(1))
        .unwrap();
    s.record_posting(&satchel_api::PostingRequest {
        date: year_ago.to_string(),
        to_matter: third.number.clone(),
        reason: "Client's written instruction".into(),
        authorised_by: "AB".into(),
        ..money_req("transfer", "M00001", "client", "10.00")
    })
    .unwrap();
    close(&mut s, &third.number, "2012-09-01");
    let plan = s.erasure_plan(NAME).unwrap();
    let on_third = plan
        .matters
        .iter()
        .find(|m| m.number == third.number)
        .unwrap();
    let until = year_ago
        .checked_add(jiff::Span::new().years(6))
        .unwrap()
        .to_string();
    assert!(
        on_third
            .holds
            .iter()
            .any(|h| h.name == "accounting records" && h.until.as_deref() == Some(until.as_str())),
        "{:?}",
        on_third.holds
    );
}

#[test]
fn the_retention_schedule_lists_matters_past_their_date_to_destroy_or_keep() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let a = old_matter(
        &mut s,
        Err("Ann Lee"),
        "Tribunal claim",
        "2012-01-09",
        "employment",
    );
    close(&mut s, &a.number, "2013-05-01");
    let b = old_matter(
        &mut s,
        Err("Bob Marsh"),
        "House purchase",
        "2012-02-01",
        "conveyancing",
    );
    close(&mut s, &b.number, "2013-06-01");
    let c = old_matter(
        &mut s,
        Err("Cy Young"),
        "Debt claim",
        "2012-03-01",
        "dispute resolution",
    );
    close(&mut s, &c.number, "2013-07-01");
    let r = s.retention().unwrap();
    let due: Vec<&str> = r.due.iter().map(|d| d.number.as_str()).collect();
    // Conveyancing is kept fifteen years: not yet.
    assert_eq!(due, [a.number.as_str(), c.number.as_str()]);
    assert_eq!(r.due[0].retention_ended, "2019-05-01");
    // The firm keeps employment matters twelve years: A is not due until 2025, still past.
    let r = s.set_retention("employment", 12).unwrap();
    assert!(
        r.rules
            .iter()
            .any(|x| x.area == "employment" && x.years == 12 && x.firm_set)
    );
    assert_eq!(r.due[0].retention_ended, "2025-05-01");
    assert!(
        s.set_retention("employment", 3)
            .unwrap_err()
            .to_string()
            .contains("six years")
    );
    // A decision to keep C takes it off the list.
    let r = s
        .keep_matter(&satchel_api::KeepMatterRequest {
            matter: c.number.clone(),
            until: "2031-01-01".into(),
            reason: "Client may reopen the debt".into(),
        })
        .unwrap();
    assert_eq!(r.due.len(), 1);
    assert_eq!(r.decisions[0].decision, "keep");
    let err = s
        .destroy_matter(&c.number, "past its date")
        .unwrap_err()
        .to_string();
    assert!(err.contains("kept until 2031-01-01"), "{err}");
    // A is destroyed for real, and the decision recorded.
    let r = s.destroy_matter(&a.number, "retention ended").unwrap();
    assert!(r.due.is_empty());
    assert_eq!(r.decisions[0].decision, "destroyed");
    assert!(s.matter(&a.number).is_err());
    assert!(traces(&s, "Tribunal claim").is_empty());
    // An open matter cannot be destroyed.
    let d = old_matter(&mut s, Err("Dee Ash"), "Ongoing", "2012-03-01", "general");
    let err = s.destroy_matter(&d.number, "old").unwrap_err().to_string();
    assert!(err.contains("is open"), "{err}");
}

#[test]
fn breaches_run_a_72_hour_clock_and_future_discoveries_are_refused() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let two_hours_ago = Timestamp::now()
        .checked_sub(jiff::Span::new().hours(2))
        .unwrap();
    let new = |at: String, risk: &str| satchel_api::NewDataBreach {
        discovered_at: at,
        nature: "Laptop left on a train".into(),
        data_categories: "client names, addresses".into(),
        people_affected: "40".into(),
        records_affected: "120".into(),
        risk: risk.into(),
        risk_assessment: "Encrypted, but the passphrase was on a note".into(),
        actions: "Device revoked".into(),
    };
    let b = s
        .add_data_breach(&new(two_hours_ago.to_string(), "high"))
        .unwrap();
    assert!(b.ico_must_be_told && b.people_must_be_told);
    assert!(
        b.ico_clock.starts_with("69 h") || b.ico_clock.starts_with("70 h"),
        "{}",
        b.ico_clock
    );
    let low = s
        .add_data_breach(&new("2026-01-05 09:30".into(), "unlikely"))
        .unwrap();
    assert!(!low.ico_must_be_told);
    assert!(low.ico_clock.contains("need not be told"));
    assert_eq!(low.discovered_shown, "5 Jan 2026 09:30");
    // Told the ICO an hour ago: in time.
    let hour_ago = Timestamp::now()
        .checked_sub(jiff::Span::new().hours(1))
        .unwrap();
    let b = s
        .update_data_breach(&satchel_api::UpdateDataBreach {
            id: b.id.clone(),
            ico_reported_at: hour_ago.to_string(),
            ico_reference: "ICO/123".into(),
            people_told_at: String::new(),
        })
        .unwrap();
    assert_eq!(b.ico_clock, "told the ICO in time");
    // A discovery in the future is refused and nothing is kept.
    let tomorrow = Timestamp::now()
        .checked_add(jiff::Span::new().hours(26))
        .unwrap();
    let err = s
        .add_data_breach(&new(tomorrow.to_string(), "risk"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("is in the future"), "{err}");
    assert_eq!(s.data_breaches().unwrap().len(), 2);
    let csv = s.data_breaches_csv().unwrap();
    assert_eq!(csv.lines().count(), 3);
    assert!(csv.contains("Laptop left on a train") && csv.contains("ICO/123"));
}

#[test]
fn the_record_of_processing_is_edited_and_exported() {
    let vault = MemoryVault::default();
    let (_dir, mut s) = new_store(&vault);
    let activity = satchel_api::ProcessingActivity {
        activity: "Client matters".into(),
        purpose: "Giving legal advice and acting for clients".into(),
        lawful_basis: "Contract".into(),
        people: "clients, other parties, witnesses".into(),
        data: "names, contact details, case facts".into(),
        recipients: "counsel, courts".into(),
        transfers: String::new(),
        retention: "six years after closing; fifteen for property".into(),
        security: "encrypted laptops and server".into(),
        ..Default::default()
    };
    let list = s.save_processing(&activity).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].lawful_basis, "contract");
    assert_eq!(list[0].transfers, "none");
    let changed = s
        .save_processing(&satchel_api::ProcessingActivity {
            id: list[0].id.clone(),
            recipients: "counsel, courts, experts".into(),
            ..activity.clone()
        })
        .unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].recipients, "counsel, courts, experts");
    let err = s
        .save_processing(&satchel_api::ProcessingActivity {
            lawful_basis: "because".into(),
            ..activity.clone()
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("must be one of"), "{err}");
    let csv = s.processing_csv().unwrap();
    assert!(csv.contains("Client matters") && csv.contains("counsel, courts, experts"));
    assert!(s.remove_processing(&changed[0].id).unwrap().is_empty());
    // An empty record starts from a law firm's usual activities, each with a lawful basis
    // of Article 6; once it holds any, that is refused.
    let usual = s.add_usual_processing().unwrap();
    assert_eq!(usual.len(), 5);
    for p in &usual {
        assert!(
            satchel_core::gdpr::check_lawful_basis(&p.lawful_basis).is_ok(),
            "{p:?}"
        );
    }
    assert!(usual.iter().any(|p| p.activity == "Client identification"));
    assert!(s.add_usual_processing().is_err());
    assert_eq!(s.processing().unwrap().len(), 5);
}

/// Two devices of the firm through the real server: a fee earner's device holds the
/// matter that mentions her (granted); the partner erases her. After the partner's sync
/// the server's storage holds no trace; after the fee earner's, neither does their
/// device, which now holds the anonymised copy under its new id (its grant moved with it).
#[test]
fn after_an_erasure_the_server_and_the_other_device_drop_every_trace() {
    let server = test_server();
    let vault = MemoryVault::default();
    let (_da, mut a) = new_store(&vault);
    let z = a.create_contact(&planted()).unwrap();
    let own = old_matter(
        &mut a,
        Ok(&z.id),
        "Unfair dismissal claim",
        "2012-03-01",
        "employment",
    );
    add_note(&mut a, &own.number, "Zelda Quartermain attended");
    close(&mut a, &own.number, "2014-06-30");
    let c = old_matter(
        &mut a,
        Err("Hal Baines"),
        "Lease renewal",
        "2013-01-07",
        "employment",
    );
    add_note(&mut a, &c.number, "Zelda Quartermain saw the landlord");
    close(&mut a, &c.number, "2015-02-02");
    a.enrol_device(
        &vault,
        &server.address,
        &server.fingerprint,
        &server.codes[0],
        "laptop",
    )
    .unwrap();
    let (_db, vault_b, mut b) = server.join_as(&mut a, &vault, ("Alan Bird", "AB", "fee_earner"));
    a.matter_grants(&vault, &c.number, Some(("AB", "edit")))
        .unwrap();
    b.sync_now(&vault_b).unwrap();
    let c_old = b.matter(&c.number).unwrap().id;
    assert!(!traces(&b, "Quartermain").is_empty());
    let server_db = server.dir.path().join("server.db");
    let server_key = satchel_store::DbKey::from_hex(
        &std::fs::read_to_string(server.dir.path().join("server.key")).unwrap(),
    )
    .unwrap();
    let server_holds = |needle: &str| -> bool {
        let mut bytes = satchel_store::decrypted_pages(&server_db, &server_key).unwrap();
        bytes.extend(
            satchel_store::decrypted_wal(&server_db.with_extension("db-wal"), &server_key).unwrap(),
        );
        // And every document it holds, its whole history uncompressed.
        let conn = satchel_store::rusqlite::Connection::open_with_flags(
            &server_db,
            satchel_store::rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        server_key.apply(&conn).unwrap();
        let mut docs: std::collections::BTreeMap<String, Vec<u8>> = Default::default();
        let mut stmt = conn
            .prepare("SELECT key, data FROM chunks ORDER BY key")
            .unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .unwrap();
        for row in rows {
            let (key, data) = row.unwrap();
            if let Some((doc, _)) = key.split_once('/') {
                docs.entry(doc.to_owned()).or_default().extend(data);
            }
        }
        for bytes_of_doc in docs.values() {
            let mut d = automerge::AutoCommit::load(bytes_of_doc).unwrap();
            bytes.extend(d.save_nocompress());
        }
        String::from_utf8_lossy(&bytes).contains(needle)
    };
    assert!(
        server_holds("Quartermain"),
        "the scan sees her on the server before"
    );

    // Meanwhile the fee earner, offline, writes on the matter that mentions her.
    b.add_note(&note(&c.number, "Zelda Quartermain called again"))
        .unwrap();

    let ask = satchel_api::ConflictQuery {
        names: vec![NAME.into()],
    };
    assert!(
        !a.conflict_check(&ask).unwrap().hits.is_empty(),
        "found before"
    );
    let done = a
        .erase_person(&satchel_api::EraseRequest {
            person: NAME.into(),
            request_id: String::new(),
        })
        .unwrap();
    assert_eq!((done.destroyed, done.anonymised), (1, 1));
    // The conflict check's index, built when the matters were opened, forgets her at once
    // (the check records the names it was asked here, on this device only).
    let check = a.conflict_check(&ask).unwrap();
    assert!(check.hits.is_empty(), "{:?}", check.hits);
    let report = a.sync_now(&vault).unwrap();
    assert_eq!(report.erasures_told, 3, "{report:?}");
    assert_eq!(
        count(
            &a,
            "SELECT count(*) FROM erased_documents WHERE told_server = 0"
        ),
        0
    );
    assert!(
        !server_holds("Quartermain"),
        "gone from the server's storage"
    );
    assert!(server_holds("Hal Baines"), "what is kept is still there");

    let report = b.sync_now(&vault_b).unwrap();
    assert_eq!(report.erased_here, 1, "{report:?}");
    assert_eq!(traces(&b, "Quartermain"), Vec::<String>::new());
    // Its offline change to the erased copy went nowhere: nothing is stored under an erased
    // id again, and no grant is given on one.
    assert!(
        !server_holds("Quartermain"),
        "not brought back by the other device"
    );
    let grants = server.admin(&["grants"]);
    assert!(
        !grants.contains(&satchel_sync::repo_id(&c_old).to_string()),
        "{grants}"
    );
    let on_b = b.matter(&c.number).unwrap();
    assert_eq!(
        on_b.id,
        a.matter(&c.number).unwrap().id,
        "the new copy, by its new id"
    );
    assert_eq!(on_b.client_name, "Hal Baines");
    // Quiet after: nothing erased again, nothing dropped again.
    let again = b.sync_now(&vault_b).unwrap();
    assert_eq!(again.erased_here, 0);
    assert_eq!(a.sync_now(&vault).unwrap().erasures_told, 0);
}
