//! The `satchel` binary, run as a script or an admin would run it.

#![allow(clippy::unwrap_used)] // a test that cannot run its setup should panic

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const PASS: &str = "a very long recovery passphrase";

fn satchel(dir: &Path, args: &[&str], pass: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_satchel"));
    cmd.arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("SATCHEL_KEYRING", "off");
    cmd.env_remove("SATCHEL_PASSPHRASE");
    if let Some(p) = pass {
        cmd.env("SATCHEL_PASSPHRASE", p);
    }
    cmd.stdin(Stdio::null()).output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn init(dir: &Path) {
    let o = satchel(
        dir,
        &[
            "init",
            "--firm",
            "Moss & Partners",
            "--user",
            "Ann Moss",
            "--initials",
            "AM",
        ],
        Some(PASS),
    );
    assert!(o.status.success(), "{}", text(&o));
}

/// A store set up with one matter, M00001.
fn with_matter(client: &str, description: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    init(tmp.path());
    let o = satchel(
        tmp.path(),
        &[
            "matter",
            "add",
            "--client",
            client,
            "--description",
            description,
        ],
        Some(PASS),
    );
    assert!(o.status.success(), "{}", text(&o));
    tmp
}

#[test]
fn init_add_list_status_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir);
    let o = satchel(
        dir,
        &[
            "matter",
            "add",
            "--client",
            "Eve Stone",
            "--description",
            "Sale of 9 Quay St",
        ],
        Some(PASS),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).starts_with("M00001\tEve Stone"), "{}", text(&o));
    let o = satchel(dir, &["matter", "list", "--json"], Some(PASS));
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list[0]["number"], "M00001");
    assert_eq!(list[0]["client_name"], "Eve Stone");
    assert_eq!(list[0]["opened_by"], "AM");
    let o = satchel(dir, &["status", "--json"], Some(PASS));
    let st: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(st["matters"], 1);
    assert_eq!(st["firm_name"], "Moss & Partners");
    assert_eq!(
        st["number_blocks"][0], "M00002–M99999",
        "the next number this device gives"
    );
    assert_eq!(st["unit_minutes"], 6);
    let o = satchel(dir, &["verify"], Some(PASS));
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("ok: database intact"), "{}", text(&o));
}

#[test]
fn passphrase_can_come_on_standard_input() {
    let tmp = tempfile::tempdir().unwrap();
    init(tmp.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_satchel"))
        .arg("--data-dir")
        .arg(tmp.path())
        .args(["matter", "list"])
        .env("SATCHEL_KEYRING", "off")
        .env_remove("SATCHEL_PASSPHRASE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASS}").unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("No matters yet."));
}

#[test]
fn wrong_passphrase_fails_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    init(tmp.path());
    let o = satchel(
        tmp.path(),
        &["matter", "list"],
        Some("not the right one at all"),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("recovery passphrase is wrong"),
        "{}",
        text(&o)
    );
}

#[test]
fn bad_input_is_refused_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let o = satchel(tmp.path(), &["matter", "list"], Some(PASS));
    assert!(!o.status.success());
    assert!(text(&o).contains("not set up"), "{}", text(&o));
    let o = satchel(
        tmp.path(),
        &["init", "--firm", "F", "--user", "U", "--initials", "U1"],
        Some(PASS),
    );
    assert!(
        text(&o).contains("Initials must be 2 to 4 letters"),
        "{}",
        text(&o)
    );
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "nothing written"
    );
    init(tmp.path());
    let o = satchel(
        tmp.path(),
        &[
            "matter",
            "add",
            "--client",
            "X",
            "--description",
            "Y",
            "--opened",
            "tomorrow",
        ],
        Some(PASS),
    );
    assert!(
        text(&o).contains("Opening date must be a date written YYYY-MM-DD"),
        "{}",
        text(&o)
    );
}

