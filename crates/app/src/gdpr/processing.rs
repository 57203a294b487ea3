//! The record of processing activities: added, changed, removed, exported.

use super::*;
use crate::firmdoc::update_firm;
use satchel_core::required_text;
use uuid::Uuid;

impl Satchel {
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
        let rows: Vec<Vec<String>> = self
            .processing()?
            .into_iter()
            .map(|p| {
                vec![
                    p.activity,
                    p.purpose,
                    p.lawful_basis,
                    p.people,
                    p.data,
                    p.recipients,
                    p.transfers,
                    p.retention,
                    p.security,
                    p.updated_by,
                    p.updated_at,
                ]
            })
            .collect();
        self.register_csv(
            "processing",
            &[
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
            ],
            &rows,
        )
    }

    /// Start an empty record of processing from the activities every law firm has (client
    /// matters, client money and billing, identification checks, staff, marketing), each
    /// to be edited to the firm's own practice. Refused once the record holds any.
    pub fn add_usual_processing(&mut self) -> Result<Vec<api::ProcessingActivity>, AppError> {
        self.require_compliance("edit the record of processing")?;
        if !self.firm()?.processing.is_empty() {
            return Err(Invalid::new(
                "activity",
                "the record already holds activities: add or edit them one by one",
            )
            .into());
        }
        let security = "encrypted laptops (SQLCipher) and firm server; encrypted sync; access by matter; tamper-evident audit trail; verified backups";
        let usual = [
            (
                "Client matters",
                "Acting for clients: advice, transactions and litigation",
                "contract",
                "clients, other parties, witnesses, experts",
                "names, contact details, dates of birth, the facts of the matter, documents; special category data where a matter needs it",
                "counsel, courts, experts, other parties' solicitors, HM Land Registry",
                "six years after closing; fifteen for property, wills and probate, personal injury and clinical negligence (the retention schedule)",
            ),
            (
                "Client money and billing",
                "Keeping client and office money and billing under the SRA Accounts Rules",
                "legal obligation",
                "clients, payers and payees",
                "names, bank details, amounts and dates",
                "the firm's bank, the reporting accountant, the SRA",
                "six years (SRA Accounts Rules r13.5)",
            ),
            (
                "Client identification",
                "Customer due diligence under the Money Laundering Regulations 2017",
                "legal obligation",
                "clients and their beneficial owners",
                "identity documents, addresses, source of funds and wealth",
                "the National Crime Agency where a report is required",
                "five years after the business relationship ends",
            ),
            (
                "Staff and recruitment",
                "Employing staff and recruiting",
                "contract",
                "staff and applicants",
                "contact details, pay, tax, right to work, performance",
                "HMRC, pension provider, payroll",
                "six years after employment ends; unsuccessful applicants six months",
            ),
            (
                "Updates to clients and contacts",
                "Legal updates and events for those who asked for them",
                "consent",
                "clients and contacts who agreed",
                "names and email addresses",
                "none",
                "until they ask to stop",
            ),
        ];
        let firm_doc = self.ctx.firm_doc.clone();
        let by = self.ctx.initials.clone();
        self.write("gdpr.processing.usual", "firm", |tx, at, actor| {
            update_firm(
                tx,
                &firm_doc,
                actor,
                at,
                "start the record of processing",
                |f| {
                    for (activity, purpose, basis, people, data, recipients, retention) in usual {
                        f.processing.push(docs::ProcessingRec {
                            id: Uuid::now_v7().to_string(),
                            activity: activity.into(),
                            purpose: purpose.into(),
                            lawful_basis: basis.into(),
                            people: people.into(),
                            data: data.into(),
                            recipients: recipients.into(),
                            transfers: "none".into(),
                            retention: retention.into(),
                            security: security.into(),
                            updated_by: by.clone(),
                            updated_at: at.to_string(),
                        });
                    }
                    Ok(())
                },
            )?;
            Ok(serde_json::json!({ "activities": usual.len() }))
        })?;
        self.processing()
    }
}
