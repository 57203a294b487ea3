//! UK GDPR for the firm as a controller: subject access and erasure requests with their
//! clocks, everything held about a person (JSON and PDF), erasure that keeps what the law
//! holds and removes the rest for real, the retention schedule and its review, the
//! register of personal-data breaches, and the record of processing activities.
//!
//! Erasing removes whole documents: Automerge keeps every value a document ever held, so a
//! document that must lose a person's details is made again from its current state without
//! them, under a new id, and the old one is destroyed here (its rows, its history, its
//! files' bytes no other version needs), on the firm server at the next sync, and on every
//! other device at theirs (`erased_documents`).

use crate::contacts::resolve_matter;
use crate::firmdoc::update_firm;
use crate::{AppError, Satchel, docs, projection};
use jiff::Timestamp;
use jiff::civil::Date;
use satchel_api as api;
use satchel_core::gdpr::{self, BreachRisk, Hold, MatterFacts, Redactor};
use satchel_core::matter::MatterNumber;
use satchel_core::{Invalid, Money, dates, required_text};
use satchel_store::rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The firm's document, read whole.
pub(crate) fn firm_doc(conn: &Connection, id: &str) -> Result<docs::FirmDoc, AppError> {
    let doc = docs::load(conn, id)?
        .ok_or_else(|| AppError::Document("the firm's document is missing".into()))?;
    Ok(autosurgeon::hydrate(&doc)?)
}

fn matter_doc(conn: &Connection, id: &str) -> Result<docs::MatterDoc, AppError> {
    let doc = docs::load(conn, id)?
        .ok_or_else(|| AppError::Document(format!("matter {id} has no document")))?;
    Ok(autosurgeon::hydrate(&doc)?)
}

fn years_for(firm: &docs::FirmDoc, area: &str) -> u32 {
    firm.retention_years
        .get(area)
        .and_then(|y| u32::try_from(*y).ok())
        .unwrap_or_else(|| gdpr::default_retention_years(area))
}

fn hold_text(h: &Hold) -> api::HoldText {
    api::HoldText {
        name: h.name().to_owned(),
        reason: h.reason(),
        until: h.until().map(|d| d.to_string()),
    }
}

