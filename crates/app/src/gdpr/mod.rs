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

mod access;
mod breaches;
mod erasure;
mod processing;
mod requests;
mod retention;

pub(crate) use erasure::Erased;

use crate::{AppError, Satchel, docs};
use jiff::civil::Date;
use satchel_api as api;
use satchel_core::Invalid;
use satchel_core::gdpr::{self, Hold, MatterFacts, Redactor};
use satchel_core::matter::MatterNumber;
use satchel_store::rusqlite::{Connection, OptionalExtension};
use std::collections::BTreeMap;

/// The firm's document, read whole.
pub(crate) fn firm_doc(conn: &Connection, id: &str) -> Result<docs::FirmDoc, AppError> {
    let doc = docs::load(conn, id)?
        .ok_or_else(|| AppError::Document("the firm's document is missing".into()))?;
    Ok(autosurgeon::hydrate(&doc)?)
}

pub(super) fn matter_doc(conn: &Connection, id: &str) -> Result<docs::MatterDoc, AppError> {
    let doc = docs::load(conn, id)?
        .ok_or_else(|| AppError::Document(format!("matter {id} has no document")))?;
    Ok(autosurgeon::hydrate(&doc)?)
}

pub(super) fn years_for(firm: &docs::FirmDoc, area: &str) -> u32 {
    firm.retention_years
        .get(area)
        .and_then(|y| u32::try_from(*y).ok())
        .unwrap_or_else(|| gdpr::default_retention_years(area))
}

pub(super) fn hold_text(h: &Hold) -> api::HoldText {
    api::HoldText {
        name: h.name().to_owned(),
        reason: h.reason(),
        until: h.until().map(|d| d.to_string()),
    }
}

/// A `LIKE` pattern for text anywhere in a column (`\` escapes).
pub(super) fn like(text: &str) -> String {
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
pub(super) fn details(c: &api::Contact) -> Vec<String> {
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

/// A person's details as `LIKE` patterns, bound as `?1`…`?n`: the SQL that asks whether
/// any of some columns holds any of them, in one pass.
pub(super) struct Needles(Vec<String>);

impl Needles {
    pub(super) fn of(c: &api::Contact) -> Needles {
        Needles(details(c).iter().map(|d| like(d)).collect())
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `col LIKE ?1 ESCAPE '\' OR …` for each column and detail.
    pub(super) fn any(&self, cols: &[&str]) -> String {
        cols.iter()
            .flat_map(|col| (1..=self.0.len()).map(move |i| format!("{col} LIKE ?{i} ESCAPE '\\'")))
            .collect::<Vec<_>>()
            .join(" OR ")
    }

    pub(super) fn params(
        &self,
    ) -> satchel_store::rusqlite::ParamsFromIter<std::slice::Iter<'_, String>> {
        satchel_store::rusqlite::params_from_iter(self.0.iter())
    }
}

/// A matter that holds something about a person: their roles on it (none: mentioned).
pub(super) struct About {
    pub(super) id: String,
    pub(super) roles: Vec<String>,
}

/// Every matter a person is a party to or mentioned on (in its names, notes, narratives,
/// postings, bills, tasks, key dates, document names or its conflict check).
pub(super) fn matters_about(conn: &Connection, c: &api::Contact) -> Result<Vec<About>, AppError> {
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
    let needles = Needles::of(c);
    if !needles.is_empty() {
        let any = |cols: &[&str]| needles.any(cols);
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
        let rows = stmt.query_map(needles.params(), |r| r.get::<_, String>(0))?;
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

/// A matter's facts for the holds, from its projection.
pub(super) fn facts(
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
    // Every movement on its ledgers — its own postings, a transfer into it from another
    // matter, a balance brought forward — and its bills (by number: both are indexed by it).
    let last_money: Option<String> = conn.query_row(
        "SELECT max(d) FROM (SELECT max(date) AS d FROM posting_moves WHERE matter_number = ?1
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
pub(super) fn kept_by_decision(firm: &docs::FirmDoc) -> BTreeMap<u64, (String, String)> {
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

pub(super) fn decision_hold(kept: Option<&(String, String)>, today: Date) -> Option<api::HoldText> {
    let (until, reason) = kept?;
    (until.as_str() > today.to_string().as_str()).then(|| api::HoldText {
        name: "the firm's decision to keep it".into(),
        reason: format!("kept until {until}: {reason}"),
        until: Some(until.clone()),
    })
}

impl Satchel {
    pub(super) fn require_compliance(&self, what: &str) -> Result<(), AppError> {
        self.require_manager(what)
    }

    /// A register as CSV: a header row, then a row each; the export is recorded (the
    /// register and how many rows, nothing of what they say).
    pub(super) fn register_csv(
        &mut self,
        report: &str,
        header: &[&str],
        rows: &[Vec<String>],
    ) -> Result<String, AppError> {
        let e = |e: csv::Error| AppError::Document(e.to_string());
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(header).map_err(e)?;
        for row in rows {
            w.write_record(row).map_err(e)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| AppError::Document(e.to_string()))?;
        let out = String::from_utf8(bytes).map_err(|e| AppError::Document(e.to_string()))?;
        let detail = serde_json::json!({ "report": report, "format": "csv", "rows": rows.len() });
        self.write("report.export", &format!("report:{report}"), |_, _, _| {
            Ok(detail)
        })?;
        Ok(out)
    }

    pub(super) fn firm(&self) -> Result<docs::FirmDoc, AppError> {
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
}