#[test]
fn verify_names_a_tampered_event_and_fails() {
    use satchel_store::{
        DB_FILE, Store,
        envelope::{ENVELOPE_FILE, Envelope},
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir);
    for c in ["A", "B", "C"] {
        assert!(
            satchel(
                dir,
                &["matter", "add", "--client", c, "--description", "Work"],
                Some(PASS)
            )
            .status
            .success()
        );
    }
    let (seq, id): (i64, String) = {
        let key = Envelope::read(&dir.join(ENVELOPE_FILE))
            .unwrap()
            .open(PASS)
            .unwrap();
        let store = Store::open(&dir.join(DB_FILE), &key).unwrap();
        let c = store.conn();
        c.execute_batch("DROP TRIGGER audit_events_no_update")
            .unwrap();
        c.execute(
            "UPDATE audit_events SET detail = '{\"number\":\"M09999\"}' WHERE action = 'matter.create' AND detail LIKE '%M00002%'",
            [],
        )
        .unwrap();
        c.query_row(
            "SELECT seq, id FROM audit_events WHERE detail LIKE '%M09999%'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    let o = satchel(dir, &["verify"], Some(PASS));
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o);
    assert!(
        out.contains(&format!("audit event #{seq} ({id}) has been altered")),
        "{out}"
    );
    assert!(out.contains("verify FAILED"));
}

#[test]
fn contacts_parties_and_a_conflict_check() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir);
    let o = satchel(
        dir,
        &[
            "contact",
            "add",
            "--kind",
            "organisation",
            "--name",
            "Northwind Traders Limited",
            "--company-number",
            "1234567",
        ],
        Some(PASS),
    );
    assert!(o.status.success(), "{}", text(&o));
    let id = String::from_utf8_lossy(&o.stdout)
        .split('\t')
        .next()
        .unwrap()
        .to_owned();
    let o = satchel(
        dir,
        &[
            "matter",
            "add",
            "--client",
            "Grace Hopper",
            "--description",
            "Claim",
        ],
        Some(PASS),
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = satchel(
        dir,
        &[
            "matter",
            "party",
            "--matter",
            "M00001",
            "--contact",
            &id,
            "--role",
            "other side",
        ],
        Some(PASS),
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = satchel(dir, &["contact", "list", "--json"], Some(PASS));
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list[0]["company_number"], "01234567");
    assert_eq!(list[0]["matters"], 1);
    let o = satchel(
        dir,
        &[
            "conflict",
            "check",
            "Northwind Traders Ltd",
            "G. Hopper",
            "--json",
        ],
        Some(PASS),
    );
    assert!(o.status.success(), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let hits = r["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 2, "{r}");
    assert!(hits.iter().all(|h| h["matter_number"] == "M00001"));
    let o = satchel(
        dir,
        &[
            "contact",
            "add",
            "--name",
            "Bad Date",
            "--date-of-birth",
            "31/12/1980",
        ],
        Some(PASS),
    );
    assert!(!o.status.success());
    assert!(
        text(&o).contains("Date of birth must be a date written YYYY-MM-DD"),
        "{}",
        text(&o)
    );
}

#[test]
fn time_timer_rate_and_wip() {
    let tmp = with_matter("Ada Lovelace", "Patent");
    let dir = tmp.path();
    let o = satchel(dir, &["rate", "180.50"], Some(PASS));
    assert!(text(&o).contains("£180.50 an hour"), "{}", text(&o));
    let o = satchel(
        dir,
        &[
            "time",
            "add",
            "--matter",
            "M00001",
            "--duration",
            "1h",
            "--activity",
            "drafting",
            "--description",
            "Claim form",
        ],
        Some(PASS),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("60 min\t10 units\t£180.50"),
        "{}",
        text(&o)
    );
    let o = satchel(
        dir,
        &[
            "time",
            "add",
            "--matter",
            "M00001",
            "--duration",
            "3 days",
            "--description",
            "x",
        ],
        Some(PASS),
    );
    assert!(text(&o).contains("Duration"), "{}", text(&o));
    let o = satchel(
        dir,
        &[
            "timer",
            "start",
            "--matter",
            "M00001",
            "--description",
            "Call",
        ],
        Some(PASS),
    );
    assert!(text(&o).contains("Timer started on M00001"), "{}", text(&o));
    let o = satchel(dir, &["timer", "status"], Some(PASS));
    assert!(text(&o).contains("Running on M00001"), "{}", text(&o));
    let o = satchel(dir, &["timer", "stop"], Some(PASS));
    assert!(text(&o).contains("1 min\t1 units"), "{}", text(&o));
    let o = satchel(dir, &["wip", "--matter", "M00001", "--json"], Some(PASS));
    let w: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(w["entries"], 2);
    assert_eq!(w["billable_units"], 11);
    assert_eq!(w["value_pence"], 18_050 + 1_805);
}

#[test]
fn key_dates_and_an_ics_file() {
    let tmp = with_matter("Alan Turing", "Appeal");
    let dir = tmp.path();
    let o = satchel(
        dir,
        &[
            "keydate",
            "add",
            "--matter",
            "M00001",
            "--kind",
            "hearing",
            "--date",
            "2070-01-15",
            "--title",
            "Appeal hearing",
            "--remind-days",
            "10",
        ],
        Some(PASS),
    );
    assert!(text(&o).contains("reminder due 2070-01-05"), "{}", text(&o));
    let o = satchel(
        dir,
        &[
            "keydate",
            "add",
            "--matter",
            "M00001",
            "--kind",
            "hearing",
            "--date",
            "2001-01-15",
            "--title",
            "Past",
        ],
        Some(PASS),
    );
    assert!(text(&o).contains("is in the past"), "{}", text(&o));
    let o = satchel(dir, &["keydate", "upcoming", "--json"], Some(PASS));
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        list.as_array().unwrap().len(),
        0,
        "2070 is not in the next 14 days"
    );
    let ics = dir.join("dates.ics");
    let o = satchel(
        dir,
        &["keydate", "ics", "--out", ics.to_str().unwrap()],
        Some(PASS),
    );
    assert!(o.status.success(), "{}", text(&o));
    let body = std::fs::read_to_string(&ics).unwrap();
    assert!(body.starts_with("BEGIN:VCALENDAR"));
    assert!(body.contains("DTSTART;VALUE=DATE:20700115"), "{body}");
}

#[test]
fn notes_from_a_flag_or_standard_input() {
    let tmp = with_matter("Mary Shelley", "Dispute");
    let dir = tmp.path();
    let o = satchel(
        dir,
        &[
            "note",
            "add",
            "--matter",
            "M00001",
            "--title",
            "Call",
            "--body",
            "Client called.",
        ],
        Some(PASS),
    );
    assert!(text(&o).contains("added to M00001"), "{}", text(&o));
    let mut child = Command::new(env!("CARGO_BIN_EXE_satchel"))
        .arg("--data-dir")
        .arg(dir)
        .args([
            "note", "add", "--matter", "M00001", "--kind", "file", "--title", "Research",
        ])
        .env("SATCHEL_KEYRING", "off")
        .env("SATCHEL_PASSPHRASE", PASS)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Long research note\nover two lines")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let o = satchel(
        dir,
        &["note", "list", "--matter", "M00001", "--json"],
        Some(PASS),
    );
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[1]["body"], "Long research note\nover two lines");
    assert_eq!(list[1]["kind"], "file");
}