/// A `LIKE` pattern for text anywhere in a column (`\` escapes).
fn like(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.trim().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The details of a person that identify them in text: name, email, phone, address.
fn details(c: &api::Contact) -> Vec<String> {
    [
        Some(c.name.clone()),
        c.email.clone(),
        c.phone.clone(),
        c.address.clone(),
    ]
    .into_iter()
    .flatten()
    .map(|d| d.trim().to_owned())
    .filter(|d| d.chars().count() >= 3)
    .collect()
}

/// A matter that holds something about a person: their roles on it (none: mentioned).
struct About {
    id: String,
    roles: Vec<String>,
}

/// Every matter a person is a party to or mentioned on (in its names, notes, narratives,
/// postings, bills, tasks, key dates, document names or its conflict check).
fn matters_about(conn: &Connection, c: &api::Contact) -> Result<Vec<About>, AppError> {
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    {
        let mut stmt =
            conn.prepare("SELECT matter_id, role FROM matter_parties WHERE contact_id = ?1")?;
        let rows = stmt.query_map([&c.id], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
        for row in rows {
            let (m, role) = row?;
            found.entry(m).or_default().push(role);
        }
    }
    // One pass over each table for all their details at once.
    let needles: Vec<String> = details(c).iter().map(|d| like(d)).collect();
    if !needles.is_empty() {
        let any = |cols: &[&str]| -> String {
            cols.iter()
                .flat_map(|col| {
                    (1..=needles.len()).map(move |i| format!("{col} LIKE ?{i} ESCAPE '\\'"))
                })
                .collect::<Vec<_>>()
                .join(" OR ")
        };
        let sql = format!(
            "SELECT id FROM matters WHERE {}
             UNION SELECT matter_id FROM notes WHERE {}
             UNION SELECT matter_id FROM time_entries WHERE {}
             UNION SELECT matter_id FROM expenses WHERE {}
             UNION SELECT matter_id FROM key_dates WHERE {}
             UNION SELECT matter_id FROM tasks WHERE {}
             UNION SELECT matter_id FROM matter_files WHERE {}
             UNION SELECT matter_id FROM postings WHERE {}
             UNION SELECT matter_id FROM bills WHERE {}
             UNION SELECT matter_id FROM conflict_checks WHERE matter_id IS NOT NULL AND ({})",
            any(&["client_name", "description"]),
            any(&["title", "body"]),
            any(&["description"]),
            any(&["description"]),
            any(&["title"]),
            any(&["title"]),
            any(&["name"]),
            any(&["body"]),
            any(&["lines", "reason"]),
            any(&["names", "hits"]),
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(
            satchel_store::rusqlite::params_from_iter(needles.iter()),
            |r| r.get::<_, String>(0),
        )?;
        for m in rows {
            found.entry(m?).or_default();
        }
    }
    // `LIKE` finds candidates (and ignores case only in ASCII); a matter they are not a
    // party to counts only if a text of its document names them as words of their own.
    let r = Redactor::new(details(c).iter().map(String::as_str));
    let mut about = Vec::new();
    for (id, roles) in found {
        if roles.is_empty() && !mentions(&matter_doc(conn, &id)?, &r)? {
            continue;
        }
        about.push(About { id, roles });
    }
    Ok(about)
}

/// Whether any text of a matter's document names the person.
fn mentions(m: &docs::MatterDoc, r: &Redactor) -> Result<bool, AppError> {
    fn walk(v: &serde_json::Value, r: &Redactor) -> bool {
        match v {
            serde_json::Value::String(s) => r.finds(s),
            serde_json::Value::Array(items) => items.iter().any(|i| walk(i, r)),
            serde_json::Value::Object(map) => map.values().any(|i| walk(i, r)),
            _ => false,
        }
    }
    let value = serde_json::to_value(m).map_err(|e| AppError::Document(e.to_string()))?;
    Ok(walk(&value, r))
}

/// What a matter holds about a person: everything when they are a party to it, otherwise
/// each item that names them.
fn items_of(m: &docs::MatterDoc, party: bool, r: &Redactor) -> Vec<api::HeldItem> {
    let take = |texts: &[&str]| party || texts.iter().any(|t| r.finds(t));
    let item = |kind: &str, date: &str, text: String, privileged: bool| api::HeldItem {
        kind: kind.to_owned(),
        date: date.chars().take(10).collect(),
        text,
        privileged,
    };
    let money = |p: i64| Money::from_pence(p).to_string();
    let mut out = vec![item(
        "matter",
        &m.opened,
        format!("{} — {} ({})", m.client_name, m.description, m.status),
        false,
    )];
    if let Some(c) = &m.conflict {
        let hits = c.hits.join("; ");
        if take(&[&c.names.join(" "), &hits, &c.reason]) {
            out.push(item(
                "conflict check",
                &c.checked_at,
                format!(
                    "names {}; {} hits; decision {}: {}",
                    c.names.join(", "),
                    c.hits.len(),
                    c.decision,
                    c.reason
                ),
                true,
            ));
        }
    }
    for n in &m.notes {
        if take(&[&n.title, &n.body]) {
            out.push(item(
                "note",
                &n.at,
                format!("{} note: {} — {}", n.kind, n.title, n.body),
                true,
            ));
        }
    }
    for t in &m.time {
        if take(&[&t.description]) {
            out.push(item(
                "time",
                &t.date,
                format!(
                    "{} min, {}: {} ({})",
                    t.minutes,
                    t.activity,
                    t.description,
                    money(t.value_pence)
                ),
                true,
            ));
        }
    }
    for e in &m.expenses {
        if take(&[&e.description]) {
            out.push(item(
                "expense",
                &e.date,
                format!(
                    "{}: {} ({} + VAT {})",
                    e.kind,
                    e.description,
                    money(e.net_pence),
                    money(e.vat_pence)
                ),
                false,
            ));
        }
    }
    for k in &m.key_dates {
        if take(&[&k.title]) {
            out.push(item(
                "key date",
                &k.date,
                format!("{}: {}", k.kind, k.title),
                false,
            ));
        }
    }
    for t in &m.tasks {
        if take(&[&t.title]) {
            out.push(item(
                "task",
                &t.due,
                format!(
                    "{}{}",
                    t.title,
                    if t.done_on.is_some() { " (done)" } else { "" }
                ),
                false,
            ));
        }
    }
    for f in &m.files {
        if take(&[&f.name]) {
            let latest = f.versions.last();
            out.push(item(
                "document",
                latest.map_or("", |v| v.added_at.as_str()),
                format!(
                    "{} ({} version{})",
                    f.name,
                    f.versions.len(),
                    if f.versions.len() == 1 { "" } else { "s" }
                ),
                true,
            ));
        }
    }
    for p in &m.postings {
        if take(&[&p.party, &p.reference, &p.client]) {
            out.push(item(
                "posting",
                &p.date,
                format!(
                    "{} {} {} ref {}",
                    p.kind.replace('_', " "),
                    money(p.amount_pence),
                    p.party,
                    p.reference
                ),
                false,
            ));
        }
    }
    for b in &m.bills {
        let lines: Vec<&str> = b.lines.iter().map(|l| l.description.as_str()).collect();
        if take(&[&lines.join(" "), b.reason.as_deref().unwrap_or("")]) {
            let total: i64 = b.lines.iter().map(|l| l.net_pence + l.vat_pence).sum();
            out.push(item(
                "bill",
                &b.date,
                format!("{} {} {}", b.kind.replace('_', " "), b.number, money(total)),
                false,
            ));
        }
    }
    out
}

/// Take a person's details out of every text of a document (as JSON), whatever field
/// holds it.
fn redact_value(v: &mut serde_json::Value, r: &Redactor) {
    match v {
        serde_json::Value::String(s) => {
            if let Some(clean) = r.redact(s) {
                *s = clean;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|i| redact_value(i, r)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|i| redact_value(i, r)),
        _ => {}
    }
}

/// The matter without the person: their party entries gone and their details out of every
/// text, under a new id.
fn without_person(
    m: &docs::MatterDoc,
    contact_id: &str,
    r: &Redactor,
) -> Result<docs::MatterDoc, AppError> {
    let bad = |e: serde_json::Error| AppError::Document(e.to_string());
    let mut value = serde_json::to_value(m).map_err(bad)?;
    redact_value(&mut value, r);
    let mut clean: docs::MatterDoc = serde_json::from_value(value).map_err(bad)?;
    clean.parties.retain(|p| p.contact_id != contact_id);
    clean.id = Uuid::now_v7().to_string();
    Ok(clean)
}

/// Destroy a document here: its rows in every projection, its history, and the bytes of
/// files nothing else refers to. Recorded as erased (with what replaced it), for the firm
/// server to be told at the next sync (`told`: it knows already).
pub(crate) fn destroy_document(
    tx: &Transaction<'_>,
    id: &str,
    replaced_by: Option<&str>,
    at: Timestamp,
    told: bool,
) -> Result<(), AppError> {
    let kind: Option<String> = tx
        .query_row("SELECT kind FROM documents WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    match kind.as_deref() {
        Some(docs::KIND_MATTER) => {
            tx.execute(
                "DELETE FROM posting_moves WHERE posting_id IN (SELECT id FROM postings WHERE matter_id = ?1)",
                [id],
            )?;
            for table in [
                "postings",
                "bills",
                "time_entries",
                "timers",
                "key_dates",
                "notes",
                "expenses",
                "tasks",
                "matter_files",
                "matter_parties",
                "conflict_checks",
                "search_docs",
            ] {
                tx.execute(&format!("DELETE FROM {table} WHERE matter_id = ?1"), [id])?;
            }
            tx.execute(
                "DELETE FROM search_docs WHERE kind = 'matter' AND ref_id = ?1",
                [id],
            )?;
            tx.execute("DELETE FROM matters WHERE id = ?1", [id])?;
        }
        Some(docs::KIND_CONTACT) => {
            tx.execute("DELETE FROM matter_parties WHERE contact_id = ?1", [id])?;
            tx.execute(
                "DELETE FROM search_docs WHERE kind = 'contact' AND ref_id = ?1",
                [id],
            )?;
            tx.execute("DELETE FROM contacts WHERE id = ?1", [id])?;
        }
        Some(other) => {
            return Err(AppError::Document(format!(
                "a {other} document is not destroyed by erasure"
            )));
        }
        None => {}
    }
    tx.execute("DELETE FROM doc_changes WHERE doc_id = ?1", [id])?;
    tx.execute("DELETE FROM documents WHERE id = ?1", [id])?;
    tx.execute(
        "INSERT INTO erased_documents (id, replaced_by, erased_at, told_server) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO NOTHING",
        params![id, replaced_by, at.to_string(), told],
    )?;
    Ok(())
}

/// The bytes of files no version of any matter's documents refers to any more.
fn drop_unused_blobs(tx: &Transaction<'_>) -> Result<usize, AppError> {
    Ok(tx.execute(
        "DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM matter_files f WHERE f.sha256 = blobs.sha256)",
        [],
    )?)
}

/// After erasing: the search index merged (deleted entries leave its old segments), and
/// the WAL written back and emptied, so the pages that held the details are overwritten
/// (the store deletes securely) rather than left in the log.
fn scrub_after(conn: &Connection) -> Result<(), AppError> {
    conn.execute(
        "INSERT INTO search_index (search_index) VALUES ('optimize')",
        [],
    )?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// What the plan does with each matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Destroy,
    Anonymise,
    Keep,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Destroy => "destroy",
            Action::Anonymise => "anonymise",
            Action::Keep => "keep",
        }
    }
}

struct Plan {
    shown: api::ErasurePlan,
    matters: Vec<(String, Action)>,
    contact: api::Contact,
}

/// A matter's facts for the holds, from its projection.
fn facts(
    conn: &Connection,
    firm: &docs::FirmDoc,
    matter_id: &str,
    client: bool,
) -> Result<(MatterFacts, MatterNumber, String), AppError> {
    let (number, description, status, opened, closed_on, area): (
        u32,
        String,
        String,
        String,
        Option<String>,
        String,
    ) = conn.query_row(
        "SELECT number, description, status, opened, closed_on, practice_area FROM matters WHERE id = ?1",
        [matter_id],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        },
    )?;
    // (By number: the postings and bills are indexed by it.)
    let last_money: Option<String> = conn.query_row(
        "SELECT max(d) FROM (SELECT max(date) AS d FROM postings WHERE matter_number = ?1
                             UNION ALL SELECT max(date) FROM bills WHERE matter_number = ?1)",
        [number],
        |r| r.get(0),
    )?;
    let date = |t: &str| -> Result<Date, AppError> {
        t.parse::<Date>()
            .map_err(|_| AppError::Document(format!("'{t}' is not a date")))
    };
    let facts = MatterFacts {
        open: status == "open",
        closed_on: closed_on.as_deref().map(date).transpose()?,
        opened: date(&opened)?,
        last_money: last_money.as_deref().map(date).transpose()?,
        client,
        retention_years: years_for(firm, &area),
        area,
    };
    Ok((facts, MatterNumber::new(number), description))
}

/// The firm's decisions to keep a matter past its date, latest per matter: kept until.
fn kept_by_decision(firm: &docs::FirmDoc) -> BTreeMap<u64, (String, String)> {
    let mut kept = BTreeMap::new();
    for d in &firm.retention_decisions {
        match (d.decision.as_str(), &d.keep_until) {
            ("keep", Some(until)) => {
                kept.insert(d.matter_number, (until.clone(), d.reason.clone()));
            }
            _ => {
                kept.remove(&d.matter_number);
            }
        }
    }
    kept
}

fn decision_hold(kept: Option<&(String, String)>, today: Date) -> Option<api::HoldText> {
    let (until, reason) = kept?;
    (until.as_str() > today.to_string().as_str()).then(|| api::HoldText {
        name: "the firm's decision to keep it".into(),
        reason: format!("kept until {until}: {reason}"),
        until: Some(until.clone()),
    })
}

impl Satchel {
    fn require_compliance(&self, what: &str) -> Result<(), AppError> {
        self.require_manager(what)
    }

    fn firm(&self) -> Result<docs::FirmDoc, AppError> {
        firm_doc(self.store.conn(), &self.ctx.firm_doc)
    }

