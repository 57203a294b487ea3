//! Subject access and erasure requests: logged by contact id, due a calendar month on,
//! extended only within the first month, answered.

use super::*;
use crate::firmdoc::update_firm;
use jiff::Timestamp;
use satchel_core::{dates, required_text};
use satchel_store::rusqlite::Transaction;
use uuid::Uuid;

impl Satchel {
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
}

/// Mark a request answered today, inside the caller's write.
pub(super) fn answer_in(
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