#[test]
fn matter_terms_and_the_estimate_warning() {
    let tmp = with_matter("Marie Curie", "Lease");
    let dir = tmp.path();
    let o = satchel(
        dir,
        &[
            "matter",
            "terms",
            "--matter",
            "M00001",
            "--rate",
            "100",
            "--estimate",
            "50",
        ],
        Some(PASS),
    );
    assert!(text(&o).contains("estimate £50.00"), "{}", text(&o));
    assert!(
        satchel(
            dir,
            &[
                "time",
                "add",
                "--matter",
                "M00001",
                "--duration",
                "36m",
                "--description",
                "Review lease"
            ],
            Some(PASS)
        )
        .status
        .success()
    );
    let o = satchel(dir, &["wip", "--matter", "M00001"], Some(PASS));
    assert!(
        text(&o).contains("Warning: Work in progress of £60.00 has passed the estimate of £50.00"),
        "{}",
        text(&o)
    );
}

#[test]
fn expenses_and_disbursements() {
    let tmp = with_matter("Ada Byron", "Purchase");
    let dir = tmp.path();
    let o = satchel(
        dir,
        &[
            "expense",
            "add",
            "--matter",
            "M00001",
            "--kind",
            "disbursement",
            "--amount",
            "3",
            "--description",
            "Land Registry search",
        ],
        Some(PASS),
    );
    assert!(text(&o).contains("£3.00 + VAT £0.00"), "{}", text(&o));
    let o = satchel(
        dir,
        &[
            "expense",
            "add",
            "--matter",
            "M00001",
            "--kind",
            "expense",
            "--amount",
            "10",
            "--description",
            "Courier",
        ],
        Some(PASS),
    );
    assert!(text(&o).contains("£10.00 + VAT £2.00"), "{}", text(&o));
    let o = satchel(
        dir,
        &[
            "expense",
            "add",
            "--matter",
            "M00001",
            "--kind",
            "expense",
            "--amount",
            "ten",
            "--description",
            "x",
        ],
        Some(PASS),
    );
    assert!(text(&o).contains("Amount"), "{}", text(&o));
    let o = satchel(dir, &["wip", "--matter", "M00001"], Some(PASS));
    assert!(
        text(&o).contains("Unbilled disbursements £3.00; expenses £10.00"),
        "{}",
        text(&o)
    );
}