    /// A person by their contact's id or their exact name.
    pub fn find_person(&self, person: &str) -> Result<api::Contact, AppError> {
        let text = person.trim();
        if text.is_empty() {
            return Err(Invalid::new("person", "is required: a contact's name or id").into());
        }
        let conn = self.store.conn();
        let by_id: Option<String> = conn
            .query_row("SELECT id FROM contacts WHERE id = ?1", [text], |r| {
                r.get(0)
            })
            .optional()?;
        if let Some(id) = by_id {
            return self.contact(&id);
        }
        let mut stmt =
            conn.prepare("SELECT id FROM contacts WHERE name = ?1 COLLATE NOCASE ORDER BY id")?;
        let ids = stmt
            .query_map([text], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        match ids.as_slice() {
            [] => Err(Invalid::new(
                "person",
                format!(
                    "'{text}' is not a contact on this device: check the spelling, or add them as a contact if the firm holds data about them"
                ),
            )
            .into()),
            [id] => self.contact(id),
            many => Err(Invalid::new(
                "person",
                format!(
                    "names {} contacts called '{text}': choose one by its id ({})",
                    many.len(),
                    many.join(", ")
                ),
            )
            .into()),
        }
    }

    // ---- Subject requests ----

    /// Subject access and erasure requests, the open ones first by due date.
    pub fn subject_requests(&self) -> Result<Vec<api::SubjectRequest>, AppError> {
        self.require_compliance("see subject requests")?;
        let firm = self.firm()?;
        let today = dates::london_date(Timestamp::now());
        let conn = self.store.conn();
        let mut out = Vec::new();
        for r in &firm.subject_requests {
            let person: Option<String> = conn
                .query_row(
                    "SELECT name FROM contacts WHERE id = ?1",
                    [&r.contact_id],
                    |row| row.get(0),
                )
                .optional()?;
            let due = r.extended_to.clone().unwrap_or_else(|| r.due_on.clone());
            let days_left = match (&r.answered_on, due.parse::<Date>()) {
                (None, Ok(d)) => Some(i64::from((d - today).get_days())),
                _ => None,
            };
            out.push(api::SubjectRequest {
                id: r.id.clone(),
                kind: r.kind.clone(),
                contact_id: r.contact_id.clone(),
                person: person.unwrap_or_else(|| "(erased)".into()),
                received_on: r.received_on.clone(),
                due_on: due,
                extended: r.extended_to.is_some(),
                extension_reason: r.extension_reason.clone(),
                answered_on: r.answered_on.clone(),
                outcome: r.outcome.clone(),
                days_left,
            });
        }
        out.sort_by(|a, b| {
            (a.answered_on.is_some(), &a.due_on).cmp(&(b.answered_on.is_some(), &b.due_on))
        });
        Ok(out)
    }

    /// Log a request from a person: due a calendar month after it was received.
    pub fn add_subject_request(
        &mut self,
        req: &api::NewSubjectRequest,
    ) -> Result<api::SubjectRequest, AppError> {
        self.require_compliance("log subject requests")?;
        let kind = match req.kind.trim() {
            "" | "access" => "access",
            "erasure" => "erasure",
            other => {
                return Err(Invalid::new(
                    "kind",
                    format!("must be access or erasure ('{other}' is not)"),
                )
                .into());
            }
        };
        let person = self.find_person(&req.person)?;
        let today = dates::london_date(Timestamp::now());
        let received = dates::on_or_before_today("received_on", &req.received_on, today)?;
        let rec = docs::SubjectRequestRec {
            id: Uuid::now_v7().to_string(),
            kind: kind.to_owned(),
            contact_id: person.id.clone(),
            received_on: received.to_string(),
            due_on: gdpr::response_due(received).to_string(),
            extended_to: None,
            extension_reason: None,
            answered_on: None,
            outcome: None,
            recorded_by: self.ctx.initials.clone(),
            recorded_at: String::new(),
        };
        let firm_doc = self.ctx.firm_doc.clone();
        let id = rec.id.clone();
        self.write(
            "gdpr.request",
            &format!("contact:{}", person.id),
            |tx, at, actor| {
                update_firm(tx, &firm_doc, actor, at, "log a subject request", |f| {
                    f.subject_requests.push(docs::SubjectRequestRec {
                        recorded_at: at.to_string(),
                        ..rec.clone()
                    });
                    Ok(())
                })?;
                Ok(serde_json::json!({ "request": rec.id, "kind": rec.kind, "received_on": rec.received_on, "due_on": rec.due_on }))
            },
        )?;
        self.subject_request(&id)
    }

    fn subject_request(&self, id: &str) -> Result<api::SubjectRequest, AppError> {
        self.subject_requests()?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| Invalid::new("request", format!("'{id}' is not a request")).into())
    }

    /// Extend a complex request by two months: only within the first month, with a reason
    /// (the requester is told).
    pub fn extend_subject_request(
        &mut self,
        id: &str,
        reason: &str,
    ) -> Result<api::SubjectRequest, AppError> {
        self.require_compliance("extend subject requests")?;
        let reason = required_text("reason", reason, 500)?;
        let firm = self.firm()?;
        let rec = firm
            .subject_requests
            .iter()
            .find(|r| r.id == id.trim())
            .ok_or_else(|| Invalid::new("request", format!("'{id}' is not a request")))?;
        if rec.answered_on.is_some() {
            return Err(Invalid::new("request", "was answered already").into());
        }
        if rec.extended_to.is_some() {
            return Err(Invalid::new("request", "was extended already: two months at most").into());
        }
        let received: Date = rec
            .received_on
            .parse()
            .map_err(|_| AppError::Document("a request's date is damaged".into()))?;
        let today = dates::london_date(Timestamp::now());
        let to = gdpr::check_extension(received, today)?;
        let (firm_doc, rid) = (self.ctx.firm_doc.clone(), rec.id.clone());
        self.write(
            "gdpr.request.extend",
            &format!("contact:{}", rec.contact_id),
            |tx, at, actor| {
                update_firm(tx, &firm_doc, actor, at, "extend a subject request", |f| {
                    if let Some(r) = f.subject_requests.iter_mut().find(|r| r.id == rid) {
                        r.extended_to = Some(to.to_string());
                        r.extension_reason = Some(reason.clone());
                    }
                    Ok(())
                })?;
                Ok(serde_json::json!({ "request": rid, "extended_to": to.to_string() }))
            },
        )?;
        self.subject_request(id.trim())
    }

    /// Mark a request answered (today), with what was done in counts.
    pub fn answer_subject_request(
        &mut self,
        id: &str,
        outcome: &str,
    ) -> Result<api::SubjectRequest, AppError> {
        self.require_compliance("answer subject requests")?;
        let outcome = required_text("outcome", outcome, 500)?;
        let firm = self.firm()?;
        let rec = firm
            .subject_requests
            .iter()
            .find(|r| r.id == id.trim())
            .ok_or_else(|| Invalid::new("request", format!("'{id}' is not a request")))?;
        if rec.answered_on.is_some() {
            return Err(Invalid::new("request", "was answered already").into());
        }
        let (firm_doc, rid, contact) = (
            self.ctx.firm_doc.clone(),
            rec.id.clone(),
            rec.contact_id.clone(),
        );
        self.write(
            "gdpr.request.answer",
            &format!("contact:{contact}"),
            |tx, at, actor| {
                answer_in(tx, &firm_doc, actor, at, &rid, &outcome)?;
                Ok(serde_json::json!({ "request": rid }))
            },
        )?;
        self.subject_request(id.trim())
    }

    // ---- Subject access ----

