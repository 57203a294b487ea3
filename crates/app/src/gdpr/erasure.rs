//! Erasure: the plan (each matter destroyed, anonymised or kept with its holds), the
//! destruction of whole documents here, and what the firm server and other devices are
//! told.

use super::requests::answer_in;
use super::*;
use crate::projection;
use jiff::Timestamp;
use satchel_core::dates;
use satchel_store::rusqlite::{Transaction, params};
use uuid::Uuid;

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
pub(super) fn destroy_document(
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
pub(super) fn drop_unused_blobs(tx: &Transaction<'_>) -> Result<usize, AppError> {
    Ok(tx.execute(
        "DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM matter_files f WHERE f.sha256 = blobs.sha256)",
        [],
    )?)
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

/// A document erased here (or, told by the firm server, elsewhere).
#[derive(Debug, Clone)]
pub(crate) struct Erased {
    id: String,
    replaced_by: Option<String>,
    erased_at: String,
    told_server: bool,
}

impl Erased {
    /// The anonymised copy that replaced it, if any.
    pub(crate) fn replaced_by(&self) -> Option<&str> {
        self.replaced_by.as_deref()
    }
}

struct Plan {
    shown: api::ErasurePlan,
    matters: Vec<(String, Action)>,
    contact: api::Contact,
}

impl Satchel {
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
        let mut files_kept = Vec::new();
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
            if action == Action::Anonymise {
                let files: i64 = conn.query_row(
                    "SELECT count(DISTINCT file_id) FROM matter_files WHERE matter_id = ?1",
                    [&about.id],
                    |r| r.get(0),
                )?;
                if files > 0 {
                    files_kept.push(api::HoldText {
                        name: format!("documents on {number}"),
                        reason: format!(
                            "{files} document{} on {number} stay as they are: an erasure takes their details out of the matter's records, not out of a file's contents — review them",
                            if files == 1 { "" } else { "s" }
                        ),
                        until: None,
                    });
                }
            }
            matters.push((about.id, action));
        }
        let mut kept_elsewhere = Vec::new();
        // (What the law keeps elsewhere refuses the erasure in part; the notes on files
        // and backups do not.)
        let mut held_elsewhere = false;
        let r = Redactor::new(details(&contact).iter().map(String::as_str));
        let firm_json =
            serde_json::to_string(&firm).map_err(|e| AppError::Document(e.to_string()))?;
        if r.finds(&firm_json) {
            held_elsewhere = true;
            kept_elsewhere.push(api::HoldText {
                name: "the firm's registers".into(),
                reason: "the SRA breach log and the client-money registers (residual balances, balances brought forward) name them: accounting records are kept six years".into(),
                until: None,
            });
        }
        let needles = Needles::of(&contact);
        let (mut statement_until, mut audit_events): (Option<String>, i64) = (None, 0);
        if !needles.is_empty() {
            statement_until = conn.query_row(
                &format!(
                    "SELECT max(date) FROM statement_lines WHERE {}",
                    needles.any(&["description", "reference"])
                ),
                needles.params(),
                |r| r.get(0),
            )?;
            audit_events = conn.query_row(
                &format!(
                    "SELECT count(*) FROM audit_events WHERE {}",
                    needles.any(&["detail"])
                ),
                needles.params(),
                |r| r.get(0),
            )?;
        }
        if let Some(latest) = statement_until
            && let Ok(d) = latest.parse::<Date>()
        {
            let until = d
                .checked_add(jiff::Span::new().years(gdpr::ACCOUNTING_YEARS))
                .unwrap_or(d);
            held_elsewhere = true;
            kept_elsewhere.push(api::HoldText {
                name: "bank statement lines".into(),
                reason: format!(
                    "the bank's statement lines name them: they are the firm's accounting records, kept six years (until {until})"
                ),
                until: Some(until.to_string()),
            });
        }
        if audit_events > 0 {
            held_elsewhere = true;
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
            reason: "kept, encrypted and out of use, until rotated out (four weeks at most); restoring one on this device makes the erasure again".into(),
            until: None,
        });
        let contact_erased = !party_on_kept;
        let refused_in_part = matters.iter().any(|(_, a)| *a == Action::Keep) || held_elsewhere;
        kept_elsewhere.extend(files_kept);
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
        self.scrub_after()?;
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

    /// After erasing: the search index merged (deleted entries stay in its old segments
    /// until then), and the WAL written back and emptied, so the pages that held the
    /// details are overwritten (the store deletes securely) rather than left in the log.
    /// (The write itself dropped the conflict check's party index.)
    pub(super) fn scrub_after(&self) -> Result<(), AppError> {
        self.store.conn().execute(
            "INSERT INTO search_index (search_index) VALUES ('optimize')",
            [],
        )?;
        Ok(self.store.checkpoint()?)
    }

    /// Every erasure this store knows of, for a restore to apply again.
    pub(crate) fn erasures(&self) -> Result<Vec<Erased>, AppError> {
        let mut stmt = self.store.conn().prepare(
            "SELECT id, replaced_by, erased_at, told_server FROM erased_documents ORDER BY erased_at",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Erased {
                    id: r.get(0)?,
                    replaced_by: r.get(1)?,
                    erased_at: r.get(2)?,
                    told_server: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// After a restore: the erasures the replaced store knew of are made again (a backup
    /// from before an erasure must not bring the person back), and the anonymised copies
    /// that replaced what they erased come back as they were. Returns how many documents
    /// were destroyed again.
    pub(crate) fn reapply_erasures(
        &mut self,
        erased: &[Erased],
        copies: &[crate::Replica],
    ) -> Result<usize, AppError> {
        let held: std::collections::HashSet<String> =
            self.document_ids()?.into_iter().map(|(id, _)| id).collect();
        let again: Vec<&Erased> = erased.iter().filter(|e| held.contains(&e.id)).collect();
        let n = again.len();
        self.write("gdpr.erasures_reapplied", "firm", |tx, at, _| {
            for e in erased {
                tx.execute(
                    "INSERT INTO erased_documents (id, replaced_by, erased_at, told_server)
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO NOTHING",
                    params![e.id, e.replaced_by, e.erased_at, e.told_server],
                )?;
            }
            for e in &again {
                destroy_document(tx, &e.id, e.replaced_by.as_deref(), at, e.told_server)?;
            }
            drop_unused_blobs(tx)?;
            Ok(serde_json::json!({ "documents": n, "known": erased.len() }))
        })?;
        let missing: Vec<crate::Replica> = copies
            .iter()
            .filter(|c| !held.contains(&c.doc_id))
            .cloned()
            .collect();
        if !missing.is_empty() {
            self.merge_documents(&missing)?;
        }
        self.scrub_after()?;
        Ok(n)
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
        self.scrub_after()?;
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
}