#[test]
fn matter_lifecycle_tasks_documents_and_search() {
    let tmp = with_matter("Ivy Lane", "Probate of the late Mr Lane");
    let dir = tmp.path();
    let ok = |args: &[&str]| {
        let o = satchel(dir, args, Some(PASS));
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        text(&o)
    };
    ok(&[
        "user",
        "add",
        "--name",
        "Raj Patel",
        "--initials",
        "RP",
        "--rate",
        "150",
    ]);
    let out = ok(&[
        "matter",
        "details",
        "--matter",
        "M00001",
        "--area",
        "wills and probate",
        "--supervisor",
        "RP",
    ]);
    assert!(
        out.contains("wills and probate") && out.contains("RP"),
        "{out}"
    );
    let out = ok(&[
        "task",
        "add",
        "--matter",
        "M00001",
        "--title",
        "Apply for grant",
        "--due",
        "2099-01-01",
        "--assignee",
        "RP",
    ]);
    let task_id = out.split('\t').next().unwrap().to_owned();
    assert!(ok(&["task", "list", "--matter", "M00001"]).contains("Apply for grant"));
    assert!(ok(&["task", "done", &task_id]).contains("done "));

    let file = dir.join("will.txt");
    std::fs::write(&file, "Last will and testament").unwrap();
    let out = ok(&["doc", "add", "--matter", "M00001", file.to_str().unwrap()]);
    let doc_id = out.split('\t').next().unwrap().to_owned();
    let copy = dir.join("copy.txt");
    ok(&["doc", "export", &doc_id, "--out", copy.to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(&copy).unwrap(),
        "Last will and testament"
    );
    let o = satchel(
        dir,
        &["doc", "export", &doc_id, "--out", copy.to_str().unwrap()],
        Some(PASS),
    );
    assert!(
        !o.status.success() && text(&o).contains("already exists"),
        "{}",
        text(&o)
    );

    let out = ok(&["search", "will", "--json"]);
    let hits: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(hits[0]["kind"], "document", "{out}");
    assert!(ok(&["search", "lane"]).contains("M00001"));

    let o = satchel(
        dir,
        &["matter", "status", "--matter", "M00001", "archived"],
        Some(PASS),
    );
    assert!(
        !o.status.success() && text(&o).contains("closed before"),
        "{}",
        text(&o)
    );
    ok(&["matter", "status", "--matter", "M00001", "closed"]);
    assert!(ok(&["matter", "list", "--status", "open"]).contains("No open matters."));
    assert!(ok(&["matter", "list", "--status", "closed"]).contains("Ivy Lane"));
    assert!(ok(&["wip"]).contains("No time recorded yet."));
    ok(&[
        "time",
        "add",
        "--matter",
        "M00001",
        "--duration",
        "0:20",
        "--description",
        "Review",
    ]);
    let wip = ok(&["wip"]);
    assert!(
        wip.starts_with("AM\tAnn Moss\t1 matters\t1 entries\t20 billable min"),
        "{wip}"
    );
    let ics = dir.join("mine.ics");
    ok(&[
        "keydate",
        "ics",
        "--user",
        "",
        "--out",
        ics.to_str().unwrap(),
    ]);
    let ics = std::fs::read_to_string(&ics).unwrap();
    assert!(ics.contains("BEGIN:VCALENDAR"), "{ics}");
    let o = satchel(
        dir,
        &[
            "account",
            "add",
            "--kind",
            "client",
            "--name",
            "Moss & Partners Office",
            "--sort-code",
            "20-00-00",
            "--number",
            "12345678",
        ],
        Some(PASS),
    );
    assert!(
        !o.status.success() && text(&o).contains("word \"client\""),
        "{}",
        text(&o)
    );
    ok(&[
        "account",
        "add",
        "--kind",
        "client",
        "--name",
        "Moss & Partners Client Account",
        "--sort-code",
        "20-00-00",
        "--number",
        "12345678",
        "--opening",
        "75.00",
        "--brought-forward",
        "M00001=75.00",
    ]);
    assert!(
        ok(&["account", "list"])
            .contains("client\tMoss & Partners Client Account\t20-00-00 12345678\topening £75.00")
    );
    assert!(ok(&["unit", "10"]).contains("10-minute"));
    let o = satchel(dir, &["unit", "7"], Some(PASS));
    assert!(
        !o.status.success() && text(&o).contains("divide an hour"),
        "{}",
        text(&o)
    );
    ok(&["verify"]);
}

#[test]
fn contacts_import_from_and_export_to_vcard_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    init(&dir);
    let vcf = tmp.path().join("contacts.vcf");
    std::fs::write(
        &vcf,
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Hopper;Grace;;;\r\nFN:Grace Hopper\r\n\
         EMAIL;type=INTERNET:grace@example.com\r\nEND:VCARD\r\n\
         BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:org\r\nFN:Northwind Traders Limited\r\nEND:VCARD\r\n",
    )
    .unwrap();
    let path = vcf.to_str().unwrap();
    let o = satchel(&dir, &["contact", "import", path], Some(PASS));
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "Imported 2 contacts; skipped 0 duplicates.\n"
    );
    let o = satchel(&dir, &["contact", "list", "--json"], Some(PASS));
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list[0]["name"], "Grace Hopper");
    assert_eq!(list[0]["email"], "grace@example.com");
    assert_eq!(list[1]["name"], "Northwind Traders Limited");
    assert_eq!(list[1]["kind"], "organisation");
    let o = satchel(&dir, &["contact", "import", path, "--json"], Some(PASS));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["imported"], 0);
    assert_eq!(r["skipped_duplicates"], 2);

    let o = satchel(&dir, &["contact", "export"], Some(PASS));
    assert!(o.status.success(), "{}", text(&o));
    let exported = String::from_utf8(o.stdout).unwrap();
    assert_eq!(
        exported.matches("BEGIN:VCARD\r\nVERSION:4.0\r\n").count(),
        2
    );
    assert!(exported.contains("FN:Grace Hopper\r\n"), "{exported}");
    let out = tmp.path().join("out.vcf");
    let o = satchel(
        &dir,
        &["contact", "export", "--out", out.to_str().unwrap()],
        Some(PASS),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), exported);

    // A malformed file: nothing is added, and the message names the line.
    std::fs::write(
        &vcf,
        "BEGIN:VCARD\nVERSION:3.0\nFN:Ada Lovelace\nEND:VCARD\n\
         BEGIN:VCARD\nVERSION:3.0\nFN:Charles Babbage\nEMAIL:charles-at-example\nEND:VCARD\n",
    )
    .unwrap();
    let o = satchel(&dir, &["contact", "import", path], Some(PASS));
    assert!(!o.status.success());
    assert!(
        text(&o).contains("line 5 (card 2, Charles Babbage): email:"),
        "{}",
        text(&o)
    );
    std::fs::write(
        &vcf,
        "BEGIN:VCARD\nVERSION:3.0\nFN:Ada Lovelace\nEND:VCARD\nBEGIN:VCARD\nFN:B\n",
    )
    .unwrap();
    let o = satchel(&dir, &["contact", "import", path], Some(PASS));
    assert!(!o.status.success());
    assert!(text(&o).contains("error: line 5: "), "{}", text(&o));
    let o = satchel(&dir, &["contact", "list", "--json"], Some(PASS));
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[test]
fn money_bills_and_the_register_from_the_command_line() {
    let tmp = with_matter("Priya Shah", "Sale of 4 Mill Lane");
    let dir = tmp.path();
    let run = |args: &[&str]| satchel(dir, args, Some(PASS));
    let ok = |args: &[&str]| {
        let o = run(args);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    ok(&[
        "account",
        "add",
        "--kind",
        "client",
        "--name",
        "Moss & Partners Client Account",
        "--sort-code",
        "20-00-00",
        "--number",
        "12345678",
    ]);
    ok(&[
        "account",
        "add",
        "--kind",
        "office",
        "--name",
        "Moss & Partners Office Account",
        "--sort-code",
        "20-00-00",
        "--number",
        "87654321",
    ]);
    ok(&[
        "money",
        "receive",
        "--matter",
        "M00001",
        "--account",
        "client",
        "--amount",
        "750.00",
        "--reference",
        "BACS 1",
        "--from",
        "Priya Shah",
    ]);
    // An overdrawing payment fails, saying what is available; a fraction of a penny too.
    let o = run(&[
        "money",
        "pay",
        "--matter",
        "M00001",
        "--account",
        "client",
        "--amount",
        "750.01",
        "--reference",
        "CHQ 1",
        "--to",
        "Land Registry",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("available £750.00"), "{}", text(&o));
    let o = run(&[
        "money",
        "pay",
        "--matter",
        "M00001",
        "--account",
        "client",
        "--amount",
        "1.001",
        "--reference",
        "CHQ 1",
        "--to",
        "Land Registry",
    ]);
    assert!(!o.status.success());
    // A transfer to office with no bill fails and names the rule.
    let o = run(&[
        "money",
        "transfer",
        "--matter",
        "M00001",
        "--account",
        "client",
        "--amount",
        "10.00",
        "--reference",
        "T1",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("against a bill"), "{}", text(&o));

    ok(&["rate", "200.00"]);
    ok(&[
        "time",
        "add",
        "--matter",
        "M00001",
        "--duration",
        "1:30",
        "--activity",
        "drafting",
        "--description",
        "Contract",
    ]);
    let bill = ok(&["bill", "create", "M00001"]);
    assert!(
        bill.contains("B000001") && bill.contains("total £360.00"),
        "{bill}"
    );
    ok(&[
        "money",
        "transfer",
        "--matter",
        "M00001",
        "--account",
        "client",
        "--amount",
        "360.00",
        "--bill",
        "B000001",
        "--reference",
        "Costs",
    ]);
    let ledger = ok(&["money", "ledger", "M00001"]);
    assert!(ledger.contains("Client money held £390.00"), "{ledger}");
    assert!(ledger.contains("office side £0.00"), "{ledger}");
    let shown = ok(&["bill", "show", "B000001", "--json"]);
    let b: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(b["unpaid_pence"], 0);
    let csv = dir.join("register.csv");
    ok(&["bill", "list", "--csv", csv.to_str().unwrap()]);
    let register = std::fs::read_to_string(&csv).unwrap();
    assert!(register.contains("B000001,bill,"), "{register}");
    let pdf = dir.join("B000001.pdf");
    ok(&["bill", "pdf", "B000001", "--out", pdf.to_str().unwrap()]);
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    let balances = ok(&["money", "balances"]);
    assert!(
        balances.contains("M00001") && balances.contains("£390.00"),
        "{balances}"
    );
}

#[test]
fn statement_import_reconcile_sign_and_the_five_week_warning() {
    let tmp = with_matter("Priya Shah", "Sale of 4 Mill Lane");
    let dir = tmp.path();
    let run = |args: &[&str]| satchel(dir, args, Some(PASS));
    let ok = |args: &[&str]| {
        let o = run(args);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    // Opened 60 days ago and never reconciled: `status` warns and fails.
    let today = jiff::Zoned::now().date();
    let opened = today.saturating_sub(jiff::Span::new().days(60)).to_string();
    ok(&[
        "account",
        "add",
        "--kind",
        "client",
        "--name",
        "Moss & Partners Client Account",
        "--sort-code",
        "20-00-00",
        "--number",
        "12345678",
        "--opened-on",
        &opened,
    ]);
    let o = run(&["status"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("never been reconciled"), "{}", text(&o));

    ok(&[
        "money",
        "receive",
        "--matter",
        "M00001",
        "--account",
        "client",
        "--amount",
        "250.00",
        "--reference",
        "BACS 77",
        "--from",
        "Priya Shah",
    ]);
    let (y, m, d) = (today.year(), today.month(), today.day());
    let csv = dir.join("statement.csv");
    std::fs::write(
        &csv,
        format!(
            "Date,Description,Amount,Balance\n{d:02}/{m:02}/{y},PRIYA SHAH BACS 77,250.00,250.00\n"
        ),
    )
    .unwrap();
    // A CSV with no layout is refused; with one, imported and matched.
    let o = run(&[
        "statement",
        "import",
        "--account",
        "client",
        csv.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("no CSV layout saved"), "{}", text(&o));
    let out = ok(&[
        "statement",
        "import",
        "--account",
        "client",
        csv.to_str().unwrap(),
        "--date-column",
        "0",
        "--description-column",
        "1",
        "--amount-column",
        "2",
        "--balance-column",
        "3",
    ]);
    assert!(
        out.contains("1 added, 0 already imported, 1 matched"),
        "{out}"
    );
    // The same file again adds nothing and says so.
    let o = run(&[
        "statement",
        "import",
        "--account",
        "client",
        csv.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("already imported"), "{}", text(&o));
    // A malformed CSV names its line.
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "Date,Description,Amount,Balance\n31/02/2026,X,1.00,1.00\n",
    )
    .unwrap();
    let o = run(&[
        "statement",
        "import",
        "--account",
        "client",
        bad.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("Line 2"), "{}", text(&o));

    let json = ok(&["reconcile", "--account", "client", "--json"]);
    let r: serde_json::Value = serde_json::from_str(&json).unwrap();
    for (figure, pence) in [
        ("statement_balance", 25_000),
        ("outstanding_lodgements", 0),
        ("unpresented_payments", 0),
        ("adjusted_bank_balance", 25_000),
        ("cash_book_balance", 25_000),
        ("client_ledger_total", 25_000),
        ("difference", 0),
    ] {
        assert_eq!(r[figure], pence, "{figure}: {json}");
    }
    assert!(r["debit_balances"].as_array().unwrap().is_empty());
    let signed = ok(&["reconcile", "--account", "client", "--sign"]);
    assert!(signed.contains("Signed by AM"), "{signed}");
    let o = run(&["reconcile", "--account", "client", "--sign"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("cannot be changed"), "{}", text(&o));
    ok(&["status"]);
    let history = ok(&["reconcile", "--account", "client", "--history"]);
    assert!(history.contains("difference £0.00"), "{history}");

    // The accountant's report data since the account opened: one reconciliation, a gap
    // before it, exempt on £250.00 held.
    let pdf = dir.join("accountants.pdf");
    let json = ok(&[
        "report",
        "accountants",
        "--from",
        &opened,
        "--to",
        &today.to_string(),
        "--json",
        "--pdf",
        pdf.to_str().unwrap(),
    ]);
    let start = json.find('{').unwrap();
    let r: serde_json::Value = serde_json::from_str(&json[start..]).unwrap();
    assert_eq!(r["exempt"], true, "{json}");
    assert_eq!(r["maximum_balance_pence"], 25_000);
    assert_eq!(r["gaps"].as_array().unwrap().len(), 1, "{json}");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    ok(&[
        "breach",
        "--description",
        "Cheque drawn on client account for office rent; replaced",
        "--matter",
        "M00001",
    ]);
    let registers = ok(&["report", "registers"]);
    assert!(registers.contains("Breach log: 1"), "{registers}");
}

/// A backup taken, listed and restored from the command line; an archive exported and
/// opened in a new data folder with the passphrase alone; a wrong passphrase refused
/// with nothing made.
#[test]
fn backup_restore_and_an_archive_on_a_new_machine() {
    let tmp = with_matter("Eve Stone", "Sale of 9 Quay St");
    let dir = tmp.path();
    let o = satchel(dir, &["backup"], Some(PASS));
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("backed up and verified"), "{}", text(&o));
    let o = satchel(dir, &["backups", "--json"], Some(PASS));
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["manifest"]["counts"]["matters"], 1);
    let backup = list[0]["path"].as_str().unwrap().to_owned();
    let o = satchel(
        dir,
        &[
            "matter",
            "add",
            "--client",
            "Fay Wren",
            "--description",
            "Lease",
        ],
        Some(PASS),
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = satchel(dir, &["restore", &backup], Some(PASS));
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("the store as it was is kept in"),
        "{}",
        text(&o)
    );
    let o = satchel(dir, &["matter", "list", "--json"], Some(PASS));
    let matters: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(matters.as_array().unwrap().len(), 1, "{matters}");

    let usb = tempfile::tempdir().unwrap();
    let o = satchel(
        dir,
        &["export-archive", usb.path().to_str().unwrap()],
        Some(PASS),
    );
    assert!(o.status.success(), "{}", text(&o));
    let archive = std::fs::read_dir(usb.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let machine = tempfile::tempdir().unwrap();
    let fresh = machine.path().join("data");
    let o = satchel(
        &fresh,
        &["restore", archive.to_str().unwrap()],
        Some("the wrong passphrase entirely"),
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("passphrase is wrong"), "{}", text(&o));
    assert!(!fresh.join("satchel.db").exists());
    let o = satchel(&fresh, &["restore", archive.to_str().unwrap()], Some(PASS));
    assert!(o.status.success(), "{}", text(&o));
    let o = satchel(&fresh, &["matter", "list", "--json"], Some(PASS));
    let matters: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(matters[0]["client_name"], "Eve Stone");
}

/// The key rotated and the passphrase changed from the command line: the store opens
/// with the new passphrase only, and its data is the same.
#[test]
fn key_rotation_and_a_new_passphrase() {
    let tmp = with_matter("Eve Stone", "Sale of 9 Quay St");
    let dir = tmp.path();
    let o = satchel(dir, &["key", "rotate"], Some("not the passphrase at all"));
    assert!(!o.status.success());
    assert!(text(&o).contains("passphrase is wrong"), "{}", text(&o));
    let o = satchel(dir, &["key", "rotate"], Some(PASS));
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("encrypted under a new key"),
        "{}",
        text(&o)
    );
    const NEW: &str = "another very long recovery passphrase";
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_satchel"));
    let o = cmd
        .arg("--data-dir")
        .arg(dir)
        .args(["key", "passphrase"])
        .env("SATCHEL_KEYRING", "off")
        .env("SATCHEL_PASSPHRASE", PASS)
        .env("SATCHEL_NEW_PASSPHRASE", NEW)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let o = satchel(dir, &["matter", "list"], Some(PASS));
    assert!(!o.status.success(), "the old passphrase no longer opens it");
    let o = satchel(dir, &["matter", "list", "--json"], Some(NEW));
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list[0]["client_name"], "Eve Stone");
    let o = satchel(dir, &["verify"], Some(NEW));
    assert!(o.status.success(), "{}", text(&o));
}

/// The access log from the command line: the matter's events by number, as lines or CSV.
#[test]
fn the_access_log_by_matter_and_as_csv() {
    let tmp = with_matter("Eve Stone", "Sale of 9 Quay St");
    let dir = tmp.path();
    let o = satchel(dir, &["access-log", "--matter", "M00001"], Some(PASS));
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("matter.create\tM00001"), "{}", text(&o));
    let o = satchel(dir, &["access-log", "--csv"], Some(PASS));
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).starts_with("at,initials,user,device,action,subject,detail"),
        "{}",
        text(&o)
    );
    let o = satchel(dir, &["access-log", "--user", "ZZ"], Some(PASS));
    assert!(!o.status.success());
    assert!(
        text(&o).contains("no user has the initials ZZ"),
        "{}",
        text(&o)
    );
}

#[test]
fn gdpr_requests_export_erasure_breaches_and_processing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir);
    let run = |args: &[&str]| satchel(dir, args, Some(PASS));
    let ok = |args: &[&str]| {
        let o = run(args);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        text(&o)
    };
    let added = ok(&[
        "contact",
        "add",
        "--kind",
        "person",
        "--name",
        "Zelda Quartermain",
        "--email",
        "zelda.q@example.org",
    ]);
    let id = added.split('\t').next().unwrap().trim().to_owned();
    ok(&[
        "matter",
        "add",
        "--client-id",
        &id,
        "--description",
        "Tribunal claim",
    ]);
    // An unknown person is named as such.
    let o = run(&["gdpr", "request", "--person", "Nobody Atall"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("'Nobody Atall' is not a contact"),
        "{}",
        text(&o)
    );
    let out = ok(&["gdpr", "request", "--person", "Zelda Quartermain"]);
    assert!(out.contains("answer by"), "{out}");
    assert!(ok(&["gdpr", "requests"]).contains("days left"));
    let exports = dir.join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    let out = ok(&[
        "gdpr",
        "export",
        "--person",
        "Zelda Quartermain",
        "--out",
        exports.to_str().unwrap(),
    ]);
    assert!(out.contains("1 matters"), "{out}");
    // Her matter is open: the erasure is refused, naming the hold, and nothing goes.
    let o = run(&["gdpr", "erase", "--person", "Zelda Quartermain", "--yes"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("the matter is open"), "{}", text(&o));
    let o = run(&["gdpr", "erase", "--person", "Zelda Quartermain"]);
    assert!(text(&o).contains("run again with --yes"), "{}", text(&o));
    assert!(ok(&["contact", "list"]).contains("Zelda Quartermain"));
    // A breach discovered in the future is refused; one an hour ago shows its clock.
    let o = run(&[
        "gdpr",
        "breach",
        "--discovered",
        "2999-01-01 09:00",
        "--nature",
        "Lost laptop",
        "--data",
        "names",
        "--people",
        "3",
        "--records",
        "9",
        "--risk",
        "risk",
        "--assessment",
        "Encrypted",
    ]);
    assert!(text(&o).contains("is in the future"), "{}", text(&o));
    let hour_ago = std::process::Command::new("date")
        .args(["-d", "1 hour ago", "+%Y-%m-%d %H:%M"])
        .env("TZ", "Europe/London")
        .output()
        .unwrap();
    let hour_ago = String::from_utf8_lossy(&hour_ago.stdout).trim().to_owned();
    let out = ok(&[
        "gdpr",
        "breach",
        "--discovered",
        &hour_ago,
        "--nature",
        "Email to the wrong client",
        "--data",
        "names, case facts",
        "--people",
        "1",
        "--records",
        "1",
        "--risk",
        "risk",
        "--assessment",
        "Recipient confirmed deletion",
    ]);
    assert!(
        out.contains("h ") && out.contains("left to tell the ICO"),
        "{out}"
    );
    assert!(ok(&["gdpr", "breaches", "--csv"]).contains("Email to the wrong client"));
    ok(&[
        "gdpr",
        "set-processing",
        "--activity",
        "Client matters",
        "--purpose",
        "Legal work",
        "--basis",
        "contract",
        "--people",
        "clients",
        "--data",
        "contact details",
        "--retention",
        "six years",
        "--security",
        "encryption",
    ]);
    assert!(ok(&["gdpr", "processing", "--csv"]).contains("Client matters"));
    assert!(ok(&["gdpr", "retention"]).contains("conveyancing\t15 years"));
}