    /// Everything held about a person, across matters, with what may be privileged flagged
    /// for review before release.
    pub fn subject_access(&self, person: &str) -> Result<api::SubjectAccess, AppError> {
        self.require_compliance("answer subject access requests")?;
        let person = self.find_person(person)?;
        let conn = self.store.conn();
        let r = Redactor::new(details(&person).iter().map(String::as_str));
        let mut matters = Vec::new();
        let mut subjects = vec![format!("contact:{}", person.id)];
        let mut matters_shown = Vec::new();
        for about in matters_about(conn, &person)? {
            let m = matter_doc(conn, &about.id)?;
            let items = items_of(&m, !about.roles.is_empty(), &r);
            let number = MatterNumber::new(u32::try_from(m.number).unwrap_or(0)).to_string();
            subjects.push(format!("matter:{}", about.id));
            matters_shown.push(number.clone());
            matters.push(api::SubjectMatter {
                number,
                description: m.description.clone(),
                status: m.status.clone(),
                opened: m.opened.clone(),
                closed_on: m.closed_on.clone(),
                roles: about.roles.clone(),
                items,
            });
        }
        matters.sort_by(|a, b| a.number.cmp(&b.number));
        // Their events: on their contact record and on those matters (one pass).
        let shown: BTreeMap<&str, String> = subjects
            .iter()
            .map(String::as_str)
            .zip(
                std::iter::once("their contact record".to_owned())
                    .chain(matters_shown.iter().cloned()),
            )
            .collect();
        let mut audit = Vec::new();
        {
            let marks = (1..=subjects.len())
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut stmt = conn.prepare(&format!(
                "SELECT e.at, coalesce(u.initials, ''), e.action, e.subject FROM audit_events e
                 LEFT JOIN users u ON u.id = e.actor_id WHERE e.subject IN ({marks})"
            ))?;
            let rows = stmt.query_map(
                satchel_store::rusqlite::params_from_iter(subjects.iter()),
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                    ))
                },
            )?;
            for row in rows {
                let (at, who, action, subject) = row?;
                audit.push(api::SubjectAudit {
                    at,
                    who,
                    action,
                    subject: shown.get(subject.as_str()).cloned().unwrap_or(subject),
                });
            }
        }
        audit.sort_by(|a, b| a.at.cmp(&b.at));
        let to_review = matters
            .iter()
            .flat_map(|m| &m.items)
            .filter(|i| i.privileged)
            .count() as u64;
        Ok(api::SubjectAccess {
            firm: self.ctx.firm_name.clone(),
            generated_at: Timestamp::now().to_string(),
            person,
            matters,
            audit,
            to_review,
        })
    }

    /// The subject access export as a readable PDF.
    pub fn subject_access_pdf(&self, sar: &api::SubjectAccess) -> Result<Vec<u8>, AppError> {
        use satchel_pdf::{Align, Column, Report, Section, Table};
        let col = |h: &str, weight: u16| Column {
            header: h.to_owned(),
            align: Align::Left,
            weight,
        };
        let p = &sar.person;
        let mut details = vec![format!("Name: {}", p.name)];
        for (label, v) in [
            ("Email", &p.email),
            ("Phone", &p.phone),
            ("Address", &p.address),
            ("Postcode", &p.postcode),
            ("Date of birth", &p.date_of_birth),
            ("Company number", &p.company_number),
        ] {
            if let Some(v) = v {
                details.push(format!("{label}: {v}"));
            }
        }
        let mut sections = vec![Section {
            heading: "Contact details held".into(),
            paragraphs: details,
            table: None,
        }];
        for m in &sar.matters {
            sections.push(Section {
                heading: format!("Matter {} — {}", m.number, m.description),
                paragraphs: vec![format!(
                    "Status {}; opened {}{}; {}",
                    m.status,
                    m.opened,
                    m.closed_on
                        .as_deref()
                        .map(|c| format!(", closed {c}"))
                        .unwrap_or_default(),
                    if m.roles.is_empty() {
                        "they are mentioned on it".to_owned()
                    } else {
                        format!("their role: {}", m.roles.join(", ").replace('_', " "))
                    }
                )],
                table: Some(Table {
                    columns: vec![
                        col("Date", 2),
                        col("What", 2),
                        col("Held", 9),
                        col("Review", 2),
                    ],
                    rows: m
                        .items
                        .iter()
                        .map(|i| {
                            vec![
                                i.date.clone(),
                                i.kind.clone(),
                                i.text.clone(),
                                if i.privileged {
                                    "privilege?".into()
                                } else {
                                    String::new()
                                },
                            ]
                        })
                        .collect(),
                    footer: None,
                }),
            });
        }
        sections.push(Section {
            heading: format!("{} recorded actions on their records", sar.audit.len()),
            paragraphs: Vec::new(),
            table: Some(Table {
                columns: vec![
                    col("When (UTC)", 4),
                    col("Who", 2),
                    col("Action", 4),
                    col("On", 4),
                ],
                rows: sar
                    .audit
                    .iter()
                    .map(|e| {
                        vec![
                            e.at.chars().take(19).collect::<String>().replace('T', " "),
                            e.who.clone(),
                            e.action.clone(),
                            e.subject.clone(),
                        ]
                    })
                    .collect(),
                footer: None,
            }),
        });
        let report = Report {
            title: format!("Subject access: {}", p.name),
            subtitle: vec![
                sar.firm.clone(),
                format!(
                    "Made {}. {} items marked 'privilege?' may be covered by legal professional privilege: review them before release.",
                    sar.generated_at.chars().take(10).collect::<String>(),
                    sar.to_review
                ),
            ],
            sections,
        };
        satchel_pdf::report(&report).map_err(|e| AppError::Document(e.to_string()))
    }

    /// Write the subject access export into a new folder inside `folder`: the JSON bundle,
    /// the PDF, and a copy of each document on the matters they are a party to. Recorded
    /// (counts only).
    pub fn export_subject_access(
        &mut self,
        person: &str,
        folder: &std::path::Path,
    ) -> Result<api::ExportedAccess, AppError> {
        let sar = self.subject_access(person)?;
        let json =
            serde_json::to_vec_pretty(&sar).map_err(|e| AppError::Document(e.to_string()))?;
        let pdf = self.subject_access_pdf(&sar)?;
        let today = dates::london_date(Timestamp::now());
        let slug: String = sar
            .person
            .name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let base = format!("subject-access-{}-{today}", slug.trim_matches('-'));
        let mut dir = folder.join(&base);
        let mut n = 2;
        while dir.exists() {
            dir = folder.join(format!("{base}-{n}"));
            n += 1;
        }
        let io = |e: std::io::Error| AppError::Document(format!("writing the export: {e}"));
        std::fs::create_dir_all(&dir).map_err(io)?;
        let mut files = Vec::new();
        for (name, bytes) in [("subject-access.json", &json), ("subject-access.pdf", &pdf)] {
            std::fs::write(dir.join(name), bytes).map_err(io)?;
            files.push(name.to_owned());
        }
        // Documents on matters they are a party to (the latest version of each).
        let conn = self.store.conn();
        let mut stmt = conn.prepare(
            "SELECT m.number, f.name, b.bytes FROM matter_parties p
             JOIN matters m ON m.id = p.matter_id
             JOIN matter_files f ON f.matter_id = m.id
             JOIN blobs b ON b.sha256 = f.sha256
             WHERE p.contact_id = ?1
               AND f.version = (SELECT max(version) FROM matter_files g WHERE g.file_id = f.file_id)
             GROUP BY f.file_id ORDER BY m.number, f.name",
        )?;
        let docs: Vec<(u32, String, Vec<u8>)> = stmt
            .query_map([&sar.person.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        drop(stmt);
        if !docs.is_empty() {
            std::fs::create_dir_all(dir.join("documents")).map_err(io)?;
        }
        for (number, name, bytes) in &docs {
            let file = format!(
                "{}-{}",
                MatterNumber::new(*number),
                name.replace(['/', '\\'], "_")
            );
            std::fs::write(dir.join("documents").join(&file), bytes).map_err(io)?;
            files.push(format!("documents/{file}"));
        }
        let items = sar.matters.iter().map(|m| m.items.len() as u64).sum();
        let out = api::ExportedAccess {
            folder: dir.display().to_string(),
            files,
            matters: sar.matters.len() as u64,
            items,
            to_review: sar.to_review,
        };
        let detail = serde_json::json!({
            "matters": out.matters, "items": out.items, "to_review": out.to_review, "documents": docs.len()
        });
        self.write(
            "gdpr.subject_access",
            &format!("contact:{}", sar.person.id),
            |_, _, _| Ok(detail),
        )?;
        Ok(out)
    }

    // ---- Erasure ----

    fn plan(&self, person: &str) -> Result<Plan, AppError> {
        let contact = self.find_person(person)?;
        let conn = self.store.conn();
        let firm = self.firm()?;
        let today = dates::london_date(Timestamp::now());
        let kept = kept_by_decision(&firm);
        let name_key = contact.name.trim().to_lowercase();
        let mut shown = Vec::new();
        let mut matters = Vec::new();
        let mut party_on_kept = false;
        let mut ends: Vec<Option<Date>> = Vec::new();
        for about in matters_about(conn, &contact)? {
            let client_name: String = conn.query_row(
                "SELECT client_name FROM matters WHERE id = ?1",
                [&about.id],
                |r| r.get(0),
            )?;
            let client = about.roles.iter().any(|r| r == "client")
                || client_name.trim().to_lowercase() == name_key;
            let (facts, number, description) = facts(conn, &firm, &about.id, client)?;
            let holds = gdpr::holds(&facts, today);
            let mut texts: Vec<api::HoldText> = holds.iter().map(hold_text).collect();
            if let Some(h) = decision_hold(kept.get(&u64::from(number.get())), today) {
                texts.push(h);
            }
            let action = if !texts.is_empty() {
                if !about.roles.is_empty() {
                    party_on_kept = true;
                }
                ends.push(gdpr::held_until(&holds));
                if let Some(u) = texts.iter().filter_map(|t| t.until.as_deref()).max() {
                    ends.push(u.parse().ok());
                }
                Action::Keep
            } else {
                let other_clients: i64 = conn.query_row(
                    "SELECT count(*) FROM matter_parties WHERE matter_id = ?1 AND role = 'client' AND contact_id <> ?2",
                    params![about.id, contact.id],
                    |r| r.get(0),
                )?;
                if client && other_clients == 0 {
                    Action::Destroy
                } else {
                    Action::Anonymise
                }
            };
            shown.push(api::PlannedMatter {
                number: number.to_string(),
                description,
                action: action.as_str().to_owned(),
                holds: texts,
            });
            matters.push((about.id, action));
        }
        let mut kept_elsewhere = Vec::new();
        let r = Redactor::new(details(&contact).iter().map(String::as_str));
        let firm_json =
            serde_json::to_string(&firm).map_err(|e| AppError::Document(e.to_string()))?;
        if r.finds(&firm_json) {
            kept_elsewhere.push(api::HoldText {
                name: "the firm's registers".into(),
                reason: "the SRA breach log and the client-money registers (residual balances, balances brought forward) name them: accounting records are kept six years".into(),
                until: None,
            });
        }
        let needles: Vec<String> = details(&contact).iter().map(|d| like(d)).collect();
        let (mut statement_until, mut audit_events): (Option<String>, i64) = (None, 0);
        if !needles.is_empty() {
            let any = |col: &str| -> String {
                (1..=needles.len())
                    .map(|i| format!("{col} LIKE ?{i} ESCAPE '\\'"))
                    .collect::<Vec<_>>()
                    .join(" OR ")
            };
            let params = || satchel_store::rusqlite::params_from_iter(needles.iter());
            statement_until = conn.query_row(
                &format!(
                    "SELECT max(date) FROM statement_lines WHERE {} OR {}",
                    any("description"),
                    any("reference")
                ),
                params(),
                |r| r.get(0),
            )?;
            audit_events = conn.query_row(
                &format!("SELECT count(*) FROM audit_events WHERE {}", any("detail")),
                params(),
                |r| r.get(0),
            )?;
        }
        if let Some(latest) = statement_until
            && let Ok(d) = latest.parse::<Date>()
        {
            let until = d
                .checked_add(jiff::Span::new().years(gdpr::ACCOUNTING_YEARS))
                .unwrap_or(d);
            kept_elsewhere.push(api::HoldText {
                name: "bank statement lines".into(),
                reason: format!(
                    "the bank's statement lines name them: they are the firm's accounting records, kept six years (until {until})"
                ),
                until: Some(until.to_string()),
            });
        }
        if audit_events > 0 {
            kept_elsewhere.push(api::HoldText {
                name: "the audit trail".into(),
                reason: format!(
                    "{audit_events} audit events name them (conflict checks recorded before names were kept out of the trail); the trail is append-only and chained so that tampering shows, and is kept as the firm's record"
                ),
                until: None,
            });
        }
        kept_elsewhere.push(api::HoldText {
            name: "backups made before the erasure".into(),
            reason: "kept, encrypted and out of use, until rotated out (four weeks at most); a restore of one is followed by the next sync, which erases again".into(),
            until: None,
        });
        let contact_erased = !party_on_kept;
        let refused_in_part =
            matters.iter().any(|(_, a)| *a == Action::Keep) || kept_elsewhere.len() > 1;
        let held_until = if ends.iter().any(Option::is_none) {
            None
        } else {
            ends.iter().flatten().max().map(|d| d.to_string())
        };
        Ok(Plan {
            shown: api::ErasurePlan {
                contact_id: contact.id.clone(),
                person: contact.name.clone(),
                matters: shown,
                contact_erased,
                kept_elsewhere,
                refused_in_part,
                held_until,
            },
            matters,
            contact,
        })
    }

    /// What erasing a person would do: each matter destroyed, anonymised or kept (with the
    /// holds and their end dates), their contact record, and what else names them.
    pub fn erasure_plan(&self, person: &str) -> Result<api::ErasurePlan, AppError> {
        self.require_compliance("erase personal data")?;
        Ok(self.plan(person)?.shown)
    }

    /// Erase a person: what the law does not hold goes, for real (see the module's notes);
    /// what it holds stays, and the plan says why and until when. When nothing can go the
    /// erasure is refused whole, with the holds named, and nothing changes.
    pub fn erase_person(&mut self, req: &api::EraseRequest) -> Result<api::ErasureDone, AppError> {
        self.require_compliance("erase personal data")?;
        let Plan {
            shown,
            matters,
            contact,
        } = self.plan(&req.person)?;
        let going = matters.iter().filter(|(_, a)| *a != Action::Keep).count();
        if going == 0 && !shown.contact_erased {
            let holds: Vec<String> = shown
                .matters
                .iter()
                .flat_map(|m| {
                    m.holds
                        .iter()
                        .map(move |h| format!("{}: {}", m.number, h.reason))
                })
                .collect();
            return Err(AppError::Invalid(Invalid::new(
                "person",
                format!(
                    "cannot be erased now: the law requires the firm to keep their records — {}",
                    holds.join("; ")
                ),
            )));
        }
        let request = req.request_id.trim().to_owned();
        if !request.is_empty() {
            let firm = self.firm()?;
            let found = firm.subject_requests.iter().find(|r| r.id == request);
            match found {
                Some(r) if r.answered_on.is_some() => {
                    return Err(Invalid::new("request", "was answered already").into());
                }
                Some(r) if r.contact_id != contact.id => {
                    return Err(Invalid::new("request", "is another person's request").into());
                }
                Some(_) => {}
                None => {
                    return Err(
                        Invalid::new("request", format!("'{request}' is not a request")).into(),
                    );
                }
            }
        }
        let r = Redactor::new(details(&contact).iter().map(String::as_str));
        let firm_doc = self.ctx.firm_doc.clone();
        let mut destroyed = 0u64;
        let mut anonymised = 0u64;
        let kept = matters.iter().filter(|(_, a)| *a == Action::Keep).count();
        let outcome_counts = |d: u64, a: u64| {
            format!(
                "erasure: {d} matters destroyed, {a} anonymised, {kept} kept under a legal hold; contact record {}",
                if shown.contact_erased {
                    "erased"
                } else {
                    "kept"
                }
            )
        };
        self.write(
            "gdpr.erase",
            &format!("contact:{}", contact.id),
            |tx, at, actor| {
                for (id, action) in &matters {
                    match action {
                        Action::Keep => {}
                        Action::Destroy => {
                            destroy_document(tx, id, None, at, false)?;
                            destroyed += 1;
                        }
                        Action::Anonymise => {
                            let old = matter_doc(tx, id)?;
                            let clean = without_person(&old, &contact.id, &r)?;
                            let timers: Vec<(String, String, String, String)> = tx
                                .prepare("SELECT user_id, started_at, activity, description FROM timers WHERE matter_id = ?1")?
                                .query_map([id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))?
                                .collect::<Result<_, _>>()?;
                            destroy_document(tx, id, Some(&clean.id), at, false)?;
                            docs::change(
                                tx,
                                &clean.id,
                                docs::KIND_MATTER,
                                actor,
                                at,
                                "anonymised copy (erasure)",
                                |d| Ok(autosurgeon::reconcile(d, &clean)?),
                            )?;
                            projection::matter(tx, None, &clean)?;
                            for (user, started, activity, description) in timers {
                                tx.execute(
                                    "INSERT INTO timers (user_id, matter_id, started_at, activity, description) VALUES (?1, ?2, ?3, ?4, ?5)",
                                    params![user, clean.id, started, activity, r.redact(&description).unwrap_or(description.clone())],
                                )?;
                            }
                            anonymised += 1;
                        }
                    }
                }
                if shown.contact_erased {
                    destroy_document(tx, &contact.id, None, at, false)?;
                }
                // Conflict checks kept here that name them (the names asked, the hits).
                let checks: Vec<(String, String, String)> = tx
                    .prepare("SELECT id, names, hits FROM conflict_checks")?
                    .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
                    .collect::<Result<_, _>>()?;
                for (cid, names, hits) in checks {
                    let (n, h) = (r.redact(&names), r.redact(&hits));
                    if n.is_some() || h.is_some() {
                        tx.execute(
                            "UPDATE conflict_checks SET names = ?2, hits = ?3 WHERE id = ?1",
                            params![cid, n.unwrap_or(names), h.unwrap_or(hits)],
                        )?;
                    }
                }
                drop_unused_blobs(tx)?;
                if !request.is_empty() {
                    answer_in(
                        tx,
                        &firm_doc,
                        actor,
                        at,
                        &request,
                        &outcome_counts(destroyed, anonymised),
                    )?;
                }
                Ok(serde_json::json!({
                    "destroyed": destroyed,
                    "anonymised": anonymised,
                    "kept": kept,
                    "contact_erased": shown.contact_erased,
                }))
            },
        )?;
        self.drop_party_index();
        scrub_after(self.store.conn())?;
        let server = if self.server_settings()?.is_some() {
            "the firm server is told at the next sync, and every other device drops them at theirs"
        } else {
            "this device has no firm server: nothing else holds them"
        };
        Ok(api::ErasureDone {
            plan: shown,
            destroyed,
            anonymised,
            server: server.to_owned(),
        })
    }

    // ---- Retention ----

    /// The retention schedule, the closed matters past their date (with anything that
    /// still holds them), and the decisions made.
    pub fn retention(&self) -> Result<api::Retention, AppError> {
        self.require_compliance("review retention")?;
        let firm = self.firm()?;
        let today = dates::london_date(Timestamp::now());
        let rules = satchel_core::matter::PRACTICE_AREAS
            .iter()
            .map(|a| api::RetentionRule {
                area: (*a).to_owned(),
                years: years_for(&firm, a),
                firm_set: firm.retention_years.contains_key(*a),
            })
            .collect();
        let kept = kept_by_decision(&firm);
        let conn = self.store.conn();
        let mut stmt = conn.prepare(
            "SELECT id, number, client_name FROM matters WHERE status IN ('closed', 'archived') ORDER BY number",
        )?;
        let closed: Vec<(String, u32, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut due = Vec::new();
        for (id, number, client) in closed {
            let (facts, number_shown, _) = facts(conn, &firm, &id, true)?;
            let Some(ends) = facts.retention_ends() else {
                continue;
            };
            if ends > today || decision_hold(kept.get(&u64::from(number)), today).is_some() {
                continue;
            }
            due.push(api::RetentionDue {
                number: number_shown.to_string(),
                client_name: client,
                area: facts.area.clone(),
                closed_on: facts
                    .closed_on
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "(not recorded)".into()),
                retention_ended: ends.to_string(),
                holds: gdpr::holds(&facts, today).iter().map(hold_text).collect(),
            });
        }
        let decisions = firm
            .retention_decisions
            .iter()
            .rev()
            .map(|d| api::RetentionDecision {
                number: MatterNumber::new(u32::try_from(d.matter_number).unwrap_or(0)).to_string(),
                decision: d.decision.clone(),
                keep_until: d.keep_until.clone(),
                reason: d.reason.clone(),
                decided_by: d.decided_by.clone(),
                decided_at: d.decided_at.clone(),
            })
            .collect();
        Ok(api::Retention {
            rules,
            due,
            decisions,
        })
    }

    /// Set how many years the firm keeps matters of a practice area after closing.
    pub fn set_retention(&mut self, area: &str, years: i64) -> Result<api::Retention, AppError> {
        self.require_compliance("set the retention schedule")?;
        let area = satchel_core::matter::practice_area(area)?;
        let years = gdpr::check_retention_years(years)?;
        let firm_doc = self.ctx.firm_doc.clone();
        self.write("gdpr.retention", "firm", |tx, at, actor| {
            update_firm(tx, &firm_doc, actor, at, "set a retention period", |f| {
                f.retention_years.insert(area.clone(), u64::from(years));
                Ok(())
            })?;
            Ok(serde_json::json!({ "area": area, "years": years }))
        })?;
        self.retention()
    }

    /// Record a decision to keep a matter past its date: until when, and why.
    pub fn keep_matter(
        &mut self,
        req: &api::KeepMatterRequest,
    ) -> Result<api::Retention, AppError> {
        self.require_compliance("decide on retention")?;
        let (_, number) = resolve_matter(self.store.conn(), &req.matter)?;
        let today = dates::london_date(Timestamp::now());
        let until = dates::parse_optional("until", &req.until)?
            .ok_or_else(|| Invalid::new("until", "is required: the date to keep it until"))?;
        if until <= today {
            return Err(Invalid::new("until", format!("must be after today ({today})")).into());
        }
        let reason = required_text("reason", &req.reason, 500)?;
        let rec = docs::RetentionDecisionRec {
            id: Uuid::now_v7().to_string(),
            matter_number: u64::from(number.get()),
            decision: "keep".into(),
            keep_until: Some(until.to_string()),
            reason,
            decided_by: self.ctx.initials.clone(),
            decided_at: String::new(),
        };
        let firm_doc = self.ctx.firm_doc.clone();
        self.write("gdpr.retention.keep", "firm", |tx, at, actor| {
            update_firm(
                tx,
                &firm_doc,
                actor,
                at,
                "keep a matter past its date",
                |f| {
                    f.retention_decisions.push(docs::RetentionDecisionRec {
                        decided_at: at.to_string(),
                        ..rec.clone()
                    });
                    Ok(())
                },
            )?;
            Ok(serde_json::json!({ "matter": number.to_string(), "until": until.to_string() }))
        })?;
        self.retention()
    }

    /// Destroy a closed matter past its retention date, as erasure destroys: refused while
    /// anything holds it. Its contacts stay (they may be on other matters).
    pub fn destroy_matter(
        &mut self,
        matter: &str,
        reason: &str,
    ) -> Result<api::Retention, AppError> {
        self.require_compliance("destroy matters")?;
        let reason = required_text("reason", reason, 500)?;
        let conn = self.store.conn();
        let (id, number) = resolve_matter(conn, matter)?;
        let firm = self.firm()?;
        let today = dates::london_date(Timestamp::now());
        let (facts, _, _) = facts(conn, &firm, &id, true)?;
        let mut holds: Vec<api::HoldText> =
            gdpr::holds(&facts, today).iter().map(hold_text).collect();
        if let Some(h) = decision_hold(kept_by_decision(&firm).get(&u64::from(number.get())), today)
        {
            holds.push(h);
        }
        if !holds.is_empty() {
            let why: Vec<String> = holds.iter().map(|h| h.reason.clone()).collect();
            return Err(Invalid::new(
                "matter",
                format!("{number} cannot be destroyed yet: {}", why.join("; ")),
            )
            .into());
        }
        let (firm_doc, initials) = (self.ctx.firm_doc.clone(), self.ctx.initials.clone());
        self.write(
            "gdpr.retention.destroy",
            &format!("matter:{id}"),
            |tx, at, actor| {
                destroy_document(tx, &id, None, at, false)?;
                drop_unused_blobs(tx)?;
                update_firm(tx, &firm_doc, actor, at, "record a matter destroyed", |f| {
                    f.retention_decisions.push(docs::RetentionDecisionRec {
                        id: Uuid::now_v7().to_string(),
                        matter_number: u64::from(number.get()),
                        decision: "destroyed".into(),
                        keep_until: None,
                        reason: reason.clone(),
                        decided_by: initials.clone(),
                        decided_at: at.to_string(),
                    });
                    Ok(())
                })?;
                Ok(serde_json::json!({ "matter": number.to_string() }))
            },
        )?;
        self.drop_party_index();
        scrub_after(self.store.conn())?;
        self.retention()
    }

    // ---- Personal-data breaches ----

    /// The register of personal-data breaches, newest first, each with its ICO clock.
    pub fn data_breaches(&self) -> Result<Vec<api::DataBreach>, AppError> {
        self.require_compliance("see the breach register")?;
        let now = Timestamp::now();
        let firm = self.firm()?;
        let mut out = Vec::new();
        for b in firm.data_breaches.iter().rev() {
            out.push(shown_breach(b, now)?);
        }
        Ok(out)
    }

    /// Record a personal-data breach (every one, reported or not).
    pub fn add_data_breach(
        &mut self,
        req: &api::NewDataBreach,
    ) -> Result<api::DataBreach, AppError> {
        self.require_compliance("record personal-data breaches")?;
        let now = Timestamp::now();
        let discovered = gdpr::check_discovered(instant("discovered", &req.discovered_at)?, now)?;
        let nature = required_text("nature", &req.nature, 2000)?;
        let data_categories = required_text("data_categories", &req.data_categories, 500)?;
        let count = |field: &'static str, text: &str| -> Result<u64, AppError> {
            text.trim().parse::<u64>().map_err(|_| {
                Invalid::new(
                    field,
                    format!("must be a whole number ('{}' is not)", text.trim()),
                )
                .into()
            })
        };
        let people = count("people_affected", &req.people_affected)?;
        let records = count("records_affected", &req.records_affected)?;
        let risk = BreachRisk::parse(&req.risk)?;
        let assessment = required_text("risk_assessment", &req.risk_assessment, 2000)?;
        let rec = docs::DataBreachRec {
            id: Uuid::now_v7().to_string(),
            discovered_at: discovered.to_string(),
            nature,
            data_categories,
            people_affected: people,
            records_affected: records,
            risk: risk.as_str().to_owned(),
            risk_assessment: assessment,
            actions: req.actions.trim().to_owned(),
            ico_reported_at: None,
            ico_reference: None,
            people_told_at: None,
            recorded_by: self.ctx.initials.clone(),
            recorded_at: String::new(),
        };
        let firm_doc = self.ctx.firm_doc.clone();
        let id = rec.id.clone();
        self.write("gdpr.breach", "firm", |tx, at, actor| {
            update_firm(
                tx,
                &firm_doc,
                actor,
                at,
                "record a personal-data breach",
                |f| {
                    f.data_breaches.push(docs::DataBreachRec {
                        recorded_at: at.to_string(),
                        ..rec.clone()
                    });
                    Ok(())
                },
            )?;
            Ok(serde_json::json!({ "breach": rec.id, "risk": rec.risk, "people": people }))
        })?;
        self.data_breaches()?
            .into_iter()
            .find(|b| b.id == id)
            .ok_or_else(|| AppError::Document("the breach was not kept".into()))
    }

    /// Record that the ICO, or the people affected, were told.
    pub fn update_data_breach(
        &mut self,
        req: &api::UpdateDataBreach,
    ) -> Result<api::DataBreach, AppError> {
        self.require_compliance("update the breach register")?;
        let now = Timestamp::now();
        let firm = self.firm()?;
        let rec = firm
            .data_breaches
            .iter()
            .find(|b| b.id == req.id.trim())
            .ok_or_else(|| Invalid::new("breach", format!("'{}' is not a breach", req.id)))?;
        let discovered: Timestamp = rec
            .discovered_at
            .parse()
            .map_err(|_| AppError::Document("a breach's time is damaged".into()))?;
        let when = |field: &'static str, text: &str| -> Result<Option<Timestamp>, AppError> {
            if text.trim().is_empty() {
                return Ok(None);
            }
            let t = gdpr::check_discovered(instant(field, text)?, now)
                .map_err(|_| Invalid::new(field, "is in the future"))?;
            if t < discovered {
                return Err(Invalid::new(field, "is before the breach was discovered").into());
            }
            Ok(Some(t))
        };
        let ico = when("ico_reported_at", &req.ico_reported_at)?;
        let told = when("people_told_at", &req.people_told_at)?;
        if ico.is_none() && told.is_none() {
            return Err(Invalid::new(
                "ico_reported_at",
                "or people told: give when the ICO or the people affected were told",
            )
            .into());
        }
        let reference = req.ico_reference.trim().to_owned();
        let (firm_doc, id) = (self.ctx.firm_doc.clone(), rec.id.clone());
        self.write("gdpr.breach.update", "firm", |tx, at, actor| {
            update_firm(tx, &firm_doc, actor, at, "update a personal-data breach", |f| {
                if let Some(b) = f.data_breaches.iter_mut().find(|b| b.id == id) {
                    if let Some(t) = ico {
                        b.ico_reported_at = Some(t.to_string());
                        if !reference.is_empty() {
                            b.ico_reference = Some(reference.clone());
                        }
                    }
                    if let Some(t) = told {
                        b.people_told_at = Some(t.to_string());
                    }
                }
                Ok(())
            })?;
            Ok(serde_json::json!({ "breach": id, "ico": ico.is_some(), "people_told": told.is_some() }))
        })?;
        self.data_breaches()?
            .into_iter()
            .find(|b| b.id == req.id.trim())
            .ok_or_else(|| AppError::Document("the breach was not kept".into()))
    }

    /// The breach register as CSV (the export is recorded).
    pub fn data_breaches_csv(&mut self) -> Result<String, AppError> {
        let rows = self.data_breaches()?;
        let mut w = csv::Writer::from_writer(Vec::new());
        let e = |e: csv::Error| AppError::Document(e.to_string());
        w.write_record([
            "discovered (London)",
            "nature",
            "data",
            "people affected",
            "records affected",
            "risk",
            "risk assessment",
            "actions",
            "ICO must be told",
            "ICO deadline (London)",
            "ICO told at",
            "ICO reference",
            "people must be told",
            "people told at",
            "recorded by",
        ])
        .map_err(e)?;
        for b in &rows {
            w.write_record([
                b.discovered_shown.as_str(),
                &b.nature,
                &b.data_categories,
                &b.people_affected.to_string(),
                &b.records_affected.to_string(),
                &b.risk,
                &b.risk_assessment,
                &b.actions,
                if b.ico_must_be_told { "yes" } else { "no" },
                &b.ico_deadline,
                b.ico_reported_at.as_deref().unwrap_or(""),
                b.ico_reference.as_deref().unwrap_or(""),
                if b.people_must_be_told { "yes" } else { "no" },
                b.people_told_at.as_deref().unwrap_or(""),
                &b.recorded_by,
            ])
            .map_err(e)?;
        }
        let out = String::from_utf8(
            w.into_inner()
                .map_err(|e| AppError::Document(e.to_string()))?,
        )
        .map_err(|e| AppError::Document(e.to_string()))?;
        let n = rows.len();
        self.write("report.export", "report:data_breaches", |_, _, _| {
            Ok(serde_json::json!({ "report": "data_breaches", "format": "csv", "rows": n }))
        })?;
        Ok(out)
    }

    // ---- Record of processing activities ----

    pub fn processing(&self) -> Result<Vec<api::ProcessingActivity>, AppError> {
        self.require_compliance("see the record of processing")?;
        Ok(self
            .firm()?
            .processing
            .iter()
            .map(|p| api::ProcessingActivity {
                id: p.id.clone(),
                activity: p.activity.clone(),
                purpose: p.purpose.clone(),
                lawful_basis: p.lawful_basis.clone(),
                people: p.people.clone(),
                data: p.data.clone(),
                recipients: p.recipients.clone(),
                transfers: p.transfers.clone(),
                retention: p.retention.clone(),
                security: p.security.clone(),
                updated_by: p.updated_by.clone(),
                updated_at: p.updated_at.clone(),
            })
            .collect())
    }

    /// Add an activity (no id) or change one.
    pub fn save_processing(
        &mut self,
        p: &api::ProcessingActivity,
    ) -> Result<Vec<api::ProcessingActivity>, AppError> {
        self.require_compliance("edit the record of processing")?;
        let text = |field: &'static str, v: &str| required_text(field, v, 1000);
        let rec = docs::ProcessingRec {
            id: if p.id.trim().is_empty() {
                Uuid::now_v7().to_string()
            } else {
                p.id.trim().to_owned()
            },
            activity: text("activity", &p.activity)?,
            purpose: text("purpose", &p.purpose)?,
            lawful_basis: gdpr::check_lawful_basis(&p.lawful_basis)?,
            people: text("people", &p.people)?,
            data: text("data", &p.data)?,
            recipients: p.recipients.trim().to_owned(),
            transfers: match p.transfers.trim() {
                "" => "none".to_owned(),
                t => t.to_owned(),
            },
            retention: text("retention", &p.retention)?,
            security: text("security", &p.security)?,
            updated_by: self.ctx.initials.clone(),
            updated_at: String::new(),
        };
        if !p.id.trim().is_empty() && !self.firm()?.processing.iter().any(|x| x.id == rec.id) {
            return Err(Invalid::new("activity", "is not in the record (it was removed)").into());
        }
        let firm_doc = self.ctx.firm_doc.clone();
        self.write("gdpr.processing", "firm", |tx, at, actor| {
            update_firm(
                tx,
                &firm_doc,
                actor,
                at,
                "record a processing activity",
                |f| {
                    let rec = docs::ProcessingRec {
                        updated_at: at.to_string(),
                        ..rec.clone()
                    };
                    match f.processing.iter_mut().find(|x| x.id == rec.id) {
                        Some(x) => *x = rec,
                        None => f.processing.push(rec),
                    }
                    Ok(())
                },
            )?;
            Ok(serde_json::json!({ "activity": rec.id }))
        })?;
        self.processing()
    }

    pub fn remove_processing(
        &mut self,
        id: &str,
    ) -> Result<Vec<api::ProcessingActivity>, AppError> {
        self.require_compliance("edit the record of processing")?;
        if !self.firm()?.processing.iter().any(|x| x.id == id.trim()) {
            return Err(Invalid::new("activity", format!("'{id}' is not in the record")).into());
        }
        let (firm_doc, id) = (self.ctx.firm_doc.clone(), id.trim().to_owned());
        self.write("gdpr.processing.remove", "firm", |tx, at, actor| {
            update_firm(
                tx,
                &firm_doc,
                actor,
                at,
                "remove a processing activity",
                |f| {
                    f.processing.retain(|x| x.id != id);
                    Ok(())
                },
            )?;
            Ok(serde_json::json!({ "activity": id }))
        })?;
        self.processing()
    }

    /// The record of processing as CSV (the export is recorded).
    pub fn processing_csv(&mut self) -> Result<String, AppError> {
        let rows = self.processing()?;
        let mut w = csv::Writer::from_writer(Vec::new());
        let e = |e: csv::Error| AppError::Document(e.to_string());
        w.write_record([
            "activity",
            "purpose",
            "lawful basis",
            "people",
            "personal data",
            "recipients",
            "transfers outside the UK",
            "retention",
            "security",
            "updated by",
            "updated at",
        ])
        .map_err(e)?;
        for p in &rows {
            w.write_record([
                &p.activity,
                &p.purpose,
                &p.lawful_basis,
                &p.people,
                &p.data,
                &p.recipients,
                &p.transfers,
                &p.retention,
                &p.security,
                &p.updated_by,
                &p.updated_at,
            ])
            .map_err(e)?;
        }
        let out = String::from_utf8(
            w.into_inner()
                .map_err(|e| AppError::Document(e.to_string()))?,
        )
        .map_err(|e| AppError::Document(e.to_string()))?;
        let n = rows.len();
        self.write("report.export", "report:processing", |_, _, _| {
            Ok(serde_json::json!({ "report": "processing", "format": "csv", "rows": n }))
        })?;
        Ok(out)
    }

    /// Drop documents the firm server says were erased elsewhere (as the erasing device
    /// dropped them), in one write. Returns how many were held here.
    pub(crate) fn drop_erased_elsewhere(&mut self, ids: &[String]) -> Result<usize, AppError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let n = ids.len();
        self.write("gdpr.erased_elsewhere", "firm", |tx, at, _| {
            for id in ids {
                destroy_document(tx, id, None, at, true)?;
            }
            drop_unused_blobs(tx)?;
            Ok(serde_json::json!({ "documents": n }))
        })?;
        self.drop_party_index();
        scrub_after(self.store.conn())?;
        Ok(n)
    }

    /// Documents erased here that the firm server has not been told of yet: (id, what
    /// replaced it).
    pub(crate) fn erasures_to_tell(&self) -> Result<Vec<(String, Option<String>)>, AppError> {
        let mut stmt = self.store.conn().prepare(
            "SELECT id, replaced_by FROM erased_documents WHERE told_server = 0 ORDER BY erased_at",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Documents held here that are gone from the record (the count of each kind).
    pub fn erased_documents(&self) -> Result<u64, AppError> {
        Ok(self
            .store
            .conn()
            .query_row("SELECT count(*) FROM erased_documents", [], |r| {
                r.get::<_, i64>(0)
            })? as u64)
    }
}

/// Mark a request answered today, inside the caller's write.
fn answer_in(
    tx: &Transaction<'_>,
    firm_doc: &str,
    actor: &automerge::ActorId,
    at: Timestamp,
    id: &str,
    outcome: &str,
) -> Result<(), AppError> {
    let today = dates::london_date(at).to_string();
    update_firm(tx, firm_doc, actor, at, "answer a subject request", |f| {
        if let Some(r) = f.subject_requests.iter_mut().find(|r| r.id == id) {
            r.answered_on = Some(today.clone());
            r.outcome = Some(outcome.to_owned());
        }
        Ok(())
    })
}

/// An instant typed by a person: `YYYY-MM-DD HH:MM` (or with a `T`) in London, or RFC 3339.
fn instant(field: &'static str, text: &str) -> Result<Timestamp, AppError> {
    let t = text.trim();
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts);
    }
    let civil: jiff::civil::DateTime = t.replacen(' ', "T", 1).parse().map_err(|_| {
        Invalid::new(
            field,
            format!("must be a date and time written YYYY-MM-DD HH:MM ('{t}' is not)"),
        )
    })?;
    Ok(civil
        .to_zoned(dates::london())
        .map_err(|e| AppError::Document(e.to_string()))?
        .timestamp())
}

fn shown_breach(b: &docs::DataBreachRec, now: Timestamp) -> Result<api::DataBreach, AppError> {
    let aware: Timestamp = b
        .discovered_at
        .parse()
        .map_err(|_| AppError::Document("a breach's time is damaged".into()))?;
    let risk = BreachRisk::parse(&b.risk)?;
    let reported = b
        .ico_reported_at
        .as_deref()
        .and_then(|t| t.parse::<Timestamp>().ok());
    let clock = if risk.ico_must_be_told() {
        gdpr::ico_clock(aware, reported, now)
    } else {
        "recorded; the ICO need not be told (unlikely to result in a risk)".to_owned()
    };
    Ok(api::DataBreach {
        id: b.id.clone(),
        discovered_at: b.discovered_at.clone(),
        discovered_shown: dates::london_display(aware),
        nature: b.nature.clone(),
        data_categories: b.data_categories.clone(),
        people_affected: b.people_affected,
        records_affected: b.records_affected,
        risk: b.risk.clone(),
        risk_assessment: b.risk_assessment.clone(),
        actions: b.actions.clone(),
        ico_must_be_told: risk.ico_must_be_told(),
        people_must_be_told: risk.people_must_be_told(),
        ico_deadline: dates::london_display(gdpr::ico_deadline(aware)),
        ico_clock: clock,
        ico_reported_at: b.ico_reported_at.clone(),
        ico_reference: b.ico_reference.clone(),
        people_told_at: b.people_told_at.clone(),
        recorded_by: b.recorded_by.clone(),
    })
}
